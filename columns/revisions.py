"""Revisions of a whole episode, edit conflicts and corrections, shared by the admin and tests.

History is kept by django-reversion: every admin save of an episode is one
`Revision` holding a `Version` of the episode and of each of its articles (with
their quotes) and commentary paragraphs (registered with `follow` in the models), plus an
`EpisodeRevision` row with the keyword names (taggit's generic table is not
followed) and the episode's `edit_version` after that save.

`edit_version` is the edit-conflict token: the change form carries the number
it was made from; a save locks the episode row (`select_for_update`), compares,
and either refuses or writes the next number. Saving any part through another
screen renews it through the episode row (`episode_touch`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import timedelta

import reversion
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reversion.models import Revision, Version

from articles.models import SourceArticle, SourceQuote
from columns import projections
from columns.models import Commentary, Correction, Episode, EpisodeRevision

# --- Edit conflicts ------------------------------------------------------------


def locked_edit_version(*, episode_id: int) -> int | None:
    """The episode's edit number, its row locked until the transaction ends (one query)."""
    return (
        Episode.objects.select_for_update()
        .filter(pk=episode_id)
        .values_list("edit_version", flat=True)
        .first()
    )


def episode_touch(*, episode_id: int) -> None:
    """A part was saved apart from its episode's form: older episode forms are now stale."""
    Episode.objects.filter(pk=episode_id).update(edit_version=F("edit_version") + 1)


def episode_changed_elsewhere(*, episode_ids, user, comment: str) -> None:
    """Parts of these episodes were saved or deleted apart from the episode form.

    Each episode's open forms become stale (`episode_touch`) and the episode is
    kept in a revision, as a save of its form keeps it: the history lists who
    did what, and the conflict message can name it.
    """
    episode_ids = sorted(set(episode_ids))
    for episode_id in episode_ids:
        episode_touch(episode_id=episode_id)
    keep_revisions(episodes=Episode.objects.filter(pk__in=episode_ids), user=user, comment=comment)


def keep_revisions(*, episodes, user, comment: str) -> None:
    """Keep each episode as it now is (articles, commentary, keywords) in a revision.

    Inside a reversion block already open (VersionAdmin's change and list
    views) the episodes join that revision, so one bulk action is one revision;
    otherwise one is made here.
    """
    if not reversion.is_active():
        with reversion.create_revision():
            keep_revisions(episodes=episodes, user=user, comment=comment)
        return
    reversion.set_user(user)
    if comment:
        reversion.set_comment(comment)
    for episode in episodes:
        keep_in_revision(episode)


def keep_in_revision(episode: Episode) -> None:
    """Add the episode (with its articles and commentary) and its keywords to the open revision."""
    reversion.add_to_revision(episode)
    reversion.add_meta(
        EpisodeRevision,
        episode_id_at_save=episode.pk,
        edit_version=episode.edit_version,
        keywords=sorted(episode.keywords.names()),
    )


def latest_revision(*, episode_id: int) -> EpisodeRevision | None:
    """The newest kept revision of the episode, with its user (one query)."""
    return (
        EpisodeRevision.objects.filter(episode_id_at_save=episode_id)
        .select_related("revision__user")
        .order_by("-revision__date_created", "-pk")
        .first()
    )


def revision_at(*, episode_id: int, edit_version: int) -> EpisodeRevision | None:
    """The revision an edit form carrying `edit_version` was made from, if kept."""
    return (
        EpisodeRevision.objects.filter(episode_id_at_save=episode_id, edit_version=edit_version)
        .select_related("revision__user")
        .order_by("-revision__date_created")
        .first()
    )


def describe(meta: EpisodeRevision | None) -> str:
    """`편집자님이 2026년 12월 2일 15:20에 저장(부제 변경)`, for messages and lists."""
    if meta is None:
        return _("다른 화면(일괄 처리나 다른 관리 화면)에서 저장")
    revision = meta.revision
    who = revision.user.get_username() if revision.user else _("알 수 없는 사용자")
    when = date_format(timezone.localtime(revision.date_created), "Y년 n월 j일 H:i:s")
    what = revision.get_comment() or _("변경 내용 기록 없음")
    return _("%(who)s님이 %(when)s에 저장(%(what)s)") % {"who": who, "when": when, "what": what}


# --- Snapshots and diffs -------------------------------------------------------

EPISODE_LABELS = [
    ("headline", "제목"),
    ("subtitle", "부제"),
    ("number", "회차"),
    ("intro", "들어가는 말"),
    ("closing", "맺음말"),
    ("status", "상태"),
    ("publish_at", "발행 시각"),
    ("comments_enabled", "댓글 받기"),
    ("volume", "브런치북(권)"),
    ("volume_position", "권 안의 순서"),
]
ARTICLE_FIELDS = [
    ("headline", "제목"),
    ("outlet", "언론사"),
    ("url", "주소"),
    ("published_on", "기사 날짜"),
    ("summary", "요약(내 말로)"),
]


def snapshot(meta: EpisodeRevision) -> dict[str, str]:
    """The episode as that revision kept it: `{Korean label: text}`, in reading order."""
    versions = list(meta.revision.version_set.all())
    episode_id = meta.episode_id_at_save
    sections: dict[str, str] = {}
    for version in versions:
        if version._model is Episode and int(version.object_id) == episode_id:
            fields = version.field_dict
            for name, label in EPISODE_LABELS:
                value = fields.get(name)
                if name == "status":
                    value = Episode.Status(value).label if value else ""
                sections[label] = _text(value)
    sections["키워드"] = ", ".join(meta.keywords)
    articles = sorted(
        (v.field_dict for v in versions if v._model is SourceArticle),
        key=lambda f: f.get("position") or 0,
    )
    quotes: dict[int, list[dict]] = {}
    for version in versions:
        if version._model is SourceQuote:
            fields = version.field_dict
            quotes.setdefault(fields.get("article_id") or fields.get("article"), []).append(fields)
    for fields in articles:
        if fields.get("episode_id") != episode_id and fields.get("episode") != episode_id:
            continue
        lines = [f"{label}: {_text(fields.get(name))}" for name, label in ARTICLE_FIELDS]
        kept = sorted(quotes.get(fields.get("id"), []), key=lambda f: f.get("position") or 0)
        lines += [f"인용문 {n}: {_text(q.get('text'))}" for n, q in enumerate(kept, start=1)]
        sections[f"인용 기사 {fields.get('position')}"] = "\n".join(lines)
    paragraphs = sorted(
        (v.field_dict for v in versions if v._model is Commentary),
        key=lambda f: f.get("position") or 0,
    )
    for fields in paragraphs:
        if fields.get("episode_id") != episode_id and fields.get("episode") != episode_id:
            continue
        sections[f"논평 문단 {fields.get('position')}"] = _text(fields.get("body"))
    return sections


def _text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        if hasattr(value, "hour"):
            return date_format(timezone.localtime(value), "Y년 n월 j일 H:i")
        return value.isoformat()
    if isinstance(value, bool):
        return "예" if value else "아니오"
    return str(value)


@dataclass
class SectionDiff:
    label: str
    lines: list[tuple[str, str]]  # (kind, text): kind is "same", "removed" or "added"

    @property
    def changed(self) -> bool:
        return any(kind != "same" for kind, _text in self.lines)


def compare(old: dict[str, str], new: dict[str, str]) -> list[SectionDiff]:
    """Line by line differences of every section either snapshot has (difflib)."""
    labels = list(old) + [label for label in new if label not in old]
    result = []
    for label in labels:
        before = old.get(label, "").splitlines()
        after = new.get(label, "").splitlines()
        lines = []
        for line in difflib.ndiff(before, after):
            code, text = line[:2], line[2:]
            if code == "  ":
                lines.append(("same", text))
            elif code == "- ":
                lines.append(("removed", text))
            elif code == "+ ":
                lines.append(("added", text))
        result.append(SectionDiff(label, lines))
    return result


def episode_revisions(*, episode_id: int) -> list[EpisodeRevision]:
    """Every kept revision of the episode, newest first (one query)."""
    return list(
        EpisodeRevision.objects.filter(episode_id_at_save=episode_id)
        .select_related("revision__user")
        .order_by("-revision__date_created", "-pk")
    )


def version_of(meta: EpisodeRevision) -> Version | None:
    """The episode's own Version in that revision (for reversion's restore view)."""
    return (
        Version.objects.get_for_model(Episode)
        .filter(revision=meta.revision, object_id=str(meta.episode_id_at_save))
        .first()
    )


# --- Deleted objects --------------------------------------------------------------

RECOVERABLE_DAYS = 30


def prune_deleted_versions(*, days: int = RECOVERABLE_DAYS, now=None) -> int:
    """Forget deleted episodes, articles and paragraphs whose last revision is older than `days`.

    What still exists keeps its whole history; a revision left with nothing is
    removed too. Returns how many versions went.
    """
    cutoff = (now or timezone.now()) - timedelta(days=days)
    removed = 0
    with transaction.atomic():
        for model in (Episode, SourceArticle, SourceQuote, Commentary):
            for version in Version.objects.get_deleted(model).select_related("revision"):
                if version.revision.date_created < cutoff:
                    removed += (
                        Version.objects.get_for_object_reference(model, version.object_id)
                        .delete()[1]
                        .get("reversion.Version", 0)
                    )
        Revision.objects.filter(version__isnull=True).delete()
    return removed


# --- Corrections -----------------------------------------------------------------


def correction_add(*, episode: Episode, note: str, user) -> Correction:
    """Record a correction readers will see at the end of the page, and date the episode by it."""
    correction = Correction.objects.create(
        episode=episode, note=note.strip(), created_by=user, created_at=timezone.now()
    )
    _date_by_corrections(episode.pk)
    return correction


def correction_remove(*, correction: Correction, user, reason: str = "") -> Correction:
    """Mark a correction removed: readers keep seeing that one was made and then removed."""
    if correction.removed_at is None:
        correction.removed_at = timezone.now()
        correction.removed_by = user
        correction.removal_reason = reason.strip()
        correction.save(update_fields=["removed_at", "removed_by", "removal_reason"])
        _date_by_corrections(correction.episode_id)
    return correction


def _date_by_corrections(episode_id: int) -> None:
    latest = None
    for correction in Correction.objects.filter(episode_id=episode_id):
        for moment in (correction.created_at, correction.removed_at):
            if moment and (latest is None or moment > latest):
                latest = moment
    Episode.objects.filter(pk=episode_id).update(corrected_at=latest)
    # An update sends no signal; the stored JSON-LD is dated by it (dateModified).
    projections.changed([episode_id], parts={projections.BODY})
