"""Writing parsed episodes into the database: all or nothing, derived data refreshed once.

`import_episodes` writes every episode of a run, in episode order, inside one
`projections.batch()`: one transaction, at whose end each imported episode's stored
body, comment list and search document are refreshed once. Any problem raises
`ImportProblem` and rolls the whole run back; ``dry_run`` rolls back on success too.

Every row goes through its model's ``full_clean()``, so the same rules and the same
Korean messages apply as in the admin. The parts of a new episode (articles, their
quotes, commentary, comments, keyword links) are inserted with ``bulk_create``, one query
per table, which sends no signals: the writer marks their episode itself
(`projections.changed`). For those rows the checks that would read the database
(that the related rows exist, uniqueness and check constraints) hold by
construction and are left out of ``full_clean()``; see `_Writer.clean`. Outlets,
their domains and keywords are looked up for a whole episode at once.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from pathlib import Path
from typing import Any, Literal

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection, models
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from taggit.models import Tag, TaggedItem

from articles.models import Outlet, OutletDomain, SourceArticle, SourceQuote, host_of
from articles.urlrules import canonicalize_url
from columns import projections
from columns.models import Commentary, Episode, Series, Volume
from columns.services import episode_publish
from columns.transfer.document import parse_document
from columns.transfer.format import (
    ArticleData,
    EpisodeData,
    Format,
    ImportProblem,
    VolumeData,
    Where,
    squash,
)
from columns.transfer.text import parse_text
from common.markup import render_markdown, render_plain_text

# What a report line is about (`Change.kind`): compared as is, shown translated.
SERIES = gettext_noop("연재")
VOLUME = gettext_noop("권")
OUTLET = gettext_noop("언론사")
OUTLET_DOMAIN = gettext_noop("언론사 도메인")
EPISODE = gettext_noop("회차")
COMMENT = gettext_noop("댓글")

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
                raise ImportProblem(
                    str(path),
                    None,
                    _("가져올 %(suffix)s 파일이 없는 디렉터리입니다.") % {"suffix": suffix},
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ImportProblem(str(path), None, _("그런 파일이나 디렉터리가 없습니다."))

    episodes: list[EpisodeData] = []
    for path in files:
        raw_bytes = path.read_bytes()
        try:
            text = raw_bytes.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = raw_bytes[: error.start].count(b"\n") + 1
            raise ImportProblem(str(path), line, _("UTF-8 텍스트가 아닙니다.")) from None
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
                _("번호 충돌: %(series)s %(number)s화가 %(other)s에도 있습니다.")
                % {"series": after.series.title, "number": after.number, "other": before.source},
            )
    titles: dict[str, EpisodeData] = {}
    for episode in ordered:
        first = titles.setdefault(episode.series.slug, episode)
        if first.series.title != episode.series.title:
            raise ImportProblem(
                episode.source,
                episode.series.where,
                _(
                    "같은 연재(%(slug)s)로 가져오는 글의 연재 제목이 서로 다릅니다:"
                    " %(first)s(%(first_source)s) / %(title)s."
                )
                % {
                    "slug": episode.series.slug,
                    "first": repr(first.series.title),
                    "first_source": first.source,
                    "title": repr(episode.series.title),
                },
            )
    return ordered


# The report -------------------------------------------------------------------------


@dataclass
class Change:
    """One line of the report: what was (or, in a dry run, would be) created or changed."""

    action: Literal["created", "updated", "unchanged"]
    kind: str  # SERIES, VOLUME, OUTLET, OUTLET_DOMAIN, EPISODE or COMMENT
    label: str
    fields: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        verb = {"created": _("새로 만듦"), "updated": _("바뀜"), "unchanged": _("그대로")}
        detail = f": {', '.join(self.fields)}" if self.fields else ""
        return f"[{verb[self.action]}] {_(self.kind)} {self.label}{detail}"


@dataclass
class ImportReport:
    dry_run: bool
    changes: list[Change] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)

    def count(self, action: str, kind: str = EPISODE) -> int:
        return sum(1 for c in self.changes if c.action == action and c.kind == kind)


# Importing --------------------------------------------------------------------------


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
        raise ImportProblem(", ".join(map(str, paths)), None, _("가져올 회차가 없습니다."))
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
        self.volumes: dict[tuple[int, int], Volume] = {}
        # What this run knows of outlets and their domains; None: known not to exist.
        self.outlet_by_name: dict[str, Outlet | None] = {}
        self.outlet_by_slug: dict[str, Outlet | None] = {}
        self.outlet_by_domain: dict[str, Outlet | None] = {}
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
        db_checks: bool = True,
    ) -> None:
        """Run the model's full_clean(); report the first error at the line of its field.

        With `db_checks=False`, the checks that read the database are left out: that
        the related rows exist, and uniqueness and check constraints. Only for rows
        where the writer has made sure of them: their related rows were just saved or
        loaded; a new episode has no parts yet, and commentary is replaced whole, so
        positions 1, 2, 3 … and distinct URLs (checked in `articles`) cannot clash;
        and every check constraint is a rule the fields and `clean()` already report
        in words (positions of at least 1, a valid status). The database constraints
        still stand behind them.
        """
        try:
            if db_checks:
                obj.full_clean()
            else:
                relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
                obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
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

    @staticmethod
    def insert(model: type[models.Model], rows: list[models.Model]) -> None:
        """Insert new rows in one query, with their ids set (SQLite ≥ 3.35, PostgreSQL)."""
        if connection.features.can_return_rows_from_bulk_insert:
            model._default_manager.bulk_create(rows)
        else:  # pragma: no cover - both supported databases return the new ids
            for row in rows:
                row.save()
        for row in rows:
            if hasattr(row, "_remember"):  # common.models.RemembersLoadedValues
                row._remember()

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
        self.clean(series, data, where, spec.where, label=_("연재"))
        if created or changed:
            series.save()
        self.report.changes.append(
            Change(
                "created" if created else ("updated" if changed else "unchanged"),
                SERIES,
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
        self.clean(volume, data, {}, spec.where, label=_("권"))
        if created or changed:
            volume.save()
            self.report.changes.append(
                Change(
                    "created" if created else "updated",
                    VOLUME,
                    _("%(series)s %(number)s권") % {"series": series.title, "number": spec.number},
                    changed,
                )
            )
        self.volumes[(series.pk, volume.number)] = volume
        return volume

    # outlets ---------------------------------------------------------------------
    def load_outlets(self, data: EpisodeData, urls: list[str]) -> None:
        """Every outlet and domain these articles may name or need, in two queries.

        Later lookups (`outlet_named`, `outlet_slugged`, `domain_owner`) read what was
        loaded, and what this run created since.
        """
        names: set[str] = set()
        slugs: set[str] = set()
        domains: set[str] = set()
        for spec, url in zip(data.articles, urls, strict=True):
            names.add(spec.outlet_name)
            slugs.add(spec.outlet_slug or slugify(spec.outlet_name, allow_unicode=True))
            slugs.add(slugify(host_of(url)))  # a new outlet's slug when its name makes none
            domains.update(_domain_candidates(url))
            domains.add(host_of(url).removeprefix("www."))
            for domain in spec.outlet_domains:
                domains.update((domain, _normalized_domain(domain)))
        names -= self.outlet_by_name.keys()
        slugs -= self.outlet_by_slug.keys()
        domains -= self.outlet_by_domain.keys()
        if names or slugs:
            self.outlet_by_name.update(dict.fromkeys(names))
            self.outlet_by_slug.update(dict.fromkeys(slugs))
            for outlet in Outlet.objects.filter(Q(name__in=names) | Q(slug__in=slugs)):
                self.known_outlet(outlet)
        if domains:
            self.outlet_by_domain.update(dict.fromkeys(domains))
            for record in OutletDomain.objects.filter(domain__in=domains).select_related("outlet"):
                self.outlet_by_domain[record.domain] = record.outlet

    def known_outlet(self, outlet: Outlet) -> None:
        self.outlet_by_name[outlet.name] = outlet
        self.outlet_by_slug[outlet.slug] = outlet

    def outlet_named(self, name: str) -> Outlet | None:
        if name not in self.outlet_by_name:  # not loaded beforehand: ask
            self.outlet_by_name[name] = Outlet.objects.filter(name=name).first()
        return self.outlet_by_name[name]

    def outlet_slugged(self, slug: str) -> Outlet | None:
        if slug not in self.outlet_by_slug:
            self.outlet_by_slug[slug] = Outlet.objects.filter(slug=slug).first()
        return self.outlet_by_slug[slug]

    def domain_owner(self, domain: str) -> Outlet | None:
        """The outlet whose domain this is (exactly), or None."""
        if domain not in self.outlet_by_domain:
            record = OutletDomain.objects.filter(domain=domain).select_related("outlet").first()
            self.outlet_by_domain[domain] = record.outlet if record else None
        return self.outlet_by_domain[domain]

    def outlet_for_url(self, url: str) -> Outlet | None:
        """`Outlet.objects.for_url`, from what is loaded: the first domain serving the URL."""
        for candidate in _domain_candidates(url):
            outlet = self.domain_owner(candidate)
            if outlet is not None:
                return outlet
        return None

    def outlet(self, spec: ArticleData, url: str, data: EpisodeData) -> Outlet:
        """Found by name (or its slug), else created; the article's domain is added if free."""
        slug = spec.outlet_slug or slugify(spec.outlet_name, allow_unicode=True)
        outlet = self.outlet_named(spec.outlet_name) or self.outlet_slugged(slug)
        if outlet is None:
            outlet = Outlet(name=spec.outlet_name, slug=slug or slugify(host_of(url)))
            # The name is free (looked up above); the database is asked only on a clash.
            clash = self.outlet_slugged(outlet.slug) is not None
            self.clean(outlet, data, {}, spec.where, label=_("언론사"), db_checks=clash)
            outlet.save()
            self.known_outlet(outlet)
            self.report.changes.append(Change("created", OUTLET, outlet.name))
        host = host_of(url).removeprefix("www.")
        for domain in [*spec.outlet_domains, host]:
            if not domain or self.domain_owner(domain) is not None:
                continue
            if domain == host and self.outlet_for_url(url) is not None:
                continue  # a parent domain already names an outlet for this address
            record = OutletDomain(outlet=outlet, domain=domain)
            clash = self.domain_owner(_normalized_domain(domain)) is not None
            self.clean(
                record,
                data,
                {},
                spec.where,
                label=_("언론사 %(outlet)s 도메인") % {"outlet": outlet.name},
                db_checks=clash,
            )
            record.save()
            self.outlet_by_domain[record.domain] = outlet
            self.report.changes.append(
                Change("created", OUTLET_DOMAIN, f"{outlet.name}: {record.domain}")
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
        self.clean(
            episode, data, data.lines, data.where, label=_("%(number)s화") % {"number": data.number}
        )
        if created or changed:
            episode.save()

        article_changes, articles = self.articles(episode, data, created)
        changed += article_changes
        changed += self.commentary(episode, data, created, articles)
        changed += self.keywords(episode, data, created)
        if data.comments is not None:
            changed += self.comments(episode, data, created)
        if publish:
            changed += self.publish(episode, data)

        fields = sorted(set(changed), key=changed.index)
        summary = _(
            "기사 %(articles)s개, 논평 %(paragraphs)s문단, 키워드 %(keywords)s개, %(state)s"
        ) % {
            "articles": len(data.articles),
            "paragraphs": len(data.commentary),
            "keywords": len(data.keywords),
            "state": _state(episode, self.now),
        }
        action = "created" if created else ("updated" if fields else "unchanged")
        self.report.changes.append(
            Change(
                action,
                EPISODE,
                f"{episode.title} ({data.source})",
                [summary] if created else fields,
            )
        )
        return episode

    def volume_of(self, series: Series, data: EpisodeData) -> Volume | None:
        if data.volume_number is None:
            return None
        volume = self.volumes.get((series.pk, data.volume_number))
        if volume is None:
            volume = Volume.objects.filter(series=series, number=data.volume_number).first()
        if volume is None:
            raise ImportProblem(
                data.source,
                data.lines.get("volume", data.where),
                _("연재 %(series)s에 %(number)s권이 없습니다(volumes에 적어 주세요).")
                % {"series": series.title, "number": data.volume_number},
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
        if data.previous_title and squash(previous.title) != squash(data.previous_title):
            raise ImportProblem(
                data.source,
                where,
                _(
                    "이전 화 제목 %(given)s이(가) 저장된 %(number)s화의 제목"
                    " %(stored)s과(와) 다릅니다."
                )
                % {
                    "given": repr(data.previous_title),
                    "number": previous.number,
                    "stored": repr(previous.title),
                },
            )
        if (
            previous.volume_position is not None
            and previous.volume_position != data.previous_position
        ):
            raise ImportProblem(
                data.source,
                where,
                _(
                    "번호 충돌: 글에는 이전 화가 %(given)s화로 적혀 있는데, 저장된"
                    " %(number)s화는 브런치북 안에서 %(stored)s번째입니다."
                )
                % {
                    "given": data.previous_position,
                    "number": previous.number,
                    "stored": previous.volume_position,
                },
            )
        if episode.volume_id is None and previous.volume_id is not None:
            values["volume"] = previous.volume
        return values

    def articles(
        self, episode: Episode, data: EpisodeData, created: bool
    ) -> tuple[list[str], dict[int, SourceArticle]]:
        """Articles are matched by canonical URL, so a re-import keeps what cites the same page.

        Returns the changes to report and the episode's articles by position.
        """
        urls: list[str] = []
        for spec in data.articles:
            try:
                urls.append(canonicalize_url(spec.url))
            except ValidationError as error:
                raise ImportProblem(
                    data.source,
                    spec.url_where,
                    _("%(position)s번 기사의 주소를 쓸 수 없습니다: %(reason)s (주소: %(url)s)")
                    % {
                        "position": spec.position,
                        "reason": " ".join(error.messages),
                        "url": repr(spec.url),
                    },
                ) from None
        for index, url in enumerate(urls):
            if url in urls[:index]:
                spec = data.articles[index]
                raise ImportProblem(
                    data.source,
                    spec.url_where,
                    _("%(position)s번 기사의 주소가 %(other)s번 기사와 같습니다: %(url)s")
                    % {"position": spec.position, "other": urls.index(url) + 1, "url": url},
                )
        existing = (
            {} if created else {a.url: a for a in episode.articles.prefetch_related("quotes")}
        )
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
        self.load_outlets(data, urls)
        by_position: dict[int, SourceArticle] = {}
        new: list[SourceArticle] = []
        # (article, its quotes as rows to insert, whether it has rows to delete first):
        # new articles' quotes, and kept articles' that changed.
        quotes: list[tuple[SourceArticle, list[SourceQuote], bool]] = []
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
            # A new article's position and URL are free: the others were kept, parked or
            # deleted above, and URLs are distinct (checked above).
            self.clean(
                article,
                data,
                where,
                spec.where,
                label=_("%(position)s번 기사") % {"position": spec.position},
                db_checks=not is_new,
            )
            if is_new:
                new.append(article)
            elif fields:
                article.save()
                changed = True
            stored = [] if is_new else [q.text for q in article.quotes.all()]
            if spec.quotes != stored:
                quotes.append((article, self.quote_rows(spec, data), bool(stored)))
            by_position[article.position] = article
        if new:
            for article in new:
                article.summary_html = render_markdown(article.summary)  # as save() does
            self.insert(SourceArticle, new)
            projections.changed([episode.pk])
            # What the signal of a saved article also marks: the other episodes citing
            # its URL show it as cited elsewhere.
            citing = SourceArticle.objects.citing_urls(
                {a.url for a in new}, excluding_episodes={episode.pk}
            )
            others = list(citing.values_list("episode_id", flat=True).distinct())
            if others:
                projections.changed(others, parts={projections.BODY}, pages=False)
            changed = True
        if quotes:
            self.write_quotes(episode, quotes)
            changed = True
        return ([_("기사")] if changed and not created else []), by_position

    def quote_rows(self, spec: ArticleData, data: EpisodeData) -> list[SourceQuote]:
        """The article's quotes as new rows (positions 1, 2, 3 …), checked as the admin does."""
        rows = []
        for position, text in enumerate(spec.quotes, start=1):
            quote = SourceQuote(position=position, text=text)
            where = f"{spec.where}.quotes[{position - 1}]" if isinstance(spec.where, str) else None
            self.clean(
                quote,
                data,
                {},
                where or spec.where,
                label=_("%(position)s번 기사의 %(number)s번째 인용문")
                % {"position": spec.position, "number": position},
                db_checks=False,  # a new row of an article just saved or loaded, at a free place
            )
            rows.append(quote)
        return rows

    def write_quotes(
        self, episode: Episode, quotes: list[tuple[SourceArticle, list[SourceQuote], bool]]
    ) -> None:
        """Replace these articles' quotes: old rows deleted, new ones inserted in one query."""
        replaced = [article.pk for article, _rows, had_quotes in quotes if had_quotes]
        if replaced:  # a delete with signals: the episode is marked
            SourceQuote.objects.filter(article_id__in=replaced).delete()
        rows = []
        for article, article_rows, _had_quotes in quotes:
            for row in article_rows:
                row.article = article  # saved by now: the id is set
                rows.append(row)
        if rows:
            self.insert(SourceQuote, rows)
            projections.changed([episode.pk])  # bulk inserts send no signals

    def commentary(
        self,
        episode: Episode,
        data: EpisodeData,
        created: bool,
        articles: dict[int, SourceArticle],
    ) -> list[str]:
        """Replaced whole when it differs; `articles` are the episode's, by position."""
        wanted = [(i, p.body, p.answers) for i, p in enumerate(data.commentary, 1)]
        if not created:
            stored = [
                (c.position, c.body, c.source_article.position if c.source_article else None)
                for c in episode.commentary.select_related("source_article")
            ]
            if stored == wanted:
                return []
            episode.commentary.all().delete()
        paragraphs = []
        for (position, body, answers), spec in zip(wanted, data.commentary, strict=True):
            paragraph = Commentary(
                episode=episode,
                position=position,
                body=body,
                source_article=articles.get(answers) if answers else None,
            )
            self.clean(
                paragraph,
                data,
                {},
                spec.where,
                label=_("논평 %(position)s번째 문단") % {"position": position},
                db_checks=False,
            )
            paragraph.body_html = render_markdown(paragraph.body)  # as save() does
            paragraphs.append(paragraph)
        if paragraphs:
            self.insert(Commentary, paragraphs)
            projections.changed([episode.pk])
        return [] if created else [_("논평")]

    def keywords(self, episode: Episode, data: EpisodeData, created: bool) -> list[str]:
        stored = set() if created else {t.name.casefold() for t in episode.keywords.all()}
        if stored == {word.casefold() for word in data.keywords}:
            return []
        tags = self.tags(data.keywords)
        if created:  # nothing to remove or compare: link them all in one query
            episode_type = ContentType.objects.get_for_model(Episode)
            links = [
                TaggedItem(tag=tag, content_type=episode_type, object_id=episode.pk) for tag in tags
            ]
            self.insert(TaggedItem, links)
            projections.changed([episode.pk])
            return []
        episode.keywords.set(tags)
        return [_("키워드")]

    @staticmethod
    def tags(words: list[str]) -> list[Tag]:
        """The tags `episode.keywords.set(words)` would attach, creating the missing ones.

        Found the way taggit finds them (with TAGGIT_CASE_INSENSITIVE by `name__iexact`,
        the oldest first), but in one query for all words: which row matches which word
        is asked of the database too, so its notion of case is the one applied. The
        missing ones are created together, with taggit's slugs; a tag whose slug is
        taken is saved alone, where taggit picks a free slug.
        """
        if not words:
            return []
        lookup = "name__iexact" if getattr(settings, "TAGGIT_CASE_INSENSITIVE", False) else "name"
        matches = [Q(**{lookup: word}) for word in words]
        rows = list(
            Tag.objects.filter(reduce(or_, matches))
            .annotate(
                **{
                    f"matches_{index}": ExpressionWrapper(match, output_field=BooleanField())
                    for index, match in enumerate(matches)
                }
            )
            .order_by("pk")
        )
        found: dict[str, Tag] = {}
        for index, word in enumerate(words):
            tag = next((row for row in rows if getattr(row, f"matches_{index}")), None)
            if tag is not None:
                found[word] = tag
        fold = str.casefold if lookup == "name__iexact" else str
        missing: dict[str, Tag] = {}  # folded name → the new tag
        for word in words:
            if word not in found and fold(word) not in missing:
                missing[fold(word)] = Tag(name=word, slug=Tag().slugify(word))
        if missing:
            new = list(missing.values())
            slugs = [tag.slug for tag in new]
            taken = set(Tag.objects.filter(slug__in=slugs).values_list("slug", flat=True))
            alone = [t for i, t in enumerate(new) if t.slug in taken or t.slug in slugs[:i]]
            together = [t for t in new if t not in alone]
            if together:
                _Writer.insert(Tag, together)
            for tag in alone:
                tag.slug = ""  # taggit's save() finds a free one
                tag.save()
        result: list[Tag] = []
        for word in words:
            tag = found.get(word) or missing[fold(word)]
            if all(tag.pk != other.pk for other in result):
                result.append(tag)
        return result

    def comments(self, episode: Episode, data: EpisodeData, created: bool) -> list[str]:
        """Comments not yet stored (same name, text and time) are added; none is changed."""
        if self.comment_model is None or not data.comments:
            return []
        Comment = self.comment_model
        stored: set[tuple[str, str, dt.datetime]] = set()
        if not created:
            stored = set(
                Comment.objects.filter(episode=episode).values_list("name", "body", "created_at")
            )
        added = []
        for spec in data.comments:
            key = (spec.name, spec.body, spec.created_at)
            if key in stored:
                continue
            comment = Comment(
                episode=episode,
                name=spec.name,
                email=spec.email,
                body=spec.body,
                status=spec.status,
                created_at=spec.created_at,
            )
            self.clean(comment, data, {}, spec.where, label=_("댓글"), db_checks=False)
            comment.body_html = render_plain_text(comment.body)  # as save() does
            added.append(comment)
            stored.add(key)
        if not added:
            return []
        self.insert(Comment, added)
        if any(comment.status == "approved" for comment in added):
            projections.changed([episode.pk], parts={projections.COMMENTS})
        return [_("댓글 %(count)s개 추가") % {"count": len(added)}]

    def publish(self, episode: Episode, data: EpisodeData) -> list[str]:
        already = episode.status == Episode.Status.PUBLISHED
        if already and (data.publish_at is None or episode.publish_at == data.publish_at):
            return []
        # The post's date, else the original date an earlier import kept on the draft, else now.
        episode_publish(episode=episode, when=data.publish_at or episode.publish_at or self.now)
        return [_("발행")]


def _domain_candidates(url: str) -> list[str]:
    """The domains that may name a URL's outlet, longest first (as `Outlet.objects.for_url`)."""
    labels = host_of(url).split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def _normalized_domain(domain: str) -> str:
    """The domain as `OutletDomain.clean()` stores it (unchanged when it refuses it)."""
    record = OutletDomain(domain=domain)
    try:
        record.clean()
    except ValidationError:
        return domain
    return record.domain


def _field_label(obj: models.Model, name: str) -> str:
    try:
        return str(obj._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a non-field key such as __all__
        return name


def _state(episode: Episode, now: dt.datetime) -> str:
    if episode.status == Episode.Status.DRAFT:
        return _("초안")
    return _("예약 발행") if episode.is_scheduled(now) else _("발행")
