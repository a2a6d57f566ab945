"""What import and export share: the parsed data, the problem they report, the fixed words.

The dataclasses are what a post or a document says, before anything touches the
database; each part remembers where it was read (`Where`). The constants are the
words of the text format and the document's header, one copy each for the parser
(`text`, `document`) and the writer of files (`export`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

SEOUL = ZoneInfo("Asia/Seoul")

# The JSON export document (docs/export-format.md). Version 2 gave articles their
# `quotes`; a version 1 document's summaries are split the way the migration split
# stored ones (articles.quotes.split_summary).
DOCUMENT_FORMAT = "newscolumn-export"
DOCUMENT_VERSION = 2
READABLE_DOCUMENT_VERSIONS = (1, 2)

# The words of the brunch-style text format. They are the file format, not
# messages: never translated.
PLATFORM = "brunch"  # the optional first line (the parser also takes 브런치)
BY = "by"  # `by <pen name>`
SUMMARIES_HEADING = "요약한 기사"  # what export writes; the parser takes any line ending in 기사
SUMMARIES_HEADING_END = "기사"
COMMENTARY_HEADING_END = "의 논평"  # `<pen name>의 논평`
REFERENCES_HEADING = "참고기사"  # the parser also takes it with spaces (참고 기사)
KEYWORDS_HEADING = "keyword"
PREVIOUS = "이전"  # `이전 N화<previous title>`
NEXT = "다음"  # `다음 N화…`, which the parser skips
EPISODE = "화"
CLOSING_START = "이상"  # the closing sign-off, `이상 …` or `이상으로 …`

Format = Literal["text", "json"]
#: Where a part came from: a line number (text) or a JSON path such as
#: ``series[0].episodes[2].articles[1].url`` (documents).
Where = int | str | None


def squash(text: str) -> str:
    """Runs of whitespace as one space, none at the ends."""
    return " ".join(text.split())


def by_line(pen_name: str) -> str:
    return f"{BY} {pen_name}"


def commentary_heading(pen_name: str) -> str:
    return f"{pen_name}{COMMENTARY_HEADING_END}"


def previous_line(position: int, title: str) -> str:
    return f"{PREVIOUS} {position}{EPISODE}{title}"


class ImportProblem(Exception):
    """Input that cannot be imported; the message is for the editor, in Korean."""

    def __init__(self, source: str, where: Where, reason: str) -> None:
        self.source = source
        self.where = where
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        if isinstance(self.where, int):
            return _("%(source)s %(line)s번째 줄: %(reason)s") % {
                "source": self.source,
                "line": self.where,
                "reason": self.reason,
            }
        if self.where:
            return _("%(source)s (%(where)s): %(reason)s") % {
                "source": self.source,
                "where": self.where,
                "reason": self.reason,
            }
        return _("%(source)s: %(reason)s") % {"source": self.source, "reason": self.reason}


@dataclass
class SeriesData:
    slug: str
    title: str
    author_name: str
    description: str | None = None  # None: the text format does not carry it, keep as is
    volumes: list[VolumeData] | None = None
    where: Where = None


@dataclass
class VolumeData:
    number: int
    title: str
    where: Where = None


@dataclass
class ArticleData:
    position: int
    headline: str
    outlet_name: str
    url: str
    summary: str  # the editor's own words (Markdown)
    quotes: list[str] = field(default_factory=list)  # the outlet's words, plain text, in order
    outlet_slug: str = ""
    outlet_domains: list[str] = field(default_factory=list)
    published_on: dt.date | None = None
    where: Where = None  # the numbered headline line
    url_where: Where = None  # the URL line under 참고기사


@dataclass
class CommentaryData:
    body: str
    answers: int | None = None  # position of the article this paragraph answers
    where: Where = None


@dataclass
class CommentData:
    name: str
    email: str
    body: str
    status: str
    created_at: dt.datetime
    where: Where = None


@dataclass
class EpisodeData:
    """One episode as read from a file, before anything touches the database."""

    source: str
    series: SeriesData
    number: int
    headline: str
    subtitle: str = ""
    intro: str = ""
    closing: str = ""
    articles: list[ArticleData] = field(default_factory=list)
    commentary: list[CommentaryData] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    publish_at: dt.datetime | None = None
    # Only documents say these; None means "the post does not say: keep what is stored".
    status: str | None = None
    comments_enabled: bool | None = None
    volume_number: int | None = None
    volume_position: int | None = None
    comments: list[CommentData] | None = None
    # The text format's `이전 N화<title>` line.
    previous_position: int | None = None
    previous_title: str = ""
    platform: str = ""
    where: Where = None  # the title line
    lines: dict[str, Where] = field(default_factory=dict)  # field name → where it was read

    @property
    def title(self) -> str:
        return f"{self.series.title}-{self.number}({self.headline})"
