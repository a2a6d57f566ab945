"""sitemap.xml: the pages search engines should know, each with when it last changed.

Only what a reader can open appears: published episodes, and series, keyword
and outlet pages that list at least one of them.
"""

from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from articles.models import Outlet
from columns import pagecache
from columns.models import Episode, Series, published_filter


class _SiteSitemap(Sitemap):
    """Addresses on settings.SITE_URL when it is set, else on the request's host."""

    def get_domain(self, site=None) -> str:
        if settings.SITE_URL:
            return urlsplit(settings.SITE_URL).netloc
        return super().get_domain(site)

    def get_protocol(self, protocol=None) -> str:
        if settings.SITE_URL:
            return urlsplit(settings.SITE_URL).scheme
        return super().get_protocol(protocol)


class PagesSitemap(_SiteSitemap):
    """The front page and the list of series change whenever an episode appears."""

    changefreq = "daily"
    priority = 0.6

    def items(self) -> list[str]:
        return ["columns:home", "columns:series_list"]

    def location(self, name: str) -> str:
        return reverse(name)

    def lastmod(self, name: str) -> datetime | None:
        return Episode.objects.published().aggregate(latest=Max("publish_at"))["latest"]


class EpisodeSitemap(_SiteSitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self) -> QuerySet[Episode]:
        return (
            Episode.objects.published()
            .select_related("series")
            .only("number", "publish_at", "updated_at", "series__slug")
            .order_by("-publish_at", "-pk")
        )

    def lastmod(self, episode: Episode) -> datetime:
        return max(episode.publish_at, episode.updated_at)


class SeriesSitemap(_SiteSitemap):
    changefreq = "weekly"
    priority = 0.7

    def items(self) -> QuerySet[Series]:
        return (
            Series.objects.annotate(
                last_published=Max("episodes__publish_at", filter=published_filter("episodes__"))
            )
            .filter(last_published__isnull=False)
            .order_by("title")
        )

    def lastmod(self, series: Series) -> datetime:
        return series.last_published


class KeywordSitemap(_SiteSitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self) -> list[dict]:
        return list(
            Episode.objects.published()
            .filter(keywords__isnull=False)
            .values("keywords__slug")
            .annotate(last_published=Max("publish_at"))
            .order_by("keywords__slug")
        )

    def location(self, row: dict) -> str:
        return reverse("columns:keyword", args=[row["keywords__slug"]])

    def lastmod(self, row: dict) -> datetime:
        return row["last_published"]


class OutletSitemap(_SiteSitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self) -> QuerySet[Outlet]:
        return (
            Outlet.objects.annotate(
                last_published=Max(
                    "articles__episode__publish_at", filter=published_filter("articles__episode__")
                )
            )
            .filter(last_published__isnull=False)
            .order_by("name")
        )

    def lastmod(self, outlet: Outlet) -> datetime:
        return outlet.last_published


SITEMAPS = {
    "pages": PagesSitemap,
    "series": SeriesSitemap,
    "episodes": EpisodeSitemap,
    "keywords": KeywordSitemap,
    "outlets": OutletSitemap,
}


def sitemap_view(request: HttpRequest) -> HttpResponse:
    """Django's sitemap view, telling the page cache what the sitemap shows."""
    pagecache.page_shows(request, pagecache.SITEMAP, pagecache.LISTS)
    return sitemap(request, sitemaps=SITEMAPS)
