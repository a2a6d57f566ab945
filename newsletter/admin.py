import csv

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from newsletter import services
from newsletter.models import Delivery, EpisodeMailingReport, Subscriber


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    """Subscribers per series. Deleting one removes the address and its deliveries entirely."""

    list_display = ["email", "series", "status", "requested_at", "confirmed_at", "delivered"]
    list_filter = ["series", "status"]
    list_select_related = ["series"]
    search_fields = ["email"]
    readonly_fields = [
        "email",
        "series",
        "requested_at",
        "confirmed_at",
        "unsubscribed_at",
        "consecutive_failures",
    ]
    fields = [*readonly_fields[:2], "status", *readonly_fields[2:]]
    actions = ["export_confirmed_csv"]

    def has_add_permission(self, request):
        return False  # only the reader's own double opt-in adds an address

    @admin.display(description=_("받은 메일"))
    def delivered(self, subscriber):
        return subscriber.sent_count

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(sent_count=Count("deliveries", filter=Q(deliveries__status="sent")))
        )

    @admin.action(description=_("고른 구독자 중 구독 중인 주소를 CSV로 내려받기"))
    def export_confirmed_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="subscribers-{stamp}.csv"'
        response.write("\ufeff")  # Excel reads UTF-8 Korean only with a BOM
        writer = csv.writer(response)
        writer.writerow(["email", "series", "confirmed_at"])
        for subscriber in queryset.filter(status=Subscriber.Status.CONFIRMED).order_by(
            "series__title", "email"
        ):
            writer.writerow(
                [subscriber.email, subscriber.series.slug, subscriber.confirmed_at.isoformat()]
            )
        return response


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["subscriber", "episode", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "episode__series"]
    list_select_related = ["subscriber__series", "episode__series"]
    search_fields = ["subscriber__email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the record of what was sent is written by the sender only


@admin.register(EpisodeMailingReport)
class EpisodeMailingReportAdmin(admin.ModelAdmin):
    """Per episode: how many mails were sent, failed, wait; and a test copy to oneself."""

    list_display = ["__str__", "status", "publish_at", "sent", "failed", "pending"]
    list_filter = ["series", "status"]
    list_select_related = ["series"]
    search_fields = ["headline"]
    actions = ["send_test_to_me"]

    def get_queryset(self, request):
        sent = Q(deliveries__status=Delivery.Status.SENT)
        failed = Q(deliveries__status=Delivery.Status.FAILED)
        waiting = Q(deliveries__status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING])
        return (
            super()
            .get_queryset(request)
            .only("number", "headline", "status", "publish_at", "series__title")
            .annotate(
                sent_count=Count("deliveries", filter=sent),
                failed_count=Count("deliveries", filter=failed),
                pending_count=Count("deliveries", filter=waiting),
            )
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("보냄"), ordering="sent_count")
    def sent(self, episode):
        return episode.sent_count

    @admin.display(description=_("실패"), ordering="failed_count")
    def failed(self, episode):
        return episode.failed_count

    @admin.display(description=_("대기"), ordering="pending_count")
    def pending(self, episode):
        return episode.pending_count

    @admin.action(description=_("고른 회차의 메일을 나에게 시험 발송"))
    def send_test_to_me(self, request, queryset):
        if not request.user.email:
            self.message_user(
                request, "계정에 이메일 주소가 없어 보낼 수 없습니다.", messages.ERROR
            )
            return
        for episode in queryset.select_related("series"):
            services.send_test(episode=episode, to=request.user.email)
        self.message_user(
            request, f"{request.user.email} 주소로 {queryset.count()}개 회차를 보냈습니다."
        )
