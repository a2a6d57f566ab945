"""Bring posts into the column: brunch-style plain text, or an export document (JSON).

Two steps, so that bad input changes nothing:

1. *Parse* every file into the plain dataclasses below (:class:`EpisodeData` …), each
   part remembering where it came from (a line number for text, a JSON path for a
   document). No database access.
2. :func:`import_episodes` writes them in episode order inside one transaction, through
   the models' own ``full_clean()`` (so cited URLs obey the same rules as in the admin
   and are stored canonical). Any problem raises :class:`ImportProblem` naming the file,
   the line and the reason in Korean; the transaction rolls back and the database is
   exactly as it was, for every file of the run. ``dry_run`` rolls back on success too.

The text structure is the one described in DOMAIN.md (platform line, ``<series>-<N>(<headline>)``,
subtitle, ``by <pen name>``, optional date, intro, ``…기사`` heading, numbered summaries with
quoted excerpts, ``<pen name>의 논평``, commentary, ``이상 …`` closing, ``참고기사`` with one URL
per article, ``keyword`` and ``이전 N화<previous title>``). The JSON document is described in
docs/export-format.md.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from articles.models import Outlet, OutletDomain, SourceArticle, host_of
from articles.urlrules import canonicalize_url
from columns import projections
from columns.models import Commentary, Episode, Series, Volume
from columns.services import episode_publish

SEOUL = ZoneInfo("Asia/Seoul")
DOCUMENT_FORMAT = "newscolumn-export"
DOCUMENT_VERSION = 1

Format = Literal["text", "json"]
#: Where a part came from: a line number (text) or a JSON path such as
#: ``series[0].episodes[2].articles[1].url`` (documents).
Where = int | str | None


class ImportProblem(Exception):
    """Input that cannot be imported; the message is for the editor, in Korean."""

    def __init__(self, source: str, where: Where, reason: str) -> None:
        self.source = source
        self.where = where
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        if isinstance(self.where, int):
            return f"{self.source} {self.where}번째 줄: {self.reason}"
        if self.where:
            return f"{self.source} ({self.where}): {self.reason}"
        return f"{self.source}: {self.reason}"


# Parsed data ------------------------------------------------------------------------


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
    summary: str
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


# Plain text -------------------------------------------------------------------------

DASHES = "-‐‑‒–—―－"
_D = re.escape(DASHES)
PLATFORM_RE = re.compile(r"^(?:brunch|브런치)$", re.IGNORECASE)
# The series title is the shortest prefix followed by `-<N>(`; the headline runs to the
# last `)`, so it may hold parentheses and brackets of its own.
TITLE_RE = re.compile(r"^(?P<series>.+?)\s*-\s*(?P<number>\d+)\s*\((?P<headline>.+)\)$")
BY_RE = re.compile(r"^by\s+(?P<name>\S.*)$", re.IGNORECASE)
_TIME = r"(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2}))?"
DATE_RES = (
    re.compile(rf"^(?P<y>\d{{4}})\s*년\s*(?P<m>\d{{1,2}})\s*월\s*(?P<d>\d{{1,2}})\s*일{_TIME}$"),
    re.compile(rf"^(?P<y>\d{{4}})\.\s*(?P<m>\d{{1,2}})\.\s*(?P<d>\d{{1,2}})\.?{_TIME}$"),
)
ITEM_START_RE = re.compile(r"^(?P<number>\d+)\.\s+(?P<rest>\S.*)$")
ITEM_RE = re.compile(rf"^(?P<headline>.+?)\s*[{_D}]\s*(?P<outlet>[^{_D}]+?)\s*[{_D}]$")
COMMENTARY_HEADING_RE = re.compile(r"^(?P<name>\S.{0,60}?)\s*의\s*논평$")
REFERENCES_RE = re.compile(r"^참고\s*기사$")
KEYWORD_RE = re.compile(r"^(?:keywords?|키워드)(?:\s*:)?(?:\s+(?P<rest>.*))?$", re.IGNORECASE)
PREVIOUS_RE = re.compile(r"^이전\s*(?P<position>\d+)\s*화\s*(?P<title>.*)$")
NEXT_RE = re.compile(r"^다음\s*\d+\s*화")
CLOSING_RE = re.compile(r"^이상(?:으로)?\s")


def _squash(text: str) -> str:
    return " ".join(text.split())


@dataclass
class _Lines:
    """The file's lines, stripped; index i is line i + 1."""

    source: str
    text: list[str]

    def problem(self, index: int, reason: str) -> ImportProblem:
        return ImportProblem(self.source, index + 1, reason)

    def next_filled(self, start: int, end: int | None = None) -> int | None:
        end = len(self.text) if end is None else end
        for index in range(start, end):
            if self.text[index]:
                return index
        return None

    def last_filled(self) -> int:
        for index in range(len(self.text) - 1, -1, -1):
            if self.text[index]:
                return index
        return 0

    def paragraphs(self, start: int, end: int) -> list[tuple[int, str]]:
        """Runs of non-blank lines in [start, end) as (first index, text joined by newlines)."""
        found: list[tuple[int, str]] = []
        current: list[str] = []
        first = start
        for index in range(start, end):
            line = self.text[index]
            if line:
                if not current:
                    first = index
                current.append(line)
            elif current:
                found.append((first, "\n".join(current)))
                current = []
        if current:
            found.append((first, "\n".join(current)))
        return found


def parse_text(text: str, *, source: str, series_slug: str | None = None) -> EpisodeData:
    """Read one brunch-style post. Raises ImportProblem with the line of the first problem."""
    lines = _Lines(source, [line.strip() for line in text.splitlines()])
    at = lines.next_filled(0)
    if at is None:
        raise ImportProblem(source, 1, "빈 파일입니다.")

    platform = ""
    if PLATFORM_RE.match(lines.text[at]):
        platform = lines.text[at]
        at = lines.next_filled(at + 1)
        if at is None:
            raise lines.problem(lines.last_filled(), "플랫폼 줄 뒤에 글이 없습니다.")

    # Title, subtitle, by-line, date ----------------------------------------------
    title_at = at
    title = TITLE_RE.match(lines.text[title_at])
    if title is None:
        raise lines.problem(
            title_at,
            "제목 줄은 '연재 제목-번호(회차 제목)' 모양이어야 합니다"
            f" (예: 뉴스가 있는 저녁-12(오늘의 제목)). 읽은 줄: {lines.text[title_at]!r}",
        )
    series_title = _squash(title["series"])
    number = int(title["number"])
    headline = title["headline"].strip()
    if number < 1:
        raise lines.problem(title_at, "회차 번호는 1 이상이어야 합니다.")

    at = lines.next_filled(title_at + 1)
    subtitle, subtitle_at = "", None
    if at is not None and not BY_RE.match(lines.text[at]):
        subtitle, subtitle_at = lines.text[at], at
        at = lines.next_filled(at + 1)
    if at is None or not BY_RE.match(lines.text[at]):
        where = at if at is not None else lines.last_filled()
        raise lines.problem(
            where, "필명을 적은 'by 필명' 줄이 있어야 할 자리입니다(제목과 부제 다음 줄)."
        )
    by_at = at
    author_name = _squash(BY_RE.match(lines.text[by_at])["name"])

    body_start = by_at + 1
    publish_at, date_at = None, None
    at = lines.next_filled(body_start)
    if at is not None:
        publish_at = _parse_date_line(lines, at)
        if publish_at is not None:
            date_at, body_start = at, at + 1

    # Section headings: commentary, then summaries before it, references after it ---
    commentary_at = _find_commentary_heading(lines, body_start, author_name)
    summaries_at = _find_summaries_heading(lines, body_start, commentary_at)
    references_at = next(
        (
            i
            for i in range(commentary_at + 1, len(lines.text))
            if REFERENCES_RE.match(lines.text[i])
        ),
        None,
    )
    if references_at is None:
        raise lines.problem(lines.last_filled(), "'참고기사' 줄(기사 주소 목록의 제목)이 없습니다.")

    intro_paragraphs = lines.paragraphs(body_start, summaries_at)
    articles = _parse_summaries(lines, summaries_at + 1, commentary_at)

    # Commentary and the closing sign-off -------------------------------------------
    paragraphs = lines.paragraphs(commentary_at + 1, references_at)
    closing_from = next(
        (i for i in range(len(paragraphs) - 1, -1, -1) if CLOSING_RE.match(paragraphs[i][1])),
        len(paragraphs),
    )
    commentary = [
        CommentaryData(body=body, where=index + 1) for index, body in paragraphs[:closing_from]
    ]
    closing_paragraphs = paragraphs[closing_from:]
    if len(commentary) == len(articles):  # the Nth paragraph answers the Nth article
        for position, paragraph in enumerate(commentary, start=1):
            paragraph.answers = position

    # References, keywords, previous episode ------------------------------------------
    tail_at = _parse_references(lines, references_at + 1, articles)
    keywords, keywords_at, previous = _parse_tail(lines, tail_at)

    episode = EpisodeData(
        source=source,
        series=SeriesData(
            slug=series_slug or slugify(series_title, allow_unicode=True),
            title=series_title,
            author_name=author_name,
            where=title_at + 1,
        ),
        number=number,
        headline=headline,
        subtitle=subtitle,
        intro="\n\n".join(text for _, text in intro_paragraphs),
        closing="\n\n".join(text for _, text in closing_paragraphs),
        articles=articles,
        commentary=commentary,
        keywords=keywords,
        publish_at=publish_at,
        platform=platform,
        where=title_at + 1,
        lines={
            "headline": title_at + 1,
            "number": title_at + 1,
            "subtitle": (subtitle_at if subtitle_at is not None else title_at) + 1,
            "author_name": by_at + 1,
            "publish_at": (date_at if date_at is not None else by_at) + 1,
            "intro": (intro_paragraphs[0][0] if intro_paragraphs else summaries_at) + 1,
            "closing": (closing_paragraphs[0][0] if closing_paragraphs else references_at) + 1,
            "keywords": (keywords_at if keywords_at is not None else references_at) + 1,
        },
    )
    if previous is not None:
        previous_at, position, previous_title = previous
        _check_previous_line(lines, previous_at, episode, position, previous_title)
        episode.previous_position = position
        episode.previous_title = previous_title
        episode.volume_position = position + 1
        episode.lines["previous"] = previous_at + 1
        episode.lines["volume_position"] = previous_at + 1
    return episode


def _parse_date_line(lines: _Lines, at: int) -> dt.datetime | None:
    for pattern in DATE_RES:
        match = pattern.match(lines.text[at])
        if match is None:
            continue
        try:
            return dt.datetime(
                int(match["y"]),
                int(match["m"]),
                int(match["d"]),
                int(match["hour"] or 0),
                int(match["minute"] or 0),
                tzinfo=SEOUL,
            )
        except ValueError:
            raise lines.problem(at, f"없는 날짜나 시각입니다: {lines.text[at]!r}") from None
    return None


def _find_commentary_heading(lines: _Lines, start: int, author_name: str) -> int:
    expected = f"{author_name}의 논평"
    for index in range(start, len(lines.text)):
        if _squash(lines.text[index]) == expected:
            return index
    for index in range(start, len(lines.text)):
        match = COMMENTARY_HEADING_RE.match(lines.text[index])
        if match and len(lines.text[index]) <= 64:
            raise lines.problem(
                index,
                f"논평 제목의 필명({match['name']!r})이 by 줄의 필명({author_name!r})과 다릅니다.",
            )
    references = next(
        (i for i in range(start, len(lines.text)) if REFERENCES_RE.match(lines.text[i])), None
    )
    raise lines.problem(
        references if references is not None else lines.last_filled(),
        f"논평 제목 줄('{expected}')이 없습니다: 논평이 어디서 시작하는지 알 수 없습니다.",
    )


def _find_summaries_heading(lines: _Lines, start: int, end: int) -> int:
    """The first line ending in 기사 whose next filled line is a numbered item."""
    for index in range(start, end):
        if not lines.text[index].endswith("기사"):
            continue
        following = lines.next_filled(index + 1, end)
        if following is not None and ITEM_START_RE.match(lines.text[following]):
            return index
    first_item = next((i for i in range(start, end) if ITEM_START_RE.match(lines.text[i])), end)
    raise lines.problem(
        first_item,
        "요약한 기사 목록의 제목 줄(예: '요약한 기사')과 그 아래 '1. 기사 제목 -언론사-' 줄이"
        " 있어야 합니다.",
    )


def _split_item(lines: _Lines, index: int) -> tuple[int, str, str]:
    """`N. headline -outlet-` → (N, headline, outlet); dashes may be -, – or —."""
    start = ITEM_START_RE.match(lines.text[index])
    assert start is not None  # noqa: S101 - callers matched ITEM_START_RE already
    item = ITEM_RE.match(start["rest"])
    if item is None:
        raise lines.problem(
            index,
            "기사 줄은 '번호. 기사 제목 -언론사-' 모양이어야 합니다(언론사를 하이픈이나"
            f" 대시 사이에). 읽은 줄: {lines.text[index]!r}",
        )
    return int(start["number"]), item["headline"].strip(), _squash(item["outlet"])


def _parse_summaries(lines: _Lines, start: int, end: int) -> list[ArticleData]:
    articles: list[ArticleData] = []
    excerpts: list[str] = []

    def finish() -> None:
        if articles:
            articles[-1].summary = "\n\n".join(excerpts)
        excerpts.clear()

    for index, paragraph in lines.paragraphs(start, end):
        first, _, rest = paragraph.partition("\n")
        if ITEM_START_RE.match(first):
            finish()
            number, headline, outlet = _split_item(lines, index)
            expected = len(articles) + 1
            if number != expected:
                raise lines.problem(
                    index,
                    f"번호 충돌: 요약한 기사의 번호는 {expected}번이어야 하는데"
                    f" {number}번입니다(1번부터 차례로 매겨 주세요).",
                )
            articles.append(
                ArticleData(
                    position=number,
                    headline=headline,
                    outlet_name=outlet,
                    url="",
                    summary="",
                    where=index + 1,
                )
            )
            if rest:
                excerpts.append(rest)
        else:
            excerpts.append(paragraph)
    finish()
    return articles


def _parse_references(lines: _Lines, start: int, articles: list[ArticleData]) -> int:
    """Attach each reference's URL to the summary with its number; return where the tail starts."""
    by_number = {article.position: article for article in articles}
    by_headline = {_squash(article.headline): article for article in articles}
    seen: set[int] = set()
    index = start
    while True:
        at = lines.next_filled(index)
        if at is None or _starts_tail(lines.text[at]):
            tail = len(lines.text) if at is None else at
            break
        if not ITEM_START_RE.match(lines.text[at]):
            raise lines.problem(
                at,
                "참고기사에는 '번호. 기사 제목 -언론사-' 줄과 그 아래 주소 줄만 올 수 있습니다."
                f" 읽은 줄: {lines.text[at]!r}",
            )
        number, headline, _outlet = _split_item(lines, at)
        article = by_number.get(number)
        if article is None:
            raise lines.problem(
                at, f"참고기사 {number}번에 맞는 요약한 기사가 없습니다(요약은 {len(articles)}개)."
            )
        if number in seen:
            raise lines.problem(at, f"번호 충돌: 참고기사 {number}번이 두 번 나옵니다.")
        seen.add(number)
        same_headline = by_headline.get(_squash(headline))
        if same_headline is not None and same_headline is not article:
            raise lines.problem(
                at,
                f"번호 충돌: 참고기사 {number}번의 제목은 요약한 기사"
                f" {same_headline.position}번의 제목입니다. 번호가 엇갈렸습니다.",
            )
        url_at = lines.next_filled(at + 1)
        if (
            url_at is None
            or ITEM_START_RE.match(lines.text[url_at])
            or _starts_tail(lines.text[url_at])
        ):
            raise lines.problem(at, f"참고기사 {number}번 아래에 기사 주소 줄이 없습니다.")
        article.url = lines.text[url_at]
        article.url_where = url_at + 1
        index = url_at + 1
    for article in articles:
        if article.position not in seen:
            raise ImportProblem(
                lines.source,
                article.where,
                f"요약한 기사 {article.position}번의 주소가 참고기사에 없습니다.",
            )
    return tail


def _starts_tail(line: str) -> bool:
    return bool(KEYWORD_RE.match(line) or PREVIOUS_RE.match(line) or NEXT_RE.match(line))


def _parse_tail(
    lines: _Lines, start: int
) -> tuple[list[str], int | None, tuple[int, int, str] | None]:
    """`keyword` + tag lines, then `이전 N화<title>`; returns (keywords, keyword line, previous)."""
    keywords: list[str] = []
    keywords_at: int | None = None
    previous: tuple[int, int, str] | None = None
    seen: set[str] = set()

    def add(words: str, index: int) -> None:
        for word in words.split(","):
            word = _squash(word).lstrip("#").strip()
            if not word:
                continue
            if len(word) > 100:
                raise lines.problem(index, f"키워드가 너무 깁니다(100자 이하): {word[:30]}…")
            if word.casefold() not in seen:
                seen.add(word.casefold())
                keywords.append(word)

    for index in range(start, len(lines.text)):
        line = lines.text[index]
        if not line or NEXT_RE.match(line):
            continue
        if previous is not None:
            raise lines.problem(index, f"'이전 N화' 줄 뒤에 알 수 없는 줄이 있습니다: {line!r}")
        if match := PREVIOUS_RE.match(line):
            previous = (index, int(match["position"]), match["title"].strip())
            continue
        if match := KEYWORD_RE.match(line):
            if keywords_at is not None:
                raise lines.problem(index, "keyword 줄이 두 번 나옵니다.")
            keywords_at = index
            add(match["rest"] or "", index)
            continue
        if keywords_at is None:
            raise lines.problem(index, f"참고기사 뒤에 알 수 없는 줄이 있습니다: {line!r}")
        add(line, index)
    return keywords, keywords_at, previous


def _check_previous_line(
    lines: _Lines, at: int, episode: EpisodeData, position: int, previous_title: str
) -> None:
    if position < 1:
        raise lines.problem(at, "'이전 N화'의 N은 1 이상이어야 합니다.")
    if episode.number == 1:
        raise lines.problem(at, "번호 충돌: 1화에는 이전 화가 있을 수 없습니다.")
    match = TITLE_RE.match(previous_title)
    if (
        match
        and _squash(match["series"]) == episode.series.title
        and int(match["number"]) != episode.number - 1
    ):
        raise lines.problem(
            at,
            f"번호 충돌: 이전 화 제목의 번호({match['number']})가 이 회차({episode.number}화)의"
            " 바로 앞 번호가 아닙니다.",
        )


# Export documents (JSON) -----------------------------------------------------------


def parse_document(text: str, *, source: str, series_slug: str | None = None) -> list[EpisodeData]:
    """Read an export document (docs/export-format.md). `series_slug` keeps one series."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportProblem(source, error.lineno, f"JSON 문법 오류: {error.msg}") from None
    reader = _DocumentReader(source)
    root = reader.mapping(document, "")
    if root.get("format") != DOCUMENT_FORMAT:
        raise reader.problem(
            "format", f"내보내기 문서가 아닙니다(format이 {DOCUMENT_FORMAT!r}가 아님)."
        )
    if root.get("version") != DOCUMENT_VERSION:
        raise reader.problem(
            "version", f"이 프로그램은 version {DOCUMENT_VERSION} 문서만 읽습니다."
        )
    episodes: list[EpisodeData] = []
    for s_index, raw_series in enumerate(reader.items(root, "series", "")):
        path = f"series[{s_index}]"
        data = reader.mapping(raw_series, path)
        series = SeriesData(
            slug=reader.text(data, "slug", path),
            title=reader.text(data, "title", path),
            author_name=reader.text(data, "author_name", path),
            description=reader.text(data, "description", path, blank=True),
            volumes=[],
            where=path,
        )
        if series_slug and series.slug != series_slug:
            continue
        for v_index, raw_volume in enumerate(reader.items(data, "volumes", path)):
            v_path = f"{path}.volumes[{v_index}]"
            volume = reader.mapping(raw_volume, v_path)
            series.volumes.append(
                VolumeData(
                    number=reader.integer(volume, "number", v_path),
                    title=reader.text(volume, "title", v_path),
                    where=v_path,
                )
            )
        for e_index, raw_episode in enumerate(reader.items(data, "episodes", path)):
            episodes.append(reader.episode(raw_episode, f"{path}.episodes[{e_index}]", series))
    return episodes


class _DocumentReader:
    """Typed access to the decoded JSON, with Korean errors that name the JSON path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def problem(self, path: str, reason: str) -> ImportProblem:
        return ImportProblem(self.source, path or "문서 전체", reason)

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.problem(path, "객체({ … })여야 합니다.")
        return value

    def items(self, data: dict[str, Any], key: str, path: str) -> list[Any]:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise self.problem(_join(path, key), "목록([ … ])이어야 합니다.")
        return value

    def text(self, data: dict[str, Any], key: str, path: str, *, blank: bool = False) -> str:
        value = data.get(key, "" if blank else None)
        if not isinstance(value, str) or (not blank and not value.strip()):
            raise self.problem(_join(path, key), "비어 있지 않은 문자열이어야 합니다.")
        return value

    def integer(self, data: dict[str, Any], key: str, path: str, *, null: bool = False) -> Any:
        value = data.get(key)
        if value is None and null:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise self.problem(_join(path, key), "1 이상의 정수여야 합니다.")
        return value

    def moment(self, data: dict[str, Any], key: str, path: str) -> dt.datetime | None:
        value = data.get(key)
        if value is None:
            return None
        try:
            moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or timezone.is_naive(moment):
            raise self.problem(
                _join(path, key),
                "시간대가 붙은 ISO 8601 시각이어야 합니다(예: 2025-10-07T19:00:00+09:00).",
            )
        return moment

    def day(self, data: dict[str, Any], key: str, path: str) -> dt.date | None:
        value = data.get(key)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise self.problem(_join(path, key), "YYYY-MM-DD 날짜여야 합니다.") from None

    def episode(self, raw: Any, path: str, series: SeriesData) -> EpisodeData:
        data = self.mapping(raw, path)
        status = data.get("status", Episode.Status.DRAFT)
        if status not in Episode.Status.values:
            raise self.problem(
                _join(path, "status"), f"상태는 {Episode.Status.values} 중 하나입니다."
            )
        comments_enabled = data.get("comments_enabled", True)
        if not isinstance(comments_enabled, bool):
            raise self.problem(_join(path, "comments_enabled"), "true 또는 false여야 합니다.")
        keywords = self.items(data, "keywords", path)
        if not all(isinstance(word, str) and word.strip() for word in keywords):
            raise self.problem(_join(path, "keywords"), "키워드는 문자열 목록이어야 합니다.")
        episode = EpisodeData(
            source=self.source,
            series=series,
            number=self.integer(data, "number", path),
            headline=self.text(data, "headline", path),
            subtitle=self.text(data, "subtitle", path, blank=True),
            intro=self.text(data, "intro", path, blank=True),
            closing=self.text(data, "closing", path, blank=True),
            keywords=[word.strip() for word in keywords],
            publish_at=self.moment(data, "publish_at", path),
            status=status,
            comments_enabled=comments_enabled,
            volume_number=self.integer(data, "volume", path, null=True),
            volume_position=self.integer(data, "volume_position", path, null=True),
            comments=[],
            where=path,
        )
        episode.lines = {
            name: _join(path, name)
            for name in ("number", "headline", "subtitle", "intro", "closing", "publish_at")
        }
        episode.lines |= {"status": _join(path, "status"), "volume": _join(path, "volume")}
        episode.lines["volume_position"] = _join(path, "volume_position")
        episode.lines["keywords"] = _join(path, "keywords")
        for index, raw_article in enumerate(self.items(data, "articles", path)):
            a_path = f"{path}.articles[{index}]"
            article = self.mapping(raw_article, a_path)
            outlet = self.mapping(article.get("outlet"), _join(a_path, "outlet"))
            domains = self.items(outlet, "domains", _join(a_path, "outlet"))
            if not all(isinstance(domain, str) for domain in domains):
                raise self.problem(_join(a_path, "outlet.domains"), "문자열 목록이어야 합니다.")
            episode.articles.append(
                ArticleData(
                    position=self.integer(article, "position", a_path),
                    headline=self.text(article, "headline", a_path),
                    outlet_name=self.text(outlet, "name", _join(a_path, "outlet")),
                    outlet_slug=self.text(outlet, "slug", _join(a_path, "outlet"), blank=True),
                    outlet_domains=list(domains),
                    url=self.text(article, "url", a_path),
                    summary=self.text(article, "summary", a_path, blank=True),
                    published_on=self.day(article, "published_on", a_path),
                    where=a_path,
                    url_where=_join(a_path, "url"),
                )
            )
        positions = [article.position for article in episode.articles]
        if positions != list(range(1, len(positions) + 1)):
            raise self.problem(
                _join(path, "articles"),
                f"번호 충돌: 기사 position은 1부터 차례로여야 합니다({positions}).",
            )
        for index, raw_paragraph in enumerate(self.items(data, "commentary", path)):
            c_path = f"{path}.commentary[{index}]"
            paragraph = self.mapping(raw_paragraph, c_path)
            answers = self.integer(paragraph, "answers_article", c_path, null=True)
            if answers is not None and answers not in positions:
                raise self.problem(
                    _join(c_path, "answers_article"), f"이 회차에 {answers}번 기사가 없습니다."
                )
            episode.commentary.append(
                CommentaryData(
                    body=self.text(paragraph, "body", c_path), answers=answers, where=c_path
                )
            )
        for index, raw_comment in enumerate(self.items(data, "comments", path)):
            m_path = f"{path}.comments[{index}]"
            comment = self.mapping(raw_comment, m_path)
            created_at = self.moment(comment, "created_at", m_path)
            if created_at is None:
                raise self.problem(_join(m_path, "created_at"), "댓글 작성 시각이 없습니다.")
            episode.comments.append(
                CommentData(
                    name=self.text(comment, "name", m_path),
                    email=self.text(comment, "email", m_path, blank=True),
                    body=self.text(comment, "body", m_path),
                    status=self.text(comment, "status", m_path),
                    created_at=created_at,
                    where=m_path,
                )
            )
        return episode


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# Reading files ----------------------------------------------------------------------


def read_posts(
    paths: Iterable[Path | str], *, fmt: Format = "text", series_slug: str | None = None
) -> list[EpisodeData]:
    """Parse every file (a directory means all its *.txt / *.json files), in episode order."""
    suffix = ".json" if fmt == "json" else ".txt"
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix == suffix and p.is_file())
            if not found:
                raise ImportProblem(str(path), None, f"가져올 {suffix} 파일이 없는 디렉터리입니다.")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ImportProblem(str(path), None, "그런 파일이나 디렉터리가 없습니다.")

    episodes: list[EpisodeData] = []
    for path in files:
        raw_bytes = path.read_bytes()
        try:
            text = raw_bytes.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = raw_bytes[: error.start].count(b"\n") + 1
            raise ImportProblem(str(path), line, "UTF-8 텍스트가 아닙니다.") from None
        if fmt == "json":
            episodes.extend(parse_document(text, source=str(path), series_slug=series_slug))
        else:
            episodes.append(parse_text(text, source=str(path), series_slug=series_slug))
    return order_episodes(episodes)


def order_episodes(episodes: Sequence[EpisodeData]) -> list[EpisodeData]:
    """Episode order (series, then running number); the same episode twice is an error."""
    ordered = sorted(episodes, key=lambda e: (e.series.slug, e.number))
    for before, after in itertools.pairwise(ordered):
        if (before.series.slug, before.number) == (after.series.slug, after.number):
            raise ImportProblem(
                after.source,
                after.where,
                f"번호 충돌: {after.series.title} {after.number}화가 {before.source}에도 있습니다.",
            )
    titles: dict[str, EpisodeData] = {}
    for episode in ordered:
        first = titles.setdefault(episode.series.slug, episode)
        if first.series.title != episode.series.title:
            raise ImportProblem(
                episode.source,
                episode.series.where,
                f"같은 연재({episode.series.slug})로 가져오는 글의 연재 제목이 서로 다릅니다:"
                f" {first.series.title!r}({first.source}) / {episode.series.title!r}.",
            )
    return ordered


# Writing ---------------------------------------------------------------------------


@dataclass
class Change:
    """One line of the report: what was (or, in a dry run, would be) created or changed."""

    action: Literal["created", "updated", "unchanged"]
    kind: str  # Korean noun: 연재, 권, 언론사, 언론사 도메인, 회차, 댓글
    label: str
    fields: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        verb = {"created": "새로 만듦", "updated": "바뀜", "unchanged": "그대로"}[self.action]
        detail = f": {', '.join(self.fields)}" if self.fields else ""
        return f"[{verb}] {self.kind} {self.label}{detail}"


@dataclass
class ImportReport:
    dry_run: bool
    changes: list[Change] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)

    def count(self, action: str, kind: str = "회차") -> int:
        return sum(1 for c in self.changes if c.action == action and c.kind == kind)


def import_paths(
    paths: Iterable[Path | str],
    *,
    fmt: Format = "text",
    series_slug: str | None = None,
    publish: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Parse every file first, then import them all in one transaction."""
    paths = list(paths)
    episodes = read_posts(paths, fmt=fmt, series_slug=series_slug)
    if not episodes:
        raise ImportProblem(", ".join(map(str, paths)), None, "가져올 회차가 없습니다.")
    return import_episodes(episodes, publish=publish, dry_run=dry_run)


def import_episodes(
    episodes: Sequence[EpisodeData],
    *,
    publish: bool = False,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Create or update series, episodes and everything in them; all or nothing.

    Episodes are found by series slug and running number, so importing a post again
    updates it. Text posts leave what they cannot say (status, volume, description) as
    stored; new episodes arrive as drafts. With `publish`, each episode is published at
    the date it carries (or stays at its publish time if already published), else now.
    """
    report = ImportReport(dry_run=dry_run)
    # Minutes are what a post's date line can carry: keeps text round trips exact.
    moment = (now or timezone.now()).replace(second=0, microsecond=0)
    writer = _Writer(report, now=moment)
    try:
        # One batch: each imported episode's derived data is refreshed once, at the end.
        with projections.batch():
            for data in order_episodes(episodes):
                report.episodes.append(writer.episode(data, publish=publish))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass  # rolled back, nothing refreshed
    return report


class _DryRun(Exception):
    """Leaves a dry run's batch without refreshing, rolling everything back."""


class _Writer:
    def __init__(self, report: ImportReport, *, now: dt.datetime) -> None:
        self.report = report
        self.now = now
        self.series_done: dict[str, Series] = {}
        try:
            self.comment_model: type[models.Model] | None = apps.get_model("columns", "Comment")
        except LookupError:  # the comments app is optional for importing
            self.comment_model = None

    # helpers ---------------------------------------------------------------------
    def clean(
        self,
        obj: models.Model,
        data: EpisodeData,
        where: dict[str, Where],
        default: Where,
        *,
        label: str = "",
    ) -> None:
        """Run the model's full_clean(); report the first error at the line of its field."""
        try:
            obj.full_clean()
        except ValidationError as error:
            messages = getattr(error, "message_dict", {"__all__": error.messages})
            name, texts = next(iter(messages.items()))
            field_label = "" if name == "__all__" else _field_label(obj, name)
            prefix = " ".join(part for part in (label, field_label) if part)
            raise ImportProblem(
                data.source,
                where.get(name, default),
                f"{prefix}: {' '.join(texts)}" if prefix else " ".join(texts),
            ) from None

    @staticmethod
    def assign(obj: models.Model, values: dict[str, Any]) -> list[str]:
        """Set the values that differ; return the verbose names of the fields that changed."""
        changed = []
        for name, value in values.items():
            model_field = obj._meta.get_field(name)
            if model_field.is_relation:  # compare keys: an unset relation cannot be read
                differs = getattr(obj, model_field.attname) != (value.pk if value else None)
            else:
                differs = getattr(obj, name) != value
            if differs:
                setattr(obj, name, value)
                changed.append(str(model_field.verbose_name))
        return changed

    # series ----------------------------------------------------------------------
    def series(self, data: EpisodeData) -> Series:
        spec = data.series
        if spec.slug in self.series_done:
            return self.series_done[spec.slug]
        series = Series.objects.filter(slug=spec.slug).first()
        created = series is None
        if created:
            series = Series(slug=spec.slug)
        values: dict[str, Any] = {"title": spec.title, "author_name": spec.author_name}
        if spec.description is not None:
            values["description"] = spec.description
        changed = self.assign(series, values)
        where = {"title": spec.where, "author_name": data.lines.get("author_name", spec.where)}
        self.clean(series, data, where, spec.where, label="연재")
        if created or changed:
            series.save()
        self.report.changes.append(
            Change(
                "created" if created else ("updated" if changed else "unchanged"),
                "연재",
                f"{series.title} ({series.slug})",
                [] if created else changed,
            )
        )
        for volume in spec.volumes or []:
            self.volume(series, volume, data)
        self.series_done[spec.slug] = series
        return series

    def volume(self, series: Series, spec: VolumeData, data: EpisodeData) -> Volume:
        volume = Volume.objects.filter(series=series, number=spec.number).first()
        created = volume is None
        if created:
            volume = Volume(series=series, number=spec.number)
        changed = self.assign(volume, {"title": spec.title})
        self.clean(volume, data, {}, spec.where, label="권")
        if created or changed:
            volume.save()
            self.report.changes.append(
                Change(
                    "created" if created else "updated",
                    "권",
                    f"{series.title} {spec.number}권",
                    changed,
                )
            )
        return volume

    # outlets ---------------------------------------------------------------------
    def outlet(self, spec: ArticleData, url: str, data: EpisodeData) -> Outlet:
        """Found by name (or its slug), else created; the article's domain is added if free."""
        slug = spec.outlet_slug or slugify(spec.outlet_name, allow_unicode=True)
        outlet = (
            Outlet.objects.filter(name=spec.outlet_name).first()
            or Outlet.objects.filter(slug=slug).first()
        )
        if outlet is None:
            outlet = Outlet(name=spec.outlet_name, slug=slug or slugify(host_of(url)))
            self.clean(outlet, data, {}, spec.where, label="언론사")
            outlet.save()
            self.report.changes.append(Change("created", "언론사", outlet.name))
        host = host_of(url).removeprefix("www.")
        for domain in [*spec.outlet_domains, host]:
            if not domain or OutletDomain.objects.filter(domain=domain).exists():
                continue
            if domain == host and Outlet.objects.for_url(url) is not None:
                continue  # a parent domain already names an outlet for this address
            record = OutletDomain(outlet=outlet, domain=domain)
            self.clean(record, data, {}, spec.where, label=f"언론사 {outlet.name} 도메인")
            if OutletDomain.objects.filter(domain=record.domain).exists():
                continue
            record.save()
            self.report.changes.append(
                Change("created", "언론사 도메인", f"{outlet.name}: {record.domain}")
            )
        return outlet

    # episodes --------------------------------------------------------------------
    def episode(self, data: EpisodeData, *, publish: bool) -> Episode:
        series = self.series(data)
        episode = Episode.objects.filter(series=series, number=data.number).first()
        created = episode is None
        if created:
            episode = Episode(series=series, number=data.number)
        episode.series = series  # the title check below reads the fresh series title
        values: dict[str, Any] = {
            "headline": data.headline,
            "subtitle": data.subtitle,
            "intro": data.intro,
            "closing": data.closing,
        }
        if data.publish_at is not None or data.status is not None:
            values["publish_at"] = data.publish_at
        if data.status is not None:
            values["status"] = data.status
        if data.comments_enabled is not None:
            values["comments_enabled"] = data.comments_enabled
        if data.status is not None:  # a document says everything about volumes
            values["volume"] = self.volume_of(series, data)
            values["volume_position"] = data.volume_position
        if data.previous_position is not None:
            values |= self.previous(data, series, episode)
        changed = self.assign(episode, values)
        self.clean(episode, data, data.lines, data.where, label=f"{data.number}화")
        if created or changed:
            episode.save()

        changed += self.articles(episode, data, created)
        changed += self.commentary(episode, data, created)
        changed += self.keywords(episode, data, created)
        if data.comments is not None:
            changed += self.comments(episode, data)
        if publish:
            changed += self.publish(episode, data)

        fields = sorted(set(changed), key=changed.index)
        summary = (
            f"기사 {len(data.articles)}개, 논평 {len(data.commentary)}문단,"
            f" 키워드 {len(data.keywords)}개, {_state(episode, self.now)}"
        )
        action = "created" if created else ("updated" if fields else "unchanged")
        self.report.changes.append(
            Change(
                action, "회차", f"{episode.title} ({data.source})", [summary] if created else fields
            )
        )
        return episode

    def volume_of(self, series: Series, data: EpisodeData) -> Volume | None:
        if data.volume_number is None:
            return None
        volume = Volume.objects.filter(series=series, number=data.volume_number).first()
        if volume is None:
            raise ImportProblem(
                data.source,
                data.lines.get("volume", data.where),
                f"연재 {series.title}에 {data.volume_number}권이 없습니다(volumes에 적어 주세요).",
            )
        return volume

    def previous(self, data: EpisodeData, series: Series, episode: Episode) -> dict[str, Any]:
        """Check `이전 N화<title>` against the stored previous episode; place this one after it."""
        where = data.lines.get("previous", data.where)
        values: dict[str, Any] = {"volume_position": data.previous_position + 1}
        previous = (
            Episode.objects.filter(series=series, number=data.number - 1)
            .select_related("series", "volume")
            .first()
        )
        if previous is None:
            return values
        if data.previous_title and _squash(previous.title) != _squash(data.previous_title):
            raise ImportProblem(
                data.source,
                where,
                f"이전 화 제목 {data.previous_title!r}이(가) 저장된 {previous.number}화의 제목"
                f" {previous.title!r}과(와) 다릅니다.",
            )
        if (
            previous.volume_position is not None
            and previous.volume_position != data.previous_position
        ):
            raise ImportProblem(
                data.source,
                where,
                f"번호 충돌: 글에는 이전 화가 {data.previous_position}화로 적혀 있는데, 저장된"
                f" {previous.number}화는 브런치북 안에서 {previous.volume_position}번째입니다.",
            )
        if episode.volume_id is None and previous.volume_id is not None:
            values["volume"] = previous.volume
        return values

    def articles(self, episode: Episode, data: EpisodeData, created: bool) -> list[str]:
        """Articles are matched by canonical URL, so a re-import keeps what cites the same page."""
        urls: list[str] = []
        for spec in data.articles:
            try:
                urls.append(canonicalize_url(spec.url))
            except ValidationError as error:
                raise ImportProblem(
                    data.source,
                    spec.url_where,
                    f"{spec.position}번 기사의 주소를 쓸 수 없습니다: {' '.join(error.messages)}"
                    f" (주소: {spec.url!r})",
                ) from None
        for index, url in enumerate(urls):
            if url in urls[:index]:
                spec = data.articles[index]
                raise ImportProblem(
                    data.source,
                    spec.url_where,
                    f"{spec.position}번 기사의 주소가 {urls.index(url) + 1}번 기사와 같습니다:"
                    f" {url}",
                )
        existing = {} if created else {a.url: a for a in episode.articles.all()}
        kept = {url: existing[url] for url in urls if url in existing}
        changed = False
        gone = [a.pk for url, a in existing.items() if url not in kept]
        if gone:
            SourceArticle.objects.filter(pk__in=gone).delete()
            changed = True
        # Park moved articles out of the way of the (episode, position) constraint.
        moving = [
            a.pk
            for position, url in enumerate(urls, 1)
            if (a := kept.get(url)) and a.position != position
        ]
        if moving:
            SourceArticle.objects.filter(pk__in=moving).update(position=models.F("position") + 1000)
        for spec, url in zip(data.articles, urls, strict=True):
            article = kept.get(url)
            is_new = article is None
            if is_new:
                article = SourceArticle(episode=episode)
            elif article.pk in moving:
                article.position += 1000
            outlet = self.outlet(spec, url, data)
            fields = self.assign(
                article,
                {
                    "position": spec.position,
                    "headline": spec.headline,
                    "outlet": outlet,
                    "url": url,
                    "summary": spec.summary,
                    "published_on": spec.published_on,
                },
            )
            where = {"url": spec.url_where, "summary": spec.where, "headline": spec.where}
            self.clean(article, data, where, spec.where, label=f"{spec.position}번 기사")
            if is_new or fields:
                article.save()
                changed = True
        return ["기사"] if changed and not created else []

    def commentary(self, episode: Episode, data: EpisodeData, created: bool) -> list[str]:
        wanted = [(i, p.body, p.answers) for i, p in enumerate(data.commentary, 1)]
        if not created:
            stored = [
                (c.position, c.body, c.source_article.position if c.source_article else None)
                for c in episode.commentary.select_related("source_article")
            ]
            if stored == wanted:
                return []
            episode.commentary.all().delete()
        articles = {a.position: a for a in episode.articles.all()}
        for (position, body, answers), spec in zip(wanted, data.commentary, strict=True):
            paragraph = Commentary(
                episode=episode,
                position=position,
                body=body,
                source_article=articles.get(answers) if answers else None,
            )
            self.clean(paragraph, data, {}, spec.where, label=f"논평 {position}번째 문단")
            paragraph.save()
        return [] if created else ["논평"]

    def keywords(self, episode: Episode, data: EpisodeData, created: bool) -> list[str]:
        stored = set() if created else {t.name.casefold() for t in episode.keywords.all()}
        if stored == {word.casefold() for word in data.keywords}:
            return []
        episode.keywords.set(data.keywords)
        return [] if created else ["키워드"]

    def comments(self, episode: Episode, data: EpisodeData) -> list[str]:
        if self.comment_model is None or not data.comments:
            return []
        Comment = self.comment_model
        added = 0
        for spec in data.comments:
            exists = Comment.objects.filter(
                episode=episode, name=spec.name, body=spec.body, created_at=spec.created_at
            ).exists()
            if exists:
                continue
            comment = Comment(
                episode=episode,
                name=spec.name,
                email=spec.email,
                body=spec.body,
                status=spec.status,
                created_at=spec.created_at,
            )
            self.clean(comment, data, {}, spec.where, label="댓글")
            comment.save()
            added += 1
        return [f"댓글 {added}개 추가"] if added else []

    def publish(self, episode: Episode, data: EpisodeData) -> list[str]:
        already = episode.status == Episode.Status.PUBLISHED
        if already and (data.publish_at is None or episode.publish_at == data.publish_at):
            return []
        # The post's date, else the original date an earlier import kept on the draft, else now.
        episode_publish(episode=episode, when=data.publish_at or episode.publish_at or self.now)
        return ["발행"]


def _field_label(obj: models.Model, name: str) -> str:
    try:
        return str(obj._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a non-field key such as __all__
        return name


def _state(episode: Episode, now: dt.datetime) -> str:
    if episode.status == Episode.Status.DRAFT:
        return "초안"
    return "예약 발행" if episode.is_scheduled(now) else "발행"
