from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from articles import services
from articles.models import (
    BrokenLink,
    LinkHealth,
    Outlet,
    OutletDomain,
    SourceArticle,
    SourceText,
)
from articles.quotes import (
    MAX_QUOTE_LENGTH,
    MAX_QUOTES_PER_ARTICLE,
    check_quotes,
    quote_paragraph,
    quotes_from_text,
)
from articles.textfragments import text_fragment_url


class OutletDomainInline(admin.TabularInline):
    model = OutletDomain
    extra = 1


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "domain_list"]
    search_fields = ["name", "domains__domain"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OutletDomainInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("domains")

    @admin.display(description=_("도메인"))
    def domain_list(self, outlet: Outlet) -> str:
        return ", ".join(d.domain for d in outlet.domains.all())


# --- Link health and quote checks -------------------------------------------------


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else "—"


def link_health_html(article: SourceArticle) -> str:
    """The checker's last word on the article's link. Needs `health` loaded (no query)."""
    if not article.pk:
        return _("저장한 뒤 확인합니다.")
    health = article.link_health()
    if health is None:
        return _("아직 확인하지 않았습니다. 다음 정기 링크 확인 때 결과가 여기에 나옵니다.")
    status = f"(HTTP {health.status_code})" if health.status_code else ""
    if health.is_working():
        sentence = format_html(
            '<strong class="link-ok">{}</strong>: {}에 확인했을 때 기사가 열렸습니다{}.',
            health.get_result_display(),
            _when(health.checked_at),
            status,
        )
    else:
        sentence = format_html(
            '<strong class="link-broken">{}</strong>: {}에 확인했을 때 기사가 열리지 '
            "않았습니다{}. {}회 연속 실패했습니다.",
            health.get_result_display(),
            _when(health.checked_at),
            status,
            health.consecutive_failures,
        )
    parts = [sentence]
    if health.detail:
        parts.append(format_html("{}", health.detail))
    if not health.is_working():
        parts.append(format_html("마지막 정상: {}", _when(health.last_ok_at)))
    if health.moved_to:
        parts.append(
            format_html(
                '영구히 옮겨짐 → <a href="{0}" rel="noopener noreferrer">{0}</a> '
                "(기사 주소는 바꾸지 않았습니다. 바꿀지 판단해 주세요.)",
                health.moved_to,
            )
        )
    elif health.final_url and health.final_url != health.url:
        parts.append(format_html("최종 주소: {}", health.final_url))
    if article.episode_id and health.offers_archive():
        parts.append(
            format_html(
                '독자에게 보관본도 안내 중: <a href="{0}" rel="noopener noreferrer">{0}</a>',
                article.archive_url,
            )
        )
    return format_html_join(mark_safe("<br>"), "{}", ((p,) for p in parts))


def quote_checks_html(article: SourceArticle) -> str:
    """Each quote, one by one, against the last fetched page, with a link to its place there.

    Needs `source_text` and `quotes` loaded (no query).
    """
    if not article.pk:
        return "—"
    try:
        stored = article.source_text
    except SourceText.DoesNotExist:
        stored = None
    if stored is not None and stored.url != article.url:
        stored = None
    checks = check_quotes([q.text for q in article.quotes.all()], stored.text if stored else None)
    if not checks:
        return _("인용문이 없습니다.")
    basis = (
        format_html("{} 가져온 원문과 비교했습니다.", _when(stored.fetched_at))
        if stored
        else _("원문을 가져오지 못해 비교할 수 없습니다.")
    )
    return format_html(
        '{}<ol class="quote-checks">{}</ol>',
        basis,
        format_html_join(
            "",
            '<li class="quote-{}"><strong>{}</strong> “{}” '
            '<a href="{}" rel="noopener noreferrer">원문에서 찾기</a></li>',
            (
                (c.status.value, c.status.label, c.quote, text_fragment_url(article.url, c.quote))
                for c in checks
            ),
        ),
    )


# --- Quotes in a form: one box, one quote per paragraph -------------------------------


class QuotesField(forms.Field):
    """A text box holding the article's quotes, one per paragraph; cleans to a list of texts.

    Quote marks around a whole paragraph are optional (articles.quotes.quotes_from_text).
    """

    widget = forms.Textarea

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("인용문(기사 원문 그대로)"))
        kwargs.setdefault(
            "help_text",
            _(
                "언론사의 문장을 고치지 않고 그대로 옮깁니다. 인용문 하나에 한 문단, 인용문 "
                "사이는 빈 줄로 나눕니다. 따옴표는 없어도 됩니다(독자에게 인용으로 보이고, "
                "원문의 그 문장으로 가는 링크가 붙습니다). 마크다운은 쓰지 않습니다. 생략한 "
                "곳은 …로 표시합니다."
            ),
        )
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("rows", 4)
        self.widget.attrs["data-desk-quotes"] = ""

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n\n".join(quote_paragraph(q) for q in value)
        return value

    def to_python(self, value) -> list[str]:
        return quotes_from_text(value or "")

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        errors = []
        if len(value) > MAX_QUOTES_PER_ARTICLE:
            errors.append(
                ValidationError(
                    _("인용문은 기사 하나에 %(limit)s개까지입니다(지금 %(count)s개)."),
                    code="too_many",
                    params={"limit": MAX_QUOTES_PER_ARTICLE, "count": len(value)},
                )
            )
        for number, text in enumerate(value, start=1):
            if not text:
                errors.append(
                    ValidationError(
                        _("%(number)s번째 인용문이 비어 있습니다(따옴표만 있습니다)."),
                        code="empty",
                        params={"number": number},
                    )
                )
            elif len(text) > MAX_QUOTE_LENGTH:
                errors.append(
                    ValidationError(
                        _(
                            "%(number)s번째 인용문이 너무 깁니다(%(length)s자, %(limit)s자까지). "
                            "나누거나 줄이거나, 내 말로 정리해 요약에 적어 주세요."
                        ),
                        code="too_long",
                        params={"number": number, "length": len(text), "limit": MAX_QUOTE_LENGTH},
                    )
                )
        if errors:
            raise ValidationError(errors)

    def has_changed(self, initial, data) -> bool:
        return self.to_python(self.prepare_value(initial)) != self.to_python(data)


class QuotesFormMixin:
    """For a SourceArticle model form declaring ``quotes = QuotesField()``: saved as quote rows.

    The rows are written right after the article, in the same transaction
    (`articles.services.quotes_replace`); their positions are their place in the box.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No query when the quotes were prefetched ("quotes").
        self.stored_quotes = list(self.instance.quotes.all()) if self.instance.pk else []
        self.initial["quotes"] = [q.text for q in self.stored_quotes]

    def save(self, commit=True):
        article = super().save(commit)
        if commit:
            self.save_quotes()
        else:
            save_related = self.save_m2m

            def save_m2m():
                save_related()
                self.save_quotes()

            self.save_m2m = save_m2m
        return article

    def save_quotes(self) -> None:
        texts = self.cleaned_data.get("quotes")
        if texts is None or texts == self.initial["quotes"]:
            return  # unchanged: nothing written
        services.quotes_replace(article=self.instance, texts=texts, stored=self.stored_quotes)


class SourceArticleAdminForm(QuotesFormMixin, forms.ModelForm):
    quotes = QuotesField()

    class Meta:
        model = SourceArticle
        fields = ["episode", "position", "url", "headline", "outlet", "published_on", "summary"]


def other_citations_html(article: SourceArticle) -> str:
    """Other episodes, drafts included, citing the same canonical URL. One query."""
    if not article.pk:
        return ""
    others = (
        SourceArticle.objects.citing_same_url_as([article])
        .select_related("episode__series")
        .order_by("-episode__publish_at", "-episode__number")
    )
    items = [
        (
            reverse("admin:columns_episode_change", args=[other.episode_id]),
            other.episode.title,
            _("발행") if other.episode.is_published() else _("미발행"),
        )
        for other in others
    ]
    if not items:
        return _("이 기사를 인용한 다른 화가 없습니다.")
    return format_html(
        '이 기사를 인용한 다른 화:<ul class="other-citations">{}</ul>',
        format_html_join("", '<li><a href="{}">{}</a> ({})</li>', items),
    )


def citation_check_html(article: SourceArticle) -> str:
    """Link health, quote checks and other citations, for the editor."""
    return format_html(
        "{}<br>{}<br>{}",
        link_health_html(article),
        quote_checks_html(article),
        other_citations_html(article),
    )


class LinkHealthInlineMixin:
    """For an inline of SourceArticle: the link's health and quote checks, read-only."""

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("health", "source_text")
            .prefetch_related("quotes")
        )

    @admin.display(description=_("링크·인용문 확인"))
    def citation_check(self, article: SourceArticle) -> str:
        """One query per article (other citations of the same URL)."""
        return citation_check_html(article)


class FailureCountFilter(admin.SimpleListFilter):
    title = _("연속 실패")
    parameter_name = "failures"

    def lookups(self, request, model_admin):
        return [("1", _("1회")), ("2", _("2회 이상")), ("5", _("5회 이상")), ("10", _("10회 이상"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "1":
            return queryset.filter(consecutive_failures=1)
        if value in {"2", "5", "10"}:
            return queryset.filter(consecutive_failures__gte=int(value))
        return queryset


@admin.register(BrokenLink)
class BrokenLinkAdmin(admin.ModelAdmin):
    """Every failing cited link across the archive; read-only, fixed in the episode."""

    list_display = [
        "headline",
        "outlet",
        "episode_link",
        "result",
        "status_code",
        "consecutive_failures",
        "checked_at",
        "last_ok_at",
        "url_link",
    ]
    list_display_links = ["headline"]
    list_filter = [
        FailureCountFilter,
        ("article__outlet", admin.RelatedOnlyFieldListFilter),
        "result",
    ]
    list_select_related = ["article__outlet", "article__episode__series"]
    search_fields = ["article__headline", "url", "article__outlet__name"]
    fields = [
        "article",
        "url",
        ("result", "status_code"),
        "detail",
        ("checked_at", "last_ok_at", "consecutive_failures"),
        "final_url",
        "moved_to",
        "history_table",
    ]
    readonly_fields = ["history_table"]

    def get_queryset(self, request):
        # Only records about the URL the article cites now.
        return super().get_queryset(request).broken().filter(url=F("article__url"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("기사 제목"), ordering="article__headline")
    def headline(self, health: LinkHealth) -> str:
        return health.article.headline

    @admin.display(description=_("언론사"), ordering="article__outlet__name")
    def outlet(self, health: LinkHealth) -> str:
        return health.article.outlet.name

    @admin.display(description=_("회차"))
    def episode_link(self, health: LinkHealth) -> str:
        episode = health.article.episode
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:columns_episode_change", args=[episode.pk]),
            episode.title,
        )

    @admin.display(description=_("주소"))
    def url_link(self, health: LinkHealth) -> str:
        return format_html('<a href="{0}" rel="noopener noreferrer">{0}</a>', health.url)

    @admin.display(description=_("최근 확인 기록"))
    def history_table(self, health: LinkHealth) -> str:
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li>{} · {} {} {}</li>",
                (
                    (
                        _when(parse_datetime(entry["at"])),
                        LinkHealth.Result(entry["result"]).label,
                        entry.get("status") or "",
                        entry.get("detail", ""),
                    )
                    for entry in health.history
                ),
            ),
        )


@admin.register(SourceArticle)
class SourceArticleAdmin(admin.ModelAdmin):
    form = SourceArticleAdminForm
    list_display = ["headline", "outlet", "episode", "position", "url", "link_result"]
    list_filter = ["outlet", "health__result"]
    list_select_related = ["outlet", "episode__series", "health"]
    search_fields = ["headline", "url", "outlet__name", "episode__headline"]
    autocomplete_fields = ["episode", "outlet"]
    fields = [
        "episode", "position", "url", "headline", "outlet", "published_on", "quotes", "summary",
        "citation_check",
    ]  # fmt: skip
    readonly_fields = ["citation_check"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("quotes")

    @admin.display(description=_("링크·인용문 확인"))
    def citation_check(self, article: SourceArticle) -> str:
        return citation_check_html(article)

    @admin.display(description=_("링크"), ordering="health__consecutive_failures")
    def link_result(self, article: SourceArticle) -> str:
        health = article.link_health()
        if health is None:
            return "—"
        if health.is_working():
            return health.get_result_display()
        return format_html(
            '<strong class="link-broken">{}</strong> ({}회 연속)',
            health.get_result_display(),
            health.consecutive_failures,
        )
