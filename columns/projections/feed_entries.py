"""Each episode's feed entries (an RSS `<item>`, an Atom `<entry>`), written when it is stored.

A feed is twenty episodes, each with its whole body. Django's syndication
framework builds every entry element by element on every request (about
33,000 Python calls for one feed, two thirds of its time), although an
entry changes only when its episode does. So the entries are written here
with the very same feed generators when the episode's body is stored
(columns.projections.body) and kept as two strings; a feed request lets the
framework write the channel and then writes the stored entries as they are
(`StoredEntries`). The feed's entries and the page are made from the same
stored body and change together.

Addresses are written on the stored body's stand-in origin and put on the
reader's once per feed (columns.feeds).
"""

import io
from datetime import UTC, datetime

from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import format_html
from django.utils.xmlutils import SimplerXMLGenerator

from columns import sharecards
from columns.models import Episode


class StoredEntries:
    """A feed generator that writes its entries as stored (`stored_entries`, already XML).

    The view passes them, with the newest date among them, as extra feed
    arguments; `entry` writes one entry with the generator's own elements.
    """

    def write_items(self, handler) -> None:
        # Written raw: each entry is XML the same generator wrote (see `entry`).
        handler.ignorableWhitespace(self.feed["stored_entries"])

    def latest_post_date(self) -> datetime:
        return self.feed["latest_entry_date"] or super().latest_post_date()

    @classmethod
    def entry(cls, item: dict) -> str:
        """One entry's XML, as this generator writes it within its feed."""
        generator = cls(title="", link="", description="")
        generator.add_item(**item)
        out = io.StringIO()
        handler = SimplerXMLGenerator(out, "utf-8", short_empty_elements=True)
        super(StoredEntries, generator).write_items(handler)
        return out.getvalue()


class RssWithContent(StoredEntries, Rss201rev2Feed):
    stored_field = "feed_rss_item"

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


class AtomWithContent(StoredEntries, Atom1Feed):
    stored_field = "feed_atom_entry"

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content_html"], {"type": "html"})
        card = item["card"]
        handler.addQuickElement(
            "link", attrs={"rel": "enclosure", "href": card["url"], "type": card["type"]}
        )


def updated(episode: Episode) -> datetime | None:
    """When readers last saw the episode change: published, or corrected since (UTC).

    Only a correction (정정) dates a change for readers; quiet fixes keep the
    date. Corrected before a scheduled time, it still changed only when it appeared.
    """
    if episode.publish_at is None:  # a draft: its entry is written again when published
        return None
    return max(episode.publish_at, episode.corrected_at or episode.publish_at).astimezone(UTC)


def _item(episode: Episode, *, keyword_names: list[str], body: str, origin: str) -> dict:
    """What the feed generators need of one episode (Feed.get_feed's item arguments)."""
    series = episode.series
    link = origin + episode.get_absolute_url()
    byline = format_html(
        "{}<p>by {} · {} {}화</p>",
        format_html("<p><strong>{}</strong></p>", episode.subtitle) if episode.subtitle else "",
        series.author_name,
        series.title,
        episode.number,
    )
    card = sharecards.episode_card(episode)
    card_url = card.path if card.path.startswith(("http:", "https:")) else origin + card.path
    return {
        "title": episode.title,
        "link": link,
        "description": episode.subtitle or episode.headline,
        "unique_id": link,
        "pubdate": episode.publish_at and episode.publish_at.astimezone(UTC),
        "updateddate": updated(episode),
        "author_name": series.author_name,
        "categories": list(keyword_names),
        "content_html": byline + body,
        "card": {"url": card_url, "type": card.mime, "width": card.width, "height": card.height},
    }


def entries(episode: Episode, *, keyword_names: list[str], body: str, origin: str) -> dict:
    """The episode's stored entries by RenderedEpisode field: its RSS item and Atom entry.

    `body` is the stored body with its links made absolute on `origin`.
    """
    item = _item(episode, keyword_names=keyword_names, body=body, origin=origin)
    return {feed.stored_field: feed.entry(item) for feed in (RssWithContent, AtomWithContent)}
