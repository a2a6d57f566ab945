"""Write episodes back out: the brunch-style text the importer reads, or a JSON document.

The text keeps what the post format can say (see columns.transfer.text); the JSON document
(docs/export-format.md) keeps everything needed to restore the column into an empty
database: series with volumes, episodes with status and times, articles with outlets and quotes,
commentary with the article each paragraph answers, keywords and approved comments.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import SourceArticle
from articles.quotes import quote_paragraph
from columns.models import Commentary, Episode, Series, Volume
from columns.transfer.format import (
    DOCUMENT_FORMAT,
    DOCUMENT_VERSION,
    KEYWORDS_HEADING,
    PLATFORM,
    REFERENCES_HEADING,
    SEOUL,
    SUMMARIES_HEADING,
    by_line,
    commentary_heading,
    previous_line,
)


class ExportProblem(Exception):
    """Nothing to export, or an impossible request; the message is in Korean."""


def select_episodes(*, series_slug: str | None = None, number: int | None = None) -> list[Episode]:
    """The episodes to export, in series and number order, with everything they print.

    Queries: episodes (+ series, volume), articles (+ outlet), outlet domains, quotes,
    commentary (+ answered article), keywords, and approved comments when that model exists.
    """
    episodes = Episode.objects.select_related("series", "volume").order_by("series__slug", "number")
    if series_slug is not None:
        if not Series.objects.filter(slug=series_slug).exists():
            raise ExportProblem(
                _("주소 이름이 %(slug)s인 연재가 없습니다.") % {"slug": repr(series_slug)}
            )
        episodes = episodes.filter(series__slug=series_slug)
    if number is not None:
        if series_slug is None and Series.objects.count() > 1:
            raise ExportProblem(_("연재가 여럿이라 --episode에는 --series도 함께 적어 주세요."))
        episodes = episodes.filter(number=number)
    episodes = episodes.prefetch_related(
        Prefetch(
            "articles",
            queryset=SourceArticle.objects.select_related("outlet").prefetch_related(
                "outlet__domains",
                "quotes",
            ),
        ),
        Prefetch("commentary", queryset=Commentary.objects.select_related("source_article")),
        "keywords",
    )
    comment_model = _comment_model()
    if comment_model is not None:
        episodes = episodes.prefetch_related(
            Prefetch(
                "comments",
                queryset=comment_model.objects.filter(status="approved").order_by(
                    "created_at", "pk"
                ),
                to_attr="approved_comments",
            )
        )
    found = list(episodes)
    if not found:
        raise ExportProblem(_("내보낼 회차가 없습니다."))
    return found


def _comment_model() -> Any:
    try:
        return apps.get_model("columns", "Comment")
    except LookupError:  # reader comments are optional for export
        return None


# Plain text ------------------------------------------------------------------------


def previous_titles(episodes: Iterable[Episode]) -> dict[tuple[int, int], str]:
    """Titles of the episodes just before the given ones, by (series id, number). One query."""
    wanted = {(e.series_id, e.number - 1) for e in episodes if e.number > 1}
    if not wanted:
        return {}
    rows = Episode.objects.filter(
        series_id__in={series for series, _ in wanted},
        number__in={number for _series, number in wanted},
    ).select_related("series")
    return {(e.series_id, e.number): e.title for e in rows if (e.series_id, e.number) in wanted}


def date_line(moment: dt.datetime) -> str:
    """`2025년 10월 7일`, with ` 19:30` when the Seoul time is not midnight."""
    local = moment.astimezone(SEOUL)
    text = f"{local.year}년 {local.month}월 {local.day}일"
    if (local.hour, local.minute) != (0, 0):
        text += f" {local.hour:02d}:{local.minute:02d}"
    return text


def _paragraphs(markdown: str) -> list[str]:
    text = markdown.replace("\r\n", "\n").strip()
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()] if text else []


def _item_line(article: SourceArticle) -> str:
    return f"{article.position}. {article.headline} -{article.outlet.name}-"


def episode_text(episode: Episode, *, previous_title: str | None = None) -> str:
    """One episode in the brunch-style structure that columns.transfer.text.parse_text reads."""
    series = episode.series
    blocks = [PLATFORM, episode.title]
    if episode.subtitle:
        blocks.append(episode.subtitle)
    blocks.append(by_line(series.author_name))
    if episode.publish_at is not None:
        blocks.append(date_line(episode.publish_at))
    blocks += _paragraphs(episode.intro)
    articles = list(episode.articles.all())
    blocks.append(SUMMARIES_HEADING)
    for article in articles:
        blocks.append(_item_line(article))
        # Quotes first, each a paragraph in quote marks, then the summary: read back as such.
        blocks += [quote_paragraph(quote.text) for quote in article.quotes.all()]
        blocks += _paragraphs(article.summary)
    blocks.append(commentary_heading(series.author_name))
    for paragraph in episode.commentary.all():
        blocks += _paragraphs(paragraph.body)
    blocks += _paragraphs(episode.closing)
    blocks.append(REFERENCES_HEADING)
    for article in articles:
        blocks += [_item_line(article), article.url]

    tail = [KEYWORDS_HEADING, *sorted((t.name for t in episode.keywords.all()), key=str.casefold)]
    if episode.volume_position is not None and episode.volume_position > 1:
        tail.append(previous_line(episode.volume_position - 1, previous_title or ""))
    return "\n\n".join(blocks) + "\n\n" + "\n".join(tail) + "\n"


def text_file_name(episode: Episode) -> str:
    return f"{episode.series.slug}-{episode.number:03d}.txt"


def write_text_files(episodes: list[Episode], directory: Path) -> list[Path]:
    """One file per episode into `directory` (created if needed); returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    titles = previous_titles(episodes)
    written = []
    for episode in episodes:
        path = directory / text_file_name(episode)
        title = titles.get((episode.series_id, episode.number - 1))
        path.write_text(episode_text(episode, previous_title=title), encoding="utf-8")
        written.append(path)
    return written


def single_episode_text(episode: Episode) -> str:
    title = previous_titles([episode]).get((episode.series_id, episode.number - 1))
    return episode_text(episode, previous_title=title)


# JSON document ---------------------------------------------------------------------


def _moment(value: dt.datetime | None) -> str | None:
    return value.astimezone(SEOUL).isoformat() if value is not None else None


def _article(article: SourceArticle) -> dict[str, Any]:
    return {
        "position": article.position,
        "headline": article.headline,
        "outlet": {
            "name": article.outlet.name,
            "slug": article.outlet.slug,
            "domains": sorted(d.domain for d in article.outlet.domains.all()),
        },
        "url": article.url,
        "quotes": [quote.text for quote in article.quotes.all()],
        "summary": article.summary,
        "published_on": article.published_on.isoformat() if article.published_on else None,
    }


def _episode(episode: Episode) -> dict[str, Any]:
    return {
        "number": episode.number,
        "headline": episode.headline,
        "subtitle": episode.subtitle,
        "status": episode.status,
        "publish_at": _moment(episode.publish_at),
        "comments_enabled": episode.comments_enabled,
        "volume": episode.volume.number if episode.volume else None,
        "volume_position": episode.volume_position,
        "intro": episode.intro,
        "closing": episode.closing,
        "keywords": sorted((t.name for t in episode.keywords.all()), key=str.casefold),
        "articles": [_article(a) for a in episode.articles.all()],
        "commentary": [
            {
                "position": c.position,
                "body": c.body,
                "answers_article": c.source_article.position if c.source_article else None,
            }
            for c in episode.commentary.all()
        ],
        "comments": [
            {
                "name": c.name,
                "email": c.email,
                "body": c.body,
                "status": c.status,
                "created_at": _moment(c.created_at),
            }
            for c in getattr(episode, "approved_comments", [])
        ],
    }


def build_document(episodes: list[Episode], *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The export document for these episodes, grouped by series (all volumes included)."""
    by_series: dict[int, list[Episode]] = {}
    for episode in episodes:
        by_series.setdefault(episode.series_id, []).append(episode)
    volumes: dict[int, list[Volume]] = {}
    for volume in Volume.objects.filter(series_id__in=by_series).order_by("number"):
        volumes.setdefault(volume.series_id, []).append(volume)
    series_list = []
    for series_episodes in by_series.values():
        series = series_episodes[0].series
        series_list.append(
            {
                "slug": series.slug,
                "title": series.title,
                "author_name": series.author_name,
                "description": series.description,
                "volumes": [
                    {"number": v.number, "title": v.title} for v in volumes.get(series.pk, [])
                ],
                "episodes": [_episode(e) for e in series_episodes],
            }
        )
    return {
        "format": DOCUMENT_FORMAT,
        "version": DOCUMENT_VERSION,
        "exported_at": _moment(now or timezone.now()),
        "series": series_list,
    }


def document_json(episodes: list[Episode]) -> str:
    return json.dumps(build_document(episodes), ensure_ascii=False, indent=2) + "\n"
