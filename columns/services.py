"""Writes that touch the column's content, shared by the admin, views and commands."""

import hashlib
import hmac
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from columns import projections
from columns.models import Comment, Episode, Series
from columns.moderation import Verdict, judge
from common.cache import cache_is_down

logger = logging.getLogger(__name__)
User = get_user_model()


def episode_next_number(*, series: Series) -> int:
    """The number a new episode of `series` gets unless the editor says otherwise. One query."""
    last = series.episodes.aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


def series_for_new_episode() -> Series | None:
    """The series a new episode most likely belongs to: the only one, or the latest written in.

    One query: series ordered by their newest episode (then their own last change).
    """
    return (
        Series.objects.annotate(latest=Max("episodes__created_at"))
        .order_by(F("latest").desc(nulls_last=True), "-updated_at")
        .first()
    )


@transaction.atomic
def episode_publish(*, episode: Episode, when: datetime | None = None) -> Episode:
    """Publish now, or schedule for `when` (a future time stays invisible until then)."""
    episode.status = Episode.Status.PUBLISHED
    episode.publish_at = when or timezone.now()
    episode.edit_version += 1  # open edit forms are now stale (columns.revisions)
    episode.save(update_fields=["status", "publish_at", "updated_at", "edit_version"])
    return episode


@transaction.atomic
def episode_unpublish(*, episode: Episode) -> Episode:
    """Back to draft: the episode disappears from every public surface at once."""
    episode.status = Episode.Status.DRAFT
    episode.edit_version += 1
    episode.save(update_fields=["status", "updated_at", "edit_version"])
    return episode


# --- Reader comments ------------------------------------------------------------


def sender_fingerprint(ip: str) -> str:
    """A keyed hash of the sender's address: stable for rate limits, not reversible."""
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()


def comment_rate_limited(*, ip_hash: str) -> bool:
    """Count this attempt against the sender's window; True when over the limit.

    Attempts are counted in the cache. While the cache is down, the sender's
    comments stored in the window are counted instead (one indexed query):
    a flood is still stopped, and a reader is never refused for our outage.
    """
    limit, window = settings.COMMENT_RATE_LIMIT
    key = f"comment-rate:{ip_hash}"
    cache.add(key, 0, timeout=window)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr, or the cache is down
        if cache_is_down():
            since = timezone.now() - timedelta(seconds=window)
            stored = Comment.objects.filter(ip_hash=ip_hash, created_at__gte=since).count()
            return stored + 1 > limit
        cache.set(key, 1, timeout=window)
        attempts = 1
    return attempts > limit


def _status_for(*, email: str, verdict: Verdict) -> str:
    if verdict.blocked:
        return Comment.Status.SPAM
    if verdict.hold_reasons:
        return Comment.Status.PENDING
    if (
        settings.COMMENT_AUTO_APPROVE_KNOWN
        and email
        and Comment.objects.approved().filter(email__iexact=email).exists()
    ):
        return Comment.Status.APPROVED
    return Comment.Status.PENDING


def comment_submit(
    *,
    episode: Episode,
    name: str,
    email: str,
    body: str,
    ip: str,
    user_agent: str = "",
    is_bot: bool = False,
) -> Comment:
    """Store a reader's comment with the status the rules give it, in one transaction.

    The caller has already refused what cannot be stored (columns.moderation).
    Moderators hear of a new pending comment from a background job, enqueued
    once the row is committed (the reader's request sends no mail).
    """
    verdict = judge(body, name)
    status = Comment.Status.SPAM if is_bot else _status_for(email=email, verdict=verdict)
    reasons = list(verdict.hold_reasons)
    if is_bot:
        reasons.insert(0, str(_("숨은 칸이 채워짐(자동 등록)")))
    elif verdict.blocked:
        reasons.insert(0, str(_("금지어")))
    with transaction.atomic():
        comment = Comment.objects.create(
            episode=episode,
            name=name,
            email=email,
            body=body,
            status=status,
            held_reason=", ".join(reasons)[:200],
            ip_hash=sender_fingerprint(ip),
            user_agent=user_agent[:300],
        )
        if status == Comment.Status.PENDING:
            transaction.on_commit(lambda: _enqueue_notification(comment.pk))
    return comment


def _enqueue_notification(comment_id: int) -> None:
    from columns import tasks  # the job module imports this one

    tasks.notify_moderators(comment_id)


def moderator_emails() -> list[str]:
    emails = set(settings.COMMENT_NOTIFY_EMAILS)
    emails.update(
        User.objects.filter(
            is_active=True, is_staff=True, groups__name__in=["moderators", "editors"]
        )
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted(emails)


def notify_moderators(*, comment: Comment, raise_errors: bool = False) -> bool:
    """One message per new pending comment; a mail failure never reaches the reader.

    The background job (columns.tasks) passes `raise_errors`, so that a
    failed send is retried.
    """
    recipients = moderator_emails()
    if not recipients:
        return False
    episode = comment.episode
    try:
        send_mail(
            subject=f"[댓글 검토] {episode.series.title} {episode.number}화: {comment.name}",
            message=(
                f"새 댓글이 검토를 기다립니다.\n\n"
                f"글: {episode.title}\n"
                f"이름: {comment.name}\n"
                f"보류 이유: {comment.held_reason or '-'}\n\n"
                f"{comment.body[:1000]}\n\n"
                f"관리 화면: {settings.SITE_URL}/admin/columns/comment/{comment.pk}/change/\n"
            ),
            from_email=None,
            recipient_list=recipients,
        )
    except Exception:
        logger.exception("Could not notify moderators of comment %s", comment.pk)
        if raise_errors:
            raise
        return False
    return True


def comments_moderate(*, comments, status: str, moderator) -> int:
    """Approve, reject or mark as spam a batch of comments; returns how many changed."""
    now = timezone.now()
    with projections.batch():  # each episode's comment list rendered once
        changed = 0
        for comment in comments.select_for_update():
            if comment.status == status:
                continue
            comment.status = status
            comment.moderated_by = moderator
            comment.moderated_at = now
            comment.save(update_fields=["status", "moderated_by", "moderated_at"])
            changed += 1
    return changed
