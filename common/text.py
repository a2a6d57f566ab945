"""Plain-text helpers shared by both apps: one copy each.

- `fold`: text as search and quote checks compare it (NFKC, case-folded, no
  spaces or invisible characters), so `생성형 AI` = `생성형AI` = `생성형ａｉ`.
- `html_to_text`: the readable text of HTML, from a sanitized field or a
  whole fetched page (scripts and styles dropped).
"""

import re
import unicodedata
from collections.abc import Iterable
from html.parser import HTMLParser

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


FOLD_TABLE = _FoldTable()

# Parts of a folded document are joined with a newline. Folding removes every
# newline from a query, so a match can never run from one part into the next.
PART_SEPARATOR = "\n"


# Characters that NFKC leaves alone and that fold to their casefold, one for one:
# printable ASCII, Hangul syllables, and the quotation marks, dashes and middle
# dot of Korean prose (tests/common/test_text.py checks every one against the
# table). Most text is made of nothing else, and folds with two string methods
# instead of a table lookup per character: 80 → 9 µs for a result's passage.
_FOLDS_AS_CASEFOLD = re.compile(
    r"[\x20-\x7e\u00b7\u2013\u2014\u2018\u2019\u201c\u201d\uac00-\ud7a3]*"
)


def folds_as_casefold(text: str) -> bool:
    """Whether `text` folds to its casefold without its spaces, one character for one."""
    return _FOLDS_AS_CASEFOLD.fullmatch(text) is not None


def fold_composed(text: str) -> str:
    """`fold` for text already in NFC (stored text is; a reader's query may not be)."""
    if folds_as_casefold(text):
        return text.replace(" ", "").casefold()
    return text.translate(FOLD_TABLE)


def fold(text: str) -> str:
    """Text as search compares it: NFKC, case-folded, without spaces or control characters.

    Character by character (after composing Hangul with NFC), so a folded query
    is a substring of a folded text exactly when a reader would say the words
    appear in it.
    """
    return fold_composed(unicodedata.normalize("NFC", text))


def fold_parts(parts: Iterable[str]) -> str:
    return PART_SEPARATOR.join(f for f in (fold(p) for p in parts) if f)


# --- HTML to text ----------------------------------------------------------------

_SKIPPED = frozenset(
    {"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "canvas"}
)
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th",
        "title", "tr", "ul",
    }
)  # fmt: skip


class _ReadableText(HTMLParser):
    """Collects the text a reader sees: no scripts, styles or markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


_LINE_SPACES = re.compile(r"[^\S\n]+")


def html_to_text(html: str, *, lines: bool = False) -> str:
    """The readable text of `html` (NFC): one line, or with `lines` one line per block."""
    if not html:
        return ""
    parser = _ReadableText()
    parser.feed(html)
    parser.close()
    text = unicodedata.normalize("NFC", "".join(parser.parts))
    kept = [line for line in (_LINE_SPACES.sub(" ", ln).strip() for ln in text.split("\n")) if line]
    return ("\n" if lines else " ").join(kept)


def tags_from_string(text: str) -> list[str]:
    """Keywords as the editor typed them: comma-separated, in that order, repeats dropped.

    taggit's own parser sorts them; the column shows keywords in the editor's
    order (`TAGGIT_TAGS_FROM_STRING`). Without a comma, one keyword per word.
    """
    parts = text.split(",") if "," in text else text.split()
    seen: set[str] = set()
    names = []
    for part in parts:
        name = " ".join(part.split()).strip('"')
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def string_from_tags(tags) -> str:
    """The keywords field's text for tags in their given order (`TAGGIT_STRING_FROM_TAGS`)."""
    names = [tag.name for tag in tags]
    return ", ".join(f'"{name}"' if "," in name else name for name in names)
