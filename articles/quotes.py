"""Quotes: which paragraphs are quotations, and do the quotes still appear in the cited page?

Pure Python (standard library plus Django's choices). A cited article's quotes
are rows of their own (`articles.models.SourceQuote`); :func:`split_summary`
and :func:`join_summary` move between them and the older single summary
(paragraphs in quote marks), for the migration and for imports. The link
checker hands in a page's bytes, :func:`readable_text` turns them into plain
text, and :func:`check_quotes` compares each quote with that text, one by one.
Nothing here writes anything; the editor decides what to do with a quote not found.

Matching forgives what differs between a page and a faithful quote: spacing
(Korean 띄어쓰기 included), quote marks of any style, letter case, full- and
half-width forms, and omissions marked with an ellipsis (``…``, ``...``, ``⋯``):
the fragments around an ellipsis must all be found, in order.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.text import fold, html_to_text

__all__ = [
    "QuoteCheck",
    "QuoteStatus",
    "check_quotes",
    "join_summary",
    "quote_paragraph",
    "quotes_from_text",
    "readable_text",
    "split_summary",
    "unwrap_quote",
]


class QuoteStatus(models.TextChoices):
    FOUND = "found", _("원문에 있음")
    NOT_FOUND = "not_found", _("원문에서 찾지 못함")
    UNCHECKED = "unchecked", _("확인할 수 없음")


@dataclass(frozen=True)
class QuoteCheck:
    quote: str
    status: QuoteStatus


# Decoding -------------------------------------------------------------------

# Labels Korean sites declare for what is, in practice, Windows code page 949
# (a superset of EUC-KR; the WHATWG Encoding standard maps them the same way).
_KOREAN_LABELS = frozenset(
    {
        "euc-kr",
        "euc_kr",
        "euckr",
        "ks_c_5601-1987",
        "ks_c_5601",
        "ksc5601",
        "ksc_5601",
        "korean",
        "cp949",
        "ms949",
        "uhc",
        "windows-949",
        "x-windows-949",
    }
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{1,40})""", re.I
)
_FALLBACKS = ("utf-8", "cp949")


def _codec_for(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _KOREAN_LABELS:
        return "cp949"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _header_charset(content_type: str) -> str | None:
    message = Message()
    message["content-type"] = content_type or ""
    return message.get_content_charset()


def decode_page(body: bytes, content_type: str = "") -> tuple[str, str]:
    """Decode a page: BOM, then the header's charset, then ``<meta>``, then utf-8 / cp949.

    Returns ``(text, codec name)``. Never raises: the last resort replaces bad bytes.
    """
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if body.startswith(bom):
            return body.decode(codec, errors="replace"), codec
    declared = [_codec_for(_header_charset(content_type))]
    meta = _META_CHARSET.search(body[:4096])
    declared.append(_codec_for(meta.group(1).decode("ascii")) if meta else None)
    for codec in [*declared, *_FALLBACKS]:
        if codec is None:
            continue
        try:
            return body.decode(codec), codec
        except UnicodeDecodeError:
            continue
    return body.decode("utf-8", errors="replace"), "utf-8"


def readable_text(body: bytes, content_type: str, *, max_chars: int) -> tuple[str, str] | None:
    """The readable text of a fetched page and the codec used, or None if it is not text.

    HTML loses its scripts, styles and tags; plain text is only decoded. The
    result is cut at `max_chars` characters.
    """
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if not mime:
        mime = "text/html" if body.lstrip()[:1] == b"<" else "text/plain"
    if mime not in ("text/html", "application/xhtml+xml", "text/plain"):
        return None
    text, codec = decode_page(body, content_type)
    if mime != "text/plain":
        text = html_to_text(text, lines=True)
    return text[:max_chars], codec


# Quotes ---------------------------------------------------------------------

#: The longest quote an editor may keep (characters, after spacing is squashed):
#: a paragraph of a news story, not the story.
MAX_QUOTE_LENGTH = 1_000
#: The most quotes one cited article may carry.
MAX_QUOTES_PER_ARTICLE = 20

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# A paragraph is one quotation when it opens with one of these marks and the
# matching mark closes it at its very end. Curly and corner brackets nest, so
# “그는 “좋다”고 했다” is one quotation and “가” 라고 “나” is not; straight
# quotes cannot nest, so "…" may hold none inside.
_WRAPPERS = (("“", "”"), ("「", "」"), ('"', '"'))


def squash(text: str) -> str:
    """Runs of whitespace (line breaks included) as one space, none at the ends."""
    return " ".join(text.split())


def paragraphs(text: str) -> list[str]:
    """The blank-line separated paragraphs of `text`, stripped, empty ones left out."""
    return [p.strip() for p in _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n")) if p.strip()]


def unwrap_quote(paragraph: str) -> str | None:
    """The words inside a paragraph that is wholly one quotation, else None.

    “…”, 「…」 and "…" count; the outer marks are removed and the spacing squashed.
    A quotation with nothing inside gives "" (for the caller to refuse).
    """
    text = paragraph.strip()
    for opening, closing in _WRAPPERS:
        if len(text) < 2 or not (text.startswith(opening) and text.endswith(closing)):
            continue
        inner = text[1:-1]
        if opening == closing:
            if opening not in inner:
                return squash(inner)
            continue
        depth = 0
        for char in inner:
            if char == opening:
                depth += 1
            elif char == closing:
                depth -= 1
                if depth < 0:  # the first mark closed before the end
                    break
        else:
            if depth == 0:
                return squash(inner)
    return None


def split_summary(summary: str) -> tuple[list[str], str]:
    """An old-style summary as (quotes, the editor's own words).

    Paragraphs wholly in quote marks (see `unwrap_quote`) become quotes, in
    order and without their marks; the other paragraphs stay, joined by blank
    lines, as the summary. Used by the migration that made quotes their own
    rows and by imports of texts and documents written before it.
    """
    quotes, rest = [], []
    for paragraph in paragraphs(summary):
        quote = unwrap_quote(paragraph)
        if quote:
            quotes.append(quote)
        else:
            rest.append(paragraph)
    return quotes, "\n\n".join(rest)


def quote_paragraph(quote: str) -> str:
    """The quote as one paragraph in quote marks that `unwrap_quote` reads back unchanged."""
    for opening, closing in _WRAPPERS:
        wrapped = f"{opening}{quote}{closing}"
        if unwrap_quote(wrapped) == quote:
            return wrapped
    return f"“{quote}”"


def join_summary(quotes: Sequence[str], summary: str) -> str:
    """The reverse of `split_summary`: the quotes as “…” paragraphs, then the summary."""
    return "\n\n".join([*(quote_paragraph(q) for q in quotes), *paragraphs(summary)])


def quotes_from_text(text: str) -> list[str]:
    """What an editor typed in a quotes box: one quote per paragraph.

    Quote marks around a whole paragraph are optional and removed (the page
    shows quotes as quotations); spacing is squashed. A paragraph that was only
    quote marks gives "" so the form can say so.
    """
    found = []
    for paragraph in paragraphs(text):
        quote = unwrap_quote(paragraph)
        found.append(squash(paragraph) if quote is None else quote)
    return found


_QUOTE_MARKS = "\"'“”„‟‘’‚‛«»‹›「」『』〝〞〟＂＇`´"
_ELLIPSIS = re.compile(r"\.{2,}|[…⋯‥︙]+")
_QUOTE_MARKS_RE = re.compile("[" + re.escape(_QUOTE_MARKS) + "]+")


def _normalize(text: str) -> str:
    """Folded as search folds (width, case, spacing), quote marks dropped (ellipses apart)."""
    return _QUOTE_MARKS_RE.sub("", fold(text))


def _fragments(quote: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", quote)
    return [f for f in (_normalize(part) for part in _ELLIPSIS.split(folded)) if f]


def _normalized_page(text: str) -> str:
    return _normalize(_ELLIPSIS.sub("", unicodedata.normalize("NFKC", text)))


def _found_in_order(fragments: list[str], page: str) -> bool:
    if not fragments:
        return False
    position = 0
    for fragment in fragments:
        index = page.find(fragment, position)
        if index == -1:
            return False
        position = index + len(fragment)
    return True


def check_quotes(quotes: Sequence[str], page_text: str | None) -> list[QuoteCheck]:
    """Each quote, one by one, found or not in the page; all unchecked without a page."""
    if page_text is None or not page_text.strip():
        return [QuoteCheck(q, QuoteStatus.UNCHECKED) for q in quotes]
    page = _normalized_page(page_text)
    return [
        QuoteCheck(
            q,
            QuoteStatus.FOUND if _found_in_order(_fragments(q), page) else QuoteStatus.NOT_FOUND,
        )
        for q in quotes
    ]
