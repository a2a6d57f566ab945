"""SQLite's trigram table: search finds from an index what a scan of the documents finds.

Migration columns/0013 keeps an FTS5 table (trigram tokenizer, case-sensitive)
over the search documents, filled by triggers. columns.search looks terms of
three characters or more up in it, in the whole document and in each short
column it ranks by. These tests hold it to the plain substring test (`instr`)
after every kind of write. SQLite only: PostgreSQL has its pg_trgm index.
"""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from columns import search
from columns.models import Commentary, EpisodeSearchDocument
from columns.search import TRIGRAM_TABLE, ReaderQuery, SearchResults, search_episodes
from tests.factories import make_series
from tests.factories_search import make_searchable_episode

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 trigram table"),
]

COLUMNS = ("folded_document", "folded_headline", "folded_keywords", "folded_lead")
# Folded terms: Korean, mixed with Latin and digits, one with a double quote
# (FTS5 phrase syntax), one found nowhere.
# Shorter terms are never looked up (three characters make the first trigram).
TERMS = ("항만크레인", "크레인", "물류창고", "ai칩", "48화", 'say"hi', "없는낱말이다")


def scanned(column: str, term: str) -> set[int]:
    return set(
        EpisodeSearchDocument.objects.filter(**{f"{column}__contains": term}).values_list(
            "episode_id", flat=True
        )
    )


def looked_up(column: str, term: str) -> set[int]:
    """The episodes the trigram table lists for `term` in `column`, as columns.search asks."""
    phrase = search._fts_phrase(term)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {TRIGRAM_TABLE} WHERE {TRIGRAM_TABLE} MATCH %s",  # noqa: S608
            [phrase if column == "folded_document" else f"{column} : {phrase}"],
        )
        return {row[0] for row in cursor.fetchall()}


def assert_index_matches_scan():
    for column in COLUMNS:
        for term in TERMS:
            assert looked_up(column, term) == scanned(column, term), (column, term)


def test_the_migration_leaves_the_table_and_its_three_triggers():
    # Django rebuilds a SQLite table to alter it, dropping its triggers: a later
    # migration of EpisodeSearchDocument that forgets them fails here.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, name FROM sqlite_master WHERE name LIKE %s ORDER BY name",
            [f"{TRIGRAM_TABLE}%"],
        )
        objects = set(cursor.fetchall())
    assert {
        ("table", TRIGRAM_TABLE),
        ("trigger", f"{TRIGRAM_TABLE}_insert"),
        ("trigger", f"{TRIGRAM_TABLE}_update"),
        ("trigger", f"{TRIGRAM_TABLE}_delete"),
    } <= objects


def test_the_table_finds_what_a_scan_finds_after_every_write():
    series = make_series("항구 도시 일지")
    first = make_searchable_episode(
        series, 1, headline="물류 창고의 겨울", commentary_bodies=["항만 크레인이 멈춘 날."]
    )
    second = make_searchable_episode(
        series,
        48,
        headline="AI 칩 공장",
        keywords=("크레인",),
        article_headlines=['그가 say"hi라고 적은 기사'],
    )
    assert scanned("folded_document", "크레인") == {first.pk, second.pk}
    assert_index_matches_scan()

    # An edit: the document is rewritten (an update of its row).
    paragraph = Commentary.objects.filter(episode=first).get(body__contains="크레인")
    paragraph.body = "부두의 아침을 적습니다."
    paragraph.save()
    assert scanned("folded_document", "크레인") == {second.pk}
    assert_index_matches_scan()

    # A delete: the episode and, with it, its document.
    second.delete()
    assert scanned("folded_document", "크레인") == set()
    assert_index_matches_scan()


def test_rebuilding_the_search_index_repairs_a_trigram_table_out_of_step():
    episode = make_searchable_episode(headline="물류 창고의 겨울")
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TRIGRAM_TABLE}({TRIGRAM_TABLE}) VALUES ('delete-all')")  # noqa: S608
    assert looked_up("folded_document", "물류창고") == set()
    call_command("rebuild_search_index", stdout=io.StringIO())
    assert looked_up("folded_document", "물류창고") == {episode.pk}
    assert_index_matches_scan()


def test_terms_of_three_characters_come_from_the_table_and_shorter_ones_are_scanned():
    # instr() compares bytes and is about twice as fast as LIKE over a document
    # lacking the term (docs/search.md); both sides are folded, so it finds the same rows.
    where = str(search_episodes(ReaderQuery.parse("양자얽힘 전력")).query).split(" ORDER BY ")[0]
    assert f'{TRIGRAM_TABLE} MATCH "양자얽힘"' in where
    assert where.count('INSTR("columns_episodesearchdocument"."folded_document", ') == 1
    assert "LIKE" not in where


def test_ranking_every_match_reads_no_document_row_for_terms_of_three_characters(
    client, settings, django_assert_num_queries
):
    settings.PAGE_CACHE_ENABLED = False
    series = make_series()
    for number in range(1, 6):
        make_searchable_episode(series, number, headline=f"반도체 {number}", keywords=("메모리",))
    results = SearchResults(ReaderQuery.parse("반도체"))
    with CaptureQueriesContext(connection) as queries:
        assert results.count() == 5
        page = results[0:20]
    assert [e.number for e in page] == [5, 4, 3, 2, 1]
    # The ids of every match, ranked (neither joining the documents nor reading
    # them), then the page's rows by id (no document is searched again).
    ranked, rows = (query["sql"] for query in queries)
    assert "columns_episodesearchdocument" not in ranked
    assert "ORDER BY" in ranked and f"LIMIT {search.MAX_RESULTS + 1}" in ranked
    assert "columns_episodesearchdocument" in rows and TRIGRAM_TABLE not in rows
    with django_assert_num_queries(2):
        client.get(reverse("columns:search"), {"q": "반도체"})


def test_an_episode_scheduled_for_later_is_in_the_table_but_found_only_once_it_is_out():
    episode = make_searchable_episode(
        headline="예약된 물류 창고 이야기", publish_at=timezone.now() + timedelta(days=1)
    )
    query = ReaderQuery.parse("물류창고")
    assert looked_up("folded_document", "물류창고") == {episode.pk}
    assert list(search_episodes(query)) == []
    assert SearchResults(query).count() == 0
    later = timezone.now() + timedelta(days=2)
    assert list(search_episodes(query, now=later)) == [episode]
    assert SearchResults(query, now=later)[0:20] == [episode]
