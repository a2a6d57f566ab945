"""Subscriptions and sending: the functions views, tasks, commands and the admin call.

Exactly once, and what a crash can do
-------------------------------------
When an episode's time has come, `plan_due` writes one `Delivery` row per
confirmed subscriber of its series (one unique row per subscriber and
episode: planning twice adds nothing). `send_due` then *claims* a pending row
in its own short transaction (a conditional UPDATE from `pending` to
`sending`, so two workers can never claim the same row), sends it outside any
transaction, and records the outcome (`sent`, `failed`, or `pending` again
with a later `next_attempt_at`). A worker killed between two mails leaves
every row either sent or pending: the next run sends exactly the rest. A
worker killed in the middle of one SMTP conversation leaves that one row
`sending`; it is tried again after NEWSLETTER_CLAIM_TIMEOUT_SECONDS, because
nothing can tell whether the mail server accepted it (the one window in which
a reader could get a copy twice, for one mail per crash).

Throttle: every claim is dated, and a run claims at most
NEWSLETTER_RATE_PER_MINUTE minus the claims of the last minute, counted in the
database, so any number of workers together stay under the rate.
"""

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from columns.models import Episode, Series, published_filter
from newsletter import mail
from newsletter.models import Delivery, Mailing, Subscriber

logger = logging.getLogger(__name__)

CONFIRM_SALT = "newsletter.confirm"


class InvalidLink(Exception):
    """A confirmation link that is forged, expired, or for an address no longer pending."""


# --- Subscribing -------------------------------------------------------------------


def subscribe_rate_limited(*, ip_hash: str) -> bool:
    """Count this attempt against the sender's window (the comment limit's numbers).

    While the cache is down nothing is counted and nobody is refused: a
    subscription request only ever sends one confirmation to the address typed.
    """
    limit, window = settings.COMMENT_RATE_LIMIT
    key = f"subscribe-rate:{ip_hash}"
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key) > limit
    except ValueError:
        cache.set(key, 1, timeout=window)
        return False


def subscribe(*, series: Series, email: str, is_bot: bool = False) -> Subscriber | None:
    """Ask for a subscription: a pending row and, after commit, one confirmation mail.

    A confirmed address stays as it is (and gets no mail); an unsubscribed or
    bounced one starts over as pending. A bot (honeypot filled) gets nothing.
    The reader sees the same answer in every case, so the form tells no one
    who is subscribed.
    """
    if is_bot:
        return None
    email = email.strip().lower()
    now = timezone.now()
    with transaction.atomic():
        subscriber, created = Subscriber.objects.select_for_update().get_or_create(
            series=series, email=email, defaults={"requested_at": now}
        )
        if subscriber.status == Subscriber.Status.CONFIRMED:
            return subscriber
        if not created:
            subscriber.status = Subscriber.Status.PENDING
            subscriber.requested_at = now
            subscriber.consecutive_failures = 0
            subscriber.save(update_fields=["status", "requested_at", "consecutive_failures"])
        transaction.on_commit(lambda: _enqueue_confirmation(subscriber.pk))
    return subscriber


def _enqueue_confirmation(subscriber_id: int) -> None:
    from newsletter import tasks

    tasks.send_confirmation(subscriber_id)


def confirmation_token(subscriber: Subscriber) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(subscriber.token)


def confirmation_url(subscriber: Subscriber) -> str:
    return mail.absolute(
        reverse(
            "newsletter:confirm",
            kwargs={"slug": subscriber.series.slug, "token": confirmation_token(subscriber)},
        )
    )


def send_confirmation(*, subscriber_id: int) -> bool:
    """The opt-in mail; nothing for an address that is no longer pending."""
    subscriber = (
        Subscriber.objects.select_related("series")
        .filter(pk=subscriber_id, status=Subscriber.Status.PENDING)
        .first()
    )
    if subscriber is None:
        return False
    message = mail.confirmation_message(
        subscriber=subscriber, confirm_url=confirmation_url(subscriber)
    )
    message.send()  # an error propagates: the task is retried
    return True


def subscriber_for_confirmation(*, series: Series, token: str) -> Subscriber:
    """The pending or confirmed subscriber a link names; InvalidLink when it is forged or old."""
    max_age = timedelta(days=settings.NEWSLETTER_CONFIRM_DAYS)
    try:
        raw = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidLink("expired") from None
    except signing.BadSignature:
        raise InvalidLink("forged") from None
    subscriber = Subscriber.objects.filter(series=series, token=raw).first()
    if subscriber is None or subscriber.status not in (
        Subscriber.Status.PENDING,
        Subscriber.Status.CONFIRMED,
    ):
        raise InvalidLink("gone")
    return subscriber


def confirm(*, subscriber: Subscriber) -> Subscriber:
    """Double opt-in, second step: from now on each new episode of the series is mailed."""
    if subscriber.status != Subscriber.Status.CONFIRMED:
        subscriber.status = Subscriber.Status.CONFIRMED
        subscriber.confirmed_at = timezone.now()
        subscriber.consecutive_failures = 0
        subscriber.save(update_fields=["status", "confirmed_at", "consecutive_failures"])
    return subscriber


def unsubscribe(*, subscriber: Subscriber) -> Subscriber:
    """No more mail; deliveries not yet sent are dropped."""
    with transaction.atomic():
        if subscriber.status != Subscriber.Status.UNSUBSCRIBED:
            subscriber.status = Subscriber.Status.UNSUBSCRIBED
            subscriber.unsubscribed_at = timezone.now()
            subscriber.save(update_fields=["status", "unsubscribed_at"])
        subscriber.deliveries.filter(status=Delivery.Status.PENDING).delete()
    return subscriber


def forget_unconfirmed(*, now: datetime | None = None) -> int:
    """Delete addresses left unconfirmed for NEWSLETTER_CONFIRM_DAYS; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.NEWSLETTER_CONFIRM_DAYS)
    deleted, _ = Subscriber.objects.filter(
        status=Subscriber.Status.PENDING, requested_at__lt=cutoff
    ).delete()
    return deleted


# --- Sending ---------------------------------------------------------------------------


def plan_due(*, now: datetime | None = None) -> int:
    """Delivery rows for every episode whose time has come and that was not planned yet.

    Only subscribers confirmed by the episode's publish time get it: an
    episode published before someone subscribed is not sent to them.
    Returns how many rows were written.
    """
    now = now or timezone.now()
    due = (
        Episode.objects.published(now)
        .exclude(mailing__publish_at=F("publish_at"))
        .only("pk", "series_id", "publish_at")
        .order_by("publish_at", "pk")
    )
    planned = 0
    for episode in due:
        with transaction.atomic():
            subscribers = Subscriber.objects.confirmed().filter(
                series_id=episode.series_id, confirmed_at__lte=episode.publish_at
            )
            rows = [
                Delivery(subscriber_id=pk, episode_id=episode.pk, next_attempt_at=now)
                for pk in subscribers.values_list("pk", flat=True)
            ]
            planned += len(
                Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
            )
            try:
                with transaction.atomic():
                    Mailing.objects.update_or_create(
                        episode_id=episode.pk,
                        defaults={"publish_at": episode.publish_at, "planned_at": now},
                    )
            except IntegrityError:  # another worker planned it at the same moment
                pass
    return planned


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    left: int = 0  # due rows left for a later run
    throttled: bool = False  # stopped by NEWSLETTER_RATE_PER_MINUTE
    errors: list[str] = field(default_factory=list)


def _claims_in_last_minute(now: datetime) -> int:
    return Delivery.objects.filter(
        claimed_at__gt=now - timedelta(minutes=1), claimed_at__lte=now
    ).count()


def _due(now: datetime):
    return (
        Delivery.objects.filter(
            status=Delivery.Status.PENDING,
            next_attempt_at__lte=now,
            subscriber__status=Subscriber.Status.CONFIRMED,
        )
        # Checked again at sending time: an episode taken back to draft after
        # planning is never mailed.
        .filter(published_filter("episode__", now))
    )


def _claim_next(now: datetime) -> Delivery | None:
    """Take one due row for this worker (pending → sending), or None when none is due."""
    while True:
        with transaction.atomic():
            candidate = _due(now).order_by("next_attempt_at", "pk").values_list("pk", flat=True)
            pk = candidate.first()
            if pk is None:
                return None
            took = Delivery.objects.filter(pk=pk, status=Delivery.Status.PENDING).update(
                status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
        if took:
            return Delivery.objects.select_related("subscriber__series", "episode").get(pk=pk)
        # Another worker claimed it in between: look again.


def recover_abandoned(*, now: datetime) -> int:
    """Rows a dead worker left `sending` long ago go back to the queue."""
    cutoff = now - timedelta(seconds=settings.NEWSLETTER_CLAIM_TIMEOUT_SECONDS)
    return Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=cutoff).update(
        status=Delivery.Status.PENDING,
        next_attempt_at=now,
        last_error="보내는 도중 작업자가 멈췄습니다. 다시 보냅니다.",
    )


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, … minutes after the 1st, 2nd, 3rd … temporary failure, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def smtp_code(error: Exception) -> int | None:
    """The mail server's reply code for this recipient, if it gave one."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return max(codes) if codes else None
    if isinstance(error, smtplib.SMTPSenderRefused):
        return None  # our sender address is refused: our fault, not the reader's
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code
    return None


def send_due(*, now: datetime | None = None) -> SendReport:
    """Plan what is due, then send as many due deliveries as the throttle allows, once each.

    The scheduled tick and `manage.py send_newsletters` both call this.
    """
    now = now or timezone.now()
    plan_due(now=now)
    recover_abandoned(now=now)
    report = SendReport()
    budget = settings.NEWSLETTER_RATE_PER_MINUTE - _claims_in_last_minute(now)
    mails: dict[int, mail.EpisodeMail] = {}
    connection = get_connection()
    try:
        while budget > 0:
            delivery = _claim_next(now)
            if delivery is None:
                break
            budget -= 1
            if delivery.episode_id not in mails:
                mails[delivery.episode_id] = mail.EpisodeMail(delivery.episode)
            _send_one(delivery, mails[delivery.episode_id], connection, report, now)
    finally:
        connection.close()
    report.left = _due(now).count()
    report.throttled = budget <= 0 and report.left > 0
    return report


def _send_one(delivery, episode_mail, connection, report: SendReport, now: datetime) -> None:
    subscriber = delivery.subscriber
    try:
        connection.open()  # no-op while open: one SMTP conversation for the batch
        episode_mail.message(
            to=subscriber.email,
            unsubscribe=mail.unsubscribe_url(subscriber),
            connection=connection,
        ).send()
    except Exception as error:
        connection.close()  # the next mail opens a fresh conversation
        code = smtp_code(error)
        text = f"{type(error).__name__}: {error}"[:300]
        report.errors.append(text)
        if code is not None and code >= 500:
            _refused_permanently(delivery, text)
            report.failed += 1
        else:
            if code is None and not isinstance(error, (smtplib.SMTPException, OSError)):
                logger.exception("Newsletter delivery %s failed unexpectedly", delivery.pk)
            if _failed_for_now(delivery, text, now):
                report.retried += 1
            else:
                report.failed += 1
        return
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    if subscriber.consecutive_failures:
        Subscriber.objects.filter(pk=subscriber.pk).update(consecutive_failures=0)
    report.sent += 1


def _refused_permanently(delivery: Delivery, text: str) -> None:
    """A 5xx: this delivery failed; NEWSLETTER_BOUNCE_AFTER in a row and the address bounces."""
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, last_error=text
        )
        Subscriber.objects.filter(pk=delivery.subscriber_id).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        bounced = Subscriber.objects.filter(
            pk=delivery.subscriber_id,
            status=Subscriber.Status.CONFIRMED,
            consecutive_failures__gte=settings.NEWSLETTER_BOUNCE_AFTER,
        ).update(status=Subscriber.Status.BOUNCED)
        if bounced:
            Delivery.objects.filter(
                subscriber_id=delivery.subscriber_id, status=Delivery.Status.PENDING
            ).delete()


def _failed_for_now(delivery: Delivery, text: str, now: datetime) -> bool:
    """A temporary failure: back to the queue after a backoff (False once attempts run out)."""
    if delivery.attempts >= settings.NEWSLETTER_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, last_error=text
        )
        return False
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING,
        next_attempt_at=now + backoff(delivery.attempts),
        last_error=text,
    )
    return True


def send_test(*, episode: Episode, to: str) -> None:
    """A copy of the episode's mail to a staff member (drafts too); no delivery is recorded."""
    mail.EpisodeMail(episode).message(to=to, unsubscribe=None).send()


# --- Reports ---------------------------------------------------------------------------


def delivery_counts(episode_ids) -> dict[int, dict[str, int]]:
    """``{episode_id: {"sent": n, "failed": n, "pending": n}}`` in one query."""
    counts = {pk: {"sent": 0, "failed": 0, "pending": 0} for pk in episode_ids}
    rows = (
        Delivery.objects.filter(episode_id__in=list(counts))
        .values("episode_id", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        key = "pending" if row["status"] in ("pending", "sending") else row["status"]
        counts[row["episode_id"]][key] += row["n"]
    return counts


def subscriber_counts() -> list[dict]:
    """Per series with any subscriber, how many are in each status (the admin index)."""
    by_status = {
        status.value: Count("subscribers", filter=Q(subscribers__status=status.value))
        for status in Subscriber.Status
    }
    rows = Series.objects.annotate(**by_status).values("slug", "title", *by_status)
    return [row for row in rows.order_by("title") if any(row[s] for s in by_status)]
