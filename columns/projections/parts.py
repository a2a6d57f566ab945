"""Loading episodes with everything their derived data is made from: six queries for any number.

The stored body and the search document are built from the same loaded rows,
so one refresh reads each table once.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import prefetch_related_objects
from taggit.models import Tag, TaggedItem

from articles.models import SourceArticle
from columns.models import Commentary, Correction, Episode


@dataclass
class EpisodeParts:
    episode: Episode
    articles: list[SourceArticle] = field(default_factory=list)
    commentary: list[Commentary] = field(default_factory=list)
    # In the order the editor gave them (the order they were attached).
    keywords: list[Tag] = field(default_factory=list)
    # Corrections readers see (removed ones too, shown as removed), oldest first.
    corrections: list[Correction] = field(default_factory=list)


def load_parts(episode_ids: Iterable[int], *, lock: bool = False) -> list[EpisodeParts]:
    """The episodes (series, volume loaded), their articles (outlet, health, quotes), commentary,
    keywords.

    With `lock`, the episode rows are locked first (PostgreSQL), in id order,
    so two transactions writing parts of the same episode store the body of
    whichever commits last.
    """
    episodes = Episode.objects.filter(pk__in=list(episode_ids)).select_related("series", "volume")
    if lock:
        episodes = episodes.select_for_update(of=("self",))
    loaded = {e.pk: EpisodeParts(e) for e in episodes.order_by("pk")}
    if not loaded:
        return []
    ids = list(loaded)
    for article in (
        SourceArticle.objects.filter(episode_id__in=ids)
        .select_related("outlet", "health")
        .order_by("episode_id", "position")
    ):
        parts = loaded[article.episode_id]
        article.episode = parts.episode  # the archived copy's date; no query
        parts.articles.append(article)
    # `article.quotes.all()` then runs no query, and each quote knows its article.
    prefetch_related_objects(
        [a for parts in loaded.values() for a in parts.articles],
        "quotes",
    )
    for paragraph in Commentary.objects.filter(episode_id__in=ids).order_by(
        "episode_id", "position"
    ):
        parts = loaded[paragraph.episode_id]
        paragraph.episode = parts.episode
        paragraph.answers = next(
            (a for a in parts.articles if a.pk == paragraph.source_article_id), None
        )
        parts.commentary.append(paragraph)
    episode_type = ContentType.objects.get_for_model(Episode)  # cached after the first call
    tags_of: dict[int, list[Tag]] = defaultdict(list)
    for item in (
        TaggedItem.objects.filter(content_type=episode_type, object_id__in=ids)
        .select_related("tag")
        .order_by("pk")
    ):
        tags_of[item.object_id].append(item.tag)
    for episode_id, tags in tags_of.items():
        loaded[episode_id].keywords = tags
    for correction in Correction.objects.filter(episode_id__in=ids).order_by(
        "episode_id", "created_at", "pk"
    ):
        loaded[correction.episode_id].corrections.append(correction)
    return list(loaded.values())
