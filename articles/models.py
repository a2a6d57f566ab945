import hashlib
from datetime import date
from urllib.parse import urlsplit

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import MD5
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.quotes import MAX_QUOTE_LENGTH
from articles.textfragments import text_fragment_url
from articles.urlrules import MAX_URL_LENGTH, canonicalize_url
from common.markup import MarkdownField, render_markdown
from common.models import RemembersLoadedValues


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class OutletQuerySet(models.QuerySet):
    def for_url(self, url: str):
        """The outlet whose domain serves this (canonical) URL, or None. One query."""
        host = host_of(url)
        labels = host.split(".")
        # www.zdnet.co.kr → also try zdnet.co.kr, co.kr is never a registered outlet domain.
        candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
        if not candidates:
            return None
        domains = {
            d.domain: d.outlet
            for d in OutletDomain.objects.filter(domain__in=candidates).select_related("outlet")
        }
        for candidate in candidates:
            if candidate in domains:
                return domains[candidate]
        return None


class Outlet(RemembersLoadedValues):
    remembered_fields = ("name", "slug")

    name = models.CharField(_("언론사 이름"), max_length=100, unique=True)
    slug = models.SlugField(_("주소 이름"), max_length=100, unique=True, allow_unicode=True)

    objects = OutletQuerySet.as_manager()

    class Meta:
        verbose_name = _("언론사")
        verbose_name_plural = _("언론사")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("columns:outlet", kwargs={"slug": self.slug})


class OutletDomain(models.Model):
    outlet = models.ForeignKey(
        Outlet, verbose_name=_("언론사"), on_delete=models.CASCADE, related_name="domains"
    )
    domain = models.CharField(
        _("도메인"), max_length=253, unique=True, help_text=_("예: zdnet.co.kr (www. 없이)")
    )

    class Meta:
        verbose_name = _("언론사 도메인")
        verbose_name_plural = _("언론사 도메인")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def clean(self):
        try:
            self.domain = host_of(canonicalize_url(f"https://{self.domain.strip()}/"))
        except ValidationError as error:
            raise ValidationError({"domain": error.messages}) from None
        self.domain = self.domain.removeprefix("www.")


class CitedURLField(models.CharField):
    """A cited article's address; validated and canonicalized by SourceArticle."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", MAX_URL_LENGTH)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        # Judge the raw value: a form must not quietly strip what the rules refuse.
        kwargs.setdefault("strip", False)
        return super().formfield(**kwargs)


class SourceArticleQuerySet(models.QuerySet):
    def citing_same_url_as(self, articles):
        """Other episodes' articles citing any of these articles' (canonical) URLs.

        Evaluating it runs one query; the given articles' own episodes are left out.
        """
        articles = list(articles)
        return self.citing_urls(
            {a.url for a in articles}, excluding_episodes={a.episode_id for a in articles}
        )

    def citing_urls(self, urls, *, excluding_episodes):
        """Articles citing any of these URLs outside the given episodes (the URL-hash index).

        Matched on the hash alone, as the one-citation-per-episode constraint is.
        Adding `url IN (…)` would be no safer and costs SQLite its index: it
        substitutes the constant into MD5(url) and then scans the table.
        """
        hashes = {hashlib.md5(url.encode()).hexdigest() for url in urls}  # noqa: S324 (lookup key)
        return (
            self.alias(url_md5=MD5("url"))
            .filter(url_md5__in=hashes)
            .exclude(episode_id__in=excluding_episodes)
        )


# Following `quotes`, an episode's revision (which follows its articles) keeps its quotes too.
@reversion.register(follow=("quotes",))
class SourceArticle(RemembersLoadedValues):
    """A news article an episode summarizes (요약한 기사) and cites (참고기사).

    What the outlet said is kept as quotes (`SourceQuote`, the outlet's exact
    words, one row each); `summary` is the editor's own words about it.
    """

    remembered_fields = ("episode_id", "url", "outlet_id")

    episode = models.ForeignKey(
        "columns.Episode",
        verbose_name=_("회차"),
        on_delete=models.CASCADE,
        related_name="articles",
    )
    position = models.PositiveSmallIntegerField(_("번호"))
    headline = models.CharField(_("기사 제목"), max_length=300)
    outlet = models.ForeignKey(
        Outlet,
        verbose_name=_("언론사"),
        on_delete=models.PROTECT,
        related_name="articles",
        blank=True,
        help_text=_("비워 두면 주소의 도메인으로 찾습니다."),
    )
    url = CitedURLField(_("기사 주소"))
    summary = MarkdownField(
        _("요약(내 말로)"),
        blank=True,
        help_text=_(
            "기사의 내용을 내 말로 정리합니다. 기사의 문장을 그대로 옮길 때는 인용문에 씁니다."
        ),
    )
    summary_html = models.TextField(editable=False, blank=True)
    published_on = models.DateField(_("기사 날짜"), null=True, blank=True)

    objects = SourceArticleQuerySet.as_manager()

    #: Not stored: a name for a new outlet, typed (or looked up) in the editor's
    #: row when no outlet serves the URL's domain. With it, `clean` lets the row
    #: through and `articles.services.outlet_for_citation` creates the outlet on save.
    new_outlet_name = ""

    class Meta:
        verbose_name = _("인용 기사")
        verbose_name_plural = _("인용 기사")
        ordering = ["episode", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "position"], name="article_unique_position_per_episode"
            ),
            # On a hash of the URL: a B-tree row on PostgreSQL holds at most
            # about 2.7 KB, and a 2,048-character URL with Korean in it is longer.
            models.UniqueConstraint(
                "episode",
                MD5("url"),
                name="article_unique_url_per_episode",
                violation_error_message=_("이 회차에 같은 기사 주소가 이미 인용되어 있습니다."),
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="article_position_positive"),
        ]
        # "Cited in other episodes" looks articles up by URL across the archive;
        # hashed for the same reason as the constraint above.
        indexes = [models.Index(MD5("url"), name="article_url_md5")]

    def __str__(self) -> str:
        return f"{self.position}. {self.headline}"

    def save(self, *args, **kwargs):
        self.summary_html = render_markdown(self.summary)
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        """Canonicalize the URL first, so every later check sees the stored form."""
        errors = {}
        exclude = set(exclude or ())
        if "url" not in exclude:
            try:
                self.url = canonicalize_url(self.url)
            except ValidationError as error:
                errors["url"] = error.error_list
                exclude.add("url")
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if "position" not in exclude | errors.keys() and self.position is not None:
            if self.position < 1:
                # Said in words: the check constraint's own message is only its name.
                message = _("번호는 1 이상이어야 합니다.")
                errors["position"] = [ValidationError(message, code="min_value")]
        if errors:
            raise ValidationError(errors)

    def clean(self):
        if self.outlet_id is None and self.url:
            try:
                outlet = Outlet.objects.for_url(canonicalize_url(self.url))
            except ValidationError:
                return  # the url error is already reported
            if outlet is None:
                if self.new_outlet_name:
                    return  # created with its domain when the row is saved
                raise ValidationError(
                    {
                        "outlet": _(
                            "언론사를 골라 주세요(또는 새 언론사 이름을 적어 주세요): "
                            "도메인 %(host)s에 연결된 언론사가 없습니다."
                        )
                        % {"host": host_of(self.url)}
                    }
                )
            self.outlet = outlet

    def link_health(self) -> "LinkHealth | None":
        """The checker's record for the current URL, or None (no query if `health` is loaded)."""
        try:
            health = self.health
        except LinkHealth.DoesNotExist:
            return None
        return health if health.url == self.url else None

    @property
    def archive_url(self) -> str:
        """A Wayback Machine copy to offer readers once the link keeps failing, else "".

        Needs `health` and `episode` loaded (select_related / prefetch) to run no query.
        The copy closest to the episode's date is the page the column summarized.
        """
        health = self.link_health()
        if health is None or not health.offers_archive():
            return ""
        when = self.episode.publish_at or self.episode.created_at
        return wayback_url(self.url, timezone.localdate(when))


@reversion.register()
class SourceQuote(RemembersLoadedValues):
    """One quoted excerpt of a cited article: the outlet's exact words, in order.

    Plain text, never Markdown: a quote is verbatim, so nothing in it is
    markup (the page escapes it and shows it as a quotation). Checked against
    the fetched page one by one (`articles.quotes.check_quotes`) and linked to
    its place in the source (`articles.textfragments`).
    """

    remembered_fields = ("article_id",)

    article = models.ForeignKey(
        SourceArticle, verbose_name=_("인용 기사"), on_delete=models.CASCADE, related_name="quotes"
    )
    position = models.PositiveSmallIntegerField(_("순서"))
    text = models.TextField(
        _("인용문"),
        validators=[
            MaxLengthValidator(
                MAX_QUOTE_LENGTH,
                message=_("인용문은 %(limit_value)s자 이하여야 합니다(지금 %(show_value)s자)."),
            )
        ],
        help_text=_("언론사의 문장을 그대로 옮깁니다(마크다운 아님)."),
    )

    class Meta:
        verbose_name = _("인용문")
        verbose_name_plural = _("인용문")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "position"], name="quote_unique_position_per_article"
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="quote_position_positive"),
        ]

    def __str__(self) -> str:
        return f"“{self.text[:40]}”"

    @property
    def source_url(self) -> str:
        """The cited URL with a text fragment that lands on this quote (needs `article` loaded)."""
        return text_fragment_url(self.article.url, self.text)


def wayback_url(url: str, day: date) -> str:
    """The Internet Archive's address for the copy of `url` nearest to `day`."""
    return f"https://web.archive.org/web/{day:%Y%m%d}/{url}"


class LinkHealthQuerySet(models.QuerySet):
    def broken(self):
        """Links whose last check failed."""
        return self.filter(consecutive_failures__gte=1)


class LinkHealth(RemembersLoadedValues):
    """What the link checker (articles.linkcheck) last saw at a cited article's URL.

    Written only by `articles.services.link_check_record`; one row per article.
    """

    remembered_fields = ("consecutive_failures",)

    class Result(models.TextChoices):
        OK = "ok", _("정상")
        MOVED = "moved", _("다른 주소로 옮겨짐")
        HTTP_ERROR = "http_error", _("오류 응답")
        UNREACHABLE = "unreachable", _("응답 없음")
        REDIRECTS = "redirects", _("리디렉션 반복")
        REFUSED = "refused", _("안전하지 않은 주소")

    #: Results that mean "a reader following the link gets the page".
    WORKING = frozenset({Result.OK, Result.MOVED})

    article = models.OneToOneField(
        SourceArticle, verbose_name=_("인용 기사"), on_delete=models.CASCADE, related_name="health"
    )
    url = CitedURLField(_("확인한 주소"), editable=False)
    result = models.CharField(_("결과"), max_length=12, choices=Result.choices)
    status_code = models.PositiveSmallIntegerField(_("응답 코드"), null=True, blank=True)
    detail = models.CharField(_("설명"), max_length=300, blank=True)
    checked_at = models.DateTimeField(_("마지막 확인"))
    last_ok_at = models.DateTimeField(_("마지막 정상"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("연속 실패"), default=0)
    final_url = models.CharField(_("최종 주소"), max_length=MAX_URL_LENGTH, blank=True)
    moved_to = models.CharField(
        _("옮겨 간 주소"),
        max_length=MAX_URL_LENGTH,
        blank=True,
        help_text=_("영구 리디렉션이 가리키는 주소. 기사 주소는 자동으로 바꾸지 않습니다."),
    )
    # [{"status": 301, "url": "…"}, …] of the last check, in order.
    redirects = models.JSONField(_("리디렉션"), default=list, blank=True)
    # Newest first, at most settings.LINKCHECK_HISTORY_LENGTH entries:
    # [{"at": iso time, "result": "ok", "status": 200, "detail": ""}, …]
    history = models.JSONField(_("기록"), default=list, blank=True)

    objects = LinkHealthQuerySet.as_manager()

    class Meta:
        verbose_name = _("링크 상태")
        verbose_name_plural = _("링크 상태")
        ordering = ["-consecutive_failures", "-checked_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    result__in=["ok", "moved", "http_error", "unreachable", "redirects", "refused"]
                ),
                name="linkhealth_result_valid",
            ),
            models.CheckConstraint(
                condition=Q(result__in=["ok", "moved"], consecutive_failures=0)
                | (~Q(result__in=["ok", "moved"]) & Q(consecutive_failures__gte=1)),
                name="linkhealth_failures_match_result",
            ),
        ]
        indexes = [
            models.Index(fields=["consecutive_failures", "checked_at"], name="linkhealth_broken"),
            models.Index(fields=["checked_at"], name="linkhealth_checked_at"),
        ]

    def __str__(self) -> str:
        return f"{self.url} ({self.get_result_display()})"

    def is_working(self) -> bool:
        return self.result in self.WORKING

    def offers_archive(self) -> bool:
        """True once the link failed often enough that readers get an archived copy too."""
        return self.consecutive_failures >= settings.LINKCHECK_ARCHIVE_AFTER_FAILURES


class BrokenLink(LinkHealth):
    """The admin's list of failing links across the archive (same rows, own admin page)."""

    class Meta:
        proxy = True
        verbose_name = _("깨진 링크")
        verbose_name_plural = _("깨진 링크")


class SourceText(models.Model):
    """The readable text of a cited article's page as last fetched, for quote checks.

    Kept apart from LinkHealth so that pages listing articles never load it.
    """

    article = models.OneToOneField(
        SourceArticle,
        verbose_name=_("인용 기사"),
        on_delete=models.CASCADE,
        related_name="source_text",
    )
    url = CitedURLField(_("가져온 주소"), editable=False)
    text = models.TextField(_("본문 텍스트"), blank=True)
    charset = models.CharField(_("문자 인코딩"), max_length=40, blank=True)
    fetched_at = models.DateTimeField(_("가져온 때"))

    class Meta:
        verbose_name = _("기사 본문")
        verbose_name_plural = _("기사 본문")
        ordering = ["-fetched_at"]

    def __str__(self) -> str:
        return self.url
