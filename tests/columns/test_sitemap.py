"""sitemap.xml and robots.txt: every page a reader can open, and nothing else."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from columns.models import Episode
from tests.factories import make_episode, make_outlet, make_series

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def read_sitemap(client) -> dict[str, str | None]:
    """{location: lastmod} of every url in sitemap.xml."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 - the site's own output
    return {
        url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS)
        for url in root.findall("sm:url", NS)
    }


@pytest.fixture
def published():
    series = make_series(title="보이는 연재", slug="visible")
    return make_episode(
        series,
        1,
        keywords=("공개키워드",),
        publish_at=datetime(2025, 10, 7, 11, 30, tzinfo=UTC),
    )


@pytest.fixture
def hidden():
    """A draft and a scheduled episode, each alone in its series, keyword and outlet."""
    draft = make_episode(
        make_series(title="초안뿐인 연재", slug="drafts-only"),
        1,
        status=Episode.Status.DRAFT,
        keywords=("초안키워드",),
    )
    scheduled = make_episode(
        make_series(title="예약뿐인 연재", slug="scheduled-only"),
        1,
        publish_at=timezone.now() + timedelta(days=1),
        keywords=("예약키워드",),
    )
    return draft, scheduled


def test_sitemap_lists_every_kind_of_public_page_with_lastmod(client, published):
    urls = read_sitemap(client)
    tag = published.keywords.get()
    outlet = published.articles.first().outlet
    base = "http://testserver"
    expected = [
        base + reverse("columns:home"),
        base + reverse("columns:series_list"),
        base + published.series.get_absolute_url(),
        base + published.get_absolute_url(),
        base + reverse("columns:keyword", args=[tag.slug]),
        base + outlet.get_absolute_url(),
    ]
    for location in expected:
        assert location in urls, location
        assert urls[location], f"{location} has no lastmod"
    assert urls[base + reverse("columns:keyword", args=[tag.slug])] == "2025-10-07"


def test_an_episode_lastmod_is_its_latest_change(client, published):
    Episode.objects.filter(pk=published.pk).update(
        updated_at=datetime(2025, 11, 2, 3, 0, tzinfo=UTC)
    )
    urls = read_sitemap(client)
    assert urls["http://testserver" + published.get_absolute_url()] == "2025-11-02"


def test_sitemap_never_lists_drafts_scheduled_episodes_or_pages_only_they_fill(
    client, published, hidden
):
    urls = read_sitemap(client)
    body = "\n".join(urls)
    for episode in hidden:
        assert episode.get_absolute_url() not in body
        assert episode.series.get_absolute_url() not in body
        assert episode.articles.first().outlet.get_absolute_url() not in body
        tag = episode.keywords.get()
        assert reverse("columns:keyword", args=[tag.slug]) not in body
    assert len([u for u in urls if "/series/" in u and u.count("/") == 6]) == 1  # one episode


def test_an_outlet_cited_by_no_published_episode_is_left_out(client, published):
    lonely = make_outlet(name="아무도 인용하지 않은 언론사")
    assert lonely.get_absolute_url() not in "\n".join(read_sitemap(client))


def test_sitemap_uses_the_configured_site_address(client, published, settings):
    settings.SITE_URL = "https://column.example.com"
    urls = read_sitemap(client)
    assert "https://column.example.com" + published.get_absolute_url() in urls
    assert all(u.startswith("https://column.example.com/") for u in urls)


def test_an_empty_site_has_a_valid_sitemap(client):
    urls = read_sitemap(client)
    assert set(urls) == {"http://testserver/", "http://testserver/series/"}


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines


def test_robots_txt_uses_the_configured_site_address(client, settings):
    settings.SITE_URL = "https://column.example.com"
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: https://column.example.com/sitemap.xml" in body


# sitemap.xml, however many episodes, keywords and outlets there are:
SITEMAP_QUERIES = [
    "pages: the front page's lastmod (newest published episode)",
    "pages: the series list's lastmod (the same)",
    "series: the count of series with a published episode (the sitemap's paginator)",
    "series: those series, each with its last publication",
    "episodes: the count of published episodes",
    "episodes: those episodes with their series' slug",
    "keywords: the slugs on published episodes with their last publication (a list: no count)",
    "outlets: the count of outlets cited by a published episode",
    "outlets: those outlets, each with its last publication",
]


def test_sitemap_runs_the_same_queries_for_3_and_30_episodes(
    client, settings, django_assert_num_queries
):
    settings.PAGE_CACHE_ENABLED = False
    series = make_series()

    def grow(count):
        # Each episode: its own outlet and keyword, and one shared keyword.
        for number in range(series.episodes.count() + 1, count + 1):
            make_episode(series, number, articles=1, keywords=("하나", f"키워드{number}"))

    grow(3)
    with django_assert_num_queries(len(SITEMAP_QUERIES)) as small:
        urls = read_sitemap(client)
    # front page, series list, the series, its episodes, keywords, outlets
    assert len(urls) == 2 + 1 + 3 + (1 + 3) + 3

    grow(30)
    with django_assert_num_queries(len(SITEMAP_QUERIES)) as big:
        urls = read_sitemap(client)
    assert len(urls) == 2 + 1 + 30 + (1 + 30) + 30
    assert len(big) == len(small)
