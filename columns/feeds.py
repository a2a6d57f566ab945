"""구독: RSS 2.0 and Atom feeds of published episodes, for the site and for each series.

Each entry carries the whole episode (intro, summarized articles, commentary,
references, keywords) as HTML: `<content:encoded>` in RSS, `<content>` in Atom;
the short description is the subtitle. The HTML is the episode page's own
stored body (columns.projections.body) with its links made absolute, so the
feed and the page can never say different things.
"""

import copy
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import format_html

from columns import pagecache, seo, sharecards
from columns.models import Episode, Series
from columns.projections import body as stored_body

FEED_LENGTH = 20
# What a feed does not read of an episode's stored rendering (it reads `feed_html`).
FEED_UNUSED_PARTS = (
    "body_html",
    "comments_html",
    "card_html",
    "head_html",
    "header_html",
    "json_ld_html",
)


class _RssWithContent(Rss201rev2Feed):
    def rss_attributes(self) -> dict[str, str]:
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
            "xmlns:media": "http://search.yahoo.com/mrss/",
        }

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content_html"])
        card = item["card"]
        # Media RSS: an image needs no byte length (an RSS enclosure does).
        handler.addQuickElement(
            "media:content",
            attrs={
                "url": card["url"],
                "medium": "image",
                "type": card["type"],
                "width": str(card["width"]),
                "height": str(card["height"]),
            },
        )


class _AtomWithContent(Atom1Feed):
    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content_html"], {"type": "html"})
        card = item["card"]
        handler.addQuickElement(
            "link", attrs={"rel": "enclosure", "href": card["url"], "type": card["type"]}
        )


def _link(path: str) -> str:
    # An absolute address is kept as is by Feed; a path gets the request's host.
    return settings.SITE_URL + path if settings.SITE_URL else path


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class EpisodesFeed(Feed):
    """Newest published episodes of the whole site (one query whatever their number)."""

    feed_type = _RssWithContent
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
            episodes.select_related("series", "rendered")
            # In the stored rendering (its feed copy); comment lists are not in a feed.
            .defer(
                "intro",
                "intro_html",
                "closing",
                "closing_html",
                *(f"rendered__{name}" for name in FEED_UNUSED_PARTS),
            )
            .order_by("-publish_at", "-pk")
        )

    def items(self, series: Series | None) -> list[Episode]:
        episodes = list(self.episodes(series)[:FEED_LENGTH])
        for episode in episodes:
            stored_body.rendered(episode)  # no query unless a body is out of date
        return episodes

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

    def item_title(self, episode: Episode) -> str:
        return episode.title

    def item_description(self, episode: Episode) -> str:
        return episode.subtitle or episode.headline

    def item_link(self, episode: Episode) -> str:
        return _link(episode.get_absolute_url())

    def item_author_name(self, episode: Episode) -> str:
        return episode.series.author_name

    def item_pubdate(self, episode: Episode) -> datetime:
        return _utc(episode.publish_at)

    def item_updateddate(self, episode: Episode) -> datetime:
        # Only a correction (정정) dates a change for readers; quiet fixes keep the date.
        # Corrected before a scheduled time, it still changed only when it appeared.
        return _utc(max(episode.publish_at, episode.corrected_at or episode.publish_at))

    def item_categories(self, episode: Episode) -> list[str]:
        return list(episode.rendered.keyword_names)

    def item_extra_kwargs(self, episode: Episode) -> dict[str, str]:
        byline = format_html(
            "{}<p>by {} · {} {}화</p>",
            format_html("<p><strong>{}</strong></p>", episode.subtitle) if episode.subtitle else "",
            episode.series.author_name,
            episode.series.title,
            episode.number,
        )
        body = stored_body.feed_body(episode.rendered, self._site)
        card = sharecards.episode_card(episode)
        card_url = _link(card.path)
        if not card_url.startswith(("http:", "https:")):
            card_url = self._site + card_url
        return {
            "content_html": byline + body,
            "card": {
                "url": card_url,
                "type": card.mime,
                "width": card.width,
                "height": card.height,
            },
        }


class EpisodesAtomFeed(EpisodesFeed):
    feed_type = _AtomWithContent
    subtitle = EpisodesFeed.description

    def self_path(self, series: Series | None) -> str:
        return reverse("columns:feed_atom")


class SeriesFeed(EpisodesFeed):
    """One series' newest published episodes (five queries: the series, then as above)."""

    def get_object(self, request: HttpRequest, slug: str) -> Series:
        return get_object_or_404(Series, slug=slug)

    def self_path(self, series: Series | None) -> str:
        return reverse("columns:series_feed_rss", args=[series.slug])


class SeriesAtomFeed(SeriesFeed):
    feed_type = _AtomWithContent
    subtitle = EpisodesFeed.description

    def self_path(self, series: Series | None) -> str:
        return reverse("columns:series_feed_atom", args=[series.slug])
