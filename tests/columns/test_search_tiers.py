"""검색 결과를 두 층으로 읽기: the results page reads ranked matches, then plain ones.

`columns.search.SearchResults` reads a page from the ranked matches (a term in
the headline, keywords or lead, or a named number), scored and sorted, and
then from the plain matches (score 1), walked newest first. Whatever the page
size, each page must be exactly the slice of `search_episodes`' single order.
One archive of our own text about harbours and logistics; runs on SQLite and
PostgreSQL.
"""

import re
from datetime import timedelta

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from columns import search, views
from columns.models import Episode, Series
from columns.search import ReaderQuery, SearchPaginator, SearchResults, search_episodes
from tests.factories import make_series
from tests.factories_search import make_searchable_episode

pytestmark = pytest.mark.django_db

SEARCH_URL = reverse("columns:search")


@pytest.fixture(autouse=True)
def tiered(monkeypatch):
    """Read every search in tiers, as PostgreSQL reads those with more than RANK_ALL_UP_TO matches.

    SQLite ranks every match in one query (`ranks_every_match`); the tiers are
    read here on both databases all the same, so each is checked against the
    single order on each.
    """
    monkeypatch.setattr(search, "RANK_ALL_UP_TO", 0)
    monkeypatch.setattr(search, "ranks_every_match", lambda: False)


@pytest.fixture
def harbour(settings):
    """Two series of episodes about a port town and dawn deliveries, plus two hidden ones.

    For `물류`: headline, keyword and lead matches (ranked), most of them older
    than the body-only matches (plain) but one newer than two plain ones; two
    plain ones published at the same moment; ranked ones that lack `항만` (so
    `물류 항만` must skip them).
    """
    settings.PAGE_CACHE_ENABLED = False
    now = timezone.now()
    port = make_series("항구 도시 일지", slug="harbor-log")
    dawn = make_series("새벽 배송 노트", slug="dawn-delivery")

    def episode(series, number, days_ago, headline, body, **fields):
        return make_searchable_episode(
            series,
            number,
            articles=1,
            headline=headline,
            commentary_bodies=[body],
            publish_at=now - timedelta(days=days_ago),
            **fields,
        )

    same_moment = now - timedelta(days=3)
    episode(port, 1, 20, "물류 창고의 겨울", "항만 크레인이 멈춘 날을 적어 둡니다.")
    episode(port, 2, 18, "부두의 아침", "항만 노동자의 하루를 따라갑니다.", keywords=("물류",))
    episode(
        port,
        3,
        16,
        "바람 부는 방파제",
        "방파제 너머 항만의 불빛이 보입니다.",
        article_headlines=["물류비가 오른 수출 기업들"],
    )
    episode(port, 4, 2, "등대 아래 시장", "물류 이야기는 본문에만 나오고 항만도 그렇습니다.")
    episode(port, 5, 5, "갯벌과 철새", "물류 한 줄만 적습니다.")
    episode(port, 48, 12, "항만 재개발 공청회", "물류 단지 계획을 두고 의견이 갈렸습니다.")
    episode(
        port,
        6,
        4,
        "항구의 새 크레인",
        "크레인 이야기를 합니다.",
        article_headlines=["물류 자동화의 첫걸음"],
    )
    episode(dawn, 1, 10, "물류 센터와 택배", "상자가 쌓이는 소리.", keywords=("물류",))
    for number in (2, 3):
        make_searchable_episode(
            dawn,
            number,
            articles=1,
            headline=f"새벽 배송 현장 {number}",
            commentary_bodies=["물류 현장의 목소리, 항만에서 온 상자."],
            publish_at=same_moment,
        )
    episode(dawn, 4, 1, "배송 기사의 점심", "도시락 이야기만 합니다.")
    for number, days_ago in [(5, 6), (6, 7), (7, 8)]:
        episode(
            dawn,
            number,
            days_ago,
            f"물류 로봇 시험 {number}",
            "창고 안을 오가는 로봇.",
            keywords=("물류",),
        )
    for status, publish_at in [
        (Episode.Status.DRAFT, None),
        (Episode.Status.PUBLISHED, now + timedelta(days=2)),
    ]:
        make_searchable_episode(
            dawn,
            None,
            status=status,
            publish_at=publish_at,
            articles=1,
            headline="물류 비밀 계획",
            keywords=("물류",),
            commentary_bodies=["항만 매각 이야기, 48화 예고."],
        )


def headlines(episodes) -> list[str]:
    return [episode.headline for episode in episodes]


def pages(query: str, per_page: int, **kwargs) -> list[list[str]]:
    paginator = SearchPaginator(SearchResults(ReaderQuery.parse(query), **kwargs), per_page)
    return [headlines(paginator.page(n).object_list) for n in paginator.page_range]


def in_page_order(query: str, per_page: int, **kwargs) -> list[str]:
    return [headline for page in pages(query, per_page, **kwargs) for headline in page]


def single_order(query: str, **kwargs) -> list[str]:
    return headlines(search_episodes(ReaderQuery.parse(query), **kwargs))


# What `물류` finds, in order: ranked by score (13: headline and keyword; 9:
# headline; 5: keyword; 3: lead), newest first within a score; then the plain
# matches newest first, the two of one moment by id, the later one first.
MULLYU = [
    "물류 로봇 시험 5",
    "물류 로봇 시험 6",
    "물류 로봇 시험 7",
    "물류 센터와 택배",
    "물류 창고의 겨울",
    "부두의 아침",
    "항구의 새 크레인",
    "바람 부는 방파제",
    "등대 아래 시장",
    "새벽 배송 현장 3",
    "새벽 배송 현장 2",
    "갯벌과 철새",
    "항만 재개발 공청회",
]


def test_ranked_matches_come_first_then_plain_ones_newest_first(harbour):
    assert single_order("물류") == MULLYU
    assert in_page_order("물류", 100) == MULLYU


@pytest.mark.parametrize(
    ("query", "params"),
    [
        ("물류", {}),
        ("물류 항만", {}),
        ("항만 물류를", {}),  # a particle cut by resolve
        ("48화 물류", {}),
        ("48 항만", {}),
        ("상자", {}),
        ("물류", {"series": "dawn-delivery"}),
        ("항만", {"series": "harbor-log"}),
        ("양자얽힘", {}),
    ],
)
def test_every_page_is_the_slice_of_the_single_order(harbour, query, params):
    kwargs = {"series": Series.objects.get(slug=params["series"])} if params else {}
    expected = single_order(query, **kwargs)
    for per_page in (1, 2, 3, 5, 7, 100):
        reference = Paginator(expected, per_page)
        assert pages(query, per_page, **kwargs) == [
            list(reference.page(n).object_list) for n in reference.page_range
        ], f"{per_page} a page"


@pytest.mark.parametrize("per_page", [1, 2, 4])
def test_pages_stay_the_single_order_when_more_match_than_are_listed(
    harbour, monkeypatch, per_page
):
    # The count stops at MAX_RESULTS and says so; the pages are still the single
    # order's first MAX_RESULTS. The walk through the plain matches passes over
    # `항구의 새 크레인`, ranked and published between two of them.
    monkeypatch.setattr(search, "MAX_RESULTS", 12)
    results = SearchResults(ReaderQuery.parse("물류"))
    paginator = SearchPaginator(results, per_page)
    assert paginator.count == 12 and paginator.more_than_listed
    listed = [headlines(paginator.page(n).object_list) for n in paginator.page_range]
    assert [headline for page in listed for headline in page] == MULLYU[:12]


# `물류 항만`: 항만 in the headline and 물류 in the body (9, the newer of two
# nines), 물류 in the headline (9), in the keywords (5), in the lead (3); then
# the plain matches newest first.
HARBOUR_LOGISTICS = [
    "항만 재개발 공청회",
    "물류 창고의 겨울",
    "부두의 아침",
    "바람 부는 방파제",
    "등대 아래 시장",
    "새벽 배송 현장 3",
    "새벽 배송 현장 2",
]


def test_the_count_is_of_published_matches_and_says_when_it_stops(harbour, monkeypatch):
    paginator = SearchPaginator(SearchResults(ReaderQuery.parse("물류 항만")), 3)
    assert paginator.count == len(HARBOUR_LOGISTICS) and not paginator.more_than_listed
    assert paginator.num_pages == 3
    monkeypatch.setattr(search, "MAX_RESULTS", 6)
    capped = SearchPaginator(SearchResults(ReaderQuery.parse("물류 항만")), 3)
    assert capped.count == 6 and capped.more_than_listed
    assert [headlines(capped.page(n).object_list) for n in capped.page_range] == [
        HARBOUR_LOGISTICS[:3],
        HARBOUR_LOGISTICS[3:6],
    ]


def test_a_page_counts_the_matches_only_a_few_pages_past_itself(harbour, monkeypatch):
    # 7 matches, 2 a page, counted 1 page ahead: page 1 counts 4, page 3 all 7.
    monkeypatch.setattr(search, "COUNT_PAGES_AHEAD", 1)
    query = ReaderQuery.parse("물류 항만")
    first = SearchPaginator(SearchResults.for_page(query, "1", 2), 2)
    assert first.count == 4 and first.more_than_listed and first.counts_further
    assert first.num_pages == 2 and first.page(2).has_next() is False
    assert [headlines(first.page(n).object_list) for n in first.page_range] == [
        HARBOUR_LOGISTICS[:2],
        HARBOUR_LOGISTICS[2:4],
    ]
    second = SearchPaginator(SearchResults.for_page(query, "2", 2), 2)
    assert second.count == 6 and second.page(2).has_next()
    third = SearchPaginator(SearchResults.for_page(query, "3", 2), 2)
    assert third.count == 7 and not third.more_than_listed and not third.counts_further
    assert headlines(third.page(4).object_list) == HARBOUR_LOGISTICS[6:]


@pytest.mark.parametrize("page", [None, "", "abc", "0", "-3", "last"])
def test_a_page_number_that_is_no_page_counts_as_from_page_one(harbour, monkeypatch, page):
    monkeypatch.setattr(search, "COUNT_PAGES_AHEAD", 1)
    results = SearchResults.for_page(ReaderQuery.parse("물류 항만"), page, 2)
    assert results.count() == 4 and results.counts_further


def test_the_count_never_reaches_past_max_results(harbour, monkeypatch):
    monkeypatch.setattr(search, "MAX_RESULTS", 5)
    results = SearchResults.for_page(ReaderQuery.parse("물류 항만"), "999999", 20)
    assert results.count() == 5 and results.more_than_listed and not results.counts_further


def test_the_results_page_says_more_and_links_on_where_the_count_stopped(
    client, harbour, monkeypatch
):
    monkeypatch.setattr(search, "COUNT_PAGES_AHEAD", 1)
    monkeypatch.setattr(views.SearchView, "paginate_by", 2)
    first = client.get(SEARCH_URL, {"q": "물류 항만"}).content.decode()
    assert "검색 결과 4건 넘게</p>" in first and "1 / 2+</span>" in first
    assert found(first) == HARBOUR_LOGISTICS[:2]
    # The last counted page still links on: counting from it reaches further.
    second = client.get(SEARCH_URL, {"q": "물류 항만", "page": 2}).content.decode()
    assert "2 / 3+</span>" in second and 'rel="next"' in second
    last = client.get(SEARCH_URL, {"q": "물류 항만", "page": 4}).content.decode()
    assert "검색 결과 7건</p>" in last and "4 / 4</span>" in last and 'rel="next"' not in last
    assert found(last) == HARBOUR_LOGISTICS[6:]


def test_the_first_results_page_confirms_ten_pages_of_matches_at_most(client, harbour):
    with CaptureQueriesContext(connection) as queries:
        client.get(SEARCH_URL, {"q": "물류"})
    counted = (1 + search.COUNT_PAGES_AHEAD) * views.SearchView.paginate_by
    assert counted < search.MAX_RESULTS
    assert [q["sql"] for q in queries if f"LIMIT {counted + 1}" in q["sql"]]


def test_ranked_episodes_lacking_another_term_are_passed_over(harbour):
    # The four best ranked candidates for `물류` (score 13) have no `항만`: with
    # one result a page, the walk must look past its first batch to fill a page.
    assert single_order("물류 항만") == HARBOUR_LOGISTICS
    assert pages("물류 항만", 1) == [[headline] for headline in HARBOUR_LOGISTICS]


def test_nothing_unpublished_is_listed_on_any_page(harbour):
    for query in ("물류", "비밀 계획", "항만 매각", "48화 물류"):
        for page in pages(query, 2):
            assert "물류 비밀 계획" not in page


def test_the_series_filter_keeps_to_its_series(harbour):
    dawn = Series.objects.get(slug="dawn-delivery")
    listed = in_page_order("물류", 3, series=dawn)
    assert listed == [h for h in MULLYU if h.startswith(("물류 로봇", "물류 센터", "새벽 배송"))]


def found(html: str) -> list[str]:
    titles = re.findall(r'class="search-result-title"[^>]*>(.*?)</a>', html, re.S)
    return [
        re.sub(r"<[^>]+>", "", re.sub(r'<span class="episode-number">.*?</span>', "", t)).strip()
        for t in titles
    ]


def test_the_results_page_lists_the_same_page_on_every_request(client, harbour, monkeypatch):
    monkeypatch.setattr(views.SearchView, "paginate_by", 5)
    first = found(client.get(SEARCH_URL, {"q": "물류"}).content.decode())
    second = client.get(SEARCH_URL, {"q": "물류", "page": 2}).content.decode()
    assert first == MULLYU[:5]
    assert found(second) == MULLYU[5:10]
    assert found(client.get(SEARCH_URL, {"q": "물류", "page": 2}).content.decode()) == MULLYU[5:10]
    assert "검색 결과 13건" in second
    assert found(client.get(SEARCH_URL, {"q": "물류", "page": 3}).content.decode()) == MULLYU[10:]


# A page of results read in tiers: the count, the ranked tier, the plain tier
# only when the page reaches past the ranked matches, the page's rows (their
# keywords come in the search document).
RANKED_PAGE = [
    "the count of matching published episodes (up to 9 pages past this one)",
    "ids of the ranked candidates, scored and sorted, documents checked for the batch",
    "the page's episodes by id, each with its series and search document",
]
MIXED_PAGE = [
    "the count of matching published episodes (up to 9 pages past this one)",
    "ids of the ranked candidates, scored and sorted, documents checked for the batch",
    "ids of the plain matches after them, newest first",
    "the page's episodes by id, each with its series and search document",
]


def test_a_page_within_the_ranked_matches_runs_three_queries(
    client, harbour, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(views.SearchView, "paginate_by", 5)
    client.get(SEARCH_URL, {"q": "상자"})  # content types are cached after the first use
    with django_assert_num_queries(len(RANKED_PAGE)):
        html = client.get(SEARCH_URL, {"q": "물류"}).content.decode()
    assert found(html) == MULLYU[:5]


def test_a_page_reaching_the_plain_matches_runs_four_queries(
    client, harbour, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(views.SearchView, "paginate_by", 5)
    client.get(SEARCH_URL, {"q": "상자"})
    with django_assert_num_queries(len(MIXED_PAGE)):
        html = client.get(SEARCH_URL, {"q": "물류", "page": 2}).content.decode()
    assert found(html) == MULLYU[5:10]


def test_a_search_with_few_matches_is_one_ranked_query_and_the_same_order(
    harbour, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(search, "RANK_ALL_UP_TO", search.MAX_RESULTS)
    results = SearchResults(ReaderQuery.parse("물류"))
    # the count, then one page of search_episodes' single query
    with django_assert_num_queries(2):
        paginator = SearchPaginator(results, 5)
        assert headlines(paginator.page(2).object_list) == MULLYU[5:10]
