"""Public pages run a fixed number of SQL queries, however much an episode or list holds."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import SourceArticle
from columns.models import Comment, Episode
from tests.factories import make_episode, make_outlet, make_series
from tests.pages import episode_links, series_links

pytestmark = pytest.mark.django_db

# The episode page, for an anonymous reader:
EPISODE_PAGE_QUERIES = [
    "the episode, with its series, volume and stored body (articles, commentary, keywords,"
    " approved comments)",
    "published episodes citing the same article URLs (이 기사를 인용한 다른 화),"
    " when any other episode cites one",
    # The number just before and the first published after: one query while the number
    # just before is published (as here; Episode.published_neighbours).
    "the previous and next published episodes",
]


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    # Measure the views themselves, not a page served from the cache.
    settings.PAGE_CACHE_ENABLED = False


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def episode_with(*, articles: int, commentary: int, keywords: int, comments: int) -> Episode:
    """A published episode in the middle of its series, its articles cited elsewhere too."""
    series = make_series()
    make_episode(series, 1, articles=0, keywords=())
    episode = make_episode(
        series,
        2,
        articles=articles,
        commentary=commentary,
        keywords=tuple(f"키워드{i}" for i in range(keywords)),
        publish_at=timezone.now() - timedelta(hours=1),
    )
    make_episode(
        series, 3, articles=0, keywords=(), publish_at=timezone.now() - timedelta(minutes=1)
    )
    elsewhere = make_episode(articles=0, keywords=())
    for article in episode.articles.all():
        SourceArticle.objects.create(
            episode=elsewhere,
            position=article.position,
            headline=article.headline,
            outlet=article.outlet,
            url=article.url,
        )
    for i in range(comments):
        Comment.objects.create(
            episode=episode, name=f"독자{i}", body="잘 읽었습니다.", status=Comment.Status.APPROVED
        )
    return episode


def test_the_episode_page_runs_the_same_queries_for_a_small_and_a_big_episode(
    client, django_assert_num_queries
):
    small = episode_with(articles=1, commentary=1, keywords=1, comments=1)
    big = episode_with(articles=8, commentary=10, keywords=12, comments=15)

    measured = count_queries(client, small.get_absolute_url())
    assert measured == len(EPISODE_PAGE_QUERIES), EPISODE_PAGE_QUERIES

    with django_assert_num_queries(measured):
        response = client.get(big.get_absolute_url())
    html = response.content.decode()
    assert "가상 기사 제목 8" in html and "10번째 기사에 대한 생각을 적습니다." in html
    assert "#키워드11" in html and "독자14" in html


def test_the_episode_page_reads_no_stored_part_it_does_not_show(client):
    """Its card and feed entries stay in the database: the feed entries are twice the body."""
    episode = make_episode()
    client.get(episode.get_absolute_url())  # its parts are stored on the first view

    with CaptureQueriesContext(connection) as captured:
        response = client.get(episode.get_absolute_url())

    assert response.status_code == 200
    assert "source-article" in response.content.decode()  # the stored body is on the page
    sql = " ".join(query["sql"] for query in captured)
    assert "body_html" in sql  # it comes with the episode
    for unread in ("card_html", "feed_rss_item", "feed_atom_entry"):
        assert unread not in sql


def list_of_episodes(count: int):
    """`count` published episodes in one series, each citing one outlet, one shared keyword.

    Returns the series and, per list page, its URL and the queries it runs.
    """
    series = make_series()
    outlet = make_outlet()
    for number in range(1, count + 1):
        episode = make_episode(series, number, articles=0, keywords=("공통", f"개별{number}"))
        SourceArticle.objects.create(
            episode=episode,
            position=1,
            headline="가상 기사",
            outlet=outlet,
            url=f"https://news.example.com/list/{number}",
        )
    make_episode(series, count + 1, status=Episode.Status.DRAFT, articles=0, keywords=("공통",))
    keyword = Tag.objects.get(name="공통")
    return series, {
        # count of published episodes (paginator), the page of episodes with their
        # series, their stored cards
        "home": (reverse("columns:home"), 3),
        # the series, count, the page of episodes, their stored cards, its volumes
        "series": (series.get_absolute_url(), 5),
        # the keyword, count, the page of episodes, their stored cards (an empty
        # count is the 404)
        "keyword": (reverse("columns:keyword", args=[keyword.slug]), 4),
        # the outlet, count, the page of episodes, their stored cards (an empty
        # count is the 404)
        "outlet": (outlet.get_absolute_url(), 4),
        # count of series with published episodes, the page of series
        "series list": (reverse("columns:series_list"), 2),
    }


@pytest.mark.parametrize("page", ["home", "series", "keyword", "outlet", "series list"])
def test_list_pages_run_the_same_queries_for_3_and_25_episodes(
    client, settings, django_assert_num_queries, page
):
    small_series, small_pages = list_of_episodes(3)
    url, expected = small_pages[page]
    measured = count_queries(client, url)
    assert measured == expected

    # A second, bigger series: the home page and the keyword page now hold 28 episodes
    # (the keyword is shared), the new series and its outlet 25; the series list 2 series.
    big_series, big_pages = list_of_episodes(25)
    big_url, _ = big_pages[page]
    with django_assert_num_queries(measured):
        response = client.get(big_url)
    html = response.content.decode()
    if page == "series list":
        assert set(series_links(html)) == {
            small_series.get_absolute_url(),
            big_series.get_absolute_url(),
        }
        assert len(series_links(html)) == 2
        assert "· 3화" in html and "· 25화" in html  # published only, drafts not counted
    else:
        # The big series' newest episodes fill the first page, each once, no draft (26).
        newest = [f"{big_series.get_absolute_url()}{n}/" for n in range(25, 5, -1)]
        assert len(newest) == settings.EPISODES_PER_PAGE
        assert episode_links(html) == newest
