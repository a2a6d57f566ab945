"""Links that land on the quoted sentence: URL text fragments (``#:~:text=…``).

A text fragment (WICG "URL Fragment Text Directives", shipped in Chromium,
Safari and Firefox) asks the browser to scroll to, and highlight, the first
place in the page where the given text appears::

    https://news.example.com/a/1#:~:text=textStart[,textEnd]

Built here, pure Python, for every quote on the public page:

* **Encoding.** Each term is percent-encoded as UTF-8. ``-``, ``&`` and ``,``
  are the directive's own syntax and must be encoded; so is everything else
  that is not an unreserved character (``A–Z a–z 0–9 . _ ~``), spaces and
  Korean included, so the URL stays valid whatever the quote holds.
* **Long quotes** are matched as a range: ``textStart`` is the quote's first
  words and ``textEnd`` its last (`RANGE_WORDS` each). Browsers match whole
  words only, so the terms are cut between words, never inside one.
* **Omissions.** A quote with an ellipsis (``…``, ``...``, ``⋯``) skips text
  of the page: the words before the first ellipsis start the range, those
  after the last end it. A leading or trailing ellipsis is dropped.
* **The page's own fragment** (``#section``, or an earlier directive) is
  removed: a URL carries one fragment, and this one is the quote's.

Matching on the page is done by the browser (case-insensitive, across
elements and whitespace); a browser without the feature opens the page at its
top, as a plain link would.
"""

from __future__ import annotations

import re
from urllib.parse import quote

__all__ = ["RANGE_WORDS", "text_directive", "text_fragment_url"]

#: A quote up to this many characters is matched whole.
EXACT_MAX_CHARS = 80
#: Words in each of textStart and textEnd when a quote is matched as a range.
RANGE_WORDS = 4

# The marks of an omission, as the quote checker reads them (articles.quotes).
_ELLIPSIS = re.compile(r"\.{2,}|[…⋯‥︙]+")
# Quote marks left at the ends of a term would rarely match the page's own marks.
_END_MARKS = "\"'“”‘’「」『』"


def _encode(term: str) -> str:
    """One term of a text directive, percent-encoded (``-``, ``&``, ``,`` included)."""
    return quote(term, safe="").replace("-", "%2D")


def _words(text: str) -> list[str]:
    return text.strip(_END_MARKS + " ").split()


def text_directive(quote_text: str) -> str:
    """``text=…`` for the quote (without ``#:~:``), or "" when there is nothing to find."""
    parts = [words for part in _ELLIPSIS.split(quote_text) if (words := _words(part))]
    if not parts:
        return ""
    if len(parts) == 1:
        words = parts[0]
        whole = " ".join(words)
        if len(whole) <= EXACT_MAX_CHARS or len(words) <= 2 * RANGE_WORDS:
            return f"text={_encode(whole)}"
        start, end = words[:RANGE_WORDS], words[-RANGE_WORDS:]
    else:
        start, end = parts[0][:RANGE_WORDS], parts[-1][-RANGE_WORDS:]
    return f"text={_encode(' '.join(start))},{_encode(' '.join(end))}"


def text_fragment_url(url: str, quote_text: str) -> str:
    """`url` (its own fragment removed) pointing at the quote's place in the page.

    The URL itself is used as given: cited URLs are stored canonical
    (`articles.urlrules`), which also means without a fragment.
    """
    base = url.split("#", 1)[0]
    directive = text_directive(quote_text)
    return f"{base}#:~:{directive}" if directive else base
