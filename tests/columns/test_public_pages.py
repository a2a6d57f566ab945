"""The public pages a reader opens: what they show, in what order, and what they hide."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import SourceArticle
from columns.models import Episode
from tests.factories import make_episode, make_series
from tests.pages import episode_links

pytestmark = pytest.mark.django_db


def text_positions(html: str, *needles: str) -> list[int]:
    positions = [html.find(n) for n in needles]
    assert -1 not in positions, dict(zip(needles, positions, strict=True))
    return positions


def test_episode_page_shows_every_part_in_the_columns_order(client):
    series = make_series(title="저녁의 기술 뉴스", author_name="바람지기")
    episode = make_episode(
        series,
        48,
        headline="바다 건너 데이터센터",
        subtitle="부제는 한 문장으로 씁니다",
        publish_at=timezone.make_aware(timezone.datetime(2025, 10, 7, 20, 30)),
    )
    html = client.get(episode.get_absolute_url()).content.decode()

    order = text_positions(
        html,
        "저녁의 기술 뉴스-48(바다 건너 데이터센터)",
        "부제는 한 문장으로 씁니다",
        'by <span class="author">바람지기</span>',
        "2025년 10월 7일",
        "안녕하세요, 오늘도 저녁 뉴스를 나눕니다.",
        '<h2 id="summaries-title">요약한 기사',
        "가상 기사 제목 1",
        "기사 1의 첫 인용문입니다.",
        "가상 기사 제목 3",
        "바람지기의 논평",
        "1번째 기사에 대한 생각을 적습니다.",
        "이상 오늘의 저녁 뉴스였습니다.",
        '<h2 id="references-title">참고기사',
        ">https://news.example.com/article/48-1</a>",
        '<h2 id="keywords-title">키워드',
        "#반도체",
    )
    assert order == sorted(order)


def test_episode_page_links_each_commentary_paragraph_to_its_article(client):
    episode = make_episode()
    html = client.get(episode.get_absolute_url()).content.decode()
    assert 'id="article-2"' in html
    assert 'href="#article-2"' in html


def test_episode_page_shows_outlet_and_links_to_source_and_outlet_page(client):
    episode = make_episode()
    article = episode.articles.first()
    html = client.get(episode.get_absolute_url()).content.decode()
    assert f'href="{article.url}"' in html
    assert f'href="{article.outlet.get_absolute_url()}"' in html
    assert f"-{article.outlet.name}-" in html


def test_dates_are_shown_in_seoul_time(client):
    # 2025-10-07 16:00 UTC is already 10월 8일 in Seoul.
    episode = make_episode(publish_at=datetime(2025, 10, 7, 16, 0, tzinfo=UTC))
    html = client.get(episode.get_absolute_url()).content.decode()
    assert "2025년 10월 8일" in html


def test_previous_and_next_links_skip_unpublished_episodes(client):
    series = make_series()
    first = make_episode(series, 1)
    make_episode(series, 2, status=Episode.Status.DRAFT)
    middle = make_episode(series, 3)
    make_episode(series, 4, publish_at=timezone.now() + timedelta(days=2))
    html = client.get(middle.get_absolute_url()).content.decode()
    assert f'href="{first.get_absolute_url()}"' in html
    assert 'rel="prev"' in html
    assert 'rel="next"' not in html
    assert "/2/" not in html and "/4/" not in html


def test_previous_and_next_links_reach_past_a_gap_to_the_nearest_published_episodes(client):
    series = make_series()
    make_episode(series, 1)
    before = make_episode(series, 2)
    make_episode(series, 3, status=Episode.Status.DRAFT)
    middle = make_episode(series, 4)
    make_episode(series, 5, status=Episode.Status.DRAFT)
    make_episode(series, 6, publish_at=timezone.now() + timedelta(days=2))
    after = make_episode(series, 7)
    make_episode(series, 8)
    html = client.get(middle.get_absolute_url()).content.decode()
    prev_link = re.search(r'<a class="prev" rel="prev" href="([^"]+)"', html)
    next_link = re.search(r'<a class="next" rel="next" href="([^"]+)"', html)
    assert prev_link and prev_link[1] == before.get_absolute_url()
    assert next_link and next_link[1] == after.get_absolute_url()


def test_previous_and_next_links_are_the_adjacent_numbers_in_a_series_without_gaps(client):
    series = make_series()
    first, middle, last = (make_episode(series, n) for n in (1, 2, 3))
    html = client.get(middle.get_absolute_url()).content.decode()
    assert f'rel="prev" href="{first.get_absolute_url()}"' in html
    assert f'rel="next" href="{last.get_absolute_url()}"' in html
    html = client.get(first.get_absolute_url()).content.decode()
    assert 'rel="prev"' not in html
    assert f'rel="next" href="{middle.get_absolute_url()}"' in html


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_unpublished_episode_is_404_for_the_public(client, state):
    episode = make_episode(
        status=Episode.Status.DRAFT if state == "draft" else Episode.Status.PUBLISHED,
        publish_at=None if state == "draft" else timezone.now() + timedelta(hours=1),
    )
    response = client.get(episode.get_absolute_url())
    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다" in response.content.decode()


def test_scheduled_episode_appears_once_its_time_has_come(client):
    episode = make_episode(publish_at=timezone.now() + timedelta(minutes=5))
    assert client.get(episode.get_absolute_url()).status_code == 404
    Episode.objects.filter(pk=episode.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    assert client.get(episode.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_staff_see_a_preview_with_a_visible_banner(client, staff, state):
    episode = make_episode(
        status=Episode.Status.DRAFT if state == "draft" else Episode.Status.PUBLISHED,
        publish_at=None if state == "draft" else timezone.now() + timedelta(days=1),
    )
    client.force_login(staff)
    response = client.get(episode.get_absolute_url())
    assert response.status_code == 200
    assert 'class="preview-banner"' in response.content.decode()


def test_published_episode_has_no_preview_banner_for_staff(client, staff):
    episode = make_episode()
    client.force_login(staff)
    assert "preview-banner" not in client.get(episode.get_absolute_url()).content.decode()


def test_home_lists_latest_published_episodes_only(client):
    older = make_episode(headline="오래된 글", publish_at=timezone.now() - timedelta(days=9))
    newer = make_episode(headline="새로 쓴 글", publish_at=timezone.now() - timedelta(days=1))
    make_episode(headline="아직 초안인 글", status=Episode.Status.DRAFT)
    make_episode(headline="내일 나갈 글", publish_at=timezone.now() + timedelta(days=1))
    html = client.get(reverse("columns:home")).content.decode()
    assert html.index(newer.headline) < html.index(older.headline)
    assert "아직 초안인 글" not in html
    assert "내일 나갈 글" not in html


def test_series_page_is_paginated_and_counts_published_only(client, settings):
    series = make_series(description="**매주** 세 번 씁니다.")
    for number in range(1, 24):
        make_episode(series, number, articles=0, keywords=())
    make_episode(series, 24, status=Episode.Status.DRAFT, articles=0, keywords=())
    url = series.get_absolute_url()
    first = client.get(url).content.decode()
    assert "<strong>매주</strong>" in first
    assert '회차 <span class="count">23화</span>' in first  # the draft is not counted
    # Newest first, 20 a page: 23…4 on the first page, 3…1 on the second, no draft.
    assert episode_links(first) == [f"{url}{number}/" for number in range(23, 3, -1)]
    second = client.get(url + "?page=2").content.decode()
    assert episode_links(second) == [f"{url}{number}/" for number in (3, 2, 1)]
    assert client.get(url + "?page=3").status_code == 404
    assert client.get(url + "?page=9").status_code == 404


def test_series_list_counts_only_published_episodes(client):
    series = make_series(title="숨은 연재")
    make_episode(series, 1, status=Episode.Status.DRAFT)
    visible = make_series(title="보이는 연재")
    make_episode(visible, 1)
    make_episode(visible, 2, publish_at=timezone.now() + timedelta(days=3))
    html = client.get(reverse("columns:series_list")).content.decode()
    assert "숨은 연재" not in html
    assert re.search(r"보이는 연재</a>\s*<span class=\"meta\">by [^<]*· 1화", html)


def test_keyword_page_lists_published_episodes_with_that_keyword(client):
    shown = make_episode(headline="키워드가 있는 글", keywords=("한국어키워드",))
    make_episode(headline="초안 키워드 글", status=Episode.Status.DRAFT, keywords=("한국어키워드",))
    tag = shown.keywords.get()
    response = client.get(reverse("columns:keyword", args=[tag.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "키워드가 있는 글" in html and "초안 키워드 글" not in html


def test_keyword_used_only_by_drafts_is_404(client):
    draft = make_episode(status=Episode.Status.DRAFT, keywords=("비밀키워드",))
    tag = draft.keywords.get()
    assert client.get(reverse("columns:keyword", args=[tag.slug])).status_code == 404


def test_outlet_page_lists_published_episodes_citing_it(client):
    # Three articles of one outlet: the episode is one card, not one per article.
    shown = make_episode(headline="인용한 글", articles=3)
    outlet = shown.articles.first().outlet
    assert set(shown.articles.values_list("outlet", flat=True)) == {outlet.pk}
    newer = make_episode(headline="나중에 인용한 글", articles=0, publish_at=timezone.now())
    draft = make_episode(headline="초안에서 인용한 글", articles=0, status=Episode.Status.DRAFT)
    for episode in (newer, draft):
        SourceArticle.objects.create(
            episode=episode,
            position=1,
            headline="같은 언론사의 다른 기사",
            outlet=outlet,
            url=f"https://news.example.com/outlet-page/{episode.number}",
        )
    make_episode(headline="다른 언론사만 인용한 글")

    html = client.get(outlet.get_absolute_url()).content.decode()
    assert episode_links(html) == [newer.get_absolute_url(), shown.get_absolute_url()]
    assert "이 언론사의 기사를 인용한 글 2화" in html


def test_outlet_cited_only_in_drafts_is_404(client):
    draft = make_episode(status=Episode.Status.DRAFT)
    outlet = draft.articles.first().outlet
    assert client.get(outlet.get_absolute_url()).status_code == 404


def test_unknown_pages_are_404_not_errors(client):
    series = make_series()
    assert client.get("/series/없는-연재/").status_code == 404
    assert client.get(f"/series/{series.slug}/999/").status_code == 404
    assert client.get("/keywords/없는키워드/").status_code == 404
    assert client.get("/outlets/없는언론사/").status_code == 404


def test_public_pages_are_korean_and_carry_a_strict_csp(client):
    episode = make_episode()
    response = client.get(episode.get_absolute_url())
    assert '<html lang="ko">' in response.content.decode()
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "object-src 'none'" in csp


def test_korean_series_slug_works_in_urls(client):
    series = make_series(slug="저녁-뉴스")
    episode = make_episode(series, 7)
    assert client.get(episode.get_absolute_url()).status_code == 200
    assert client.get(series.get_absolute_url()).status_code == 200


def test_a_series_address_follows_a_new_slug_on_the_same_loaded_row():
    series = make_series(slug="first-address")
    assert series.get_absolute_url() == "/series/first-address/"
    series.slug = "second-address"
    assert series.get_absolute_url() == "/series/second-address/"
