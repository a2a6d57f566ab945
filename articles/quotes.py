"""Do the summary's quoted excerpts still appear in the cited page?

Pure Python (standard library plus Django's choices): the link checker hands
in a page's bytes, :func:`readable_text` turns them into plain text, and
:func:`check_quotes` compares every quote in a summary with that text. Nothing
here writes anything; the editor decides what to do with a quote not found.

Matching forgives what differs between a page and a faithful quote: spacing
(Korean 띄어쓰기 included), quote marks of any style, letter case, full- and
half-width forms, and omissions marked with an ellipsis (``…``, ``...``, ``⋯``):
the fragments around an ellipsis must all be found, in order.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from email.message import Message

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.text import fold, html_to_text

__all__ = ["QuoteCheck", "QuoteStatus", "check_quotes", "extract_quotes", "readable_text"]

#: Quotes shorter than this (after normalization) are scare quotes around a word
#: or two (“반도체”), not excerpts; they are not checked.
MIN_QUOTE_CHARS = 4


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

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# An opening curly quote without its closing mark runs to the end of the
# paragraph: the usual way to quote several paragraphs, and a common slip.
_CURLY = re.compile(r"“([^“”]+)(?:”|$)")
_STRAIGHT = re.compile(r'"([^"\n]+)"')
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_MARKS = re.compile(r"[*`]+|\\(?=[^\w\s])")


def _strip_markdown(text: str) -> str:
    return _MARKDOWN_MARKS.sub("", _MARKDOWN_LINK.sub(r"\1", text))


def extract_quotes(summary: str) -> list[str]:
    """The quoted excerpts of a summary, in order: text in “…” or "…" quotes, per paragraph.

    Straight quotes inside a curly quote belong to it; quotes too short to be
    an excerpt (scare quotes) are left out.
    """
    quotes = []
    for paragraph in _PARAGRAPH_BREAK.split(summary.replace("\r\n", "\n")):
        paragraph = _strip_markdown(paragraph.strip())
        found: list[tuple[int, str]] = []
        for match in _CURLY.finditer(paragraph):
            found.append((match.start(), match.group(1)))
        outside = _CURLY.sub(lambda m: "\x00" * len(m.group()), paragraph)
        for match in _STRAIGHT.finditer(outside):
            found.append((match.start(), match.group(1)))
        for _start, quote in sorted(found):
            quote = " ".join(quote.split())
            if len(_normalize(quote)) >= MIN_QUOTE_CHARS:
                quotes.append(quote)
    return quotes


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
    position = 0
    for fragment in fragments:
        index = page.find(fragment, position)
        if index == -1:
            return False
        position = index + len(fragment)
    return True


def check_quotes(summary: str, page_text: str | None) -> list[QuoteCheck]:
    """Each quote of the summary, found or not in the page; all unchecked without a page."""
    quotes = extract_quotes(summary)
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
