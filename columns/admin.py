from django.contrib import admin, messages
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from articles.admin import LinkHealthInlineMixin
from articles.models import SourceArticle
from columns import services
from columns.models import Comment, Commentary, Episode, Series, Volume
from columns.moderation import count_links

# Positions (and article URLs) move out of the way to here while an inline is
# being rearranged, so that swapping 1 and 2 never trips a unique constraint half-way.
_PARKING_POSITION = 30_000
_PARKING_URL = "parked:{pk}"


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "author_name", "slug", "updated_at"]
    search_fields = ["title", "author_name"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["author"]


@admin.register(Volume)
class VolumeAdmin(admin.ModelAdmin):
    list_display = ["title", "series", "number"]
    list_filter = ["series"]
    list_select_related = ["series"]
    search_fields = ["title", "series__title"]
    autocomplete_fields = ["series"]


class SourceArticleFormSet(BaseInlineFormSet):
    """Refuses the same article twice in one episode, judged by its canonical URL.

    Django's own formset check compares the text as typed, so two spellings of one
    address (a utm_* tail, a fragment, upper-case host) would pass it and fail only
    at the database. Each valid form's instance already holds the canonical URL.
    """

    def clean(self):
        super().clean()
        seen: dict[str, int] = {}
        for form in self.forms:
            if form in self.deleted_forms or not form.is_valid() or not form.instance.url:
                continue
            url = form.instance.url
            if url in seen:
                form.add_error(
                    "url",
                    _("이 회차에 같은 기사 주소가 이미 인용되어 있습니다(%(position)s번 기사).")
                    % {"position": seen[url]},
                )
            else:
                seen[url] = form.instance.position


class SourceArticleInline(LinkHealthInlineMixin, admin.StackedInline):
    model = SourceArticle
    formset = SourceArticleFormSet
    extra = 0
    min_num = 1
    fields = [
        ("position", "published_on"),
        "headline",
        ("outlet", "url"),
        "summary",
        "citation_check",
    ]
    readonly_fields = ["citation_check"]  # link health, quotes: see articles.admin
    autocomplete_fields = ["outlet"]
    ordering = ["position"]

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj else 2  # a new episode usually cites three articles


class CommentaryInline(admin.StackedInline):
    model = Commentary
    extra = 0
    fields = [("position", "source_article"), "body"]
    ordering = ["position"]

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj else 3

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source_article":
            # Only this episode's own articles; a new episode has none saved yet.
            object_id = request.resolver_match.kwargs.get("object_id", "")
            kwargs["queryset"] = (
                SourceArticle.objects.filter(episode_id=object_id).order_by("position")
                if str(object_id).isdigit()
                else SourceArticle.objects.none()
            )
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.help_text = _("기사를 먼저 저장하면 이 회차의 기사 중에서 고를 수 있습니다.")
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    list_display = ["headline", "series", "number", "status_label", "publish_at", "preview_link"]
    list_display_links = ["headline"]
    list_filter = ["status", "series", ("publish_at", admin.DateFieldListFilter)]
    list_select_related = ["series"]
    search_fields = ["headline", "subtitle", "series__title", "=number"]
    autocomplete_fields = ["series", "volume"]
    date_hierarchy = "publish_at"
    inlines = [SourceArticleInline, CommentaryInline]
    readonly_fields = ["preview_link", "created_at", "updated_at"]
    actions = ["publish_now", "back_to_draft"]
    fieldsets = [
        (None, {"fields": [("series", "number"), "headline", "subtitle", "keywords"]}),
        (_("표지"), {"fields": ["cover", "cover_alt"]}),
        (_("본문"), {"fields": ["intro", "closing"]}),
        (_("발행"), {"fields": [("status", "publish_at"), "comments_enabled", "preview_link"]}),
        (
            _("브런치북"),
            {"fields": [("volume", "volume_position")], "classes": ["collapse"]},
        ),
        (_("기록"), {"fields": [("created_at", "updated_at")], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("series")

    @admin.display(description=_("상태"), ordering="status")
    def status_label(self, episode: Episode) -> str:
        if episode.is_scheduled():
            return _("예약됨")
        return episode.get_status_display()

    @admin.display(description=_("보기"))
    def preview_link(self, episode: Episode) -> str:
        if not episode.pk:
            return "—"
        label = _("사이트에서 보기") if episode.is_published() else _("미리보기")
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', episode.get_absolute_url(), label
        )

    def view_on_site(self, episode: Episode) -> str:
        return episode.get_absolute_url()

    def save_formset(self, request, form, formset, change):
        if formset.model in (SourceArticle, Commentary):
            unique_per_episode = {"position", "url"}
            moving = [
                f.instance.pk
                for f in formset.initial_forms
                if f.instance.pk
                and (f in formset.deleted_forms or unique_per_episode & set(f.changed_data))
            ]
            for offset, pk in enumerate(moving):
                parked = {"position": _PARKING_POSITION + offset}
                if formset.model is SourceArticle:
                    parked["url"] = _PARKING_URL.format(pk=pk)
                formset.model.objects.filter(pk=pk).update(**parked)
        super().save_formset(request, form, formset, change)

    @admin.action(description=_("선택한 회차를 지금 발행"), permissions=["change"])
    def publish_now(self, request, queryset):
        with transaction.atomic():
            for episode in queryset:
                services.episode_publish(episode=episode, when=timezone.now())
        self.message_user(request, _("%d개 회차를 발행했습니다.") % len(queryset), messages.SUCCESS)

    @admin.action(description=_("선택한 회차를 초안으로 되돌리기"), permissions=["change"])
    def back_to_draft(self, request, queryset):
        with transaction.atomic():
            for episode in queryset:
                services.episode_unpublish(episode=episode)
        self.message_user(
            request, _("%d개 회차를 초안으로 되돌렸습니다.") % len(queryset), messages.SUCCESS
        )


@admin.register(Commentary)
class CommentaryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "episode", "position", "source_article"]
    list_select_related = ["episode__series", "source_article"]
    search_fields = ["body", "episode__headline"]
    autocomplete_fields = ["episode", "source_article"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The moderation queue: opens on pending comments, oldest first."""

    list_display = [
        "excerpt", "name", "episode_link", "age", "link_count", "status", "held_reason",
    ]  # fmt: skip
    list_filter = ["status", "episode__series", ("episode", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["episode__series"]
    search_fields = ["name", "email", "body"]
    ordering = ["created_at"]
    actions = ["approve", "reject", "mark_spam"]
    fields = [
        "episode_link", "name", "email", "body", "status", "held_reason",
        "created_at", "moderated_by", "moderated_at", "user_agent",
    ]  # fmt: skip
    readonly_fields = [
        "episode_link", "name", "email", "body", "held_reason",
        "created_at", "moderated_by", "moderated_at", "user_agent",
    ]  # fmt: skip
    list_per_page = 50

    def has_add_permission(self, request):
        return False  # comments come from readers

    def changelist_view(self, request, extra_context=None):
        # Open on the queue: no status chosen means "pending".
        if request.method == "GET" and not any(k.startswith("status") for k in request.GET):
            if "q" not in request.GET and "e" not in request.GET:
                return HttpResponseRedirect(f"{request.path}?status__exact=pending")
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("내용"))
    def excerpt(self, comment: Comment) -> str:
        return comment.body[:60] + ("…" if len(comment.body) > 60 else "")

    @admin.display(description=_("회차"), ordering="episode")
    def episode_link(self, comment: Comment) -> str:
        episode = comment.episode
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{} {}화</a>',
            episode.get_absolute_url(),
            episode.series.title,
            episode.number,
        )

    @admin.display(description=_("경과"), ordering="created_at")
    def age(self, comment: Comment) -> str:
        return _("%(time)s 전") % {"time": timesince(comment.created_at)}

    @admin.display(description=_("링크"))
    def link_count(self, comment: Comment) -> int:
        return count_links(comment.body)

    def save_model(self, request, obj, form, change):
        if change and "status" in form.changed_data:
            # Same path as the bulk actions, so who/when are always recorded.
            new_status = obj.status
            services.comments_moderate(
                comments=Comment.objects.filter(pk=obj.pk),
                status=new_status,
                moderator=request.user,
            )
            obj.refresh_from_db()
            return
        super().save_model(request, obj, form, change)

    def _moderate(self, request, queryset, status, label):
        changed = services.comments_moderate(
            comments=queryset, status=status, moderator=request.user
        )
        self.message_user(
            request,
            _("댓글 %(count)d개를 %(label)s 처리했습니다.") % {"count": changed, "label": label},
            messages.SUCCESS,
        )

    @admin.action(description=_("선택한 댓글 승인"), permissions=["change"])
    def approve(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.APPROVED, _("승인"))

    @admin.action(description=_("선택한 댓글 거절"), permissions=["change"])
    def reject(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.REJECTED, _("거절"))

    @admin.action(description=_("선택한 댓글을 스팸으로 표시"), permissions=["change"])
    def mark_spam(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.SPAM, _("스팸"))
