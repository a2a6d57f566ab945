"""검색: finding published episodes the way Korean readers type.

Stemmers and PostgreSQL's text-search configurations do not split Korean
(`한국을` is one token to them, so `한국` never finds it). Each episode instead
keeps an `EpisodeSearchDocument`: its text *folded* (NFKC, case-folded, every
space removed) so that a plain substring match finds `한국` inside `한국을` and
`생성형 AI` inside `생성형AI`. On PostgreSQL a pg_trgm GIN index serves that
`LIKE '%…%'`; SQLite runs the same query over the table. docs/search.md says why.

The document is derived data: every write path that changes an episode's text
(admin, importer, commands) calls `episode_reindex` afterwards; signals are not
used. `manage.py rebuild_search_index` rebuilds every document.
"""

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import (
    Case,
    F,
    Func,
    IntegerField,
    Prefetch,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from articles.models import SourceArticle
from columns.models import Commentary, Episode, EpisodeSearchDocument
from columns.pagecache import bump_content_version

MAX_QUERY_LENGTH = 200

# Parts of a document are joined with a newline. Folding removes every newline
# from a query, so a match can never run from one part into the next.
PART_SEPARATOR = "\n"

# Relevance: a hit in the headline outweighs one in the keywords, which outweighs
# one in the subtitle, cited headlines or outlet names; every hit is worth 1.
WEIGHT_HEADLINE = 8
WEIGHT_KEYWORDS = 4
WEIGHT_LEAD = 2

# The passage shown under a result: this many characters either side of the match.
PASSAGE_BEFORE = 45
PASSAGE_AFTER = 90


# --- Folding ---------------------------------------------------------------------


class _FoldTable(dict):
    """`str.translate` table folding one character at a time, filled on first use."""

    MAX_ENTRIES = 50_000  # the table is per process; readers choose the characters

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        if char.isspace() or unicodedata.category(char).startswith("C"):
            folded = ""  # spaces, control and invisible format characters (ZWSP, ZWJ)
        else:
            folded = unicodedata.normalize("NFKC", char).casefold()
            folded = "".join(c for c in folded if not c.isspace())
        if len(self) < self.MAX_ENTRIES:
            self[codepoint] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Text as search compares it: NFKC, case-folded, without spaces or control characters.

    `생성형 AI`, `생성형AI` and `생성형ａｉ` all fold to `생성형ai`. Character by
    character (after composing Hangul with NFC), so a folded query is a substring
    of a folded text exactly when the reader would say the words appear in it.
    """
    return unicodedata.normalize("NFC", text).translate(_FOLD)


def fold_parts(parts: Iterable[str]) -> str:
    return PART_SEPARATOR.join(f for f in (fold(p) for p in parts) if f)


# --- Building documents ------------------------------------------------------------

_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre)>|<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def html_to_text(rendered: str) -> str:
    """Readable text of a stored, sanitized HTML field, on one line."""
    text = html.unescape(strip_tags(_BLOCK_END.sub(" ", rendered)))
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


@dataclass(frozen=True)
class ArticleText:
    position: int
    headline: str
    outlet: str
    summary_html: str


def build_document(
    *,
    headline: str,
    subtitle: str,
    keywords: Sequence[str],
    intro_html: str,
    articles: Sequence[ArticleText],
    commentary_html: Sequence[str],
    closing_html: str,
) -> dict[str, str]:
    """The search document's columns for one episode, from plain values (no queries).

    Plain values rather than model instances, so the migration that fills the
    table can call it with historical models.
    """
    passage_parts = [subtitle, html_to_text(intro_html)]
    for article in articles:
        passage_parts.append(f"{article.position}. {article.headline} -{article.outlet}-")
        passage_parts.append(html_to_text(article.summary_html))
    passage_parts.extend(html_to_text(body) for body in commentary_html)
    passage_parts.append(html_to_text(closing_html))
    passage_parts = [
        _SPACES.sub(" ", unicodedata.normalize("NFC", part)).strip() for part in passage_parts
    ]
    passage_parts = [part for part in passage_parts if part]
    lead = [subtitle, *(a.headline for a in articles), *(a.outlet for a in articles)]
    return {
        "folded_headline": fold(headline),
        "folded_keywords": fold_parts(keywords),
        "folded_lead": fold_parts(lead),
        "folded_document": fold_parts([headline, *keywords, *passage_parts]),
        "passage_text": PART_SEPARATOR.join(passage_parts),
    }


def _document_for(episode: Episode) -> EpisodeSearchDocument:
    """Needs articles (with outlets), commentary and keywords prefetched."""
    articles = sorted(episode.articles.all(), key=lambda a: a.position)
    fields = build_document(
        headline=episode.headline,
        subtitle=episode.subtitle,
        keywords=sorted(tag.name for tag in episode.keywords.all()),
        intro_html=episode.intro_html,
        articles=[
            ArticleText(a.position, a.headline, a.outlet.name, a.summary_html) for a in articles
        ],
        commentary_html=[
            c.body_html for c in sorted(episode.commentary.all(), key=lambda c: c.position)
        ],
        closing_html=episode.closing_html,
    )
    return EpisodeSearchDocument(episode=episode, **fields)


_DOCUMENT_FIELDS = [
    "folded_headline",
    "folded_keywords",
    "folded_lead",
    "folded_document",
    "passage_text",
    "updated_at",
]


@transaction.atomic
def episodes_reindex(episodes: QuerySet[Episode], *, batch_size: int = 200) -> int:
    """Rebuild the search documents of these episodes (a handful of queries per batch).

    Returns how many documents were written.
    """
    episodes = episodes.order_by("pk").prefetch_related(
        Prefetch("articles", queryset=SourceArticle.objects.select_related("outlet")),
        Prefetch("commentary", queryset=Commentary.objects.all()),
        "keywords",
    )
    written = 0
    batch: list[EpisodeSearchDocument] = []
    for episode in episodes.iterator(chunk_size=batch_size):
        batch.append(_document_for(episode))
        if len(batch) >= batch_size:
            written += _save_documents(batch)
            batch = []
    return written + _save_documents(batch)


def _save_documents(documents: list[EpisodeSearchDocument]) -> int:
    if documents:
        EpisodeSearchDocument.objects.bulk_create(
            documents,
            update_conflicts=True,
            unique_fields=["episode"],
            update_fields=_DOCUMENT_FIELDS,
        )
        # bulk_create sends no signals: tell the page cache that search pages changed.
        bump_content_version()
    return len(documents)


def episode_reindex(*, episode: Episode) -> None:
    """Rebuild one episode's search document from what is saved now.

    Call it after anything that changes the episode's text, articles, outlets,
    commentary or keywords (four reads and one write). Publishing and
    unpublishing need no call: visibility is checked on the episode itself.
    """
    episodes_reindex(Episode.objects.filter(pk=episode.pk))


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
