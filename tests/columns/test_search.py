"""검색: what a reader finds when typing into the search box, and what never shows."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import SourceArticle, SourceQuote
from columns import projections
from columns.models import Commentary, Episode, EpisodeSearchDocument
from columns.search import (
    MAX_QUERY_LENGTH,
    ReaderQuery,
    fold,
    search_episodes,
)
from tests.factories import make_episode, make_outlet, make_series
from tests.factories_search import make_hidden_episodes, make_searchable_episode

pytestmark = pytest.mark.django_db

SEARCH_URL = reverse("columns:search")


def search(client, q, **params) -> str:
    response = client.get(SEARCH_URL, {"q": q, **params})
    assert response.status_code == 200
    return response.content.decode()


def found_headlines(html: str) -> list[str]:
    """Result headlines in page order, with highlighting removed."""
    titles = re.findall(r'class="search-result-title"[^>]*>(.*?)</a>', html, re.S)
    return [
        re.sub(r"<[^>]+>", "", re.sub(r'<span class="episode-number">.*?</span>', "", t)).strip()
        for t in titles
    ]


# --- The box and the page ----------------------------------------------------------


def test_every_public_page_but_search_has_a_plain_get_search_box_in_its_header(client):
    episode = make_searchable_episode(keywords=("반도체",))
    outlet = episode.articles.first().outlet
    pages = [
        reverse("columns:home"),
        reverse("columns:series_list"),
        episode.series.get_absolute_url(),
        episode.get_absolute_url(),
        reverse("columns:keyword", args=[episode.keywords.get().slug]),
        outlet.get_absolute_url(),
        "/no-such-page/",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        form = re.search(r'<form class="site-search"[^>]*>', html)
        assert form, url
        assert 'method="get"' in form.group(0) and f'action="{SEARCH_URL}"' in form.group(0)
        assert 'aria-label="사이트 검색"' in form.group(0)
        assert 'name="q"' in html


def test_the_search_page_has_one_search_box(client):
    html = search(client, "생성형 AI")
    assert 'class="site-search"' not in html
    assert html.count('role="search"') == 1
    assert html.count('name="q"') == 1


def test_search_page_is_titled_in_korean_and_not_indexed(client):
    response = client.get(SEARCH_URL, {"q": "반도체"})
    html = response.content.decode()
    assert '<h1 class="page-title">검색</h1>' in html
    assert '<meta name="robots" content="noindex, follow">' in html
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_the_query_stays_in_the_search_box(client):
    html = search(client, "생성형 AI")
    assert html.count('value="생성형 AI"') == 1


# --- Korean as readers type it -----------------------------------------------------


@pytest.mark.parametrize("text", ["한국을 빼고 말하기 어렵다", "한국은 오늘도 바쁘다"])
def test_a_word_finds_text_where_it_carries_a_particle(client, text):
    make_searchable_episode(headline="조사가 붙은 글", commentary_bodies=[text])
    make_searchable_episode(headline="상관없는 글", commentary_bodies=["미국 이야기만 합니다"])
    assert found_headlines(search(client, "한국")) == ["조사가 붙은 글"]


@pytest.mark.parametrize(
    "query", ["생성형AI", "생성형 AI", "생성형 ai", "생성형　ＡＩ", " 생성형  AI "]
)
def test_spacing_case_and_width_do_not_change_what_is_found(client, query):
    make_searchable_episode(headline="붙여 쓴 글", intro="요즘 생성형AI가 화제입니다.")
    make_searchable_episode(headline="띄어 쓴 글", intro="요즘 생성형 AI가 화제입니다.")
    make_searchable_episode(headline="다른 글", intro="요즘 반도체가 화제입니다.")
    assert sorted(found_headlines(search(client, query))) == ["띄어 쓴 글", "붙여 쓴 글"]


def test_a_two_character_query_works(client):
    make_searchable_episode(headline="칩 이야기", summaries=["“칩 설계에 대한 인용문.”"])
    make_searchable_episode(headline="다른 이야기")
    assert found_headlines(search(client, "설계")) == ["칩 이야기"]


def test_fold_removes_spaces_and_unifies_case_and_width():
    assert fold("생성형 AI") == fold("생성형AI") == fold("생성형ａｉ") == "생성형ai"
    assert fold("한국\u200b을") == "한국을"  # zero-width space typed by some keyboards


@pytest.mark.parametrize(
    ("where", "fields"),
    [
        ("headline", {"headline": "바다 건너 데이터센터"}),
        ("subtitle", {"subtitle": "데이터센터가 바다를 건넌다"}),
        ("intro", {"intro": "오늘은 **데이터센터** 이야기입니다."}),
        ("closing", {"closing": "데이터센터 소식은 여기까지."}),
        ("commentary", {"commentary_bodies": ["데이터센터는 전기를 먹습니다."]}),
        ("article headline", {"article_headlines": ["해저 데이터센터 첫 가동"]}),
        ("summary", {"summaries": ["“해저 데이터센터가 가동되었다.”"]}),
        ("outlet", {"outlet_name": "데이터센터신문"}),
        ("keyword", {"keywords": ("데이터센터",)}),
    ],
)
def test_every_part_of_an_episode_is_searched(client, where, fields):
    fields.setdefault("headline", "찾을 글")
    make_searchable_episode(**fields)
    make_searchable_episode(headline="무관한 글")
    assert len(found_headlines(search(client, "데이터센터"))) == 1, where


# --- Ranking, passages, highlighting -----------------------------------------------


def test_headline_matches_rank_above_keyword_matches_above_body_matches(client):
    now = timezone.now()
    # Newest first would give the reverse order: relevance must win over dates.
    make_searchable_episode(headline="반도체 제목에 있는 글", publish_at=now - timedelta(days=3))
    make_searchable_episode(
        headline="키워드에 있는 글",
        keywords=("반도체",),
        publish_at=now - timedelta(days=2),
    )
    make_searchable_episode(
        headline="인용 기사 제목에 있는 글",
        article_headlines=["반도체 수출 늘어"],
        publish_at=now - timedelta(days=1, hours=12),
    )
    make_searchable_episode(
        headline="본문에 있는 글",
        commentary_bodies=["반도체 이야기는 길어집니다."],
        publish_at=now - timedelta(hours=1),
    )
    assert found_headlines(search(client, "반도체")) == [
        "반도체 제목에 있는 글",
        "키워드에 있는 글",
        "인용 기사 제목에 있는 글",
        "본문에 있는 글",
    ]


def test_equally_relevant_results_come_newest_first(client):
    now = timezone.now()
    make_searchable_episode(headline="오래된 반도체 글", publish_at=now - timedelta(days=5))
    make_searchable_episode(headline="새 반도체 글", publish_at=now - timedelta(days=1))
    assert found_headlines(search(client, "반도체")) == ["새 반도체 글", "오래된 반도체 글"]


def test_the_matching_passage_is_shown_with_the_query_highlighted(client):
    make_searchable_episode(
        headline="긴 논평",
        commentary_bodies=[
            "처음 문단은 다른 이야기입니다. " * 8
            + "정말 중요한 것은 한국을 빼고는 이 기술을 말할 수 없다는 점입니다. "
            + "뒤에도 이야기는 이어집니다. " * 8
        ],
    )
    html = search(client, "한국")
    passage = re.search(r'<p class="search-passage">(.*?)</p>', html, re.S).group(1)
    assert "<mark>한국</mark>을 빼고는" in passage
    assert passage.startswith("…") and passage.endswith("…")
    assert len(re.sub(r"<[^>]+>", "", passage)) < 200


def test_highlighting_follows_the_text_as_written_not_as_folded(client):
    make_searchable_episode(headline="띄어 쓴 글", intro="요즘 생성형 AI가 화제입니다.")
    html = search(client, "생성형ai")
    assert "<mark>생성형 AI</mark>가 화제입니다" in html


def test_matching_headline_and_keywords_are_highlighted(client):
    make_searchable_episode(headline="반도체의 봄", keywords=("반도체", "날씨"))
    html = search(client, "반도체")
    assert "<mark>반도체</mark>의 봄" in html
    assert "#<mark>반도체</mark>" in html
    assert "#날씨" in html


def test_a_result_card_dates_the_episode_in_seoul_and_links_it_and_its_series(client):
    # 16:30 in UTC is already the next morning in Seoul.
    published = datetime(2026, 3, 4, 16, 30, tzinfo=UTC)
    episode = make_searchable_episode(headline="새벽 항구", publish_at=published)
    html = search(client, "새벽항구")
    card = re.search(r'<li class="search-result">(.*?)</li>', html, re.S).group(1)
    assert f'href="{episode.get_absolute_url()}"' in card
    assert f'<a href="{episode.series.get_absolute_url()}">{episode.series.title}</a>' in card
    assert '<time datetime="2026-03-05T01:30:00+09:00">2026년 3월 5일</time>' in card


@pytest.mark.parametrize(
    ("headline", "typed", "marked"),
    [
        ("생성형 AI가 바꾼 교실", "ai가", "AI가"),  # folds as its casefold
        ("ＡＩ 반도체…의 겨울", "ai반도체", "ＡＩ 반도체"),  # full-width: NFKC changes it
        ("Straße 위의 AI", "strasse", "Straße"),  # ß is two letters folded
    ],
)
def test_a_highlight_marks_the_text_as_written_whichever_way_it_folds(
    client, headline, typed, marked
):
    make_searchable_episode(headline=headline)
    assert f"<mark>{marked}</mark>" in search(client, typed)


def test_a_keyword_is_marked_only_in_the_searches_it_matches(client):
    make_searchable_episode(headline="반도체의 봄", keywords=("반도체",))
    assert "#<mark>반도체</mark>" in search(client, "반도체")
    html = search(client, "봄")
    assert "#반도체</a>" in html and "<mark>반도체</mark>" not in html


def test_a_result_links_to_the_episode_at_its_series_current_address(client):
    episode = make_searchable_episode(headline="등대지기의 편지")
    search(client, "등대지기")
    episode.series.slug = "lighthouse-letters"
    episode.series.save()
    html = search(client, "등대지기")
    assert 'href="/series/lighthouse-letters/' in html
    assert f'href="{episode.get_absolute_url()}"' in html


def keyword_links(html: str) -> list[tuple[str, str]]:
    block = re.search(r'<ul class="search-keywords"[^>]*>(.*?)</ul>', html, re.S).group(1)
    return re.findall(r'<a href="([^"]+)">#(?:<mark>)?([^<]+)', block)


def test_a_result_lists_its_keywords_as_they_are_after_each_write(client):
    episode = make_searchable_episode(headline="철새 이야기", keywords=("두루미",))
    episode.keywords.add("갯벌")
    crane = Tag.objects.get(name="두루미")
    assert keyword_links(search(client, "철새")) == [
        (reverse("columns:keyword", args=[crane.slug]), "두루미"),
        (reverse("columns:keyword", args=[Tag.objects.get(name="갯벌").slug]), "갯벌"),
    ]

    crane.name = "흑두루미"
    crane.save()
    episode.keywords.remove("갯벌")
    assert keyword_links(search(client, "철새")) == [
        (reverse("columns:keyword", args=[crane.slug]), "흑두루미")
    ]


def test_documents_stored_before_they_held_keywords_get_them_when_migrated():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("columns.migrations.0012_search_document_keywords")
    episode = make_searchable_episode(keywords=("두루미",))
    episode.keywords.add("갯벌")
    stored = EpisodeSearchDocument.objects.get(episode=episode).keywords
    EpisodeSearchDocument.objects.update(keywords=[])

    migration.fill_keywords(apps, None)

    assert EpisodeSearchDocument.objects.get(episode=episode).keywords == stored
    assert stored == [[name, Tag.objects.get(name=name).slug] for name in ("두루미", "갯벌")]


def test_text_that_looks_like_html_is_escaped_around_highlights(client):
    make_searchable_episode(
        headline="부등호 <b>굵게</b> 제목",
        commentary_bodies=["코드로 `a<b && c>d`를 적었습니다."],
    )
    html = search(client, "<b")
    assert "<b>굵게</b>" not in html
    assert "<mark>&lt;b</mark>&gt;굵게&lt;/b&gt;" in html
    assert "a<mark>&lt;b</mark> &amp;&amp; c&gt;d" in html


# --- Odd, empty and over-long queries ----------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        "'",
        '"한국',
        "%",
        "_",
        "%%__",
        "\\",
        "\\%",
        "'; DROP TABLE columns_episode; --",
        "1' OR '1'='1",
        "<script>alert(1)</script>",
        "</textarea><img src=x onerror=alert(1)>",
        "한국\x00을",
        "\x01\x1f",
        "🙂",
        "ㅎㄱ",
        "[a-z]*",
        "{{ SITE_NAME }}",
        "{% now 'Y' %}",
    ],
)
def test_odd_queries_give_a_normal_page(client, query):
    make_searchable_episode(headline="평범한 글")
    response = client.get(SEARCH_URL, {"q": query})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html and "<img src=x" not in html
    assert EpisodeSearchDocument.objects.count() == 1  # nothing was dropped


def test_an_empty_query_shows_the_form_and_a_hint_not_every_episode(client):
    make_searchable_episode(headline="평범한 글")
    html = search(client, "")
    assert "찾고 싶은 낱말을 입력해 주세요" in html
    assert found_headlines(html) == []
    assert client.get(SEARCH_URL).status_code == 200


@pytest.mark.parametrize("query", ["%", "_", "\\"])
def test_like_wildcards_match_only_themselves(client, query):
    make_searchable_episode(headline=f"기호 {query} 들어간 글")
    make_searchable_episode(headline="기호 없는 글")
    assert found_headlines(search(client, query)) == [f"기호 {query} 들어간 글"]


def test_an_over_long_query_gets_a_polite_message(client):
    make_searchable_episode(headline="가" * 5)
    html = search(client, "가" * (MAX_QUERY_LENGTH + 1))
    assert "검색어가 너무 깁니다" in html and f"{MAX_QUERY_LENGTH}자 이하" in html
    assert found_headlines(html) == []


def test_a_query_of_exactly_the_limit_is_searched(client):
    make_searchable_episode(headline="짧은 글")
    html = search(client, "가" * MAX_QUERY_LENGTH)
    assert "검색어가 너무 깁니다" not in html
    assert "맞는 글이 없습니다" in html


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999", "1e3", "%"])
def test_bad_page_numbers_show_a_page_not_an_error(client, page):
    make_searchable_episode(headline="반도체 글")
    assert client.get(SEARCH_URL, {"q": "반도체", "page": page}).status_code == 200


# --- Pagination --------------------------------------------------------------------


def test_results_are_paginated_and_page_links_keep_the_query(client, settings):
    series = make_series()
    for number in range(1, settings.EPISODES_PER_PAGE + 4):
        make_searchable_episode(series, number, headline=f"반도체 {number}", articles=0)
    first = search(client, "반도체")
    assert len(found_headlines(first)) == settings.EPISODES_PER_PAGE
    assert f"검색 결과 {settings.EPISODES_PER_PAGE + 3}건" in first
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1)
    assert "q=%EB%B0%98%EB%8F%84%EC%B2%B4" in next_link and "page=2" in next_link
    second = client.get(SEARCH_URL + next_link.replace("&amp;", "&")).content.decode()
    assert len(found_headlines(second)) == 3


# --- Never leak --------------------------------------------------------------------


def test_drafts_and_scheduled_episodes_are_never_found_or_counted(client):
    make_hidden_episodes(headline="숨은 반도체 글", keywords=("반도체",))
    make_searchable_episode(headline="공개된 반도체 글")
    html = search(client, "반도체")
    assert found_headlines(html) == ["공개된 반도체 글"]
    assert "검색 결과 1건" in html
    assert "숨은" not in html


def test_a_scheduled_episode_is_found_once_its_time_has_come(client, settings):
    # Moving the time with update() skips the page cache's bookkeeping; real time doesn't.
    settings.PAGE_CACHE_ENABLED = False
    _draft, scheduled = make_hidden_episodes(headline="예약된 반도체 글")
    assert found_headlines(search(client, "반도체")) == []
    Episode.objects.filter(pk=scheduled.pk).update(publish_at=timezone.now() - timedelta(1))
    assert found_headlines(search(client, "반도체")) == ["예약된 반도체 글"]


def test_staff_search_shows_published_episodes_only_too(client, staff):
    make_hidden_episodes(headline="숨은 반도체 글")
    client.force_login(staff)
    assert found_headlines(search(client, "반도체")) == []


# --- Query counts ------------------------------------------------------------------


# A search, however many episodes it finds:
SEARCH_QUERIES = [
    "the count of matching published episodes (the paginator)",
    "one page of them, each with its series and search document (keywords included),"
    " best match first",
]


def test_search_runs_the_same_queries_for_3_and_30_results(
    client, settings, django_assert_num_queries
):
    settings.PAGE_CACHE_ENABLED = False
    series = make_series()

    def grow(count):
        for number in range(series.episodes.count() + 1, count + 1):
            make_searchable_episode(series, number, headline=f"반도체 {number}", keywords=("칩",))

    grow(3)
    with django_assert_num_queries(len(SEARCH_QUERIES)) as small:
        html = search(client, "반도체")
    assert len(found_headlines(html)) == 3
    assert "검색 결과 3건" in html

    grow(30)
    with django_assert_num_queries(len(SEARCH_QUERIES)) as big:
        html = search(client, "반도체")
    assert len(found_headlines(html)) == settings.EPISODES_PER_PAGE
    assert "검색 결과 30건" in html and html.count("#칩") == settings.EPISODES_PER_PAGE
    assert len(big) == len(small)


# --- Keeping the search document fresh ----------------------------------------------


def test_an_episode_whose_document_went_missing_is_found_again_after_a_rebuild(client):
    episode = make_episode(headline="색인 전 반도체 글")
    EpisodeSearchDocument.objects.filter(episode=episode).delete()
    assert found_headlines(search(client, "반도체")) == []
    projections.refresh_everything()
    assert found_headlines(search(client, "반도체")) == ["색인 전 반도체 글"]


def test_rebuild_command_indexes_every_episode(client):
    from django.core.management import call_command

    make_episode(headline="첫 반도체 글")
    make_episode(headline="둘째 반도체 글")
    call_command("rebuild_search_index", stdout=io.StringIO())
    assert sorted(found_headlines(search(client, "반도체"))) == ["둘째 반도체 글", "첫 반도체 글"]


def _inline(prefix: str, rows: list[dict], initial: int) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def test_saving_an_episode_in_the_admin_refreshes_what_search_finds(client, superuser):
    outlet = make_outlet(name="가상경제", domain="econ.example.com")
    episode = make_searchable_episode(headline="고치기 전 제목", articles=1)
    article = episode.articles.get()
    paragraph = episode.commentary.get()
    client.force_login(superuser)
    data = {
        "series": str(episode.series_id),
        "number": str(episode.number),
        "headline": "고친 뒤 제목",
        "subtitle": episode.subtitle,
        "keywords": "양자컴퓨터",
        "intro": episode.intro,
        "closing": episode.closing,
        "status": "published",
        "publish_at_0": timezone.localtime(episode.publish_at).strftime("%Y-%m-%d"),
        "publish_at_1": timezone.localtime(episode.publish_at).strftime("%H:%M:%S"),
        "comments_enabled": "on",
        "volume": "",
        "volume_position": "",
        "based_on_version": str(episode.edit_version),
        **_inline(
            "articles",
            [
                {
                    "id": str(article.pk),
                    "episode": str(episode.pk),
                    "position": "1",
                    "published_on": "",
                    "headline": "초전도 기사 제목",
                    "outlet": str(outlet.pk),
                    "url": article.url,
                    "summary": "“새로 고친 인용문.”",
                }
            ],
            initial=1,
        ),
        **_inline(
            "commentary",
            [
                {
                    "id": str(paragraph.pk),
                    "episode": str(episode.pk),
                    "position": "1",
                    "source_article": "",
                    "body": "논평에 큐비트 이야기를 더했습니다.",
                }
            ],
            initial=1,
        ),
    }
    response = client.post(reverse("admin:columns_episode_change", args=[episode.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    client.logout()
    for query in ["고친 뒤", "양자컴퓨터", "초전도", "가상경제", "큐비트", "새로 고친"]:
        assert found_headlines(search(client, query)) == ["고친 뒤 제목"], query
    assert found_headlines(search(client, "고치기 전")) == []


def test_deleting_commentary_in_the_admin_refreshes_what_search_finds(client, superuser):
    episode = make_searchable_episode(headline="논평 지울 글", commentary_bodies=["사라질 문장"])
    client.force_login(superuser)
    paragraph = episode.commentary.first()
    response = client.post(
        reverse("admin:columns_commentary_delete", args=[paragraph.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Commentary.objects.filter(pk=paragraph.pk).exists()
    client.logout()
    assert found_headlines(search(client, "사라질")) == []


def test_the_migration_backfills_documents_for_existing_episodes():
    """The data step of 0003 builds the same document the service does."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("columns.migrations.0003_episode_search_document")
    episode = make_episode(headline="이미 있던 반도체 글", keywords=("메모리",))
    SourceArticle.objects.filter(episode=episode).update(headline="옛 기사 제목")
    # An episode as it was then: quotes were still paragraphs of the summary.
    SourceQuote.objects.filter(article__episode=episode).delete()
    migration.fill_search_documents(apps, connection.schema_editor())
    document = EpisodeSearchDocument.objects.get(episode=episode)
    backfilled = {f: getattr(document, f) for f in ("folded_document", "passage_text")}
    projections.refresh_everything()
    document.refresh_from_db()
    assert backfilled == {f: getattr(document, f) for f in ("folded_document", "passage_text")}
    assert "메모리" in document.folded_document and "옛기사제목" in document.folded_document


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_postgresql_answers_searches_of_three_or_more_characters_from_the_trigram_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'columns_search_document_trgm'"
        )
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "gin_trgm_ops" in definition
    series = make_series()
    for number in range(1, 31):
        make_searchable_episode(series, number, articles=1, headline=f"회차 {number}")
    # Whether the planner prefers the index depends on table statistics; what
    # must hold is that the index *can* answer the search's match predicate.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(
            "EXPLAIN SELECT episode_id FROM columns_episodesearchdocument "
            "WHERE columns_search_document(folded_document) LIKE %s",
            ["%양자얽힘%"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "columns_search_document_trgm" in plan
    # Every term of three or more characters is looked up in the index: a
    # quoted phrase (folded without its space) and each word of a longer query.
    assert "columns_search_document(" in str(
        search_episodes(ReaderQuery.parse('"양자 얽힘"')).query
    )
    several = str(search_episodes(ReaderQuery.parse("양자얽힘 초전도체")).query)
    assert several.count("columns_search_document(") == 2
    # Two characters hold no trigram: the index could only be read whole, so it is not asked.
    assert (
        "columns_search_document_trgm" not in search_episodes(ReaderQuery.parse("양자")).explain()
    )
