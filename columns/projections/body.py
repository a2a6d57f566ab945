"""The episode's stored page parts: rendered once per change, not once per reader.

An episode page is mostly its parts (summaries of the cited articles,
commentary, closing, references, keywords), which live in four tables. They
change when an editor saves them and are read by every reader, so they are
rendered when they change (by `columns.projections.refresh`) and stored
beside the episode in `RenderedEpisode`: the body, the page's head, header
and JSON-LD, the episode's card for lists, its feed entries
(columns.projections.feed_entries), and apart from them the list of
approved comments, so that approving a comment renders only that list. The
page then reads one row; only what depends on other episodes (the
neighbours, who else cites an article) or on the reader (CSRF tokens,
messages, a staff preview's banner) is drawn per view.

Each citation also records whether another episode cites the same URL; an
article saved with a URL marks the other episodes citing it, so the mark is
set wherever it should be (left set after the other citation goes, it costs
only a lookup that finds nothing).
"""

import functools
import hashlib
import re
from collections import defaultdict

from django.conf import settings
from django.http import QueryDict
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe

from articles.models import SourceArticle
from columns import seo, sharecards
from columns.models import Comment, Episode, RenderedEpisode
from columns.projections import feed_entries
from columns.projections.parts import EpisodeParts

# Where the "이 기사를 인용한 다른 화" list of an article goes: which other
# episodes are published changes without this episode changing, so the list
# is filled in per view (`with_cited_elsewhere`). Written out in episode_body.html.
CITED_ELSEWHERE_MARK = "<!--cited-elsewhere:{position}-->"
_ANY_MARK = re.compile(r"<!--cited-elsewhere:\d+-->\n?")

# What a stored body depends on besides the episode's rows: the templates, and
# the shape of what is stored (raise it when RenderedEpisode's contents change).
# 4: citations carry their quotes; 5: with their text-fragment links, and the card;
# 6: the page's head, header and JSON-LD (columns.seo.episode_structured_data), the
# feed's copy of the body; 7: the feed entries whole (columns.projections.feed_entries).
RENDERING_FORMAT = 7
BODY_TEMPLATES = (
    "columns/episode_body.html",
    "articles/source_links.html",
    "includes/comment_list.html",
    "includes/episode_card.html",
    "includes/cover_picture.html",
    "columns/episode_head.html",
    "columns/episode_header.html",
    "includes/share_meta.html",
    "includes/series_feed_links.html",
)
_BODY_FIELDS = [
    "body_html",
    "card_html",
    "head_html",
    "header_html",
    "json_ld_html",
    "feed_rss_item",
    "feed_atom_entry",
    "keyword_names",
    "citations",
    "version",
    "rendered_at",
]
# The page's parts besides the body, each rendered from its template.
PAGE_PARTS = ("head", "header", "json_ld")

# A stored part is rendered without a request, so its absolute addresses (og:url,
# the share card, JSON-LD) are written on this stand-in origin and put on the
# reader's by `page_parts` (with settings.SITE_URL set, they are written on it).
STORED_ORIGIN = "http://stored-origin.invalid"


class _StandInRequest:
    """What the share-preview and JSON-LD tags read of a request (columns.templatetags.seo)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.GET = QueryDict()

    def build_absolute_uri(self, location: str) -> str:
        return STORED_ORIGIN + location


@functools.cache
def body_version() -> str:
    """A fingerprint of the templates and settings bodies are rendered with.

    A deploy that changes either makes every stored body out of date; each is
    rendered again on its next view, with no step to remember.
    """
    digest = hashlib.sha256(str(RENDERING_FORMAT).encode())
    for name in BODY_TEMPLATES:
        digest.update(get_template(name).template.source.encode())
    # The share card's address (in the head and JSON-LD) changes with its drawing.
    for value in (
        settings.LINKCHECK_ARCHIVE_AFTER_FAILURES,
        settings.SITE_URL,
        settings.SITE_NAME,
        sharecards.CARD_FORMAT,
        sharecards.signing_fingerprint(),  # card names are signed with the secret key
    ):
        digest.update(f"\0{value}".encode())
    return digest.hexdigest()[:16]


def _rendered_row(parts: EpisodeParts, cited_elsewhere: set[str]) -> RenderedEpisode:
    episode, articles = parts.episode, parts.articles
    body = render_to_string(
        "columns/episode_body.html",
        {
            "episode": episode,
            "articles": articles,
            "commentary": parts.commentary,
            "keywords": parts.keywords,
            "corrections": parts.corrections,
        },
    )
    row = RenderedEpisode(
        episode=episode,
        body_html=body,
        card_html=render_to_string("includes/episode_card.html", {"episode": episode}),
        keyword_names=[tag.name for tag in parts.keywords],
        citations=[
            {
                "position": a.position,
                "headline": a.headline,
                "outlet": a.outlet.name,
                "url": a.url,
                "quotes": [{"text": q.text, "url": q.source_url} for q in a.quotes.all()],
                "cited_elsewhere": a.url in cited_elsewhere,
            }
            for a in articles
        ],
        version=body_version(),
    )
    episode.rendered = row  # the JSON-LD reads the keywords and citations from it
    request = _StandInRequest(episode.get_absolute_url())
    context = {
        "episode": episode,
        "keyword_names": row.keyword_names,
        "SITE_NAME": settings.SITE_NAME,
        "request": request,
    }
    row.head_html = render_to_string("columns/episode_head.html", context)
    row.header_html = render_to_string("columns/episode_header.html", context)
    row.json_ld_html = seo.json_ld_script(seo.episode_structured_data(episode, request))
    feed_body = for_feed(body, site=STORED_ORIGIN, page_url=STORED_ORIGIN + request.path)
    for field, xml in feed_entries.entries(
        episode, keyword_names=row.keyword_names, body=feed_body, origin=STORED_ORIGIN
    ).items():
        setattr(row, field, xml)
    return row


def page_parts(stored: RenderedEpisode, origin: str) -> dict[str, SafeString]:
    """The stored head, header and JSON-LD, their addresses on `origin` (scheme and host)."""
    # Rendered from sanitized parts and escaped fields; `origin` is settings.SITE_URL
    # or the request's validated scheme and host, safe in attributes and in JSON.
    return {
        name: mark_safe(getattr(stored, f"{name}_html").replace(STORED_ORIGIN, origin))  # noqa: S308
        for name in PAGE_PARTS
    }


def store_bodies(loaded: list[EpisodeParts]) -> None:
    """Render and store these episodes' bodies (two queries for all of them)."""
    if not loaded:
        return
    all_articles = [a for parts in loaded for a in parts.articles]
    # Who cites each URL: whether any *other* episode, published or not, does.
    # The page looks up which of them readers may see only when one does.
    citing: dict[str, set[int]] = defaultdict(set)
    for url, episode_id in SourceArticle.objects.citing_urls(
        {a.url for a in all_articles}, excluding_episodes=()
    ).values_list("url", "episode_id"):
        citing[url].add(episode_id)
    rows = []
    for parts in loaded:
        elsewhere = {a.url for a in parts.articles if citing[a.url] - {parts.episode.pk}}
        rows.append(_rendered_row(parts, elsewhere))
    RenderedEpisode.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["episode"], update_fields=_BODY_FIELDS
    )


def store_comment_lists(episode_ids: set[int]) -> None:
    """Render and store the approved-comment lists of these episodes (three queries).

    The episode rows are locked first (PostgreSQL), so two readers' comments
    approved at the same moment are both in the list whichever commits last.
    """
    existing = set(
        Episode.objects.filter(pk__in=episode_ids)
        .select_for_update()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not existing:
        return
    comments: dict[int, list[Comment]] = {pk: [] for pk in existing}
    for comment in (
        Comment.objects.filter(episode_id__in=existing).approved().order_by("created_at", "pk")
    ):
        comments[comment.episode_id].append(comment)
    rows = [
        RenderedEpisode(
            episode_id=pk,
            comments_html=render_to_string("includes/comment_list.html", {"comments": listed}),
            # A row made here has no body yet: an empty version renders it on first view.
            version="",
        )
        for pk, listed in comments.items()
    ]
    RenderedEpisode.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["episode"],
        update_fields=["comments_html", "rendered_at"],
    )


def rendered(episode: Episode) -> RenderedEpisode:
    """The episode's stored rendering, rendered first if it is out of date or missing.

    No query when `rendered` was selected with the episode and is current.
    """
    try:
        stored = episode.rendered
    except RenderedEpisode.DoesNotExist:
        stored = None
    if stored is None or stored.version != body_version():
        from columns import projections

        projections.refresh({episode.pk: {projections.BODY, projections.COMMENTS}})
        stored = RenderedEpisode.objects.get(episode=episode)
        episode.rendered = stored
    return stored


def stored_card(episode: Episode) -> str | None:
    """The episode's card as stored, if the list's query selected it and it is current.

    Never runs a query: `rendered` comes with the list
    (`EpisodeQuerySet.with_stored_cards`) or not at all.
    """
    if not Episode.rendered.related.is_cached(episode):
        return None
    stored = episode.rendered
    if stored is None or not stored.card_html or stored.version != body_version():
        return None
    return stored.card_html


def card_html(episode: Episode) -> str:
    """The episode's card for a list: as stored when current, else drawn now (same template)."""
    stored = stored_card(episode)
    if stored is not None:
        return stored
    return render_to_string("includes/episode_card.html", {"episode": episode})


def with_cited_elsewhere(body: str, citing: dict[int, list[Episode]]) -> str:
    """The stored body with, under each article, the other episodes citing it.

    `citing` maps an article's position to those episodes (series loaded).
    """
    for position, episodes in citing.items():
        if episodes:
            html = render_to_string("articles/cited_elsewhere.html", {"episodes": episodes})
            body = body.replace(CITED_ELSEWHERE_MARK.format(position=position), html, 1)
    return body


# The attribute name first and the word boundary checked behind it: a pattern
# opening with a literal is searched for quickly, one opening with `\b` is tried
# at every character of the body (7x slower on a feed of twenty bodies).
_SITE_LINK = re.compile(r'((?:href|src)(?<!\whref)(?<!\wsrc)=")/(?!/)')
_FRAGMENT_LINK = re.compile(r'(href(?<!\whref)=")#')


def for_feed(body: str, *, site: str, page_url: str) -> str:
    """The stored body as a feed reader needs it: absolute links, no placeholders.

    The same stored HTML as the page (so page and feed never drift apart);
    links are made absolute here because a body is rendered without a request
    and a feed is read on whatever host served it.
    """
    body = _ANY_MARK.sub("", body)
    body = _FRAGMENT_LINK.sub(rf"\g<1>{page_url}#", body)
    return _SITE_LINK.sub(rf"\g<1>{site}/", body)
