"""검색: finding published episodes the way Korean readers type.

Stemmers and PostgreSQL's text-search configurations do not split Korean
(`한국을` is one token to them, so `한국` never finds it). Each episode instead
keeps an `EpisodeSearchDocument`: its text *folded* (common.text.fold: NFKC,
case-folded, every space removed) so that a plain substring match finds `한국`
inside `한국을` and `생성형 AI` inside `생성형AI`. On PostgreSQL a pg_trgm GIN
index serves that `LIKE '%…%'`; on SQLite an FTS5 trigram table does (a term
of three characters or more; shorter ones are scanned on both).

A query is read as terms (`ReaderQuery.parse`): words split on spaces, quoted
phrases kept whole, `48` / `48화` also meaning episode 48. An episode matches
when it holds every term. A term carrying a particle or ending the text does not
have as typed (`도서관을`) is retried without it (`resolve`); a term found as
typed is never cut (`한국` stays `한국`). docs/search.md says why a particle list
and not a morphological analyser.

This module is the reading side. The documents are derived data, written by
columns.projections after every committed write that changes an episode's
text; `manage.py rebuild_search_index` rebuilds all of them.
"""

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property, reduce
from operator import add, and_

from django.core.paginator import Paginator
from django.core.signals import setting_changed
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from columns.models import Episode, EpisodeSearchDocument, Series
from columns.templatetags.fixed_urls import episode_address, keyword_address
from common.text import FOLD_TABLE as _FOLD
from common.text import PART_SEPARATOR, fold, fold_composed, folds_as_casefold

MAX_QUERY_LENGTH = 200
# More terms than this are not searched (each one is a condition of the query).
MAX_TERMS = 8

# Relevance, added up over the terms: a hit in the headline outweighs one in the
# keywords, which outweighs one in the subtitle, cited headlines or outlet names;
# every episode that matches at all is worth 1. An episode whose number a term
# names (`48`, `48화`) comes before all of them.
WEIGHT_NUMBER = 1000
WEIGHT_HEADLINE = 8
WEIGHT_KEYWORDS = 4
WEIGHT_LEAD = 2

# The passage shown under a result: this many characters either side of the match.
PASSAGE_BEFORE = 45
PASSAGE_AFTER = 90


# --- Particles and endings ---------------------------------------------------------

# What Korean attaches to the end of a word, folded. A term that does not match
# as typed is retried without one of these (two at most: `도서관에서도`).
# Chosen against the query corpus in tests/search_queries.py; docs/search.md
# compares this list with a morphological analyser.
PARTICLES = frozenset(
    # case particles
    "이 가 을 를 은 는 의 에 에서 에게 께 께서 한테 로 으로 와 과 랑 이랑 하고 "
    # contracted: 에는 → 엔, 에서는 → 에선
    "엔 에선 "
    # auxiliary particles
    "도 만 까지 부터 처럼 보다 마저 조차 밖에 마다 이나 나 이든 든 이라도 라도 뿐 "
    # copula and a few endings readers type after a noun
    "이다 다 입니다 이라는 라는 이란 란 이며 며 인 이었다 였다 "
    "하는 한 하다 한다 했다 해서 하고 하며 된 되는 됐다 된다 "
    # plural
    "들".split()
)
_PARTICLES_LONGEST_FIRST = sorted(PARTICLES, key=len, reverse=True)
# A stem must end in a syllable or a letter or digit (not in `-`, `.` …).
_STEM_END = re.compile(r"[\w가-힣]$")


def without_particles(folded: str) -> tuple[str, ...]:
    """The term with one or two trailing particles removed, longest stem first.

    `도서관에서도` → (`도서관에서`, `도서관`). A stem is never empty and never a
    particle itself; a term without Hangul at its end has no candidates.
    """
    found: list[str] = []

    def strip(word: str, depth: int) -> None:
        for particle in _PARTICLES_LONGEST_FIRST:
            if word.endswith(particle) and len(word) > len(particle):
                stem = word[: -len(particle)]
                if stem in PARTICLES or not _STEM_END.search(stem):
                    continue
                if stem not in found:
                    found.append(stem)
                if depth < 2:
                    strip(stem, depth + 1)

    strip(folded, 1)
    return tuple(sorted(found, key=len, reverse=True))


# --- Reading a query ---------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# "…", “…”, ‘…’ and 「…」 hold a phrase that matches as one term.
_PHRASE = re.compile(r'"([^"]*)"|“([^”]*)”|‘([^’]*)’|「([^」]*)」')
# `48`, `48화`, `제48화`: an episode number.
_NUMBER = re.compile(r"제?(\d{1,6})화?")
# `저녁-48` as the brunch titles write it: the series' words, then the number.
_TITLE_NUMBER = re.compile(r"(.*\D)-(\d{1,6})화?")


@dataclass(frozen=True)
class Term:
    """One thing every result must contain.

    `folded` is the term as typed; `match` is what is searched for, the same
    or, once `resolve` found the typed form nowhere, a stem without its
    particle. `number` is the episode number the term names, if it is one:
    the document holds `48화`, so `48` and `48화` find episode 48 as text, and
    the number puts it first.
    """

    folded: str
    phrase: bool = False
    number: int | None = None
    match: str = ""

    @property
    def stems(self) -> tuple[str, ...]:
        return () if self.number is not None else without_particles(self.folded)

    @property
    def searched(self) -> str:
        return self.match or self.folded


def _terms(text: str) -> Iterator[Term]:
    phrases: list[str] = []

    def keep(found: re.Match) -> str:
        phrases.append(next(g for g in found.groups() if g is not None))
        return " "

    rest = _PHRASE.sub(keep, text)
    for word in rest.split():
        yield from _word_terms(word)
    for phrase in phrases:
        if folded := fold(phrase):
            yield Term(folded, phrase=True)


def _word_terms(word: str) -> Iterator[Term]:
    folded = fold(word).strip("\"'“”‘’「」")
    if not folded:
        return
    if number := _NUMBER.fullmatch(folded):
        yield Term(folded, number=int(number[1]))
    elif title_number := _TITLE_NUMBER.fullmatch(folded):
        yield from _word_terms(title_number[1])
        yield Term(title_number[2], number=int(title_number[2]))
    else:
        yield Term(folded)


@dataclass(frozen=True)
class ReaderQuery:
    """The `q` a reader sent: `text` to show back, `terms` to search with."""

    text: str = ""
    folded: str = ""
    terms: tuple[Term, ...] = ()
    too_long: bool = False
    too_many_terms: bool = False
    resolved: bool = False

    @classmethod
    def parse(cls, raw: str | None) -> "ReaderQuery":
        text = _CONTROL.sub(" ", raw or "").strip()
        if len(text) > MAX_QUERY_LENGTH:
            return cls(text=text[:MAX_QUERY_LENGTH], too_long=True)
        terms: list[Term] = []
        for term in _terms(text):
            if all(term.folded != t.folded or term.number != t.number for t in terms):
                terms.append(term)
        return cls(
            text=text,
            folded=fold(text),
            terms=tuple(terms[:MAX_TERMS]),
            too_many_terms=len(terms) > MAX_TERMS,
        )

    @property
    def is_searchable(self) -> bool:
        return bool(self.terms) and not self.too_long

    @property
    def needles(self) -> list[str]:
        """The folded strings highlighted in results: what each term searched for."""
        return [term.searched for term in self.terms]


# --- Finding -----------------------------------------------------------------------

# pg_trgm needs three characters to look anything up in its index.
TRIGRAM_MIN_LENGTH = 3
# The PostgreSQL function the trigram index is built on (migration 0003).
INDEXED_DOCUMENT_FUNCTION = "columns_search_document"


class IndexedDocument(Func):
    """`columns_search_document(folded_document)`: the document as the trigram index holds it.

    An identity function the migration declares expensive, so that the planner
    answers LIKE from the index instead of reading every document.
    """

    function = INDEXED_DOCUMENT_FUNCTION
    output_field = TextField()


def _contains(q: str) -> Q:
    """The filter finding `q` in the document, in the form the database can index."""
    if connection.vendor == "postgresql":
        if len(q) >= TRIGRAM_MIN_LENGTH:
            return Q(indexed_document__contains=q)
        # Shorter strings have no trigram to look up: a scan is the fastest way.
        return Q(search_document__folded_document__contains=q)
    if len(q) >= TRIGRAM_MIN_LENGTH:
        # SQLite's FTS5 trigram table (migration 0013) holds the same documents.
        return Q(pk__in=RawSQL(_TRIGRAM_MATCH, [_fts_phrase(q)]))  # noqa: S611 - q is a parameter
    # Shorter strings are scanned. SQLite's LIKE folds ASCII case and walks the
    # pattern character by character; instr() compares bytes, about twice as
    # fast over a document that lacks the term. Both sides are folded already,
    # so the two find the same rows, and instr() has no wildcards to escape.
    # docs/search.md has the figures.
    return Q(GreaterThan(StrIndex("search_document__folded_document", Value(q)), 0))


# The FTS5 table the SQLite migration 0013 keeps beside the search documents:
# the trigram tokenizer, case-sensitive, so that a phrase finds exactly the
# documents holding it as a substring, as instr() would.
TRIGRAM_TABLE = "columns_search_trigrams"
_TRIGRAM_MATCH = f"SELECT rowid FROM {TRIGRAM_TABLE} WHERE {TRIGRAM_TABLE} MATCH %s"  # noqa: S608


def rebuild_trigram_table() -> None:
    """SQLite: index every search document again (the triggers keep it in step otherwise)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {TRIGRAM_TABLE}({TRIGRAM_TABLE}) VALUES ('rebuild')")  # noqa: S608


def _fts_phrase(q: str) -> str:
    """`q` as an FTS5 phrase: in double quotes, its own double quotes doubled."""
    return '"' + q.replace('"', '""') + '"'


def _scope(*, series: Series | None, now: datetime | None) -> QuerySet[Episode]:
    episodes = Episode.objects.published(now)
    if connection.vendor == "postgresql":
        # A join to the documents, which SQLite's queries need only when they read one.
        episodes = episodes.alias(
            indexed_document=IndexedDocument(F("search_document__folded_document"))
        )
    return episodes.filter(series=series) if series is not None else episodes


def resolve(
    query: ReaderQuery, *, series: Series | None = None, now: datetime | None = None
) -> ReaderQuery:
    """The query with each term's `match` decided: as typed, or without its particle.

    A term is cut only when no published episode (in `series`, if given) holds
    it as typed, and then to the longest stem that one does hold. Runs one
    EXISTS query per term that could carry a particle, plus one per stem tried;
    terms without a Hangul ending cost nothing.
    """
    if query.resolved or not query.is_searchable:
        return replace(query, resolved=True)
    scope = _scope(series=series, now=now)
    terms = []
    for term in query.terms:
        stems = term.stems
        if stems and not scope.filter(_contains(term.folded)).exists():
            found = next((s for s in stems if scope.filter(_contains(s)).exists()), "")
            term = replace(term, match=found)
        terms.append(term)
    return replace(query, terms=tuple(terms), resolved=True)


def _numbers(query: ReaderQuery) -> list[int]:
    return sorted({t.number for t in query.terms if t.number is not None})


# The short columns a term scores in, and its points there. A term found only
# in the rest of the document scores nothing beyond the base point.
SCORED_COLUMNS = (
    ("folded_headline", WEIGHT_HEADLINE),
    ("folded_keywords", WEIGHT_KEYWORDS),
    ("folded_lead", WEIGHT_LEAD),
)


def _in_column(column: str, q: str) -> Q:
    """`q` in one of the short columns: a substring test.

    On PostgreSQL the short columns are read in line from every row a ranking
    looks at; `strpos` finds a Korean term in them about three times as fast as
    `LIKE`, and both find the same rows (docs/search.md). SQLite's trigram
    table indexes the short columns too, so ranking there reads no document
    row: each column's matches are one lookup, then a test against that list.
    """
    if connection.vendor == "sqlite" and len(q) >= TRIGRAM_MIN_LENGTH:
        # The column is one of SCORED_COLUMNS; the term is in the parameter.
        phrase = f"{column} : {_fts_phrase(q)}"
        return Q(pk__in=RawSQL(_TRIGRAM_MATCH, [phrase]))  # noqa: S611
    return Q(GreaterThan(StrIndex(f"search_document__{column}", Value(q)), 0))


def _relevance(query: ReaderQuery) -> Func:
    """The score of a matching episode: 1, plus the points of every term and number it hits."""

    def points(condition: Q, value: int) -> Case:
        return Case(
            When(condition, then=Value(value)), default=Value(0), output_field=IntegerField()
        )

    scores = [Value(1)]
    if numbers := _numbers(query):
        scores.append(points(Q(number__in=numbers), WEIGHT_NUMBER))
    for term in query.terms:
        for column, weight in SCORED_COLUMNS:
            scores.append(points(_in_column(column, term.searched), weight))
    return reduce(add, scores)


def _substring_test(column: str) -> str:
    """SQL true when `column` (already quoted) holds the next parameter: `strpos` / `instr`."""
    find = "strpos" if connection.vendor == "postgresql" else "instr"
    return f"{find}({column}, %s) > 0"


def _score_sql(query: ReaderQuery) -> tuple[str, list]:
    """`_relevance` as SQL over the search document's table, for the ranked tier.

    Every short column is tested with a plain substring test, as `_in_column`
    does on PostgreSQL.
    """
    quote = connection.ops.quote_name
    document = quote(EpisodeSearchDocument._meta.db_table)
    pieces, params = ["1"], []
    if numbers := _numbers(query):
        named = ", ".join(["%s"] * len(numbers))
        number = f"{quote(Episode._meta.db_table)}.{quote('number')}"
        pieces.append(f"CASE WHEN {number} IN ({named}) THEN {WEIGHT_NUMBER} ELSE 0 END")
        params += numbers
    for term in query.terms:
        for column, weight in SCORED_COLUMNS:
            test = _substring_test(f"{document}.{quote(column)}")
            pieces.append(f"CASE WHEN {test} THEN {weight} ELSE 0 END")
            params.append(term.searched)
    return " + ".join(pieces), params


def _holds_sql(query: ReaderQuery, document: str) -> tuple[str, list]:
    """SQL true when the document (a table alias) holds every term of `query`."""
    test = _substring_test(f"{document}.{connection.ops.quote_name('folded_document')}")
    return "(" + " AND ".join([test] * len(query.terms)) + ")", [t.searched for t in query.terms]


def _read_in_turn(q: str) -> Q:
    """`q` in the document, checked row by row as the rows come, never looked up in the index.

    For queries that read rows in a known order and stop early (a LIMIT): the
    trigram index would hand over every matching document at once, to be
    rechecked and sorted, when a page needs a few dozen. `strpos` is not
    something the index answers; on PostgreSQL it reads the document through
    the function declared expensive, so that the planner checks it after every
    cheaper condition, and in the SELECT list only on the rows the LIMIT keeps.
    Finds exactly what `_contains` finds (both are a plain substring test).
    """
    document = F("search_document__folded_document")
    if connection.vendor == "postgresql":
        document = IndexedDocument(document)
    return Q(GreaterThan(StrIndex(document, Value(q)), 0))


def _as_results(episodes: QuerySet[Episode]) -> QuerySet[Episode]:
    """What a result card needs: the episode, its series, the document's passage and keywords.

    Those columns only: turning every timestamp and JSON column of three
    models into Python took most of the 4 ms a page's rows cost (PostgreSQL).
    """
    return episodes.select_related("series", "search_document").only(
        "series",
        "number",
        "headline",
        "publish_at",
        "series__title",
        "series__slug",
        "search_document__passage_text",
        "search_document__keywords",
    )


def search_episodes(
    query: ReaderQuery, *, series: Series | None = None, now: datetime | None = None
) -> QuerySet[Episode]:
    """Published episodes holding every term, most relevant first, then newest.

    The definition of what a search finds and in which order, as one queryset.
    The results page reads the same rows in the same order through
    `SearchResults`, which does not score and sort every match; tests compare
    the two. `%`, `_` and backslashes are matched literally (Django escapes LIKE
    patterns). The order is total (relevance, publication time, id), so a page
    is the same on every request.
    """
    if not query.is_searchable:
        return Episode.objects.none()
    return _as_results(_in_order(resolve(query, series=series, now=now), series, now))


def _in_order(query: ReaderQuery, series: Series | None, now: datetime | None) -> QuerySet[Episode]:
    """`search_episodes` without what a result card needs: the matches, ranked."""
    return (
        _scope(series=series, now=now)
        .filter(reduce(and_, (_contains(t.searched) for t in query.terms)))
        .annotate(relevance=_relevance(query))
        .order_by("-relevance", "-publish_at", "-pk")
    )


# A search lists at most this many results (50 pages of 20). Counting further
# would read every matching document for a number no reader pages through.
MAX_RESULTS = 1000
# A page of results counts the matches only this many pages past itself (the
# results page says "200건 넘게" on page 1 of a common word, and counts further
# as the reader pages on, up to MAX_RESULTS). On PostgreSQL every counted match
# is a document read to confirm it holds the terms: counting 1,000 of them cost
# more than the page itself.
COUNT_PAGES_AHEAD = 9
# Up to this many matches are ranked in one query, as `search_episodes` does:
# the trigram index finds them, and scoring them costs about what counting them
# did. Above it, ranking every match would cost more than reading the short
# columns of every episode, and SearchResults reads the page in tiers.
RANK_ALL_UP_TO = MAX_RESULTS


def ranks_every_match() -> bool:
    """Whether a search ranks all its matches in the one query that finds them.

    On SQLite the trigram table (migration 0013) lists the documents holding a
    term, and the ones holding it in each short column, so ranking every match
    reads no document: one query returns the ids of all the matches in order
    (which also counts them), then the page's rows follow. Counting and ranking
    separately would do that work twice. On PostgreSQL the ranking reads the
    short columns of every candidate row, too many for a common word, and
    SearchResults reads such a page in tiers.
    """
    return connection.vendor == "sqlite"


class SearchResults:
    """What `search_episodes` finds, in its order, read a page at a time.

    On SQLite (`ranks_every_match`), one query returns the ids of all the
    matches in order, and a page is a slice of them. On PostgreSQL:

    Only a *ranked* episode (a term in its headline, keywords or
    lead, or a number a term names) scores above the base point of 1. Every
    other match scores exactly 1, so among those the order is by publication
    alone. The single order is therefore the ranked matches by score, then the
    plain matches newest first. A search with RANK_ALL_UP_TO matches or fewer
    is a slice of `search_episodes`, whose single query the trigram index
    serves; one with more is read as:

    1. the ranked tier: candidates found and scored from the short columns
       alone, best first, each document checked only as far as the page needs
       (`_first_holding`);
    2. the plain tier, when the page reaches past the ranked matches: a walk
       down the publication index that checks documents in turn and stops
       once the page is full, a few dozen rows where matches are as dense as
       more than RANK_ALL_UP_TO of them make likely;
    3. the page's rows by id, with their series and passage: one query.

    So a common word reads about a page of documents instead of every one that
    holds it. Slicing and `count()` are what `SearchPaginator` needs; the count
    is the one query that still confirms up to MAX_RESULTS + 1 matches. `now`
    is fixed once, so the count and both tiers see the same episodes.
    """

    def __init__(
        self,
        query: ReaderQuery,
        *,
        series: Series | None = None,
        now: datetime | None = None,
        count_up_to: int = MAX_RESULTS,
    ):
        self.now = now or timezone.now()
        self.query = resolve(query, series=series, now=self.now)
        self.series = series
        self.scope = _scope(series=series, now=self.now)
        # The count (and so the pages) stops here; never past MAX_RESULTS.
        self.count_limit = max(1, min(count_up_to, MAX_RESULTS))
        self.more_than_listed = False

    @classmethod
    def for_page(cls, query: ReaderQuery, page: object, per_page: int, **kwargs) -> "SearchResults":
        """Results counted as far as `page` (a page number as the reader sent it) needs.

        That is COUNT_PAGES_AHEAD pages past it, so the page always links to the
        next one while there are more matches. A page number that is no number
        counts from page 1, as the paginator then shows page 1.
        """
        try:
            number = max(int(page), 1)
        except (TypeError, ValueError):
            number = 1
        return cls(query, count_up_to=(number + COUNT_PAGES_AHEAD) * per_page, **kwargs)

    @property
    def counts_further(self) -> bool:
        """Whether there are more matches than counted that paging on would count."""
        return self.more_than_listed and self.count_limit < MAX_RESULTS

    @cached_property
    def _count(self) -> int:
        if not self.query.is_searchable:
            return 0
        if ranks_every_match():
            found = len(self._every_match)
        else:
            # Neither ranks nor sorts, and stops at the MAX_RESULTS + 1st match.
            found = self._matching().order_by().values("pk")[: self.count_limit + 1].count()
        self.more_than_listed = found > self.count_limit
        return min(found, self.count_limit)

    @cached_property
    def _every_match(self) -> list[int]:
        """Ids of the matches in `search_episodes`' order, `count_limit` + 1 at most: one query."""
        ranked = _in_order(self.query, self.series, self.now).values_list("pk", flat=True)
        return list(ranked[: self.count_limit + 1])

    def count(self) -> int:
        """Matches, at most `count_limit` (`more_than_listed` says whether there were more)."""
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, page: slice) -> list[Episode]:
        start, stop = page.start or 0, min(page.stop, self.count())
        if start >= stop:
            return []
        if ranks_every_match():
            return self._rows(self._every_match[start:stop])
        if self.count() <= RANK_ALL_UP_TO and not self.more_than_listed:
            return list(search_episodes(self.query, series=self.series, now=self.now)[start:stop])
        ranked = _first_holding(self._ranked_batch, stop)
        ids = ranked[start:stop]
        if len(ids) < stop - start:
            # The ranked matches ran out (all len(ranked) of them): the plain
            # ones continue the order where they stopped.
            plain = _first_holding(self._newest_batch, stop - len(ranked), plain=True)
            ids += plain[max(start - len(ranked), 0) :]
        return self._rows(ids)

    def _rows(self, ids: list[int]) -> list[Episode]:
        """The page's episodes in the order of `ids`, with what a result card needs."""
        rows = _as_results(self.scope.filter(pk__in=ids)).order_by().in_bulk()
        return [rows[pk] for pk in ids if pk in rows]

    def _ranked_batch(self, offset: int, limit: int) -> list[tuple[int, int, bool]]:
        """The ranked episodes from `offset`, best first: (id, relevance, holds every term).

        The ranked episodes score above 1 from their short columns alone; their
        documents are checked only for the batch. One statement in three layers:

        1. `scored`: every episode in scope with its score, computed once. The
           score's substring tests are most of the query's time, and with a
           filter on the score in the same layer PostgreSQL would run them again
           (once in WHERE, once in the SELECT list); `OFFSET 0` keeps the layer
           from being merged into the next one.
        2. the episodes scoring above 1, sorted best first, the batch cut out;
        3. the batch's documents, checked for every term.

        Written as SQL around the scope's own query (what readers may see stays
        `Episode.objects.published`): building the score as six CASE expressions
        per two terms in the ORM took 1.5-3 ms of Python a search, and the
        single layer 46 ms against 32 for two terms over 20,000 episodes
        (docs/search.md). tests/columns/test_search_tiers.py holds it to
        `search_episodes`' order.
        """
        score, score_params = _score_sql(self.query)
        scored, scored_params = (
            self.scope.order_by()
            .filter(search_document__isnull=False)
            .annotate(relevance=RawSQL(score, score_params, output_field=IntegerField()))  # noqa: S611 - terms are parameters
            .values_list("id", "publish_at", "relevance")
            .query.sql_with_params()
        )
        # A subquery with OFFSET (SQLite: with a LIMIT) is never merged into its outer query.
        fence = "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"
        holds, holds_params = _holds_sql(self.query, "document")
        document_table = connection.ops.quote_name(EpisodeSearchDocument._meta.db_table)
        sql = (
            f"SELECT ranked.id, ranked.relevance, {holds} FROM ("  # noqa: S608 - no values in the text
            f"SELECT * FROM ({scored} {fence}) AS scored WHERE scored.relevance > 1 "
            "ORDER BY scored.relevance DESC, scored.publish_at DESC, scored.id DESC "
            "LIMIT %s OFFSET %s"
            f") AS ranked INNER JOIN {document_table} AS document "
            "ON document.episode_id = ranked.id "
            "ORDER BY ranked.relevance DESC, ranked.publish_at DESC, ranked.id DESC"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*holds_params, *scored_params, limit, offset])
            return [(pk, relevance, bool(held)) for pk, relevance, held in cursor.fetchall()]

    def _newest_batch(self, offset: int, limit: int) -> list[tuple[int, int, bool]]:
        """Every episode in scope, newest first, `offset` to `offset + limit`, with its score.

        The walk through the plain matches passes over ranked episodes in
        Python (`relevance` above 1) rather than excluding them in SQL, so that
        the query stays a walk down the publication index that stops at its
        LIMIT: a condition on the short columns in WHERE has PostgreSQL read
        all of them and sort. Each document is checked in the SELECT list
        (`_read_in_turn`), which PostgreSQL evaluates after the LIMIT.
        """
        holding = ExpressionWrapper(
            reduce(and_, (_read_in_turn(t.searched) for t in self.query.terms)),
            output_field=BooleanField(),
        )
        rows = (
            self.scope.annotate(relevance=_relevance(self.query), holds_every_term=holding)
            .order_by("-publish_at", "-pk")
            .values_list("pk", "relevance", "holds_every_term")
        )
        return list(rows[offset : offset + limit])

    def _matching(self) -> QuerySet[Episode]:
        """Episodes in scope holding every term, through the trigram index."""
        return self.scope.filter(reduce(and_, (_contains(t.searched) for t in self.query.terms)))


def _first_holding(
    batch: Callable[[int, int], list[tuple[int, int, bool]]], stop: int, *, plain: bool = False
) -> list[int]:
    """Ids of the first `stop` candidates, in their order, whose document holds every term.

    `batch(offset, limit)` reads candidates as (id, relevance, holds every
    term). With `plain`, only candidates scoring exactly 1 count. All of them,
    when fewer than `stop` qualify.

    A batch checks only its own rows' documents, however many candidates it
    was sorted from. It leaves room for candidates lacking a term (and, on the
    plain walk, for ranked ones); a page still short asks for a batch four
    times larger.
    """
    found: list[int] = []
    offset, size = 0, (4 if plain else 2) * stop
    while True:
        rows = batch(offset, size)
        found += [pk for pk, relevance, holds in rows if holds and not (plain and relevance > 1)]
        if len(found) >= stop or len(rows) < size:
            return found[:stop]
        offset, size = offset + size, 4 * size


class SearchPaginator(Paginator):
    """Pages of `SearchResults`, counting at most its `count_limit` matches.

    `more_than_listed` says whether there were more; `counts_further`, whether
    paging on would count more of them.
    """

    more_than_listed = False
    counts_further = False

    @cached_property
    def count(self) -> int:
        count = self.object_list.count()
        self.more_than_listed = self.object_list.more_than_listed
        self.counts_further = self.object_list.counts_further
        return count


@dataclass(frozen=True)
class Suggestions:
    """What the empty and the no-result page offer: recent keywords, latest episodes."""

    keywords: list = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)


SUGGESTED_KEYWORDS = 8
SUGGESTED_EPISODES = 5
# Keywords are gathered from this many of the latest published episodes.
SUGGESTION_WINDOW = 20


def suggestions(*, series: Series | None = None, now: datetime | None = None) -> Suggestions:
    """Keywords of the latest published episodes and the latest episodes themselves.

    Published episodes only, so a draft's keyword is never offered. Two queries:
    the latest episodes (with their series), and their keywords.
    """
    episodes = Episode.objects.published(now)
    if series is not None:
        episodes = episodes.filter(series=series)
    latest = list(
        episodes.as_cards()
        .order_by("-publish_at", "-pk")
        .prefetch_related("keywords")[:SUGGESTION_WINDOW]
    )
    keywords: dict[str, object] = {}
    for episode in latest:
        for tag in episode.keywords.all():
            keywords.setdefault(tag.name, tag)
    return Suggestions(
        keywords=list(keywords.values())[:SUGGESTED_KEYWORDS],
        episodes=latest[:SUGGESTED_EPISODES],
    )


# --- Showing results ---------------------------------------------------------------


def _folded_with_origins(text: str) -> tuple[str, list[int]]:
    """`text` folded, and for each folded character the index in `text` it came from."""
    if folds_as_casefold(text):  # one for one, spaces dropped
        lowered = text.casefold()
        return lowered.replace(" ", ""), [i for i, char in enumerate(lowered) if char != " "]
    folded: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        piece = _FOLD[ord(char)]
        folded.append(piece)
        origins.extend([index] * len(piece))
    return "".join(folded), origins


def _match_spans(text: str, needles: Iterable[str]) -> list[tuple[int, int]]:
    """Where any needle occurs in `text`, as merged (start, end) offsets into `text` itself."""
    haystack, origins = _folded_with_origins(text)
    found_spans: list[tuple[int, int]] = []
    for needle in needles:
        found = haystack.find(needle) if needle else -1
        while found != -1:
            end = found + len(needle)
            found_spans.append((origins[found], origins[end - 1] + 1))
            found = haystack.find(needle, end)
    spans: list[tuple[int, int]] = []
    for start, stop in sorted(found_spans):
        if spans and start <= spans[-1][1]:  # overlapping terms, or one character folded in two
            spans[-1] = (spans[-1][0], max(stop, spans[-1][1]))
        else:
            spans.append((start, stop))
    return spans


def _marked(text: str, spans: list[tuple[int, int]], start: int, end: int) -> SafeString:
    pieces: list[str] = []
    cursor = start
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_start >= span_end:
            continue
        pieces.append(escape(text[cursor:span_start]))
        pieces.append(format_html("<mark>{}</mark>", text[span_start:span_end]))
        cursor = span_end
    pieces.append(escape(text[cursor:end]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece is escaped above


def _needles(query: str | Iterable[str]) -> list[str]:
    return [query] if isinstance(query, str) else [n for n in query if n]


def highlight(text: str, needles: str | Iterable[str]) -> SafeString:
    """The whole text, escaped, with each occurrence of any needle (folded) in <mark>."""
    text = unicodedata.normalize("NFC", text)
    return _marked(text, _match_spans(text, _needles(needles)), 0, len(text))


def _folded_parts(passage_text: str) -> list[str]:
    """Each part of the passage text, folded (all at once where it folds as its casefold)."""
    if folds_as_casefold(passage_text.replace(PART_SEPARATOR, " ")):
        return passage_text.replace(" ", "").casefold().split(PART_SEPARATOR)
    return [fold_composed(part) for part in passage_text.split(PART_SEPARATOR)]


def passage(passage_text: str, needles: str | Iterable[str]) -> SafeString:
    """The passage around the first match, escaped and highlighted; else the opening lines.

    With several terms, the part holding the most of them is chosen (the first
    such part on a tie).
    """
    needles = _needles(needles)
    parts = passage_text.split(PART_SEPARATOR)
    best, best_count = None, 0
    for part, folded_part in zip(parts, _folded_parts(passage_text), strict=True):
        count = sum(1 for needle in needles if needle in folded_part)
        if count > best_count:
            best, best_count = part, count
    if best is not None:
        part = best
        spans = _match_spans(part, needles)
        first_start, first_end = spans[0]
        start = max(0, first_start - PASSAGE_BEFORE)
        if start > 0:  # begin at a word if one starts nearby
            space = part.find(" ", start, first_start)
            start = space + 1 if space != -1 else start
        end = min(len(part), first_end + PASSAGE_AFTER)
        if end < len(part):
            space = part.rfind(" ", first_end, end)
            end = space if space != -1 else end
        return format_html(
            "{}{}{}",
            "…" if start > 0 else "",
            _marked(part, spans, start, end),
            "…" if end < len(part) else "",
        )
    opening = Truncator(parts[0] if parts else "").chars(PASSAGE_BEFORE + PASSAGE_AFTER)
    return escape(opening)


@functools.lru_cache(maxsize=4096)
def _keyword_link(name: str, slug: str, matched: bool, script_prefix: str) -> SafeString:
    """A result card's keyword link (includes/search_keyword.html), drawn once per keyword.

    The same keywords recur on every card and in every search; drawn in the
    page's loop, the hundred links of a page of results took a third of its
    template time.
    """
    url = keyword_address(slug, script_prefix)
    return render_to_string(
        "includes/search_keyword.html", {"name": name, "url": url, "matched": matched}
    )


@receiver(setting_changed)
def _forget_keyword_links(*, setting: str, **kwargs) -> None:
    if setting in {"ROOT_URLCONF", "TEMPLATES"}:
        _keyword_link.cache_clear()


@dataclass(frozen=True)
class SearchHit:
    """One result card, every value the template shows worked out beforehand.

    Twenty cards are most of a results page's cost: in the template, each
    card's two date filters and its keyword addresses took 3 of the page's
    6 ms (the time zone and script prefix are looked up anew at each use).
    """

    episode: Episode
    url: str
    series_url: str
    published: datetime  # local time
    published_text: str  # `2026년 3월 5일`, as the episode cards say it
    headline_html: SafeString
    passage_html: SafeString
    keyword_links: list[SafeString] = field(default_factory=list)  # `matched` ones marked


def present(episodes: Iterable[Episode], query: ReaderQuery) -> list[SearchHit]:
    """One result card per episode. Needs series and search_document loaded (`_as_results`).

    The keywords come with the document, so the page runs no taggit query.
    """
    needles = query.needles
    zone = timezone.get_current_timezone()
    script_prefix = get_script_prefix()
    series_urls: dict[int, str] = {}
    hits = []
    for episode in episodes:
        series = episode.series
        if series.pk not in series_urls:
            series_urls[series.pk] = series.get_absolute_url()
        published = timezone.localtime(episode.publish_at, zone)
        hits.append(
            SearchHit(
                episode=episode,
                url=episode_address(series.slug, episode.number, script_prefix),
                series_url=series_urls[series.pk],
                published=published,
                published_text=f"{published.year}년 {published.month}월 {published.day}일",
                headline_html=highlight(episode.headline, needles),
                passage_html=passage(episode.search_document.passage_text, needles),
                keyword_links=[
                    _keyword_link(name, slug, any(n in fold(name) for n in needles), script_prefix)
                    for name, slug in episode.search_document.keywords
                ],
            )
        )
    return hits
