"""Every write path against every cached page type: a page that shows the change
shows it at once; a page that does not keeps its cached copy.

The site (`site` fixture): series A with published episodes 1–3 and a draft 4,
series B with one published episode; A1 and A2 cite outlet X, A3, A4 and B1
outlet Y; keywords 반도체 (A2, A4, B1), 로봇 (B1), 공통 (A1–A3); a comment
approved and one pending on A2. Every page below is warmed (the second visit
is a HIT) before each write.

What each write renews (● must be fresh at once, · stays cached;
`h` = home, `x` = /series/, `kw` = /keywords/반도체/, `kr` = /keywords/로봇/,
`oX`/`oY` = the outlets' pages, `q` = /search/?q=반도체, `f` = /feed/,
`fA` = /series/A/feed/, `sm` = /sitemap.xml):

| write | h | x | A | B | A2 | A3 | B1 | kw | kr | oX | oY | q | f | fA | sm |
| --- | - | - | - | - | - | - | - | - | - | - | - | - | - | - | - |
| commentary paragraph of A2 | · | · | · | · | ● | · | · | · | · | · | · | ● | ● | ● | · |
| A2 closing (episode save) | · | · | · | · | ● | · | · | · | · | · | · | ● | ● | ● | ● |
| A2 headline | ● | · | ● | · | ● | ● | · | ● | · | ● | · | ● | ● | ● | ● |
| A1 headline (A2's "previous") | ● | · | ● | · | ● | · | · | · | · | ● | · | ● | ● | ● | ● |
| publish draft A4 | ● | ● | ● | ● | ● | ● | · | ● | ● | ● | ● | ● | ● | ● | ● |
| unpublish A3 (A3: 404) | ● | ● | ● | ● | ● | ● | · | ● | ● | ● | ● | ● | ● | ● | ● |
| delete A1 | ● | ● | ● | ● | ● | ● | · | ● | ● | ● | ● | ● | ● | ● | ● |
| comment approved on A2 | · | · | · | · | ● | · | · | · | · | · | · | · | · | · | · |
| keyword 로봇 added to A2 | · | · | · | · | ● | · | · | · | ● | · | · | ● | ● | ● | ● |
| tag 반도체 renamed | · | · | · | · | ● | · | ● | ● | · | · | · | ● | ● | ● | ● |
| outlet X renamed | · | · | · | · | ● | · | · | · | · | ● | · | ● | ● | ● | ● |
| series A title | ● | ● | ● | · | ● | ● | · | ● | · | ● | ● | ● | ● | ● | ● |
| A2's article moved X → Y | · | · | · | · | ● | · | · | · | · | ● | ● | ● | ● | ● | ● |

Some ● are wider than what visibly changes, by design of the tags
(columns/pagecache.py): any change to which episodes are public renews every
list (`lists`), so publishing A4 renews B's page and the 로봇 page too; a
change to which episodes of A are public renews every page of A (its
neighbours); search and feeds are renewed by any text change; the sitemap by
any change to an episode row (its lastmod), keyword or citation. Nothing a
write shows is ever left cached: that is what the content assertions check.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import SourceArticle
from columns import services
from columns.models import Comment, Commentary, Episode
from tests.factories import make_episode, make_outlet, make_series

pytestmark = pytest.mark.django_db


def get(url, **headers):
    return Client().get(url, **headers)


def cite(episode, outlet, position=1):
    article = SourceArticle.objects.create(
        episode=episode,
        position=position,
        headline=f"{episode.headline}이 인용한 기사",
        outlet=outlet,
        url=f"https://news.example.com/invalidation/{episode.series.slug}-{episode.number}",
        summary="“인용한 문장입니다.”",
    )
    Commentary.objects.create(
        episode=episode,
        position=position,
        source_article=article,
        body=f"{episode.headline}에 붙인 논평 문단입니다.",
    )
    return article


class Site:
    """The fixture's rows and the addresses of every page type."""

    def __init__(self):
        now = timezone.now()
        self.x = make_outlet("엑스일보")
        self.y = make_outlet("와이신문")
        self.series_a = make_series("아침의 기술", slug="morning")
        self.series_b = make_series("밤의 경제", slug="night")

        def episode(series, number, headline, keywords, outlet, age, **fields):
            made = make_episode(
                series,
                number,
                headline=headline,
                keywords=keywords,
                articles=0,
                publish_at=now - age if age is not None else None,
                **fields,
            )
            cite(made, outlet)
            return made

        self.a1 = episode(self.series_a, 1, "아침 첫 이야기", ("공통",), self.x, timedelta(days=3))
        self.a2 = episode(
            self.series_a,
            2,
            "아침 둘째 이야기",
            ("반도체", "공통"),
            self.x,
            timedelta(days=2),
            closing="둘째 화의 맺음말입니다.",
        )
        self.a3 = episode(
            self.series_a, 3, "아침 셋째 이야기", ("공통",), self.y, timedelta(days=1)
        )
        self.a4 = episode(
            self.series_a, 4, "아침 넷째 초안", ("반도체",), self.y, None, status="draft"
        )
        self.b1 = episode(
            self.series_b, 1, "밤의 첫 이야기", ("반도체", "로봇"), self.y, timedelta(hours=12)
        )
        Comment.objects.create(
            episode=self.a2, name="먼저온독자", body="이미 승인된 댓글", status="approved"
        )
        self.pending = Comment.objects.create(
            episode=self.a2, name="새독자", body="승인 기다리는 댓글"
        )
        self.semiconductor = Tag.objects.get(name="반도체")
        self.robot = Tag.objects.get(name="로봇")
        self.pages = {
            "home": reverse("columns:home"),
            "series list": reverse("columns:series_list"),
            "series A": self.series_a.get_absolute_url(),
            "series B": self.series_b.get_absolute_url(),
            "A2": self.a2.get_absolute_url(),
            "A3": self.a3.get_absolute_url(),
            "B1": self.b1.get_absolute_url(),
            "keyword 반도체": reverse("columns:keyword", args=[self.semiconductor.slug]),
            "keyword 로봇": reverse("columns:keyword", args=[self.robot.slug]),
            "outlet X": self.x.get_absolute_url(),
            "outlet Y": self.y.get_absolute_url(),
            "search": reverse("columns:search") + "?q=반도체",
            "feed": reverse("columns:feed_rss"),
            "series A feed": reverse("columns:series_feed_rss", args=[self.series_a.slug]),
            "sitemap": "/sitemap.xml",
        }

    def warm(self):
        for name, url in self.pages.items():
            first = get(url)
            assert first.status_code == 200, name
            assert get(url)["X-Page-Cache"] == "HIT", name

    def visit(self):
        return {name: get(url) for name, url in self.pages.items()}


@pytest.fixture
def site():
    made = Site()
    made.warm()
    return made


EVERY_PAGE = frozenset(
    [
        "home",
        "series list",
        "series A",
        "series B",
        "A2",
        "A3",
        "B1",
        "keyword 반도체",
        "keyword 로봇",
        "outlet X",
        "outlet Y",
        "search",
        "feed",
        "series A feed",
        "sitemap",
    ]
)
TEXT = {"search", "feed", "series A feed"}


# Each write: what it does, the pages it must renew, and what those pages must
# then show (page, text, whether it is there).
def edit_commentary(site):
    paragraph = site.a2.commentary.get(position=1)
    paragraph.body = "반도체 공급망을 다시 쓴 논평 문단"
    paragraph.save()
    return {"A2", *TEXT}, [
        ("A2", "반도체 공급망을 다시 쓴 논평 문단", True),
        ("feed", "반도체 공급망을 다시 쓴 논평 문단", True),
        ("series A feed", "반도체 공급망을 다시 쓴 논평 문단", True),
    ]


def edit_closing(site):
    episode = Episode.objects.get(pk=site.a2.pk)
    episode.closing = "고쳐 쓴 둘째 화 맺음말"
    episode.save()
    return {"A2", *TEXT, "sitemap"}, [
        ("A2", "고쳐 쓴 둘째 화 맺음말", True),
        ("A2", "둘째 화의 맺음말입니다.", False),
        ("feed", "고쳐 쓴 둘째 화 맺음말", True),
    ]


def edit_a2_headline(site):
    site.a2.headline = "바뀐 둘째 제목"
    site.a2.save()
    shown = ["home", "series A", "A2", "A3", "keyword 반도체", "outlet X", *TEXT]
    return {*shown, "sitemap"}, [(page, "바뀐 둘째 제목", True) for page in shown]


def edit_a1_headline(site):
    site.a1.headline = "바뀐 첫째 제목"
    site.a1.save()
    shown = ["home", "series A", "A2", "outlet X", "feed", "series A feed"]
    return {*shown, "search", "sitemap"}, [(page, "바뀐 첫째 제목", True) for page in shown]


LISTS_AND_SERIES_A = EVERY_PAGE - {"B1"}


def publish_draft(site):
    services.episode_publish(episode=site.a4)
    url = site.a4.get_absolute_url()
    shown = ["home", "series A", "A3", "keyword 반도체", "outlet Y", *TEXT]
    return LISTS_AND_SERIES_A, [
        *((page, "아침 넷째 초안", True) for page in shown),
        ("A3", f'rel="next" href="{url}"', True),
        ("sitemap", url, True),
    ]


def unpublish(site):
    services.episode_unpublish(episode=site.a3)
    url = site.a3.get_absolute_url()
    shown = ["home", "series A", "A2", "outlet Y", "feed", "series A feed"]
    return LISTS_AND_SERIES_A, [
        *((page, "아침 셋째 이야기", False) for page in shown),
        ("A2", 'rel="next"', False),
        ("sitemap", url, False),
        ("A3", 404, True),
    ]


def delete_a1(site):
    url = site.a1.get_absolute_url()
    site.a1.delete()
    shown = ["home", "series A", "A2", "outlet X", "feed", "series A feed"]
    return LISTS_AND_SERIES_A, [
        *((page, "아침 첫 이야기", False) for page in shown),
        ("A2", 'rel="prev"', False),
        ("series list", "2화", True),
        ("sitemap", url, False),
    ]


def approve_comment_through_the_service(site):
    services.comments_moderate(
        comments=Comment.objects.filter(pk=site.pending.pk), status="approved", moderator=None
    )
    return {"A2"}, [("A2", "승인 기다리는 댓글", True)]


def approve_comment_on_the_model(site):
    site.pending.status = Comment.Status.APPROVED
    site.pending.save()
    return {"A2"}, [("A2", "승인 기다리는 댓글", True)]


def add_keyword(site):
    site.a2.keywords.add("로봇")
    return {"A2", "keyword 로봇", *TEXT, "sitemap"}, [
        ("A2", "#로봇", True),
        ("keyword 로봇", "아침 둘째 이야기", True),
        ("feed", "로봇", True),
    ]


def rename_tag(site):
    site.semiconductor.name = "반도체산업"
    site.semiconductor.save()
    shown = ["A2", "B1", "keyword 반도체"]
    return {*shown, *TEXT, "sitemap"}, [
        *((page, "#반도체산업", True) for page in shown),
        ("feed", "반도체산업", True),
    ]


def rename_outlet(site):
    site.x.name = "새이름엑스일보"
    site.x.save()
    return {"A2", "outlet X", *TEXT, "sitemap"}, [
        ("A2", "새이름엑스일보", True),
        ("outlet X", "새이름엑스일보", True),
        ("feed", "새이름엑스일보", True),
    ]


def retitle_series(site):
    site.series_a.title = "새 아침의 기술"
    site.series_a.save()
    shown = [
        "home",
        "series list",
        "series A",
        "A2",
        "A3",
        "keyword 반도체",
        "outlet X",
        "outlet Y",
        *TEXT,
    ]
    return {*shown, "sitemap"}, [(page, "새 아침의 기술", True) for page in shown]


def move_article(site):
    article = site.a2.articles.get()
    article.outlet = site.y
    article.save()
    return {"A2", "outlet X", "outlet Y", *TEXT, "sitemap"}, [
        ("A2", "와이신문", True),
        ("outlet Y", "아침 둘째 이야기", True),
        ("outlet X", "아침 둘째 이야기", False),
        ("outlet X", "아침 첫 이야기", True),
    ]


WRITES = [
    edit_commentary,
    edit_closing,
    edit_a2_headline,
    edit_a1_headline,
    publish_draft,
    unpublish,
    delete_a1,
    approve_comment_through_the_service,
    approve_comment_on_the_model,
    add_keyword,
    rename_tag,
    rename_outlet,
    retitle_series,
    move_article,
]


@pytest.mark.parametrize("write", WRITES, ids=[w.__name__ for w in WRITES])
def test_a_write_renews_exactly_the_pages_that_show_it(site, write):
    renewed, checks = write(site)
    responses = site.visit()
    not_from_cache = {name for name, r in responses.items() if r["X-Page-Cache"] != "HIT"}
    assert not_from_cache == set(renewed), (
        f"renewed but should stay cached: {sorted(not_from_cache - set(renewed))}; "
        f"cached but should be renewed: {sorted(set(renewed) - not_from_cache)}"
    )
    for page, text, present in checks:
        response = responses[page]
        if text == 404:
            assert response.status_code == 404, page
            continue
        assert response.status_code == 200, page
        assert (text in response.content.decode()) is present, (page, text, present)
    # And the renewed pages are cached again from the next visit on.
    again = site.visit()
    assert {
        name for name, r in again.items() if r.status_code == 200 and r["X-Page-Cache"] != "HIT"
    } == set()


def test_a_scheduled_episode_reaches_lists_feeds_and_neighbours_when_its_time_comes(
    monkeypatch,
):
    site = Site()
    launch = timezone.now() + timedelta(minutes=1)
    scheduled = make_episode(
        site.series_a, 5, headline="예약한 다섯째 이야기", keywords=("반도체",), publish_at=launch
    )
    # A4 is still a draft: A3's next episode becomes the scheduled A5.
    site.warm()
    responses = site.visit()
    assert {name for name, r in responses.items() if r["X-Page-Cache"] != "HIT"} == set()
    assert all("예약한 다섯째 이야기" not in r.content.decode() for r in responses.values())
    assert get(scheduled.get_absolute_url()).status_code == 404

    later = launch + timedelta(seconds=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    monkeypatch.setattr("columns.pagecache.time.time", lambda: later.timestamp())
    responses = site.visit()
    for page in ["home", "series A", "A3", "keyword 반도체", *TEXT]:
        assert "예약한 다섯째 이야기" in responses[page].content.decode(), page
    assert scheduled.get_absolute_url() in responses["sitemap"].content.decode()
    assert f'rel="next" href="{scheduled.get_absolute_url()}"' in responses["A3"].content.decode()
    assert get(scheduled.get_absolute_url()).status_code == 200


# --- Headers ------------------------------------------------------------------------

# Episode pages carry the comment form, series pages the subscription form: each a
# per-reader CSRF token, so they stay private (see test below).
WITH_A_FORM = {"A2", "A3", "B1", "series A", "series B"}
PUBLIC_WITHOUT_FORM = sorted(EVERY_PAGE - WITH_A_FORM)


@pytest.mark.parametrize("page", PUBLIC_WITHOUT_FORM)
def test_public_pages_without_a_form_may_be_kept_by_shared_caches(site, page, settings):
    response = get(site.pages[page])
    assert response["X-Page-Cache"] == "HIT"
    directives = [d.strip() for d in response["Cache-Control"].split(",")]
    assert "public" in directives
    assert f"s-maxage={settings.PAGE_CACHE_SHARED_SECONDS}" in directives
    assert f"stale-while-revalidate={settings.PAGE_CACHE_SHARED_STALE_SECONDS}" in directives
    assert "private" not in directives


def test_the_first_visit_sends_the_same_cache_headers_as_the_cached_copy():
    site = Site()
    first, second = get(site.pages["home"]), get(site.pages["home"])
    assert first["X-Page-Cache"] == "MISS"
    for header in ("Cache-Control", "Surrogate-Key", "Cache-Tag", "ETag"):
        assert first[header] == second[header], header


@pytest.mark.parametrize("page", sorted(WITH_A_FORM))
def test_pages_with_a_per_reader_form_stay_private(site, page):
    for response in (get(site.pages[page]), Client().get(site.pages[page])):
        assert 'name="csrfmiddlewaretoken"' in response.content.decode()
        directives = [d.strip() for d in response["Cache-Control"].split(",")]
        assert "private" in directives
        assert "public" not in directives
        assert not any(d.startswith("s-maxage") for d in directives)


def surrogate_keys(response) -> set[str]:
    keys = set(response["Surrogate-Key"].split(" "))
    assert set(response["Cache-Tag"].split(",")) == keys
    return keys


def test_the_episode_page_lists_what_it_shows_as_surrogate_keys(site):
    a2, series = site.a2, site.series_a
    keys = surrogate_keys(get(site.pages["A2"]))
    assert {
        f"episode-{a2.pk}",
        f"series-{series.pk}",
        f"series-episodes-{series.pk}",
        f"card-{site.a1.pk}",  # the previous episode's link
        f"card-{site.a3.pk}",  # the next one's
        "site",
    } <= keys
    assert f"card-{a2.pk}" not in keys and "lists" not in keys


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (
            "home",
            lambda s: {"lists", f"card-{s.a2.pk}", f"card-{s.b1.pk}", f"series-{s.series_a.pk}"},
        ),
        ("series list", lambda s: {"lists", f"series-{s.series_a.pk}", f"series-{s.series_b.pk}"}),
        ("keyword 반도체", lambda s: {"lists", f"keyword-{s.semiconductor.pk}", f"card-{s.b1.pk}"}),
        ("outlet X", lambda s: {"lists", f"outlet-{s.x.pk}", f"card-{s.a1.pk}"}),
        ("search", lambda s: {"search", "lists"}),
        ("feed", lambda s: {"feeds", "lists"}),
        ("series A feed", lambda s: {"feeds", "lists"}),
        ("sitemap", lambda s: {"sitemap", "lists"}),
    ],
)
def test_every_cached_page_lists_its_tags(site, page, expected):
    for response in (get(site.pages[page]), get(site.pages[page])):
        assert expected(site) | {"site"} <= surrogate_keys(response), page


purged: list[list[str]] = []


def record_purge(tags):
    purged.append(list(tags))


def failing_purge(tags):
    raise ConnectionError("the CDN is down")


@pytest.fixture
def purge_calls(settings):
    settings.PAGE_CACHE_PURGE_HOOK = f"{__name__}.record_purge"
    purged.clear()
    yield purged
    purged.clear()


def test_the_purge_hook_is_told_the_renewed_tags_after_commit(
    site, purge_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        paragraph = site.a2.commentary.get(position=1)
        paragraph.body = "CDN에 알릴 논평"
        paragraph.save()
        assert purge_calls == []  # not before the commit
    assert purge_calls == [sorted({f"episode-{site.a2.pk}", "search", "feeds"})]


def test_the_purge_hook_is_not_called_for_a_write_that_rolls_back(
    site, purge_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        site.a2.headline = "되돌릴 제목"
        site.a2.save()
    assert callbacks and purge_calls == []


def test_the_purge_hook_gets_one_call_per_batch(
    site, purge_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.comments_moderate(
            comments=Comment.objects.filter(episode=site.a2), status="approved", moderator=None
        )
    assert purge_calls == [[f"episode-{site.a2.pk}"]]


def test_a_failing_purge_hook_never_fails_the_write(
    site, settings, caplog, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_PURGE_HOOK = f"{__name__}.failing_purge"
    with django_capture_on_commit_callbacks(execute=True):
        site.a2.headline = "CDN이 죽어도 저장되는 제목"
        site.a2.save()
    assert Episode.objects.get(pk=site.a2.pk).headline == "CDN이 죽어도 저장되는 제목"
    assert "Purging shared caches" in caplog.text
    assert "CDN이 죽어도 저장되는 제목" in get(site.pages["A2"]).content.decode()


# --- Queries ------------------------------------------------------------------------


@pytest.mark.parametrize("page", sorted(EVERY_PAGE))
def test_a_cached_page_runs_no_query(site, page, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = get(site.pages[page])
    assert response["X-Page-Cache"] == "HIT"


def count_queries(url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = get(url)
    assert response.status_code == 200
    return len(captured), response["X-Page-Cache"]


# Cold pages (rendered and stored by the page cache), once the cache knows when
# the next scheduled episode goes live: the view's own queries, nothing more.
COLD_QUERIES = {
    # the episode with series and its stored parts; previous and next (one query
    # while the number just before is published: Episode.published_neighbours)
    "A2": 2,
    # count of published episodes, the page of episodes, their stored cards
    "home": 3,
    # series with published episodes: count, the page
    "series list": 2,
    # the series, count, the page of episodes, their stored cards, its brunchbooks
    "series A": 5,
    # the keyword, count, the page of episodes, their stored cards (an empty count
    # is the 404)
    "keyword 반도체": 4,
    # the outlet, count, the page of episodes, their stored cards (an empty count
    # is the 404)
    "outlet X": 4,
    # count, the page with series and search document (keywords included)
    "search": 2,
    # the episodes with series and stored body
    "feed": 1,
    # the series, then as above
    "series A feed": 2,
    # pages: 2 lastmods; series, episodes, outlets: a count and a page each; keywords: one list
    "sitemap": 9,
}


@pytest.mark.parametrize("page", sorted(COLD_QUERIES))
def test_a_cold_page_runs_only_its_views_queries(page):
    site = Site()
    url = site.pages[page]
    get(url)  # content types and the schedule are looked up once
    cache.delete_many([key for key in _page_keys(url)])
    queries, status = count_queries(url)
    assert status == "MISS"
    assert queries == COLD_QUERIES[page]


def _page_keys(url):
    """The page-cache entry of `url`, whatever its tags."""
    from django.test import RequestFactory

    from columns import pagecache

    return [pagecache._page_key(RequestFactory().get(url))]


def test_after_a_cache_flush_a_cold_page_adds_one_query_for_the_schedule():
    site = Site()
    url = site.pages["home"]
    get(url)
    cache.clear()
    queries, status = count_queries(url)
    assert status == "MISS"
    assert queries == COLD_QUERIES["home"] + 1


# --- Pages showing another series ----------------------------------------------------

CITED = 'class="cited-elsewhere'  # the "이 기사를 인용한 다른 화" list


def episode_cited_again():
    """B1 cites the story A1 cited: B1's page links A1 under "이 기사를 인용한 다른 화"."""
    series_a = make_series("가나다 연재", slug="ga")
    a1 = make_episode(series_a, 1, articles=1, keywords=())
    b1 = make_episode(make_series("라마바 연재", slug="ra"), 1, articles=0, keywords=())
    cited = a1.articles.get()
    SourceArticle.objects.create(
        episode=b1, position=1, headline="같은 기사", outlet=cited.outlet, url=cited.url
    )
    url = b1.get_absolute_url()
    assert CITED in get(url).content.decode()
    assert get(url)["X-Page-Cache"] == "HIT"
    return series_a, url


def test_a_series_retitled_is_renamed_where_another_episode_cites_it():
    series, url = episode_cited_again()
    series.title = "새 가나다"
    series.save()
    assert "새 가나다-1(" in get(url).content.decode()


def test_a_series_readdressed_is_relinked_where_another_episode_cites_it():
    series, url = episode_cited_again()
    series.slug = "ga-new"
    series.save()
    html = get(url).content.decode()
    assert 'href="/series/ga-new/1/"' in html and 'href="/series/ga/1/"' not in html


def test_a_series_with_drafts_only_shows_its_new_title_at_once():
    series = make_series("빈 연재", slug="empty")
    make_episode(series, 1, status=Episode.Status.DRAFT, articles=0)
    url = series.get_absolute_url()
    get(url)
    assert get(url)["X-Page-Cache"] == "HIT"
    series.title = "고친 빈 연재"
    series.save()
    assert "고친 빈 연재" in get(url).content.decode()


def test_a_series_readdressed_is_relinked_on_every_page_showing_it():
    site = Site()
    site.warm()
    site.series_a.slug = "morning-new"
    site.series_a.save()
    responses = site.visit()
    assert responses["A2"].status_code == 404  # its old address
    responses["A2"] = get("/series/morning-new/2/")
    for page in ["home", "series list", "A2", "keyword 반도체", "outlet X", "feed", "sitemap"]:
        html = responses[page].content.decode()
        assert "/series/morning-new/" in html, page
        assert "/series/morning/" not in html, page
    assert responses["B1"]["X-Page-Cache"] == "HIT"


def test_an_article_pointed_at_a_story_cited_elsewhere_links_both_episodes_at_once():
    series = make_series("가나다 연재", slug="ga")
    a1 = make_episode(series, 1, articles=1, keywords=(), headline="먼저 인용한 글")
    a2 = make_episode(series, 2, articles=1, keywords=(), headline="나중에 인용한 글")
    b3 = make_episode(make_series("라마바 연재", slug="ra"), 3, articles=1, keywords=())
    urls = [e.get_absolute_url() for e in (a1, a2, b3)]
    for url in urls:
        get(url)
        assert CITED not in get(url).content.decode()
    article = a2.articles.get()
    article.url = a1.articles.get().url
    article.save()
    first, second, other = (get(url) for url in urls)
    assert "나중에 인용한 글" in first.content.decode().split(CITED, 1)[1]
    assert "먼저 인용한 글" in second.content.decode().split(CITED, 1)[1]
    assert other["X-Page-Cache"] == "HIT"


def test_an_article_deleted_leaves_no_cited_elsewhere_link_behind():
    series_a, url = episode_cited_again()
    SourceArticle.objects.filter(episode__series=series_a).delete()
    assert CITED not in get(url).content.decode()
