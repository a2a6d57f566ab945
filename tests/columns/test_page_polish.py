"""What a new reader notices first: titles said once, what the column is, legible tags."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from columns.models import Volume
from tests.factories import make_episode, make_series

pytestmark = pytest.mark.django_db

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "site.css").read_text()


def title_of(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def test_a_series_named_like_the_site_says_its_name_once_in_the_title(client, settings):
    series = make_series(title=settings.SITE_NAME, slug="site-named")
    make_episode(series)
    assert title_of(client.get(series.get_absolute_url()).content.decode()) == settings.SITE_NAME
    other = make_series(title="밤의 과학 뉴스", slug="night")
    html = client.get(other.get_absolute_url()).content.decode()
    assert title_of(html) == f"밤의 과학 뉴스 · {settings.SITE_NAME}"


def test_the_series_page_shows_its_description_and_volumes(client):
    series = make_series(slug="with-volumes", description="과학 기사를 골라 **천천히** 읽습니다.")
    Volume.objects.create(series=series, number=1, title="첫 번째 계절")
    Volume.objects.create(series=series, number=2, title="두 번째 계절")
    make_episode(series)
    html = client.get(series.get_absolute_url()).content.decode()
    assert "<strong>천천히</strong>" in html
    assert html.index("1권</span> 첫 번째 계절") < html.index("2권</span> 두 번째 계절")


def test_the_home_page_says_what_the_column_is(client):
    make_episode()
    html = client.get(reverse("columns:home")).content.decode()
    assert "기사 몇 꼭지를 골라 요약하고 인용한 뒤, 기사마다 논평을 붙이는 연재" in html


def test_the_answered_article_tags_are_at_least_0_875rem():
    size = re.search(r"\.answers \{[^}]*font-size: ([0-9.]+)rem", CSS).group(1)
    assert float(size) >= 0.875


def test_the_volume_position_is_never_split_from_its_words(client):
    series = make_series(slug="positions")
    volume = Volume.objects.create(series=series, number=1, title="첫 번째 계절")
    episode = make_episode(series, 3, volume=volume, volume_position=8)
    html = client.get(episode.get_absolute_url()).content.decode()
    assert '<span class="crumb-position">· 8번째&nbsp;글</span>' in html
    assert re.search(r"\.crumb-position \{ white-space: nowrap; \}", CSS)
