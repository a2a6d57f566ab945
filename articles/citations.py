"""What a news page says about itself: headline, outlet name, publication date.

Pure Python (standard library plus the page decoder of `articles.quotes`): the
service `articles.services.citation_lookup` fetches the page through the link
checker's guard and hands its bytes here. Nothing here touches the network or
the database.

Read in this order, the first answer winning for each field:

* JSON-LD ``NewsArticle``/``Article`` (and their kin): ``headline``,
  ``datePublished``, ``publisher.name``; also inside ``@graph`` and lists.
* Open Graph and article meta: ``og:title``, ``og:site_name``,
  ``article:published_time``; then ``twitter:title`` and the common Korean CMS
  meta names (``title``, ``date``, ``pubdate``, ``publishdate``…).
* ``<title>``, with the site-name suffix removed (``기사 제목 - 가상일보``,
  ``기사 제목 | 가상일보``, ``기사 제목 < 사회 < 기사본문 - 가상일보``).

Why a hand-written reader and not extruct or trafilatura: Korean news pages
are what this column cites, and the hard part there is the encoding (EUC-KR
and code page 949 pages that declare only one of them), which
`articles.quotes.decode_page` already settles. What is left, a few ``<meta>``
tags, ``<title>`` and a JSON-LD block, is read by the standard library's
tolerant ``html.parser`` in ~150 lines; extruct would add lxml, html5lib,
rdflib and w3lib (and parse microdata and RDFa we do not use) for the same
three fields.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles.quotes import decode_page

__all__ = ["Citation", "read_citation"]

_ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "blogposting",
        "report",
    }
)
_TITLE_META = ("og:title", "twitter:title", "title", "dc.title")
_SITE_META = ("og:site_name", "application-name")
_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "date",
    "dc.date",
    "dc.date.issued",
    "article.published",
    "dable:item_published_time",
)
# "제목 - 사이트", "제목 | 사이트", "제목 :: 사이트", "제목 < 섹션 < 기사본문 - 사이트"
_SEPARATORS = re.compile(r"\s+(?:[|\-–—:<>»·]|::)\s+")
_MAX_SUFFIX_CHARS = 30
_DAY = re.compile(r"(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})")


@dataclass(frozen=True)
class Citation:
    headline: str = ""
    outlet: str = ""
    published_on: date | None = None

    @property
    def found_anything(self) -> bool:
        return bool(self.headline or self.outlet or self.published_on)


class _HeadReader(HTMLParser):
    """Collects ``<meta>`` tags, the ``<title>`` text and JSON-LD script blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self.json_ld: list[str] = []
        self._in_title = False
        self._in_json_ld = False
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "meta":
            key = values.get("property") or values.get("name") or values.get("itemprop") or ""
            key = key.strip().lower()
            content = values.get("content", "").strip()
            if key and content:
                self.meta.setdefault(key, content)
        elif tag == "title" and not self.title:
            self._in_title, self._buffer = True, []
        elif tag == "script" and values.get("type", "").strip().lower() == "application/ld+json":
            self._in_json_ld, self._buffer = True, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self.title = " ".join("".join(self._buffer).split())
            self._in_title = False
        elif tag == "script" and self._in_json_ld:
            self.json_ld.append("".join(self._buffer))
            self._in_json_ld = False

    def handle_data(self, data: str) -> None:
        if self._in_title or self._in_json_ld:
            self._buffer.append(data)


def _json_ld_articles(blocks: list[str]) -> list[dict]:
    found: list[dict] = []

    def walk(node, depth: int = 0) -> None:
        if depth > 6:
            return
        if isinstance(node, list):
            for item in node:
                walk(item, depth + 1)
        elif isinstance(node, dict):
            kinds = node.get("@type", "")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(str(kind).lower() in _ARTICLE_TYPES for kind in kinds):
                found.append(node)
            if "@graph" in node:
                walk(node["@graph"], depth + 1)

    for block in blocks:
        try:
            walk(json.loads(block.strip()))
        except (ValueError, RecursionError):
            continue  # a broken block is common; the meta tags may still answer
    return found


def _name_of(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name", "")
    return " ".join(str(value or "").split())


def _day_of(value: str) -> date | None:
    """A publication day from an ISO timestamp (in local time) or a written date."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = parse_datetime(value.replace(" ", "T", 1) if "T" not in value else value)
    except ValueError:
        moment = None
    if moment is not None:
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.date()
    match = _DAY.search(value)
    if match:
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            return None
    return None


def _without_site_suffix(title: str, site: str) -> str:
    """``기사 제목 - 가상일보`` → ``기사 제목``; the first part when the rest is site chrome."""
    title = " ".join(title.split())
    if site:
        for separator in (" - ", " | ", " :: ", " : ", " – ", " — ", " < ", " · "):
            suffix = separator + site
            if title.endswith(suffix) and len(title) > len(suffix):
                return title[: -len(suffix)].strip()
    parts = _SEPARATORS.split(title)
    if len(parts) > 1 and all(len(part) <= _MAX_SUFFIX_CHARS for part in parts[1:]):
        head = parts[0].strip()
        if head:
            return head
    return title


def read_citation(body: bytes, content_type: str = "") -> Citation:
    """The citation a page declares, in the page's own encoding. Never raises."""
    text, _codec = decode_page(body, content_type)
    reader = _HeadReader()
    try:
        reader.feed(text)
        reader.close()
    except (AssertionError, ValueError):  # html.parser on hopeless markup
        pass
    meta = reader.meta
    articles = _json_ld_articles(reader.json_ld)

    site = next((_name_of(a.get("publisher")) for a in articles if a.get("publisher")), "")
    site = site or next((meta[k] for k in _SITE_META if meta.get(k)), "")

    headline = next((_name_of(a.get("headline")) for a in articles if a.get("headline")), "")
    if not headline:
        headline = next((meta[k] for k in _TITLE_META if meta.get(k)), "") or reader.title
    headline = _without_site_suffix(headline, site) if headline else ""

    published_on = None
    for article in articles:
        published_on = _day_of(str(article.get("datePublished") or ""))
        if published_on:
            break
    if published_on is None:
        published_on = next((day for k in _DATE_META if (day := _day_of(meta.get(k, "")))), None)
    return Citation(headline=headline[:300], outlet=site[:100], published_on=published_on)
