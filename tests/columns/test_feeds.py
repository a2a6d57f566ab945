"""구독: RSS and Atom feeds, read the way a feed reader reads them (feedparser)."""

import calendar
import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from columns.models import Episode, RenderedEpisode
from columns.projections.feed_entries import AtomWithContent, RssWithContent
from tests.factories import make_episode, make_series

pytestmark = pytest.mark.django_db

SITE_FEEDS = ["columns:feed_rss", "columns:feed_atom"]
SERIES_FEEDS = ["columns:series_feed_rss", "columns:series_feed_atom"]


def read_feed(client, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def entry_content(entry) -> str:
    return entry.content[0].value


def as_utc(struct) -> datetime:
    return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC)


@pytest.fixture
def column():
    """A series with two published episodes, a draft and a scheduled one."""
    series = make_series(title="저녁의 기술 뉴스", author_name="바람지기")
    older = make_episode(
        series,
        1,
        headline="첫 화의 제목",
        subtitle="첫 화 부제",
        publish_at=datetime(2025, 10, 7, 11, 30, tzinfo=UTC),  # 20:30 in Seoul
    )
    newer = make_episode(
        series,
        2,
        headline="둘째 화의 제목",
        subtitle="둘째 화 부제",
        publish_at=datetime(2025, 10, 10, 15, 30, tzinfo=UTC),  # 00:30 on the 11th in Seoul
    )
    make_episode(series, 3, headline="아직 초안인 화", status=Episode.Status.DRAFT)
    make_episode(series, 4, headline="내일 나갈 화", publish_at=timezone.now() + timedelta(days=1))
    return series, older, newer


@pytest.mark.parametrize("name", SITE_FEEDS)
def test_site_feeds_list_published_episodes_newest_first(client, column, name):
    _series, older, newer = column
    feed = read_feed(client, reverse(name))
    assert [e.title for e in feed.entries] == [newer.title, older.title]
    assert feed.feed.title == "뉴스가 있는 저녁"


@pytest.mark.parametrize("name", SITE_FEEDS + SERIES_FEEDS)
def test_feeds_never_carry_drafts_or_scheduled_episodes(client, column, name):
    series = column[0]
    url = reverse(name, args=[series.slug] if "series" in name else [])
    body = client.get(url).content.decode()
    assert "아직 초안인 화" not in body and "내일 나갈 화" not in body
    assert len(feedparser.parse(body).entries) == 2


@pytest.mark.parametrize("name", SITE_FEEDS)
def test_publish_dates_are_the_episodes_moments_in_utc(client, column, name):
    _series, older, newer = column
    feed = read_feed(client, reverse(name))
    published = [as_utc(e.published_parsed) for e in feed.entries]
    assert published == [newer.publish_at, older.publish_at]
    assert published[0] == datetime(2025, 10, 10, 15, 30, tzinfo=UTC)


def test_rss_dates_are_written_in_utc(client, column):
    body = client.get(reverse("columns:feed_rss")).content.decode()
    assert "<pubDate>Fri, 10 Oct 2025 15:30:00 +0000</pubDate>" in body


@pytest.mark.parametrize("name", SITE_FEEDS)
def test_each_entry_carries_the_whole_episode_as_html(client, column, name):
    _series, _older, newer = column
    entry = read_feed(client, reverse(name)).entries[0]
    content = entry_content(entry)
    for part in [
        "안녕하세요, 오늘도 저녁 뉴스를 나눕니다.",  # intro
        "요약한 기사",
        "가상 기사 제목 1",
        "기사 1의 첫 인용문입니다.",  # a quoted excerpt
        "바람지기의 논평",
        "3번째 기사에 대한 생각을 적습니다.",  # commentary
        "이상 오늘의 저녁 뉴스였습니다.",  # closing
        "참고기사",
        'href="https://news.example.com/article/2-1"',  # a reference link
        "#반도체",
    ]:
        assert part in content, part
    assert "<script" not in content
    assert entry.summary == "둘째 화 부제"
    assert entry.link == "http://testserver" + newer.get_absolute_url()
    assert {tag.term for tag in entry.tags} == {"반도체", "생성형AI"}
    assert entry.author == "바람지기"


@pytest.mark.parametrize("name", SERIES_FEEDS)
def test_series_feeds_hold_only_that_series(client, column, name):
    series = column[0]
    other = make_series(title="다른 연재")
    make_episode(other, 1, headline="다른 연재의 글")
    feed = read_feed(client, reverse(name, args=[series.slug]))
    assert "다른 연재의 글" not in [e.title for e in feed.entries]
    assert len(feed.entries) == 2
    assert feed.feed.title.startswith("저녁의 기술 뉴스")


def test_a_series_feed_of_an_unknown_series_is_404(client):
    assert client.get(reverse("columns:series_feed_rss", args=["없는-연재"])).status_code == 404


def test_feeds_work_for_korean_series_addresses(client):
    series = make_series(slug="저녁-뉴스")
    make_episode(series, 7, headline="한글 주소의 글")
    feed = read_feed(client, reverse("columns:series_feed_atom", args=[series.slug]))
    assert feed.entries[0].title.endswith("(한글 주소의 글)")


def test_feed_links_use_the_configured_site_address(client, column, settings):
    settings.SITE_URL = "https://column.example.com"
    _series, _older, newer = column
    feed = read_feed(client, reverse("columns:feed_atom"))
    assert feed.entries[0].link == "https://column.example.com" + newer.get_absolute_url()
    assert feed.feed.link == "https://column.example.com/"


def test_entry_links_follow_the_host_each_feed_is_read_on(client, column, settings):
    settings.ALLOWED_HOSTS = ["testserver", "column.example.org"]
    settings.PAGE_CACHE_ENABLED = False
    _series, _older, newer = column
    url = reverse("columns:feed_rss")
    here = read_feed(client, url)
    there = feedparser.parse(client.get(url, HTTP_HOST="column.example.org").content)
    assert here.entries[0].link == "http://testserver" + newer.get_absolute_url()
    assert there.entries[0].link == "http://column.example.org" + newer.get_absolute_url()
    assert "testserver" not in entry_content(there.entries[0])
    assert "http://column.example.org/" in entry_content(there.entries[0])


@pytest.mark.parametrize("name", SITE_FEEDS)
def test_the_feed_is_dated_by_its_newest_entry(client, column, name):
    _series, _older, newer = column
    feed = read_feed(client, reverse(name))
    assert as_utc(feed.feed.updated_parsed) == newer.publish_at


@pytest.mark.parametrize(
    ("name", "generator"),
    [("columns:feed_rss", RssWithContent), ("columns:feed_atom", AtomWithContent)],
)
def test_a_feed_request_writes_the_entries_stored_with_the_episodes(
    client, column, settings, name, generator
):
    settings.PAGE_CACHE_ENABLED = False
    _series, older, newer = column
    read_feed(client, reverse(name))  # every entry is stored by now
    with mock.patch.object(generator, "add_item_elements", side_effect=AssertionError):
        feed = read_feed(client, reverse(name))
    assert [e.title for e in feed.entries] == [newer.title, older.title]


def test_an_out_of_date_stored_entry_is_written_again_when_a_feed_is_read(client, column, settings):
    settings.PAGE_CACHE_ENABLED = False
    RenderedEpisode.objects.update(version="old", feed_rss_item="")
    feed = read_feed(client, reverse("columns:feed_rss"))
    assert len(feed.entries) == 2
    assert "바람지기의 논평" in entry_content(feed.entries[0])


def test_headlines_with_markup_characters_stay_text(client):
    make_episode(headline="<b>굵게</b> & 「따옴표」")
    feed = read_feed(client, reverse("columns:feed_rss"))
    assert feed.entries[0].title.endswith("(<b>굵게</b> & 「따옴표」)")


def test_feeds_are_announced_on_pages_for_autodiscovery(client, column):
    series, older, _newer = column
    site_rss = reverse("columns:feed_rss")
    site_atom = reverse("columns:feed_atom")
    series_rss = reverse("columns:series_feed_rss", args=[series.slug])
    for url, expected in [
        (reverse("columns:home"), [site_rss, site_atom]),
        (series.get_absolute_url(), [site_rss, site_atom, series_rss]),
        (older.get_absolute_url(), [site_rss, site_atom, series_rss]),
    ]:
        html = client.get(url).content.decode()
        head = html[: html.index("</head>")]
        links = re.findall(
            r'<link rel="alternate" type="application/(?:rss|atom)\+xml" [^>]*href="([^"]+)"', head
        )
        for href in expected:
            assert href in links, (url, href)


# A site feed (RSS or Atom), however many episodes there are:
SITE_FEED_QUERIES = [
    "the newest 20 published episodes, each with its stored entry"
    " (RenderedEpisode: this format's entry and its version; the dates for the channel)",
]
# A series' feed: the series by its slug, then the same query for its episodes.
SERIES_FEED_QUERIES = ["the series, by slug", *SITE_FEED_QUERIES]


def grow_series(series, count: int) -> None:
    """Published episodes 1…count in `series` (adding only the missing ones)."""
    for number in range(series.episodes.count() + 1, count + 1):
        make_episode(series, number)


@pytest.mark.parametrize("name", SITE_FEEDS)
def test_feeds_run_the_same_queries_for_3_and_30_episodes(
    client, settings, django_assert_num_queries, name
):
    settings.PAGE_CACHE_ENABLED = False
    series = make_series()
    grow_series(series, 3)
    with django_assert_num_queries(len(SITE_FEED_QUERIES)) as small:
        feed = read_feed(client, reverse(name))
    assert len(feed.entries) == 3

    grow_series(series, 30)
    with django_assert_num_queries(len(SITE_FEED_QUERIES)) as big:
        feed = read_feed(client, reverse(name))
    assert len(feed.entries) == 20
    assert len(big) == len(small)


def test_a_series_feed_adds_one_query_for_the_series(client, settings, django_assert_num_queries):
    settings.PAGE_CACHE_ENABLED = False
    series = make_series()
    make_episode(make_series(), 1)  # another series' episode stays out of this feed
    url = reverse("columns:series_feed_rss", args=[series.slug])
    grow_series(series, 3)
    with django_assert_num_queries(len(SERIES_FEED_QUERIES)) as small:
        feed = read_feed(client, url)
    assert len(feed.entries) == 3

    grow_series(series, 30)
    with django_assert_num_queries(len(SERIES_FEED_QUERIES)) as big:
        feed = read_feed(client, url)
    assert len(feed.entries) == 20
    assert len(big) == len(small)


def test_a_feed_body_has_the_sites_links_made_absolute_and_no_others_touched():
    from columns.projections.body import for_feed

    body = (
        '<a href="/outlets/a/">언론사</a> <img src="/media/b.jpg" alt="">'
        ' <a href="#article-2">2번 기사</a> <a href="https://news.example.com/c">원문</a>'
        ' <a href="//cdn.example.com/d">다른 주소</a> <span data-href="/e">f</span>'
        ' <p>글 속의 ahref="/g" 와 xsrc="/h"</p>\n<!--cited-elsewhere:2-->\n<p>끝</p>'
    )
    site, page = "https://column.example.com", "https://column.example.com/series/s/3/"
    assert for_feed(body, site=site, page_url=page) == (
        '<a href="https://column.example.com/outlets/a/">언론사</a>'
        ' <img src="https://column.example.com/media/b.jpg" alt="">'
        ' <a href="https://column.example.com/series/s/3/#article-2">2번 기사</a>'
        ' <a href="https://news.example.com/c">원문</a>'
        ' <a href="//cdn.example.com/d">다른 주소</a>'
        ' <span data-href="https://column.example.com/e">f</span>'
        ' <p>글 속의 ahref="/g" 와 xsrc="/h"</p>\n<p>끝</p>'
    )
