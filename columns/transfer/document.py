"""Reading the JSON export document (docs/export-format.md) into `EpisodeData`; no database access.

Problems name the JSON path of the value, e.g. ``series[0].episodes[2].articles[1].url``,
and syntax errors their line.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from articles.quotes import split_summary
from columns.models import Episode
from columns.transfer.format import (
    DOCUMENT_FORMAT,
    DOCUMENT_VERSION,
    READABLE_DOCUMENT_VERSIONS,
    ArticleData,
    CommentaryData,
    CommentData,
    EpisodeData,
    ImportProblem,
    SeriesData,
    VolumeData,
)


def parse_document(text: str, *, source: str, series_slug: str | None = None) -> list[EpisodeData]:
    """Read an export document. `series_slug` keeps one series."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportProblem(
            source, error.lineno, _("JSON 문법 오류: %(error)s") % {"error": error.msg}
        ) from None
    reader = _DocumentReader(source)
    root = reader.mapping(document, "")
    if root.get("format") != DOCUMENT_FORMAT:
        raise reader.problem(
            "format",
            _("내보내기 문서가 아닙니다(format이 %(format)s가 아님).")
            % {"format": repr(DOCUMENT_FORMAT)},
        )
    version = root.get("version")
    if isinstance(version, bool) or version not in READABLE_DOCUMENT_VERSIONS:
        raise reader.problem(
            "version",
            _("이 프로그램은 version %(versions)s 문서만 읽습니다.")
            % {"versions": ", ".join(map(str, READABLE_DOCUMENT_VERSIONS))},
        )
    reader.version = version
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
        self.version = DOCUMENT_VERSION

    def problem(self, path: str, reason: str) -> ImportProblem:
        return ImportProblem(self.source, path or _("문서 전체"), reason)

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.problem(path, _("객체({ … })여야 합니다."))
        return value

    def items(self, data: dict[str, Any], key: str, path: str) -> list[Any]:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise self.problem(_join(path, key), _("목록([ … ])이어야 합니다."))
        return value

    def text(self, data: dict[str, Any], key: str, path: str, *, blank: bool = False) -> str:
        value = data.get(key, "" if blank else None)
        if not isinstance(value, str) or (not blank and not value.strip()):
            raise self.problem(_join(path, key), _("비어 있지 않은 문자열이어야 합니다."))
        return value

    def integer(self, data: dict[str, Any], key: str, path: str, *, null: bool = False) -> Any:
        value = data.get(key)
        if value is None and null:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise self.problem(_join(path, key), _("1 이상의 정수여야 합니다."))
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
                _("시간대가 붙은 ISO 8601 시각이어야 합니다(예: 2025-10-07T19:00:00+09:00)."),
            )
        return moment

    def day(self, data: dict[str, Any], key: str, path: str) -> dt.date | None:
        value = data.get(key)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise self.problem(_join(path, key), _("YYYY-MM-DD 날짜여야 합니다.")) from None

    def quotes(self, data: dict[str, Any], path: str) -> list[str]:
        """`quotes`: a list of non-empty strings, each one quote (plain text, as stored)."""
        quotes = self.items(data, "quotes", path)
        if not all(isinstance(q, str) and q.strip() for q in quotes):
            raise self.problem(
                _join(path, "quotes"), _("인용문은 비어 있지 않은 문자열 목록이어야 합니다.")
            )
        return list(quotes)

    def episode(self, raw: Any, path: str, series: SeriesData) -> EpisodeData:
        data = self.mapping(raw, path)
        status = data.get("status", Episode.Status.DRAFT)
        if status not in Episode.Status.values:
            raise self.problem(
                _join(path, "status"),
                _("상태는 %(choices)s 중 하나입니다.") % {"choices": Episode.Status.values},
            )
        comments_enabled = data.get("comments_enabled", True)
        if not isinstance(comments_enabled, bool):
            raise self.problem(_join(path, "comments_enabled"), _("true 또는 false여야 합니다."))
        keywords = self.items(data, "keywords", path)
        if not all(isinstance(word, str) and word.strip() for word in keywords):
            raise self.problem(_join(path, "keywords"), _("키워드는 문자열 목록이어야 합니다."))
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
                raise self.problem(_join(a_path, "outlet.domains"), _("문자열 목록이어야 합니다."))
            summary = self.text(article, "summary", a_path, blank=True)
            if self.version == 1:  # before quotes had rows: split as the migration did
                quotes, summary = split_summary(summary)
            else:
                quotes = self.quotes(article, a_path)
            episode.articles.append(
                ArticleData(
                    position=self.integer(article, "position", a_path),
                    headline=self.text(article, "headline", a_path),
                    outlet_name=self.text(outlet, "name", _join(a_path, "outlet")),
                    outlet_slug=self.text(outlet, "slug", _join(a_path, "outlet"), blank=True),
                    outlet_domains=list(domains),
                    url=self.text(article, "url", a_path),
                    summary=summary,
                    quotes=quotes,
                    published_on=self.day(article, "published_on", a_path),
                    where=a_path,
                    url_where=_join(a_path, "url"),
                )
            )
        positions = [article.position for article in episode.articles]
        if positions != list(range(1, len(positions) + 1)):
            raise self.problem(
                _join(path, "articles"),
                _("번호 충돌: 기사 position은 1부터 차례로여야 합니다(%(positions)s).")
                % {"positions": positions},
            )
        for index, raw_paragraph in enumerate(self.items(data, "commentary", path)):
            c_path = f"{path}.commentary[{index}]"
            paragraph = self.mapping(raw_paragraph, c_path)
            answers = self.integer(paragraph, "answers_article", c_path, null=True)
            if answers is not None and answers not in positions:
                raise self.problem(
                    _join(c_path, "answers_article"),
                    _("이 회차에 %(number)s번 기사가 없습니다.") % {"number": answers},
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
                raise self.problem(_join(m_path, "created_at"), _("댓글 작성 시각이 없습니다."))
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
