"""The episode's stored body: its parts and approved comments rendered once per
change, not once per reader.

An episode page is mostly its parts (summaries of the cited articles,
commentary, closing, references, keywords), which live in four tables. They
change when an editor saves them and are read by every reader, so they are
rendered when they change and stored beside the episode (`RenderedEpisode`:
the body, the list of approved comments, and the keyword names and citations
the page's head needs). The page then reads one row for them; only what
depends on other episodes (the neighbours, who else cites an article) is
looked up per view.

columns.signals calls `store_episode_body` after every write to a part, so the
stored body holds however a row changes (admin, importer, shell). Each
citation also records whether another episode cites the same URL; an article
saved with a URL renders the other episodes citing it, so the mark is set
wherever it should be (left set after the other citation goes, it costs only
a lookup that finds nothing).
"""

import functools
import hashlib

from django.conf import settings
from django.db import transaction
from django.template.loader import get_template, render_to_string
from taggit.models import TaggedItem

from articles.models import SourceArticle
from columns.models import Comment, Commentary, Episode, RenderedEpisode

# Where the "이 기사를 인용한 다른 화" list of an article goes: which other
# episodes are published changes without this episode changing, so the list
# is filled in per view (`with_cited_elsewhere`). Written out in episode_body.html.
CITED_ELSEWHERE_MARK = "<!--cited-elsewhere:{position}-->"


# What a stored body depends on besides the episode's rows: the templates, and
# the shape of what is stored (raise it when RenderedEpisode's contents change).
RENDERING_FORMAT = 1
BODY_TEMPLATES = (
    "columns/episode_body.html",
    "articles/source_links.html",
    "includes/comment_list.html",
)


@functools.cache
def body_version() -> str:
    """A fingerprint of the templates and settings bodies are rendered with.

    A deploy that changes either makes every stored body out of date; each is
    rendered again on its next view, with no step to remember.
    """
    digest = hashlib.sha256(str(RENDERING_FORMAT).encode())
    for name in BODY_TEMPLATES:
        digest.update(get_template(name).template.source.encode())
    digest.update(str(settings.LINKCHECK_ARCHIVE_AFTER_FAILURES).encode())
    return digest.hexdigest()[:16]


def store_episode_body(episode_id: int) -> None:
    """Render the episode's parts and store them on the episode (no-op if it is gone).

    The episode row is locked first, so two editors saving parts of the same
    episode at once store the body of whichever committed last.
    """
    with transaction.atomic():
        episode = (
            Episode.objects.select_for_update(of=("self",))
            .select_related("series")
            .filter(pk=episode_id)
            .first()
        )
        if episode is None:
            return
        articles = list(
            SourceArticle.objects.filter(episode=episode)
            .select_related("outlet", "health")
            .order_by("position")
        )
        for article in articles:
            article.episode = episode  # the archived copy's date; no query
        by_id = {article.pk: article for article in articles}
        commentary = list(Commentary.objects.filter(episode=episode).order_by("position"))
        for paragraph in commentary:
            paragraph.answers = by_id.get(paragraph.source_article_id)
        keywords = [
            item.tag
            for item in TaggedItem.objects.filter(
                content_type__app_label="columns",
                content_type__model="episode",
                object_id=episode.pk,
            )
            .select_related("tag")
            .order_by("pk")
        ]
        body = render_to_string(
            "columns/episode_body.html",
            {
                "episode": episode,
                "articles": articles,
                "commentary": commentary,
                "keywords": keywords,
            },
        )
        # Whether any other episode, published or not, cites the same URL: the page
        # looks up which of them readers may see only when one does.
        cited_elsewhere = set(
            SourceArticle.objects.citing_same_url_as(articles).values_list("url", flat=True)
        )
        comments = Comment.objects.filter(episode=episode).approved().order_by("created_at", "pk")
        RenderedEpisode.objects.update_or_create(
            episode=episode,
            defaults={
                "body_html": body,
                "comments_html": render_to_string(
                    "includes/comment_list.html", {"comments": list(comments)}
                ),
                "keyword_names": [tag.name for tag in keywords],
                "citations": [
                    {
                        "position": a.position,
                        "headline": a.headline,
                        "outlet": a.outlet.name,
                        "url": a.url,
                        "cited_elsewhere": a.url in cited_elsewhere,
                    }
                    for a in articles
                ],
                "version": body_version(),
            },
        )


def store_episode_bodies(episodes) -> int:
    """`store_episode_body` for each episode of a queryset; how many were stored."""
    stored = 0
    for episode_id in episodes.order_by().values_list("pk", flat=True).iterator():
        store_episode_body(episode_id)
        stored += 1
    return stored


def rendered(episode: Episode) -> RenderedEpisode:
    """The episode's stored rendering, rendered first if it is out of date or missing.

    One query at most when `rendered` was selected with the episode.
    """
    try:
        stored = episode.rendered
    except RenderedEpisode.DoesNotExist:
        stored = None
    if stored is None or stored.version != body_version():
        store_episode_body(episode.pk)
        stored = RenderedEpisode.objects.get(episode=episode)
        episode.rendered = stored
    return stored


def with_cited_elsewhere(body: str, citing: dict[int, list[Episode]]) -> str:
    """The stored body with, under each article, the other episodes citing it.

    `citing` maps an article's position to those episodes (series loaded).
    """
    for position, episodes in citing.items():
        if episodes:
            html = render_to_string("articles/cited_elsewhere.html", {"episodes": episodes})
            body = body.replace(CITED_ELSEWHERE_MARK.format(position=position), html, 1)
    return body
