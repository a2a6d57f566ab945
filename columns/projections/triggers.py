"""Which write changes which episodes' derived data: the signal receivers.

Each receiver only marks (`columns.projections.changed`); the refresh happens
once per batch, or at once outside one. Receivers are connected without a
sender and dispatch on the model's label, so writes through the historical
models of a data migration are caught too (and refreshed after `migrate`).

What a reader sees of each model, and so what a write to it marks:

- Episode: its body and search document (and every public page).
- SourceArticle, Commentary: their episode's body and search document; the
  episode they were loaded with too, when moved. An article's URL also
  marks the bodies of other episodes citing it ("cited elsewhere").
- SourceQuote: its article's episode's body and search document (and the
  old article's episode, when moved); nothing when it goes with its article.
- Comment: its episode's comment list, only when an approved comment
  appears, changes or goes. A pending comment changes no page.
- Keywords (TaggedItem, the taggit m2m): the episode's body and document;
  a Tag renamed or deleted: every episode carrying it.
- Outlet renamed, Series pen name or title changed: the bodies (and documents)
  showing it (the search document holds the series title).
- Correction (정정): its episode's body (the list at its end) and pages.
- LinkHealth: the article's episode's body, when the archived-copy offer
  appears or goes.
- Volume (브런치북) saved or deleted: the bodies of its episodes (their stored
  header names it).
- Series otherwise: public pages only (titles are drawn per view).
"""

from django.apps import apps as global_apps
from django.core.signals import setting_changed
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_migrate,
    post_save,
    pre_delete,
    pre_save,
)

from columns import pagecache as pc
from columns import projections
from columns.projections import BODY, COMMENTS, TEXT_PARTS, body
from common.models import UNKNOWN


def _is_current(sender) -> bool:
    """False for a historical model (a data migration): its rows are refreshed after migrate."""
    try:
        return global_apps.get_model(sender._meta.label) is sender
    except LookupError:
        return False


def _mark(sender, episode_ids, *, parts=TEXT_PARTS, pages: bool = True, tags=None) -> None:
    projections.changed(episode_ids, parts=parts, pages=pages, tags=tags)


# What pages show an episode's text (its page, search, feeds) and its card.
def _text_tags(episode_ids) -> set[str]:
    return {pc.SEARCH, pc.FEEDS, *(pc.episode_tag(pk) for pk in episode_ids)}


# What an episode's card shows elsewhere: a change to these re-renders the lists.
CARD_FIELDS = ("headline", "subtitle", "number", "publish_at", "status", "series_id")
# Which episodes are public where: a change to these changes every list.
VISIBILITY_FIELDS = ("number", "publish_at", "status", "series_id")


def _episodes_citing(sender, urls, excluding) -> list[int]:
    SourceArticle = global_apps.get_model("articles", "SourceArticle")
    return list(
        SourceArticle.objects.citing_urls(urls, excluding_episodes=excluding)
        .values_list("episode_id", flat=True)
        .distinct()
    )


def _episodes_tagged(tag_id) -> list[int]:
    TaggedItem = global_apps.get_model("taggit", "TaggedItem")
    return list(
        TaggedItem.objects.filter(
            tag_id=tag_id, content_type__app_label="columns", content_type__model="episode"
        ).values_list("object_id", flat=True)
    )


def _before(instance, name):
    """The value as last loaded or saved (common.models), or UNKNOWN."""
    stored = getattr(instance, "stored_value", None)
    return stored(name) if stored is not None else UNKNOWN


# --- Receivers -------------------------------------------------------------------


def _saved(sender, instance, raw=False, created=False, **kwargs):
    if raw:  # loaddata: fixtures bring their own rows; rebuild_search_index after
        return
    label = sender._meta.label_lower
    if label not in _ON_SAVE:
        return
    if not _is_current(sender):
        _historical_write(label, instance)
    else:
        _ON_SAVE[label](sender, instance, created)


def _historical_write(label: str, instance) -> None:
    """A data migration wrote through a historical model: its episode, after migrate.

    Only the row's own episode is looked up (the schema may still change);
    what else it touches is refreshed with everything else then.
    """
    if label == "columns.episode":
        episode_ids = [instance.pk]
    elif label == "taggit.taggeditem":
        episode_ids = [instance.object_id]
    elif label == "articles.sourcequote":
        episode_ids = _episodes_of_articles(type(instance), [instance.article_id])
    else:
        episode_ids = [getattr(instance, "episode_id", None)]
    projections.changed_after_migrate(episode_ids, parts=projections.ALL_PARTS)


def _deleted(sender, instance, origin=None, **kwargs):
    label = sender._meta.label_lower
    if label not in _ON_DELETE and label != "columns.episode":
        return
    if not _is_current(sender):
        _historical_write(label, instance)
        return
    if label == "columns.episode":
        _episode_deleted(sender, instance)
        return
    if _origin_label(origin) == "columns.episode":
        return  # part of deleting its episode: nothing left to render
    if label == "articles.sourcequote" and _origin_label(origin) == "articles.sourcearticle":
        return  # part of deleting its article, which marks the episode
    handler = _ON_DELETE.get(label)
    if handler is not None:
        handler(sender, instance)


def _origin_label(origin) -> str:
    model = getattr(origin, "model", type(origin))
    return getattr(getattr(model, "_meta", None), "label_lower", "")


def _episode_saved(sender, episode, created):
    tags = _text_tags([episode.pk]) | {pc.SITEMAP}  # lastmod
    changed = {
        name for name in CARD_FIELDS if created or _before(episode, name) != getattr(episode, name)
    }
    if changed:
        tags.add(pc.card_tag(episode.pk))
    if changed & set(VISIBILITY_FIELDS):
        tags |= {pc.LISTS, pc.series_episodes_tag(episode.series_id)}
        old_series = _before(episode, "series_id")
        if old_series not in (UNKNOWN, None):
            tags.add(pc.series_episodes_tag(old_series))
    _mark(sender, [episode.pk], tags=tags)


def _episode_deleted(sender, episode):
    # Its rows go with it; lists, neighbours and other pages' links change.
    tags = _text_tags([episode.pk]) | {
        pc.LISTS,
        pc.SITEMAP,
        pc.card_tag(episode.pk),
        pc.series_episodes_tag(episode.series_id),
    }
    _mark(sender, (), tags=tags)


def _part_saved(sender, part, created):
    episodes = {part.episode_id}
    if not created and _before(part, "episode_id") is not UNKNOWN:
        episodes.add(_before(part, "episode_id"))  # moved: the old episode too
    tags = _text_tags(episodes)
    if sender._meta.label_lower == "articles.sourcearticle":
        # The outlet's page lists the episodes citing it.
        tags |= {pc.outlet_tag(part.outlet_id), pc.SITEMAP}
        if _before(part, "outlet_id") not in (UNKNOWN, None):
            tags.add(pc.outlet_tag(_before(part, "outlet_id")))
        urls = {part.url}
        if _before(part, "url") is not UNKNOWN:
            urls.add(_before(part, "url"))
        others = _episodes_citing(sender, urls, excluding=episodes)
        if others:
            _mark(sender, others, parts={BODY}, tags={pc.episode_tag(pk) for pk in others})
    _mark(sender, episodes, tags=tags)


def _part_deleted(sender, part):
    tags = _text_tags([part.episode_id])
    if sender._meta.label_lower == "articles.sourcearticle":
        tags |= {pc.outlet_tag(part.outlet_id), pc.SITEMAP}
        # Pages of other episodes citing it list this one under "cited elsewhere".
        others = _episodes_citing(sender, {part.url}, excluding={part.episode_id})
        tags |= {pc.episode_tag(pk) for pk in others}
    _mark(sender, [part.episode_id], tags=tags)


def _episodes_of_articles(sender, article_ids) -> list[int]:
    SourceArticle = sender._meta.get_field("article").related_model
    return list(
        SourceArticle._default_manager.filter(pk__in=[pk for pk in article_ids if pk is not None])
        .values_list("episode_id", flat=True)
        .distinct()
    )


def _quote_episodes(sender, quote, *, moved: bool) -> list[int]:
    """The episodes showing the quote: its article's (no query when the article is loaded)."""
    article_ids = {quote.article_id}
    before = _before(quote, "article_id")
    if moved and before not in (UNKNOWN, None):
        article_ids.add(before)
    if article_ids == {quote.article_id} and sender.article.is_cached(quote):
        return [quote.article.episode_id]
    return _episodes_of_articles(sender, article_ids)


def _quote_saved(sender, quote, created):
    episodes = _quote_episodes(sender, quote, moved=not created)
    _mark(sender, episodes, tags=_text_tags(episodes))


def _quote_deleted(sender, quote):
    episodes = _quote_episodes(sender, quote, moved=False)
    _mark(sender, episodes, tags=_text_tags(episodes))


def _correction_written(sender, correction, *args):
    _mark(sender, [correction.episode_id], parts={BODY})


def _comment_saved(sender, comment, created):
    if created:
        was_shown = False
    else:  # a status not known beforehand may have been "approved"
        was_shown = _before(comment, "status") in ("approved", UNKNOWN)
    if comment.status == "approved" or was_shown:
        episodes = {comment.episode_id}
        if _before(comment, "episode_id") not in (UNKNOWN, None):
            episodes.add(_before(comment, "episode_id"))
        # Only the episode's own page lists comments.
        _mark(sender, episodes, parts={COMMENTS}, tags={pc.episode_tag(pk) for pk in episodes})


def _comment_deleted(sender, comment):
    if comment.status == "approved":
        _mark(
            sender,
            [comment.episode_id],
            parts={COMMENTS},
            tags={pc.episode_tag(comment.episode_id)},
        )


def _tagged_item_changed(sender, item, *args):
    if item.content_type_id and _is_episode_type(item.content_type_id):
        _mark(sender, [item.object_id], tags=_keyword_tags([item.object_id], [item.tag_id]))


def _keyword_tags(episode_ids, tag_ids) -> set[str]:
    """An episode's keywords: its page, search, feeds, the sitemap and the keywords' pages."""
    return _text_tags(episode_ids) | {pc.SITEMAP, *(pc.keyword_tag(pk) for pk in tag_ids)}


def _is_episode_type(content_type_id) -> bool:
    ContentType = global_apps.get_model("contenttypes", "ContentType")
    episode_type = ContentType.objects.get_for_model(global_apps.get_model("columns", "Episode"))
    return content_type_id == episode_type.pk


def _shown_names_changed(sender, instance, created):
    """Series pen name, title or slug (cards link it), outlet name or slug: what shows it."""
    label = sender._meta.label_lower
    fields = {
        "columns.series": ("author_name", "title", "slug"),
        "articles.outlet": ("name", "slug"),
    }[label]
    changed = not created and any(
        _before(instance, name) != getattr(instance, name) for name in fields
    )
    own = pc.series_tag(instance.pk) if label == "columns.series" else pc.outlet_tag(instance.pk)
    # Titles and names show on cards, search results and feeds; an address on every link.
    tags = {own, pc.SEARCH, pc.FEEDS, pc.SITEMAP}
    if not changed:
        _mark(sender, (), tags=tags)
        return
    Episode = global_apps.get_model("columns", "Episode")
    if label == "columns.series":
        episodes = Episode.objects.filter(series_id=instance.pk)
    else:
        episodes = Episode.objects.filter(articles__outlet_id=instance.pk).distinct()
    episode_ids = list(episodes.values_list("pk", flat=True))
    _mark(sender, episode_ids, tags=tags | _text_tags(episode_ids))


def _volume_episodes(volume_id) -> list[int]:
    Episode = global_apps.get_model("columns", "Episode")
    return list(Episode.objects.filter(volume_id=volume_id).values_list("pk", flat=True))


def _volume_saved(sender, volume, created):
    """A volume's title is in the stored header of each of its episodes."""
    episode_ids = [] if created else _volume_episodes(volume.pk)
    _mark(sender, episode_ids, parts={BODY}, tags={pc.SITE})


def _volume_deleted(sender, volume):
    # Its episodes were let go (SET_NULL, an update without signals) before this.
    _mark(sender, getattr(volume, "_episodes", ()), parts={BODY}, tags={pc.SITE})


def _everywhere(sender, instance, *args):
    """Rare, wide changes (a volume, a series or outlet deleted): every page."""
    _mark(sender, (), tags={pc.SITE})


def _health_saved(sender, health, created):
    before = 0 if created else _before(health, "consecutive_failures")
    offers = health.consecutive_failures >= _archive_after()
    offered = not offers if before is UNKNOWN else before >= _archive_after()
    _archive_offer(sender, health, offered, offers)


def _health_deleted(sender, health):
    _archive_offer(sender, health, health.consecutive_failures >= _archive_after(), False)


def _archive_offer(sender, health, offered: bool, offers: bool) -> None:
    """Readers get an archived-copy link once a link keeps failing: the body shows it."""
    if offered != offers:
        SourceArticle = global_apps.get_model("articles", "SourceArticle")
        episode_id = (
            SourceArticle.objects.filter(pk=health.article_id)
            .values_list("episode_id", flat=True)
            .first()
        )
        if episode_id is not None:
            _mark(sender, [episode_id], parts={BODY}, tags={pc.episode_tag(episode_id), pc.FEEDS})


def _archive_after() -> int:
    from django.conf import settings

    return settings.LINKCHECK_ARCHIVE_AFTER_FAILURES


# Parts that can move between episodes, and what a move must know of before.
_MOVABLE = {
    "articles.sourcearticle",
    "articles.sourcequote",
    "columns.commentary",
    "columns.comment",
}


def _note_unknown_before_save(sender, instance, raw=False, **kwargs):
    """A part saved without having been loaded (built by pk, or loaded with `.only()`).

    Where the row was before is unknown, so it is read now: one query, only then.
    """
    if raw or instance.pk is None or sender._meta.label_lower not in _MOVABLE:
        return
    if not _is_current(sender):
        return  # a data migration: refreshed after migrate whatever moved
    unknown = [f for f in instance.remembered_fields if _before(instance, f) is UNKNOWN]
    if unknown:
        stored = sender._default_manager.filter(pk=instance.pk).values(*unknown).first()
        if stored:
            instance.stored_values = {**getattr(instance, "stored_values", {}), **stored}


def _note_tag_before_save(sender, instance, raw=False, **kwargs):
    """Tags come from taggit: read the stored name once, before a rename."""
    if raw or sender._meta.label_lower != "taggit.tag" or instance.pk is None:
        return
    instance._stored = (
        sender._default_manager.filter(pk=instance.pk).values_list("name", "slug").first()
    )


def _tag_saved(sender, tag, created):
    stored = getattr(tag, "_stored", None)
    if stored is not None and stored != (tag.name, tag.slug):
        episode_ids = _episodes_tagged(tag.pk)
        _mark(sender, episode_ids, tags=_keyword_tags(episode_ids, [tag.pk]))


def _note_tag_before_delete(sender, instance, **kwargs):
    if sender._meta.label_lower == "taggit.tag":
        # After the delete the tag's rows are gone, and with them who carried it.
        instance._tagged_episodes = _episodes_tagged(instance.pk)
    elif sender._meta.label_lower == "columns.volume" and _is_current(sender):
        instance._episodes = _volume_episodes(instance.pk)  # let go before post_delete


def _tag_deleted(sender, tag):
    episode_ids = getattr(tag, "_tagged_episodes", ())
    _mark(sender, episode_ids, tags=_keyword_tags(episode_ids, [tag.pk]))


def _keywords_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """`episode.keywords.add/remove/set/clear` (and the reverse, from a tag)."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    Episode = global_apps.get_model("columns", "Episode")
    if isinstance(instance, Episode):
        # A clear() says no tags: the keyword pages the episode was on cannot be named.
        tag_tags = pk_set if pk_set else ()
        tags = _keyword_tags([instance.pk], tag_tags)
        if not pk_set:
            tags.add(pc.LISTS)
        _mark(Episode, [instance.pk], tags=tags)
    elif pk_set and instance._meta.label_lower == "taggit.tag":
        _mark(Episode, pk_set, tags=_keyword_tags(pk_set, [instance.pk]))


_ON_SAVE = {
    "columns.episode": _episode_saved,
    "articles.sourcearticle": _part_saved,
    "articles.sourcequote": _quote_saved,
    "columns.commentary": _part_saved,
    "columns.comment": _comment_saved,
    "columns.correction": _correction_written,
    "taggit.taggeditem": _tagged_item_changed,
    "taggit.tag": _tag_saved,
    "columns.series": _shown_names_changed,
    "articles.outlet": _shown_names_changed,
    "columns.volume": _volume_saved,
    "articles.linkhealth": _health_saved,
}
_ON_DELETE = {
    "articles.sourcearticle": _part_deleted,
    "articles.sourcequote": _quote_deleted,
    "columns.commentary": _part_deleted,
    "columns.comment": _comment_deleted,
    "columns.correction": _correction_written,
    "taggit.taggeditem": _tagged_item_changed,
    "taggit.tag": _tag_deleted,
    "columns.series": _everywhere,
    "articles.outlet": _everywhere,
    "columns.volume": _volume_deleted,
    "articles.linkhealth": _health_deleted,
}


def connect() -> None:
    post_save.connect(_saved, dispatch_uid="projections-save")
    post_delete.connect(_deleted, dispatch_uid="projections-delete")
    pre_save.connect(_note_tag_before_save, dispatch_uid="projections-tag-pre-save")
    pre_save.connect(_note_unknown_before_save, dispatch_uid="projections-part-pre-save")
    pre_delete.connect(_note_tag_before_delete, dispatch_uid="projections-tag-pre-delete")
    m2m_changed.connect(_keywords_changed, dispatch_uid="projections-keywords")
    post_migrate.connect(projections.refresh_after_migrate, dispatch_uid="projections-migrate")
    setting_changed.connect(_forget_body_version, dispatch_uid="projections-body-version")


def _forget_body_version(setting, **kwargs):
    # Settings change at run time only in tests (override_settings); follow them.
    if setting in {"LINKCHECK_ARCHIVE_AFTER_FAILURES", "SITE_URL", "SITE_NAME", "SECRET_KEY"}:
        body.body_version.cache_clear()
