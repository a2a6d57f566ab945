from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.urlrules import MAX_URL_LENGTH, canonicalize_url
from columns.markup import render_markdown
from columns.models import MarkdownField


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


class Outlet(models.Model):
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


class SourceArticle(models.Model):
    """A news article an episode summarizes (요약한 기사) and cites (참고기사)."""

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
    summary = MarkdownField(_("요약(인용문)"), blank=True)
    summary_html = models.TextField(editable=False, blank=True)
    published_on = models.DateField(_("기사 날짜"), null=True, blank=True)

    class Meta:
        verbose_name = _("인용 기사")
        verbose_name_plural = _("인용 기사")
        ordering = ["episode", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "position"], name="article_unique_position_per_episode"
            ),
            models.UniqueConstraint(
                fields=["episode", "url"],
                name="article_unique_url_per_episode",
                violation_error_message=_("이 회차에 같은 기사 주소가 이미 인용되어 있습니다."),
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="article_position_positive"),
        ]

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
        if errors:
            raise ValidationError(errors)

    def clean(self):
        if self.outlet_id is None and self.url:
            try:
                outlet = Outlet.objects.for_url(canonicalize_url(self.url))
            except ValidationError:
                return  # the url error is already reported
            if outlet is None:
                raise ValidationError(
                    {
                        "outlet": _(
                            "언론사를 골라 주세요: 도메인 %(host)s에 연결된 언론사가 없습니다."
                        )
                        % {"host": host_of(self.url)}
                    }
                )
            self.outlet = outlet
