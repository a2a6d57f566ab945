from types import SimpleNamespace

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from reversion.admin import VersionAdmin
from reversion.models import Version

from articles import services as article_services
from articles.admin import (
    LinkHealthInlineMixin,
    QuotesField,
    QuotesFormMixin,
    SourceArticleAdmin,
)
from articles.models import SourceArticle
from columns import autosave, revisions, services
from columns.middleware import admin_reads_only
from columns.models import (
    Comment,
    Commentary,
    Correction,
    Episode,
    EpisodeRevision,
    Series,
    Volume,
)
from columns.moderation import count_links
from common.markup import MarkdownField, render_markdown, validate_markdown_source

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


MARKDOWN_HELP = _(
    "마크다운으로 씁니다: 빈 줄로 문단을 나누고, **굵게**, *기울임*, [링크 글자](주소), "
    "> 인용. 저장하기 전에도 옆의 단추로 독자에게 보일 모습을 볼 수 있습니다."
)


class DeskForm(forms.ModelForm):
    """What every form on the desk does: Markdown says so, and text is stored with LF.

    Browsers send textareas with CRLF line endings; stored as typed, the
    column's own export would not re-import as unchanged.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            model_field = next((f for f in self._meta.model._meta.fields if f.name == name), None)
            if isinstance(model_field, MarkdownField):
                field.help_text = " ".join(str(t) for t in (field.help_text, MARKDOWN_HELP) if t)
                field.widget.attrs["data-desk-markdown"] = ""

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str) and "\r" in value:
                cleaned[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return cleaned


def live_forms(formset) -> list:
    """The rows that will be saved, in their place on the page.

    The page's script writes each row's place into its (hidden) position field
    after a drag or an up/down button; rows without one keep their order in
    the form. A blank extra row is not a row.
    """
    rows = [
        (index, form)
        for index, form in enumerate(formset.forms)
        if form not in formset.deleted_forms
        and (form.instance.pk or form.has_changed())
        and hasattr(form, "cleaned_data")
    ]

    def place(item):
        index, form = item
        position = form.cleaned_data.get("position")
        return (position if position else 10_000 + index, index)

    return [form for _index, form in sorted(rows, key=place)]


def number_by_place(formset) -> None:
    """Positions 1, 2, 3… from the rows' place on the page; nobody types them."""
    for number, form in enumerate(live_forms(formset), start=1):
        form.cleaned_data["position"] = number  # what the formset's uniqueness check reads
        form.instance.position = number


class PlacedForm(DeskForm):
    """A row whose position is its place on the page, written by the desk's script."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "position" in self.fields:
            self.fields["position"].required = False
            self.fields["position"].widget = forms.HiddenInput(attrs={"data-desk-position": ""})

    def has_changed(self):
        if self.instance.pk is None:
            # The script numbers every row, blank ones too: a place alone is not a row.
            return any(name != "position" for name in self.changed_data)
        # A saved row that only moved (or was renumbered by number_by_place) must be saved.
        moved = self.instance.position != self.initial.get("position")
        return super().has_changed() or moved


class SourceArticleFormSet(BaseInlineFormSet):
    """Refuses the same article twice in one episode, judged by its canonical URL.

    Django's own formset check compares the text as typed, so two spellings of one
    address (a utm_* tail, a fragment, upper-case host) would pass it and fail only
    at the database. Each valid form's instance already holds the canonical URL.
    """

    def clean(self):
        number_by_place(self)
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


class SourceArticleForm(QuotesFormMixin, PlacedForm):
    """An article row; an unknown outlet is named in the row and created on save.

    Its quotes are one box, a quote per paragraph (Django's admin has no nested
    inlines): saved as the article's SourceQuote rows right after it, so the
    whole episode is still one page and one save.
    """

    quotes = QuotesField()

    outlet_name = forms.CharField(
        label=_("새 언론사 이름"),
        required=False,
        max_length=100,
        help_text=_(
            "목록에 없는 언론사라면 이름만 적으세요. 기사 주소의 도메인과 함께 등록합니다."
        ),
    )

    class Meta:
        model = SourceArticle
        fields = ["url", "headline", "outlet", "published_on", "summary", "position"]

    def clean(self):
        cleaned = super().clean()
        self.instance.new_outlet_name = (cleaned.get("outlet_name") or "").strip()
        return cleaned

    def save(self, commit=True):
        article = self.instance
        if article.outlet_id is None and article.new_outlet_name:
            article.outlet = article_services.outlet_for_citation(
                url=article.url, name=article.new_outlet_name
            )
        return super().save(commit)


class SourceArticleInline(LinkHealthInlineMixin, admin.StackedInline):
    model = SourceArticle
    form = SourceArticleForm
    formset = SourceArticleFormSet
    extra = 0
    min_num = 1
    fields = [
        "url",
        "headline",
        ("outlet", "outlet_name", "published_on"),
        "quotes",
        "summary",
        "position",
        "citation_check",
    ]
    readonly_fields = ["citation_check"]  # link health, quotes: see articles.admin
    autocomplete_fields = ["outlet"]
    ordering = ["position"]

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj else 2  # a new episode usually cites three articles


#: How many articles a commentary row can point at (the choices "1번 기사" … ).
MAX_ARTICLES_ON_PAGE = 12


class CommentaryForm(PlacedForm):
    """A commentary row answers an article by its number on this page, saved or not.

    The number is resolved to the article after the articles are saved in the
    same request (`save`), so a new episode's commentary can be tied at once.
    """

    article_number = forms.TypedChoiceField(
        label=_("답하는 기사"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("(기사 없이)"))]
        + [(n, _("%(n)d번 기사") % {"n": n}) for n in range(1, MAX_ARTICLES_ON_PAGE + 1)],
        help_text=_("이 문단이 답하는 기사를 페이지의 순서대로 고릅니다."),
        widget=forms.Select(attrs={"data-desk-article-choice": ""}),
    )

    class Meta:
        model = Commentary
        fields = ["body", "position"]  # source_article: from article_number, on save

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        article = self.instance.source_article if self.instance.source_article_id else None
        if article is not None:
            self.initial.setdefault("article_number", article.position)

    def save(self, commit=True):
        number = self.cleaned_data.get("article_number")
        commentary = self.instance
        commentary.source_article = (
            SourceArticle.objects.filter(episode=commentary.episode, position=number).first()
            if number
            else None
        )
        return super().save(commit)


def article_places_on_page(data, prefix: str = "articles") -> int:
    """How many article rows the posted page keeps (not deleted, not blank)."""
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
    except (TypeError, ValueError):
        return 0
    return sum(
        1
        for i in range(min(total, 1000))
        if not data.get(f"{prefix}-{i}-DELETE")
        and (data.get(f"{prefix}-{i}-id") or data.get(f"{prefix}-{i}-url", "").strip())
    )


class CommentaryFormSet(BaseInlineFormSet):
    def clean(self):
        number_by_place(self)
        super().clean()
        articles = article_places_on_page(self.data)
        for form in live_forms(self):
            number = form.cleaned_data.get("article_number")
            if number and number > articles:
                form.add_error(
                    "article_number",
                    _("이 페이지에는 %(n)d번 기사가 없습니다(기사 %(count)d개).")
                    % {"n": number, "count": articles},
                )


class CommentaryInline(admin.StackedInline):
    model = Commentary
    form = CommentaryForm
    formset = CommentaryFormSet
    extra = 0
    fields = ["article_number", "body", "position"]
    ordering = ["position"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source_article")

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj else 3


def _form_errors(form, where: str, row_anchor: str) -> list[dict]:
    found = []
    for name, messages_ in form.errors.items():
        field = form.fields.get(name)
        visible = field is not None and not field.widget.is_hidden
        anchor = form[name].id_for_label if visible else row_anchor
        label = f"{where} · {field.label}" if visible and field.label else where
        found += [{"where": label, "message": m, "anchor": anchor} for m in messages_]
    return found


def desk_errors(adminform, inline_admin_formsets) -> list[dict]:
    """Every error on the page, each with the id of its field (or row), for the banner."""
    if adminform is None or not adminform.form.is_bound:
        return []
    found = _form_errors(adminform.form, str(_("회차")), "content-main")
    for inline in inline_admin_formsets:
        formset = inline.formset
        group = f"{formset.prefix}-group"
        for message in formset.non_form_errors():
            found.append({"where": str(inline.opts.verbose_name), "message": message,
                          "anchor": group})  # fmt: skip
        for index, form in enumerate(formset.forms):
            where = f"{inline.opts.verbose_name} {index + 1}"
            found += _form_errors(form, where, f"{formset.prefix}-{index}")
    return found


def keywords_in_order(episode: Episode) -> list:
    """The episode's keyword tags in the order they were attached (the typed order). One query."""
    return list(episode.keywords.order_by("taggit_taggeditem_items__id"))


class EpisodeForm(DeskForm):
    """The episode itself; a number left blank is the next in its series."""

    class Meta:
        model = Episode
        fields = [
            "series", "number", "headline", "subtitle", "keywords", "intro", "closing",
            "status", "publish_at", "comments_enabled", "volume", "volume_position",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "keywords" in self.fields:
            self.initial["keywords"] = keywords_in_order(self.instance)
        if "number" in self.fields:
            self.fields["number"].required = False
            self.fields["number"].help_text = _(
                "비워 두면 이 연재의 다음 번호가 붙습니다. 제목에 붙는 연재 번호(예: 48화)."
            )

    def clean(self):
        cleaned = super().clean()
        series = cleaned.get("series")
        if cleaned.get("number") in (None, "") and series is not None and "number" in self.fields:
            cleaned["number"] = services.episode_next_number(series=series)
        return cleaned


class EpisodeAdminForm(EpisodeForm):
    """The episode form with its edit-conflict token and the correction mark.

    `based_on_version` is the episode's `edit_version` when the form was made;
    `clean()` locks the episode row and refuses the save when it has moved on
    (columns.revisions). The refused form keeps everything the editor typed and
    now carries the current number: saving it again, after looking at the
    other save, replaces that save on purpose.
    """

    based_on_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    correction_note = forms.CharField(
        label=_("정정으로 표시"),
        max_length=300,
        required=False,
        help_text=_(
            "발행된 회차를 고친 내용을 독자에게 알리려면 한 줄로 적으세요(회차 끝 '정정' 목록에 "
            "날짜와 함께 실립니다). 비워 두면 독자에게 알리지 않는 수정입니다."
        ),
    )
    # Set by EpisodeAdmin.get_form: the request, for a restore's edit number and keywords.
    admin_request = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.admin_request
        if self.instance.pk:
            before = getattr(request, "episode_edit_version_before_revert", None)
            self.fields["based_on_version"].initial = before or self.instance.edit_version
        restoring = getattr(request, "episode_restoring_keywords", None)
        if restoring is not None:
            # Tag-like, as the form's own initial value is (taggit reads `.name`).
            self.initial["keywords"] = [SimpleNamespace(name=name) for name in restoring]

    def clean_correction_note(self):
        note = " ".join(self.cleaned_data["correction_note"].split())
        if note and not (self.instance.pk and self.instance.is_published()):
            raise ValidationError(_("정정 표시는 이미 발행된 회차에만 붙일 수 있습니다."))
        return note

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        request = self.admin_request
        current = getattr(request, "episode_edit_version_before_revert", None)
        if current is None:
            current = revisions.locked_edit_version(episode_id=self.instance.pk)
        self.current_edit_version = current
        based_on = cleaned.get("based_on_version")
        if based_on != current:
            self._refuse_stale(based_on, current)
        return cleaned

    def _refuse_stale(self, based_on, current):
        episode_id = self.instance.pk
        latest = revisions.latest_revision(episode_id=episode_id)
        base = revisions.revision_at(episode_id=episode_id, edit_version=based_on or 0)
        compare_url = ""
        if latest is not None:
            compare_url = reverse("admin:columns_episode_compare", args=[episode_id])
            compare_url += f"?to={latest.pk}" + (f"&from={base.pk}" if base else "")
        # The editor's own text stays; from now on the form knows the newer save.
        self.data = self.data.copy()
        self.data[self.add_prefix("based_on_version")] = str(current)
        since = current - based_on if based_on and current > based_on else 0
        if since > 1:
            opening = format_html(
                "이 양식을 연 뒤에 다른 저장이 {}번 있었습니다. 마지막 저장: {}.",
                since,
                revisions.describe(latest),
            )
        else:
            opening = format_html(
                "이 양식을 연 뒤에 다른 저장이 있었습니다: {}.", revisions.describe(latest)
            )
        message = format_html(
            "{} 내 저장은 적용하지 않았고, 아래 양식에는 내가 쓴 내용이 그대로 있습니다. "
            "{}다시 저장하면 내 내용이 그 저장을 덮어씁니다.",
            opening,
            format_html('<a href="{}">두 판 비교하기</a>. ', compare_url) if compare_url else "",
        )
        raise ValidationError(message, code="edit_conflict")


@admin.register(Episode)
class EpisodeAdmin(VersionAdmin):
    form = EpisodeAdminForm
    change_form_template = "admin/columns/episode/change_form.html"
    history_latest_first = True
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
        (
            None,
            {
                "fields": [
                    ("series", "number"),
                    "headline",
                    "subtitle",
                    "keywords",
                    "based_on_version",
                ]
            },
        ),
        (_("표지"), {"fields": ["cover", "cover_alt"]}),
        (_("본문"), {"fields": ["intro", "closing"]}),
        (_("발행"), {"fields": [("status", "publish_at"), "comments_enabled", "preview_link"]}),
        (
            _("브런치북"),
            {"fields": [("volume", "volume_position")], "classes": ["collapse"]},
        ),
        (_("정정"), {"fields": ["correction_note", "corrections_so_far"]}),
        (_("기록"), {"fields": [("created_at", "updated_at")], "classes": ["collapse"]}),
    ]

    class Media:
        css = {"all": ["columns/desk.css"]}
        js = ["columns/desk.js"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("series")

    def get_changeform_initial_data(self, request):
        """A new episode starts in the likely series, numbered next in it."""
        initial = super().get_changeform_initial_data(request)
        if "series" not in initial:
            series = services.series_for_new_episode()
            if series is not None:
                initial["series"] = series.pk
                initial.setdefault("number", services.episode_next_number(series=series))
        return initial

    def get_urls(self):
        # Reads only: no batch (transaction) held open while the page is fetched.
        citation = admin_reads_only(self.admin_site.admin_view(require_POST(self.citation_view)))
        preview = admin_reads_only(self.admin_site.admin_view(require_POST(self.preview_view)))
        return [
            path("citation/", citation, name="columns_episode_citation"),
            path("preview/", preview, name="columns_episode_preview"),
            path(
                "<int:object_id>/revisions/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="columns_episode_compare",
            ),
            path(
                "<int:object_id>/autosave/",
                self.admin_site.admin_view(autosave.autosave_view),
                name="columns_episode_autosave",
            ),
            path(
                "add/autosave/",
                self.admin_site.admin_view(autosave.autosave_view),
                name="columns_episode_autosave_new",
            ),
            *super().get_urls(),
        ]

    def compare_view(self, request, object_id: int):
        """Two kept revisions of one episode side by side, line by line, in Korean labels."""
        episode = get_object_or_404(Episode.objects.select_related("series"), pk=object_id)
        if not self.has_view_or_change_permission(request, episode):
            raise PermissionDenied
        kept = revisions.episode_revisions(episode_id=episode.pk)
        if not kept:
            raise Http404(_("이 회차에는 저장된 판이 없습니다."))
        by_pk = {str(meta.pk): meta for meta in kept}
        new = by_pk.get(request.GET.get("to", ""), kept[0])
        older = [meta for meta in kept if meta.revision.date_created < new.revision.date_created]
        old = by_pk.get(request.GET.get("from", ""), older[0] if older else new)
        sections = revisions.compare(revisions.snapshot(old), revisions.snapshot(new))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": episode,
            "title": _("판 비교: %(title)s") % {"title": episode.title},
            "kept": kept,
            "old": old,
            "new": new,
            "old_label": revisions.describe(old),
            "new_label": revisions.describe(new),
            "sections": sections,
            "changed_sections": [s for s in sections if s.changed],
            "restore_version": revisions.version_of(old),
        }
        return TemplateResponse(request, "admin/columns/episode/revision_compare.html", context)

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if request.method == "GET":
            extra_context["autosave_offer"] = autosave.offer_new(user=request.user)
        extra_context["autosave_interval"] = settings.AUTOSAVE_INTERVAL_SECONDS
        extra_context["autosave_url"] = reverse("admin:columns_episode_autosave_new")
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if request.method == "GET" and str(object_id).isdigit():
            extra_context["autosave_offer"] = autosave.offer(
                episode_id=int(object_id), user=request.user
            )
        extra_context["autosave_interval"] = settings.AUTOSAVE_INTERVAL_SECONDS
        extra_context["autosave_url"] = (
            reverse("admin:columns_episode_autosave", args=[object_id])
            if str(object_id).isdigit()
            else ""
        )
        return super().change_view(request, object_id, form_url, extra_context)

    def preview_view(self, request):
        """Markdown → the sanitized HTML readers would get (common.markup), for the preview."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        text = request.POST.get("text", "").replace("\r\n", "\n")
        try:
            validate_markdown_source(text)
        except ValidationError as error:
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        return JsonResponse({"html": render_markdown(text)})

    def citation_view(self, request):
        """The writer's desk asks what a pasted URL's page says: JSON, staff only, POST + CSRF."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        if article_services.citation_rate_limited(user_id=request.user.pk):
            message = _("잠시 뒤에 다시 시도해 주세요: 기사 정보를 너무 자주 불러왔습니다.")
            return JsonResponse({"error": str(message)}, status=429)
        try:
            found = article_services.citation_lookup(request.POST.get("url", "").strip())
        except ValidationError as error:
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        published_on = found["published_on"]
        return JsonResponse(
            {**found, "published_on": published_on.isoformat() if published_on else ""}
        )

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

    def render_change_form(self, request, context, *args, **kwargs):
        context["desk_errors"] = desk_errors(
            context.get("adminform"), context.get("inline_admin_formsets", [])
        )
        return super().render_change_form(request, context, *args, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "corrections_so_far"]

    @admin.display(description=_("지금까지의 정정"))
    def corrections_so_far(self, episode: Episode) -> str:
        if not episode.pk:
            return "—"
        rows = list(episode.corrections.all())
        if not rows:
            return _("없음")
        return format_html(
            "<ul>{}</ul>",
            format_html(
                "".join(
                    str(
                        format_html(
                            "<li>{} — {}{}</li>",
                            date_format(timezone.localtime(c.created_at), "Y년 n월 j일 H:i"),
                            c.note,
                            _(" (삭제됨)") if c.is_removed else "",
                        )
                    )
                    for c in rows
                )
            ),
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"admin_request": request})

    def save_model(self, request, obj, form, change):
        if change:
            obj.edit_version = form.current_edit_version + 1
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        episode = form.instance
        typed = form.cleaned_data.get("keywords")
        if typed is not None and [t.name for t in keywords_in_order(episode)] != typed:
            # taggit keeps old attachments in place; re-attach in the typed order.
            episode.keywords.set(typed, clear=True)
        note = form.cleaned_data.get("correction_note")
        if note:
            revisions.correction_add(episode=episode, note=note, user=request.user)
        revisions.keep_in_revision(episode)
        autosave.autosave_forget(episode=episode, user=request.user)
        if not change:  # added from the add page: its autosave is this episode now
            autosave.autosave_forget(episode=None, user=request.user)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Restore a kept revision: the form shows it, saving it makes a new revision."""
        episode_id = int(object_id) if str(object_id).isdigit() else None
        meta = EpisodeRevision.objects.filter(
            revision__version__pk=version_id, episode_id_at_save=episode_id
        ).first()
        if episode_id is not None:
            if request.method == "POST":
                current = revisions.locked_edit_version(episode_id=episode_id)
            else:
                current = (
                    Episode.objects.filter(pk=episode_id)
                    .values_list("edit_version", flat=True)
                    .first()
                )
            request.episode_edit_version_before_revert = current
        if meta is not None:
            request.episode_restoring_keywords = meta.keywords
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        deleted = Version.objects.filter(pk=version_id).values_list("object_id", flat=True).first()
        meta = EpisodeRevision.objects.filter(
            revision__version__pk=version_id, episode_id_at_save=deleted or 0
        ).first()
        if meta is not None:
            request.episode_restoring_keywords = meta.keywords
        return super().recover_view(request, version_id, extra_context)

    def response_add(self, request, obj, post_url_continue=None):
        # Django's stock "…가 성공적으로 추가되었습니다." quotes the title with its
        # markup and reads like a log line; say what happened, with the links.
        request._desk_added = obj
        return super().response_add(request, obj, post_url_continue)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        added = getattr(request, "_desk_added", None)
        if added is not None and level == messages.SUCCESS:
            request._desk_added = None
            message = format_html(
                _('회차 「{}」를 저장했습니다. <a href="{}" target="_blank" rel="noopener">{}</a>'),
                added.title,
                added.get_absolute_url(),
                _("사이트에서 보기") if added.is_published() else _("미리보기"),
            )
        return super().message_user(request, message, level, *args, **kwargs)

    def view_on_site(self, episode: Episode) -> str:
        return episode.get_absolute_url()

    def save_formset(self, request, form, formset, change):
        if formset.model in (SourceArticle, Commentary):
            unique_per_episode = {"position", "url"}
            # Positions are derived (number_by_place), so compare what will be
            # stored with what was loaded, not only what the browser sent.
            moving = [
                f.instance.pk
                for f in formset.initial_forms
                if f.instance.pk
                and (
                    f in formset.deleted_forms
                    or unique_per_episode & set(f.changed_data)
                    or f.instance.position != f.initial.get("position")
                )
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
            revisions.keep_revisions(episodes=queryset, user=request.user, comment=_("발행"))
        self.message_user(request, _("%d개 회차를 발행했습니다.") % len(queryset), messages.SUCCESS)

    @admin.action(description=_("선택한 회차를 초안으로 되돌리기"), permissions=["change"])
    def back_to_draft(self, request, queryset):
        with transaction.atomic():
            for episode in queryset:
                services.episode_unpublish(episode=episode)
            revisions.keep_revisions(
                episodes=queryset, user=request.user, comment=_("초안으로 되돌림")
            )
        self.message_user(
            request, _("%d개 회차를 초안으로 되돌렸습니다.") % len(queryset), messages.SUCCESS
        )


class PartOfEpisodeAdmin(VersionAdmin):
    """A part of an episode on its own screen: every save or delete, one at a time or in
    bulk, makes the episode's open forms stale and keeps a revision of the episode."""

    #: What the revision comment calls a deleted row ("인용 기사 삭제: …").
    deleted_label = ""

    def save_model(self, request, obj, form, change):
        moved_from = obj.stored_value("episode_id")  # a row moved to another episode leaves one
        super().save_model(request, obj, form, change)
        episode_ids = [obj.episode_id]
        if isinstance(moved_from, int):
            episode_ids.append(moved_from)
        revisions.episode_changed_elsewhere(episode_ids=episode_ids, user=request.user, comment="")

    def delete_model(self, request, obj):
        episode_id, described = obj.episode_id, str(obj)
        super().delete_model(request, obj)
        revisions.episode_changed_elsewhere(
            episode_ids=[episode_id],
            user=request.user,
            comment=f"{self.deleted_label}: {described}",
        )

    def delete_queryset(self, request, queryset):
        rows = list(queryset)
        super().delete_queryset(request, queryset)
        revisions.episode_changed_elsewhere(
            episode_ids=[row.episode_id for row in rows],
            user=request.user,
            comment=f"{self.deleted_label}: " + ", ".join(str(row) for row in rows),
        )


@admin.register(Commentary)
class CommentaryAdmin(PartOfEpisodeAdmin):
    list_display = ["__str__", "episode", "position", "source_article"]
    list_select_related = ["episode__series", "source_article"]
    search_fields = ["body", "episode__headline"]
    autocomplete_fields = ["episode", "source_article"]
    deleted_label = _("논평 문단 삭제")


admin.site.unregister(SourceArticle)


@admin.register(SourceArticle)
class EpisodeSourceArticleAdmin(PartOfEpisodeAdmin, SourceArticleAdmin):
    """articles' own screen, with history and recovery, and saves that make episode forms stale.

    Registered here because `articles` knows nothing of episodes' edit numbers.
    """

    deleted_label = _("인용 기사 삭제")


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    """Corrections readers see; never deleted, only marked removed (the page says so)."""

    list_display = ["note", "episode", "created_at", "created_by", "removed_at", "removed_by"]
    list_filter = [("removed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["episode__series", "created_by", "removed_by"]
    search_fields = ["note", "episode__headline"]
    fields = [
        "episode", "note", "created_at", "created_by", "removed_at", "removed_by",
        "removal_reason",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["remove"]

    def has_add_permission(self, request):
        return False  # made from the episode form, with the change it marks

    def has_delete_permission(self, request, obj=None):
        return False  # removal is recorded, never silent

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(
        description=_("선택한 정정 삭제(독자에게 '삭제된 정정'으로 남음)"), permissions=["change"]
    )
    def remove(self, request, queryset):
        with transaction.atomic():
            for correction in queryset.filter(removed_at__isnull=True):
                revisions.correction_remove(correction=correction, user=request.user)
        self.message_user(request, _("정정을 삭제로 표시했습니다."), messages.SUCCESS)


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
