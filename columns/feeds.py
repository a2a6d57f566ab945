"""구독: RSS 2.0 and Atom feeds of published episodes, for the site and for each series.

Each entry carries the whole episode (intro, summarized articles, commentary,
references, keywords) as HTML: `<content:encoded>` in RSS, `<content>` in Atom;
the short description is the subtitle. The HTML is the episode page's own
stored body (columns.projections.body) with its links made absolute, so the
feed and the page can never say different things.
"""

import copy

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse

from columns import pagecache, seo
from columns.models import Episode, Series
from columns.projections import body as stored_body
from columns.projections import feed_entries
from columns.projections.feed_entries import AtomWithContent, RssWithContent

FEED_LENGTH = 20


def _link(path: str) -> str:
    # An absolute address is kept as is by Feed; a path gets the request's host.
    return settings.SITE_URL + path if settings.SITE_URL else path


class EpisodesFeed(Feed):
    """Newest published episodes of the whole site (one query whatever their number).

    Feed writes the channel; its entries are the episodes' stored ones
    (columns.projections.feed_entries), passed to the generator whole.
    """

    feed_type = RssWithContent
    language = "ko"

    def get_object(self, request: HttpRequest, *args, **kwargs) -> Series | None:
        return None

    def __call__(self, request, *args, **kwargs):
        # Links inside entries are absolute on this site, as the entries' own links
        # are. One feed object serves every request: the address goes on a copy.
        pagecache.page_shows(request, pagecache.FEEDS, pagecache.LISTS)
        feed = copy.copy(self)
        feed._site = seo.site_origin(request)
        return super(EpisodesFeed, feed).__call__(request, *args, **kwargs)

    def episodes(self, series: Series | None) -> QuerySet[Episode]:
        episodes = Episode.objects.published()
        if series is not None:
            episodes = episodes.filter(series=series)
        return (
            episodes.select_related("rendered")
            # Of the stored rendering only this feed's entries (and whether they are current).
            .only(
                "publish_at",
                "corrected_at",
                "rendered__version",
                f"rendered__{self.feed_type.stored_field}",
            )
            .order_by("-publish_at", "-pk")
        )

    def items(self, series: Series | None) -> tuple:
        return ()  # the entries come stored, as feed_extra_kwargs

    def feed_extra_kwargs(self, series: Series | None) -> dict:
        episodes = list(self.episodes(series)[:FEED_LENGTH])
        field = self.feed_type.stored_field
        # No query unless a stored rendering is out of date.
        written = "".join(getattr(stored_body.rendered(e), field) for e in episodes)
        return {
            "stored_entries": written.replace(stored_body.STORED_ORIGIN, self._site),
            "latest_entry_date": max(map(feed_entries.updated, episodes), default=None),
        }

    def title(self, series: Series | None) -> str:
        return f"{series.title} · {settings.SITE_NAME}" if series else settings.SITE_NAME

    def description(self, series: Series | None) -> str:
        if series:
            return f"{series.author_name}의 연재 「{series.title}」 새 글"
        return f"{settings.SITE_NAME}: 뉴스를 요약하고 인용하며 논평하는 연재의 새 글"

    def link(self, series: Series | None) -> str:
        return _link(series.get_absolute_url() if series else reverse("columns:home"))

    def feed_url(self, series: Series | None) -> str:
        return _link(self.self_path(series))

    def self_path(self, series: Series | None) -> str:
        return reverse("columns:feed_rss")

    def author_name(self, series: Series | None) -> str | None:
        return series.author_name if series else None


class EpisodesAtomFeed(EpisodesFeed):
    feed_type = AtomWithContent
    subtitle = EpisodesFeed.description

    def self_path(self, series: Series | None) -> str:
        return reverse("columns:feed_atom")


class SeriesFeed(EpisodesFeed):
    """One series' newest published episodes (two queries: the series, then as above)."""

    def get_object(self, request: HttpRequest, slug: str) -> Series:
        return get_object_or_404(Series, slug=slug)

    def self_path(self, series: Series | None) -> str:
        return reverse("columns:series_feed_rss", args=[series.slug])


class SeriesAtomFeed(SeriesFeed):
    feed_type = AtomWithContent
    subtitle = EpisodesFeed.description

    def self_path(self, series: Series | None) -> str:
        return reverse("columns:series_feed_atom", args=[series.slug])
