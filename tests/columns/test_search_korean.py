"""검색이 한국어처럼 읽힌다: particles, several words, phrases, numbers, a series, ranking.

One small archive of original Korean text (`archive`), and a table of what a
reader types against the episodes the results page must list, in order.
Runs on SQLite and, with DATABASE_URL, on PostgreSQL (where terms of three or
more characters go through the trigram index).
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from columns import views
from columns.models import Episode
from tests.factories import make_series
from tests.factories_search import make_searchable_episode

pytestmark = pytest.mark.django_db

SEARCH_URL = reverse("columns:search")


def search(client, q, **params) -> str:
    response = client.get(SEARCH_URL, {"q": q, **params})
    assert response.status_code == 200
    return response.content.decode()


def found(html: str) -> list[str]:
    """Result headlines in page order, highlighting removed."""
    titles = re.findall(r'class="search-result-title"[^>]*>(.*?)</a>', html, re.S)
    return [
        re.sub(r"<[^>]+>", "", re.sub(r'<span class="episode-number">.*?</span>', "", t)).strip()
        for t in titles
    ]


@pytest.fixture
def archive(settings):
    """Two series, five published episodes, one draft, one scheduled; all text our own."""
    settings.PAGE_CACHE_ENABLED = False
    now = timezone.now()
    tech = make_series("밤의 기술 수첩", slug="tech-notes")
    data = make_series("주간 데이터 산책", slug="data-walk")

    def episode(series, number, days_ago, outlet, **fields):
        return make_searchable_episode(
            series,
            number,
            articles=1,
            outlet_name=outlet,
            publish_at=now - timedelta(days=days_ago),
            **fields,
        )

    episode(
        tech,
        47,
        9,
        "가람일보",
        headline="도서관이 AI를 만날 때",
        keywords=("도서관",),
        commentary_bodies=["공공 도서관은 생성형 AI 도구를 시범으로 들였습니다."],
    )
    episode(
        tech,
        48,
        7,
        "누리신문",
        headline="워터마크 없는 사진",
        summaries=["“딥페이크 영상에 워터마크를 넣게 하는 법안이 나왔다.”"],
        commentary_bodies=["한국은 이 법을 서두르는 편입니다."],
    )
    episode(
        tech,
        49,
        5,
        "솔빛경제",
        headline="배달앱 수수료 논쟁",
        intro="배달앱의 수수료가 또 올랐습니다.",
        commentary_bodies=["골목의 고양이도 한 번 더 생각해 볼 문제입니다."],
    )
    episode(
        data,
        48,
        3,
        "바른소식",
        headline="해저 케이블과 데이터센터",
        article_headlines=["고양시 데이터센터 착공"],
        commentary_bodies=["데이터센터에서 쓰는 물의 양을 따져 봅니다."],
    )
    episode(
        data,
        12,
        1,
        "하늘미디어",
        headline="생성형 모델의 전기 요금",
        commentary_bodies=["AI 칩 공급이 48주 늦어진다는 소식입니다."],
    )
    for status, publish_at, outlet in [
        (Episode.Status.DRAFT, None, "비밀통신"),
        (Episode.Status.PUBLISHED, now + timedelta(days=2), "예약통신"),
    ]:
        make_searchable_episode(
            data,
            None,
            status=status,
            publish_at=publish_at,
            articles=1,
            outlet_name=outlet,
            headline="반도체 공장의 도서관",
            keywords=("반도체",),
            commentary_bodies=["도서관 옆 반도체 공장 이야기, 48화의 예고."],
        )


# What a reader types → the episodes listed, in order.
QUERY_TABLE = [
    # particles on the query word, retried without them
    ("도서관을", {}, ["도서관이 AI를 만날 때"]),
    ("한국을", {}, ["워터마크 없는 사진"]),
    ("딥페이크를", {}, ["워터마크 없는 사진"]),
    ("데이터센터에서는", {}, ["해저 케이블과 데이터센터"]),
    ("배달앱의", {}, ["배달앱 수수료 논쟁"]),
    # several words, either order
    ("도서관 AI", {}, ["도서관이 AI를 만날 때"]),
    ("AI 도서관", {}, ["도서관이 AI를 만날 때"]),
    ("도서관을 AI를", {}, ["도서관이 AI를 만날 때"]),
    # each word in a different part of the episode (headline, commentary)
    ("사진 한국", {}, ["워터마크 없는 사진"]),
    ("한국 사진", {}, ["워터마크 없는 사진"]),
    # a quoted phrase is one term; the same words apart match wherever they are
    ('"생성형 AI"', {}, ["도서관이 AI를 만날 때"]),
    ("“생성형 AI”", {}, ["도서관이 AI를 만날 때"]),
    ("생성형 AI", {}, ["생성형 모델의 전기 요금", "도서관이 AI를 만날 때"]),
    # numbers: episode 48 of each series first (newest first between them), then
    # the newer episode that only mentions 48
    ("48", {}, ["해저 케이블과 데이터센터", "워터마크 없는 사진", "생성형 모델의 전기 요금"]),
    ("48화", {}, ["해저 케이블과 데이터센터", "워터마크 없는 사진"]),
    # the series' title with a number narrows to that series
    ("기술 수첩 48", {}, ["워터마크 없는 사진"]),
    ("데이터 산책 48화", {}, ["해저 케이블과 데이터센터"]),
    ("기술 수첩-48", {}, ["워터마크 없는 사진"]),
    # the series filter
    ("48", {"series": "data-walk"}, ["해저 케이블과 데이터센터", "생성형 모델의 전기 요금"]),
    ("AI", {"series": "tech-notes"}, ["도서관이 AI를 만날 때"]),
    # words the text has as typed are never cut: 한국 is not 한, 고양이 is not 고양(시)
    ("한국", {}, ["워터마크 없는 사진"]),
    ("고양이", {}, ["배달앱 수수료 논쟁"]),
    ("고양시", {}, ["해저 케이블과 데이터센터"]),
    # nothing, and nothing unpublished
    ("양자컴퓨터", {}, []),
    ("반도체", {}, []),
    ("공장", {}, []),
    ("도서관 공장", {}, []),
]


@pytest.mark.parametrize(("q", "params", "expected"), QUERY_TABLE, ids=[r[0] for r in QUERY_TABLE])
def test_what_a_reader_types_finds_these_episodes_in_this_order(
    client, archive, q, params, expected
):
    assert found(search(client, q, **params)) == expected


def test_all_words_must_match_not_just_one(client, archive):
    assert found(search(client, "도서관 데이터센터")) == []


def test_the_count_counts_only_published_matches(client, archive):
    html = search(client, "도서관")
    assert "검색 결과 1건" in html
    assert "반도체 공장" not in html and "통신" not in html


def test_every_term_is_highlighted_and_the_particle_is_not(client, archive):
    html = search(client, "도서관을 AI")
    assert "<mark>도서관</mark>이 <mark>AI</mark>를 만날 때" in html
    assert "#<mark>도서관</mark>" in html


def test_the_passage_is_cut_where_most_terms_are(client, archive):
    html = search(client, "사진 한국")
    passage = re.search(r'<p class="search-passage">(.*?)</p>', html, re.S).group(1)
    assert "<mark>한국</mark>은 이 법을" in passage


# --- Ranking ---------------------------------------------------------------------


def test_headline_and_keyword_matches_come_before_body_matches_then_newer(client, settings):
    settings.PAGE_CACHE_ENABLED = False
    now = timezone.now()
    series = make_series("순위 시험 연재")

    def episode(days_ago, **fields):
        make_searchable_episode(
            series,
            None,
            articles=1,
            publish_at=now - timedelta(days=days_ago),
            **fields,
        )

    episode(1, headline="최신 글", commentary_bodies=["전력망과 요금 이야기."])
    episode(2, headline="키워드 글", keywords=("전력망",), commentary_bodies=["요금 이야기."])
    episode(3, headline="전력망 요금의 제목 글")
    episode(4, headline="오래된 본문 글", commentary_bodies=["요금과 전력망."])
    assert found(search(client, "요금 전력망")) == [
        "전력망 요금의 제목 글",
        "키워드 글",
        "최신 글",
        "오래된 본문 글",
    ]


def test_the_first_page_is_the_same_on_every_request(client, settings):
    settings.PAGE_CACHE_ENABLED = False
    series = make_series("같은 날 연재")
    same_time = timezone.now() - timedelta(hours=3)
    for number in range(1, settings.EPISODES_PER_PAGE + 6):
        make_searchable_episode(
            series, number, articles=0, headline=f"같은 날 해바라기 {number}", publish_at=same_time
        )
    first = found(search(client, "해바라기"))
    assert found(search(client, "해바라기")) == first
    second = found(search(client, "해바라기", page=2))
    assert len(first) == settings.EPISODES_PER_PAGE
    assert len(set(first + second)) == settings.EPISODES_PER_PAGE + 5


# --- The series filter and its controls ------------------------------------------


def test_the_series_page_has_a_search_box_for_that_series(client, archive):
    html = client.get(reverse("columns:series", args=["tech-notes"])).content.decode()
    form = re.search(r'<form class="search-form series-search".*?</form>', html, re.S).group(0)
    assert 'aria-label="이 연재에서 검색"' in form and f'action="{SEARCH_URL}"' in form
    assert '<input type="hidden" name="series" value="tech-notes">' in form
    # two search landmarks on the page, told apart by their names
    assert 'aria-label="사이트 검색"' in html


def test_a_series_search_says_where_it_looks_and_keeps_the_series(client, archive, monkeypatch):
    monkeypatch.setattr(views.SearchView, "paginate_by", 1)
    html = search(client, "AI", series="data-walk")
    assert "‘주간 데이터 산책’ 연재 안에서 찾습니다" in html
    assert '<input type="hidden" name="series" value="data-walk">' in html
    assert found(html) == ["생성형 모델의 전기 요금"]
    html = search(client, "데이터", series="data-walk")
    assert "series=data-walk&amp;page=2" in html


def test_an_unknown_series_searches_everything_and_says_so(client, archive):
    html = search(client, "48", series="no-such-series")
    assert "그런 연재를 찾지 못해 모든 연재에서 찾았습니다" in html
    assert len(found(html)) == 3


def test_the_page_cache_keeps_series_searches_apart(client, archive, settings):
    settings.PAGE_CACHE_ENABLED = True
    assert found(search(client, "48화", series="tech-notes")) == ["워터마크 없는 사진"]
    assert found(search(client, "48화", series="data-walk")) == ["해저 케이블과 데이터센터"]


# --- Empty and fruitless searches -------------------------------------------------


def test_the_empty_search_suggests_published_keywords_and_latest_episodes(client, archive):
    html = search(client, "")
    assert "찾고 싶은 낱말을 입력해 주세요" in html
    suggestions = re.search(r'<section class="search-suggestions".*?</section>', html, re.S)
    assert suggestions, html
    assert "#도서관" in suggestions.group(0)
    assert "생성형 모델의 전기 요금" in suggestions.group(0)  # the latest episode
    assert "반도체" not in html  # only the draft and the scheduled episode carry it
    assert found(html) == []


def test_a_search_with_no_result_says_so_and_offers_suggestions(client, archive):
    html = search(client, "양자컴퓨터")
    assert "‘<strong>양자컴퓨터</strong>’에 맞는 글이 없습니다" in html
    assert 'class="search-suggestions"' in html
    assert "반도체" not in html


def test_a_series_search_suggests_from_that_series(client, archive):
    html = search(client, "양자컴퓨터", series="tech-notes")
    suggestions = re.search(r'<section class="search-suggestions".*?</section>', html, re.S)
    assert "배달앱 수수료 논쟁" in suggestions.group(0)
    assert "생성형 모델의 전기 요금" not in suggestions.group(0)


# --- Odd queries ------------------------------------------------------------------


@pytest.mark.parametrize(
    "q", ["%", "_", "% 도서관", "도서관 _", '"', '""', "''", '"도서관', "도서관\"'", "\\ %"]
)
def test_wildcards_and_stray_quotes_are_only_characters(client, archive, q):
    html = search(client, q)
    wanted = ["도서관이 AI를 만날 때"] if "도서관" in q and not re.search(r"[%_\\]", q) else []
    assert found(html) == wanted


def test_a_500_character_query_gets_the_length_message_and_suggestions(client, archive):
    html = search(client, "도서관 " * 125)
    assert "검색어가 너무 깁니다" in html
    assert found(html) == []
    assert 'class="search-suggestions"' in html


def test_more_words_than_searched_are_announced(client, archive):
    html = search(client, "도서관 AI 가 나 다 라 마 바 사 아")
    assert "낱말은 8개까지만 찾습니다" in html


# --- Cost --------------------------------------------------------------------------


def test_a_search_with_a_particle_runs_a_fixed_handful_of_queries(
    client, archive, django_assert_num_queries
):
    search(client, "도서관")  # content types are cached after the first use
    # 1 EXISTS 도서관을 (none), 2 EXISTS 도서관 (found), 3 count, 4 the page with
    # series and document (the keywords are in the document).
    with django_assert_num_queries(4):
        html = search(client, "도서관을 AI")
    assert found(html) == ["도서관이 AI를 만날 때"]


def test_renaming_a_series_changes_what_its_title_finds(client, archive):
    from columns.models import Series

    series = Series.objects.get(slug="tech-notes")
    series.title = "새벽의 공학 일지"
    series.save()
    assert found(search(client, "공학 일지 48")) == ["워터마크 없는 사진"]
    assert found(search(client, "기술 수첩 48")) == []
