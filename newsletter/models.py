"""Subscribers per series and one delivery row per (subscriber, episode).

The delivery row is the record that makes sending exactly-once: its unique
constraint means an episode can be planned for a subscriber once, and its
status says what happened (newsletter.services explains the claim protocol).
"""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from columns.models import Episode, Series


def new_token() -> str:
    return secrets.token_urlsafe(24)


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=Subscriber.Status.CONFIRMED)


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("확인 대기")
        CONFIRMED = "confirmed", _("구독 중")
        UNSUBSCRIBED = "unsubscribed", _("구독 해지")
        BOUNCED = "bounced", _("반송")

    series = models.ForeignKey(
        Series, verbose_name=_("연재"), on_delete=models.CASCADE, related_name="subscribers"
    )
    # Stored lower-cased (newsletter.services), so one address subscribes once per series.
    email = models.EmailField(_("이메일"))
    status = models.CharField(
        _("상태"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    # Unsubscribe links carry it; confirmation links carry it signed and dated.
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    requested_at = models.DateTimeField(_("신청 시각"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("확인 시각"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("해지 시각"), null=True, blank=True)
    consecutive_failures = models.PositiveSmallIntegerField(
        _("연속 반송"), default=0, help_text=_("영구 거절(5xx)이 이어진 횟수")
    )

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        verbose_name = _("구독자")
        verbose_name_plural = _("구독자")
        ordering = ["series", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "email"], name="subscriber_unique_email_per_series"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "confirmed", "unsubscribed", "bounced"]),
                name="subscriber_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
                name="subscriber_confirmed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["series", "status"], name="subscriber_by_series"),
            models.Index(fields=["status", "requested_at"], name="subscriber_pending_age"),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.series})"


class Mailing(models.Model):
    """An episode whose time came and whose deliveries were planned (once per publish time)."""

    episode = models.OneToOneField(
        Episode, verbose_name=_("회차"), on_delete=models.CASCADE, related_name="mailing"
    )
    # The publish time the deliveries were planned for: an episode unpublished
    # and published again later is planned again (already planned rows stay).
    publish_at = models.DateTimeField(_("발행 시각"))
    planned_at = models.DateTimeField(_("발송 계획 시각"), default=timezone.now)

    class Meta:
        verbose_name = _("발송 계획")
        verbose_name_plural = _("발송 계획")

    def __str__(self) -> str:
        return f"mailing of episode {self.episode_id}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("대기")
        SENDING = "sending", _("보내는 중")
        SENT = "sent", _("보냄")
        FAILED = "failed", _("실패")

    subscriber = models.ForeignKey(
        Subscriber, verbose_name=_("구독자"), on_delete=models.CASCADE, related_name="deliveries"
    )
    episode = models.ForeignKey(
        Episode, verbose_name=_("회차"), on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("시도 횟수"), default=0)
    created_at = models.DateTimeField(_("만든 때"), default=timezone.now)
    # Not before this time (backoff after a temporary failure).
    next_attempt_at = models.DateTimeField(_("다음 시도"), default=timezone.now)
    claimed_at = models.DateTimeField(_("맡은 시각"), null=True, blank=True)
    sent_at = models.DateTimeField(_("보낸 시각"), null=True, blank=True)
    last_error = models.CharField(_("마지막 오류"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("발송")
        verbose_name_plural = _("발송")
        ordering = ["episode", "subscriber"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "episode"], name="delivery_once_per_subscriber_episode"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed"]),
                name="delivery_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_queue"),
            models.Index(fields=["claimed_at"], name="delivery_claims"),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber.email} ← {self.episode_id}"


class EpisodeMailingReport(Episode):
    """Episodes as the newsletter admin shows them: delivery counts and a test send."""

    class Meta:
        proxy = True
        verbose_name = _("회차별 발송 현황")
        verbose_name_plural = _("회차별 발송 현황")
