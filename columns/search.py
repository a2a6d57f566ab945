"""검색: finding published episodes the way Korean readers type.

Stemmers and PostgreSQL's text-search configurations do not split Korean
(`한국을` is one token to them, so `한국` never finds it). Each episode instead
keeps an `EpisodeSearchDocument`: its text *folded* (common.text.fold: NFKC,
case-folded, every space removed) so that a plain substring match finds `한국`
inside `한국을` and `생성형 AI` inside `생성형AI`. On PostgreSQL a pg_trgm GIN
index serves that `LIKE '%…%'`; SQLite runs the same query over the table.
docs/search.md says why.

This module is the reading side. The documents are derived data, written by
columns.projections after every committed write that changes an episode's
text; `manage.py rebuild_search_index` rebuilds all of them.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Case, F, Func, IntegerField, QuerySet, TextField, Value, When
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from columns.models import Episode
from common.text import FOLD_TABLE as _FOLD
from common.text import PART_SEPARATOR, fold

MAX_QUERY_LENGTH = 200

# Relevance: a hit in the headline outweighs one in the keywords, which outweighs
# one in the subtitle, cited headlines or outlet names; every hit is worth 1.
WEIGHT_HEADLINE = 8
WEIGHT_KEYWORDS = 4
WEIGHT_LEAD = 2

# The passage shown under a result: this many characters either side of the match.
PASSAGE_BEFORE = 45
PASSAGE_AFTER = 90


# --- Reading a query ---------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class ReaderQuery:
    """The `q` a reader sent: `text` to show back, `folded` to search with."""

    text: str = ""
    folded: str = ""
    too_long: bool = False

    @classmethod
    def parse(cls, raw: str | None) -> "ReaderQuery":
        text = _CONTROL.sub(" ", raw or "").strip()
        if len(text) > MAX_QUERY_LENGTH:
            return cls(text=text[:MAX_QUERY_LENGTH], too_long=True)
        return cls(text=text, folded=fold(text))

    @property
    def is_searchable(self) -> bool:
        return bool(self.folded) and not self.too_long


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


def _matching(q: str) -> dict:
    """The filter finding `q` in the document, in the form the database can index."""
    if connection.vendor == "postgresql" and len(q) >= TRIGRAM_MIN_LENGTH:
        return {"indexed_document__contains": q}
    # Shorter queries have no trigram to look up: a scan is the fastest way.
    return {"search_document__folded_document__contains": q}


def search_episodes(query: ReaderQuery, *, now: datetime | None = None) -> QuerySet[Episode]:
    """Published episodes matching the query, most relevant first, then newest.

    A lazy queryset: counting it is one query, fetching a page of it another.
    `%`, `_` and backslashes are matched literally (Django escapes LIKE patterns).
    """
    if not query.is_searchable:
        return Episode.objects.none()
    q = query.folded

    def weight(column: str, points: int) -> Case:
        return Case(
            When(**{f"search_document__{column}__contains": q}, then=Value(points)),
            default=Value(0),
            output_field=IntegerField(),
        )

    return (
        Episode.objects.published(now)
        .alias(indexed_document=IndexedDocument(F("search_document__folded_document")))
        .filter(**_matching(q))
        .annotate(
            relevance=weight("folded_headline", WEIGHT_HEADLINE)
            + weight("folded_keywords", WEIGHT_KEYWORDS)
            + weight("folded_lead", WEIGHT_LEAD)
            + Value(1)
        )
        .select_related("series", "search_document")
        .defer(
            "intro",
            "intro_html",
            "closing",
            "closing_html",
            "search_document__folded_document",
            "search_document__folded_lead",
            "search_document__folded_keywords",
            "search_document__folded_headline",
        )
        .order_by("-relevance", "-publish_at", "-pk")
    )


# --- Showing results ---------------------------------------------------------------


def _match_spans(text: str, folded_query: str) -> list[tuple[int, int]]:
    """Where the query occurs in `text`, as (start, end) offsets into `text` itself."""
    folded: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        piece = _FOLD[ord(char)]
        folded.append(piece)
        origins.extend([index] * len(piece))
    haystack = "".join(folded)
    spans: list[tuple[int, int]] = []
    found = haystack.find(folded_query)
    while found != -1 and folded_query:
        end = found + len(folded_query)
        start, stop = origins[found], origins[end - 1] + 1
        if spans and start < spans[-1][1]:  # one character folded into several
            spans[-1] = (spans[-1][0], max(stop, spans[-1][1]))
        else:
            spans.append((start, stop))
        found = haystack.find(folded_query, end)
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


def highlight(text: str, folded_query: str) -> SafeString:
    """The whole text, escaped, with each occurrence of the query in <mark>."""
    text = unicodedata.normalize("NFC", text)
    return _marked(text, _match_spans(text, folded_query), 0, len(text))


def passage(passage_text: str, folded_query: str) -> SafeString:
    """The passage around the first match, escaped and highlighted; else the opening lines."""
    parts = passage_text.split(PART_SEPARATOR)
    for part in parts:
        if folded_query and folded_query in part.translate(_FOLD):
            spans = _match_spans(part, folded_query)
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


@dataclass
class SearchHit:
    episode: Episode
    headline_html: SafeString
    passage_html: SafeString
    keywords: list[tuple[object, bool]] = field(default_factory=list)  # (tag, matched)


def present(episodes: Iterable[Episode], query: ReaderQuery) -> list[SearchHit]:
    """One result card per episode. Needs series, search_document and keywords loaded."""
    q = query.folded
    return [
        SearchHit(
            episode=episode,
            headline_html=highlight(episode.headline, q),
            passage_html=passage(episode.search_document.passage_text, q),
            keywords=[(tag, bool(q) and q in fold(tag.name)) for tag in episode.keywords.all()],
        )
        for episode in episodes
    ]
