"""Reading one brunch-style plain-text post into an `EpisodeData`; no database access.

The structure (docs/export-format.md): optional platform line,
``<series>-<N>(<headline>)``, optional subtitle, ``by <pen name>``, optional date,
intro, a heading ending in ``기사``, numbered articles with their quotes (paragraphs in
quote marks) and summaries (the other paragraphs),
``<pen name>의 논평``, commentary, ``이상 …`` closing, ``참고기사`` with one URL per
article, ``keyword`` and ``이전 N화<previous title>``. The first problem found raises
`ImportProblem` with its line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.text import slugify
from django.utils.translation import gettext as _

from articles.quotes import split_summary
from columns.transfer.format import (
    BY,
    CLOSING_START,
    COMMENTARY_HEADING_END,
    EPISODE,
    KEYWORDS_HEADING,
    NEXT,
    PLATFORM,
    PREVIOUS,
    REFERENCES_HEADING,
    SEOUL,
    SUMMARIES_HEADING,
    SUMMARIES_HEADING_END,
    ArticleData,
    CommentaryData,
    EpisodeData,
    ImportProblem,
    SeriesData,
    commentary_heading,
    squash,
)

DASHES = "-‐‑‒–—―－"
_D = re.escape(DASHES)


def _spaced(words: str) -> str:
    """A pattern for these words with any (or no) whitespace between them."""
    return r"\s*".join(re.escape(word) for word in words.split())


PLATFORM_RE = re.compile(rf"^(?:{re.escape(PLATFORM)}|브런치)$", re.IGNORECASE)
# The series title is the shortest prefix followed by `-<N>(`; the headline runs to the
# last `)`, so it may hold parentheses and brackets of its own.
TITLE_RE = re.compile(r"^(?P<series>.+?)\s*-\s*(?P<number>\d+)\s*\((?P<headline>.+)\)$")
BY_RE = re.compile(rf"^{re.escape(BY)}\s+(?P<name>\S.*)$", re.IGNORECASE)
_TIME = r"(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2}))?"
DATE_RES = (
    re.compile(rf"^(?P<y>\d{{4}})\s*년\s*(?P<m>\d{{1,2}})\s*월\s*(?P<d>\d{{1,2}})\s*일{_TIME}$"),
    re.compile(rf"^(?P<y>\d{{4}})\.\s*(?P<m>\d{{1,2}})\.\s*(?P<d>\d{{1,2}})\.?{_TIME}$"),
)
ITEM_START_RE = re.compile(r"^(?P<number>\d+)\.\s+(?P<rest>\S.*)$")
ITEM_RE = re.compile(rf"^(?P<headline>.+?)\s*[{_D}]\s*(?P<outlet>[^{_D}]+?)\s*[{_D}]$")
COMMENTARY_HEADING_RE = re.compile(rf"^(?P<name>\S.{{0,60}}?)\s*{_spaced(COMMENTARY_HEADING_END)}$")
KEYWORD_RE = re.compile(
    rf"^(?:{re.escape(KEYWORDS_HEADING)}s?|키워드)(?:\s*:)?(?:\s+(?P<rest>.*))?$", re.IGNORECASE
)
PREVIOUS_RE = re.compile(
    rf"^{re.escape(PREVIOUS)}\s*(?P<position>\d+)\s*{re.escape(EPISODE)}\s*(?P<title>.*)$"
)
NEXT_RE = re.compile(rf"^{re.escape(NEXT)}\s*\d+\s*{re.escape(EPISODE)}")
CLOSING_RE = re.compile(rf"^{re.escape(CLOSING_START)}(?:으로)?\s")


def is_references_heading(line: str) -> bool:
    """`참고기사`, with or without spaces in it (`참고 기사`)."""
    return "".join(line.split()) == REFERENCES_HEADING


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
        raise ImportProblem(source, 1, _("빈 파일입니다."))

    platform = ""
    if PLATFORM_RE.match(lines.text[at]):
        platform = lines.text[at]
        at = lines.next_filled(at + 1)
        if at is None:
            raise lines.problem(lines.last_filled(), _("플랫폼 줄 뒤에 글이 없습니다."))

    # Title, subtitle, by-line, date ----------------------------------------------
    title_at = at
    title = TITLE_RE.match(lines.text[title_at])
    if title is None:
        raise lines.problem(
            title_at,
            _(
                "제목 줄은 '연재 제목-번호(회차 제목)' 모양이어야 합니다"
                " (예: 뉴스가 있는 저녁-12(오늘의 제목)). 읽은 줄: %(line)s"
            )
            % {"line": repr(lines.text[title_at])},
        )
    series_title = squash(title["series"])
    number = int(title["number"])
    headline = title["headline"].strip()
    if number < 1:
        raise lines.problem(title_at, _("회차 번호는 1 이상이어야 합니다."))

    at = lines.next_filled(title_at + 1)
    subtitle, subtitle_at = "", None
    if at is not None and not BY_RE.match(lines.text[at]):
        subtitle, subtitle_at = lines.text[at], at
        at = lines.next_filled(at + 1)
    if at is None or not BY_RE.match(lines.text[at]):
        where = at if at is not None else lines.last_filled()
        raise lines.problem(
            where, _("필명을 적은 'by 필명' 줄이 있어야 할 자리입니다(제목과 부제 다음 줄).")
        )
    by_at = at
    author_name = squash(BY_RE.match(lines.text[by_at])["name"])

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
            if is_references_heading(lines.text[i])
        ),
        None,
    )
    if references_at is None:
        raise lines.problem(
            lines.last_filled(),
            _("'%(heading)s' 줄(기사 주소 목록의 제목)이 없습니다.")
            % {"heading": REFERENCES_HEADING},
        )

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
        intro="\n\n".join(text for _at, text in intro_paragraphs),
        closing="\n\n".join(text for _at, text in closing_paragraphs),
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
            raise lines.problem(
                at, _("없는 날짜나 시각입니다: %(line)s") % {"line": repr(lines.text[at])}
            ) from None
    return None


def _find_commentary_heading(lines: _Lines, start: int, author_name: str) -> int:
    expected = commentary_heading(author_name)
    for index in range(start, len(lines.text)):
        if squash(lines.text[index]) == expected:
            return index
    for index in range(start, len(lines.text)):
        match = COMMENTARY_HEADING_RE.match(lines.text[index])
        if match and len(lines.text[index]) <= 64:
            raise lines.problem(
                index,
                _("논평 제목의 필명(%(found)s)이 by 줄의 필명(%(expected)s)과 다릅니다.")
                % {"found": repr(match["name"]), "expected": repr(author_name)},
            )
    references = next(
        (i for i in range(start, len(lines.text)) if is_references_heading(lines.text[i])), None
    )
    raise lines.problem(
        references if references is not None else lines.last_filled(),
        _("논평 제목 줄('%(heading)s')이 없습니다: 논평이 어디서 시작하는지 알 수 없습니다.")
        % {"heading": expected},
    )


def _find_summaries_heading(lines: _Lines, start: int, end: int) -> int:
    """The first line ending in 기사 whose next filled line is a numbered item."""
    for index in range(start, end):
        if not lines.text[index].endswith(SUMMARIES_HEADING_END):
            continue
        following = lines.next_filled(index + 1, end)
        if following is not None and ITEM_START_RE.match(lines.text[following]):
            return index
    first_item = next((i for i in range(start, end) if ITEM_START_RE.match(lines.text[i])), end)
    raise lines.problem(
        first_item,
        _(
            "요약한 기사 목록의 제목 줄(예: '%(heading)s')과 그 아래 '1. 기사 제목 -언론사-' 줄이"
            " 있어야 합니다."
        )
        % {"heading": SUMMARIES_HEADING},
    )


def _split_item(lines: _Lines, index: int) -> tuple[int, str, str]:
    """`N. headline -outlet-` → (N, headline, outlet); dashes may be -, – or —."""
    start = ITEM_START_RE.match(lines.text[index])
    assert start is not None  # noqa: S101 - callers matched ITEM_START_RE already
    item = ITEM_RE.match(start["rest"])
    if item is None:
        raise lines.problem(
            index,
            _(
                "기사 줄은 '번호. 기사 제목 -언론사-' 모양이어야 합니다(언론사를 하이픈이나"
                " 대시 사이에). 읽은 줄: %(line)s"
            )
            % {"line": repr(lines.text[index])},
        )
    return int(start["number"]), item["headline"].strip(), squash(item["outlet"])


def _parse_summaries(lines: _Lines, start: int, end: int) -> list[ArticleData]:
    """The numbered articles; under each, paragraphs in quote marks are its quotes.

    The other paragraphs under it are the summary in the editor's own words.
    """
    articles: list[ArticleData] = []
    excerpts: list[str] = []

    def finish() -> None:
        if articles:
            articles[-1].quotes, articles[-1].summary = split_summary("\n\n".join(excerpts))
        excerpts.clear()

    for index, paragraph in lines.paragraphs(start, end):
        first, _newline, rest = paragraph.partition("\n")
        if ITEM_START_RE.match(first):
            finish()
            number, headline, outlet = _split_item(lines, index)
            expected = len(articles) + 1
            if number != expected:
                raise lines.problem(
                    index,
                    _(
                        "번호 충돌: 요약한 기사의 번호는 %(expected)s번이어야 하는데"
                        " %(number)s번입니다(1번부터 차례로 매겨 주세요)."
                    )
                    % {"expected": expected, "number": number},
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
    by_headline = {squash(article.headline): article for article in articles}
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
                _(
                    "참고기사에는 '번호. 기사 제목 -언론사-' 줄과 그 아래 주소 줄만 올 수"
                    " 있습니다. 읽은 줄: %(line)s"
                )
                % {"line": repr(lines.text[at])},
            )
        number, headline, _outlet = _split_item(lines, at)
        article = by_number.get(number)
        if article is None:
            raise lines.problem(
                at,
                _("참고기사 %(number)s번에 맞는 요약한 기사가 없습니다(요약은 %(count)s개).")
                % {"number": number, "count": len(articles)},
            )
        if number in seen:
            raise lines.problem(
                at, _("번호 충돌: 참고기사 %(number)s번이 두 번 나옵니다.") % {"number": number}
            )
        seen.add(number)
        same_headline = by_headline.get(squash(headline))
        if same_headline is not None and same_headline is not article:
            raise lines.problem(
                at,
                _(
                    "번호 충돌: 참고기사 %(number)s번의 제목은 요약한 기사"
                    " %(other)s번의 제목입니다. 번호가 엇갈렸습니다."
                )
                % {"number": number, "other": same_headline.position},
            )
        url_at = lines.next_filled(at + 1)
        if (
            url_at is None
            or ITEM_START_RE.match(lines.text[url_at])
            or _starts_tail(lines.text[url_at])
        ):
            raise lines.problem(
                at, _("참고기사 %(number)s번 아래에 기사 주소 줄이 없습니다.") % {"number": number}
            )
        article.url = lines.text[url_at]
        article.url_where = url_at + 1
        index = url_at + 1
    for article in articles:
        if article.position not in seen:
            raise ImportProblem(
                lines.source,
                article.where,
                _("요약한 기사 %(number)s번의 주소가 참고기사에 없습니다.")
                % {"number": article.position},
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
            word = squash(word).lstrip("#").strip()
            if not word:
                continue
            if len(word) > 100:
                raise lines.problem(
                    index, _("키워드가 너무 깁니다(100자 이하): %(start)s…") % {"start": word[:30]}
                )
            if word.casefold() not in seen:
                seen.add(word.casefold())
                keywords.append(word)

    for index in range(start, len(lines.text)):
        line = lines.text[index]
        if not line or NEXT_RE.match(line):
            continue
        if previous is not None:
            raise lines.problem(
                index,
                _("'이전 N화' 줄 뒤에 알 수 없는 줄이 있습니다: %(line)s") % {"line": repr(line)},
            )
        if match := PREVIOUS_RE.match(line):
            previous = (index, int(match["position"]), match["title"].strip())
            continue
        if match := KEYWORD_RE.match(line):
            if keywords_at is not None:
                raise lines.problem(index, _("keyword 줄이 두 번 나옵니다."))
            keywords_at = index
            add(match["rest"] or "", index)
            continue
        if keywords_at is None:
            raise lines.problem(
                index,
                _("참고기사 뒤에 알 수 없는 줄이 있습니다: %(line)s") % {"line": repr(line)},
            )
        add(line, index)
    return keywords, keywords_at, previous


def _check_previous_line(
    lines: _Lines, at: int, episode: EpisodeData, position: int, previous_title: str
) -> None:
    if position < 1:
        raise lines.problem(at, _("'이전 N화'의 N은 1 이상이어야 합니다."))
    if episode.number == 1:
        raise lines.problem(at, _("번호 충돌: 1화에는 이전 화가 있을 수 없습니다."))
    match = TITLE_RE.match(previous_title)
    if (
        match
        and squash(match["series"]) == episode.series.title
        and int(match["number"]) != episode.number - 1
    ):
        raise lines.problem(
            at,
            _(
                "번호 충돌: 이전 화 제목의 번호(%(found)s)가 이 회차(%(number)s화)의"
                " 바로 앞 번호가 아닙니다."
            )
            % {"found": match["number"], "number": episode.number},
        )
