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
- Comment: its episode's comment list, only when an approved comment
  appears, changes or goes. A pending comment changes no page.
- Keywords (TaggedItem, the taggit m2m): the episode's body and document;
  a Tag renamed or deleted: every episode carrying it.
- Outlet renamed, Series pen name or title changed: the bodies (and documents)
  showing it (the search document holds the series title).
- LinkHealth: the article's episode's body, when the archived-copy offer
  appears or goes.
- Series, Volume otherwise: public pages only (titles are drawn per view).
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

from columns import projections
from columns.projections import BODY, COMMENTS, TEXT_PARTS, body
from common.models import UNKNOWN


def _is_current(sender) -> bool:
    """False for a historical model (a data migration): its rows are refreshed after migrate."""
    try:
        return global_apps.get_model(sender._meta.label) is sender
    except LookupError:
        return False


def _mark(sender, episode_ids, *, parts=TEXT_PARTS, pages: bool = True) -> None:
    projections.changed(episode_ids, parts=parts, pages=pages)


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
        _mark(sender, (), pages=True)  # its rows go with it; neighbours and lists change
        return
    if _origin_label(origin) == "columns.episode":
        return  # part of deleting its episode: nothing left to render
    handler = _ON_DELETE.get(label)
    if handler is not None:
        handler(sender, instance)


def _origin_label(origin) -> str:
    model = getattr(origin, "model", type(origin))
    return getattr(getattr(model, "_meta", None), "label_lower", "")


def _episode_saved(sender, episode, created):
    _mark(sender, [episode.pk])


def _part_saved(sender, part, created):
    episodes = {part.episode_id}
    if not created and _before(part, "episode_id") is not UNKNOWN:
        episodes.add(_before(part, "episode_id"))  # moved: the old episode too
    _mark(sender, episodes)
    if sender._meta.label_lower == "articles.sourcearticle":
        urls = {part.url}
        if _before(part, "url") is not UNKNOWN:
            urls.add(_before(part, "url"))
        others = _episodes_citing(sender, urls, excluding=episodes)
        if others:
            _mark(sender, others, parts={BODY}, pages=False)


def _part_deleted(sender, part):
    _mark(sender, [part.episode_id])


def _comment_saved(sender, comment, created):
    if created:
        was_shown = False
    else:  # a status not known beforehand may have been "approved"
        was_shown = _before(comment, "status") in ("approved", UNKNOWN)
    if comment.status == "approved" or was_shown:
        episodes = {comment.episode_id}
        if _before(comment, "episode_id") not in (UNKNOWN, None):
            episodes.add(_before(comment, "episode_id"))
        _mark(sender, episodes, parts={COMMENTS})


def _comment_deleted(sender, comment):
    if comment.status == "approved":
        _mark(sender, [comment.episode_id], parts={COMMENTS})


def _tagged_item_changed(sender, item, *args):
    if item.content_type_id and _is_episode_type(item.content_type_id):
        _mark(sender, [item.object_id])


def _is_episode_type(content_type_id) -> bool:
    ContentType = global_apps.get_model("contenttypes", "ContentType")
    episode_type = ContentType.objects.get_for_model(global_apps.get_model("columns", "Episode"))
    return content_type_id == episode_type.pk


def _shown_names_changed(sender, instance, created):
    """Series pen name or title, outlet name or slug: every body and document showing it."""
    label = sender._meta.label_lower
    fields = {
        "columns.series": ("author_name", "title"),
        "articles.outlet": ("name", "slug"),
    }[label]
    changed = not created and any(
        _before(instance, name) != getattr(instance, name) for name in fields
    )
    if not changed:
        _mark(sender, (), pages=True)
        return
    Episode = global_apps.get_model("columns", "Episode")
    if label == "columns.series":
        episodes = Episode.objects.filter(series_id=instance.pk)
    else:
        episodes = Episode.objects.filter(articles__outlet_id=instance.pk).distinct()
    _mark(sender, list(episodes.values_list("pk", flat=True)))


def _pages_only(sender, instance, *args):
    _mark(sender, (), pages=True)


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
            _mark(sender, [episode_id], parts={BODY})


def _archive_after() -> int:
    from django.conf import settings

    return settings.LINKCHECK_ARCHIVE_AFTER_FAILURES


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
        _mark(sender, _episodes_tagged(tag.pk))


def _note_tag_before_delete(sender, instance, **kwargs):
    if sender._meta.label_lower == "taggit.tag":
        # After the delete the tag's rows are gone, and with them who carried it.
        instance._tagged_episodes = _episodes_tagged(instance.pk)


def _tag_deleted(sender, tag):
    _mark(sender, getattr(tag, "_tagged_episodes", ()))


def _keywords_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """`episode.keywords.add/remove/set/clear` (and the reverse, from a tag)."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    Episode = global_apps.get_model("columns", "Episode")
    if isinstance(instance, Episode):
        _mark(Episode, [instance.pk])
    elif pk_set and instance._meta.label_lower == "taggit.tag":
        _mark(Episode, pk_set)


_ON_SAVE = {
    "columns.episode": _episode_saved,
    "articles.sourcearticle": _part_saved,
    "columns.commentary": _part_saved,
    "columns.comment": _comment_saved,
    "taggit.taggeditem": _tagged_item_changed,
    "taggit.tag": _tag_saved,
    "columns.series": _shown_names_changed,
    "articles.outlet": _shown_names_changed,
    "columns.volume": _pages_only,
    "articles.linkhealth": _health_saved,
}
_ON_DELETE = {
    "articles.sourcearticle": _part_deleted,
    "columns.commentary": _part_deleted,
    "columns.comment": _comment_deleted,
    "taggit.taggeditem": _tagged_item_changed,
    "taggit.tag": _tag_deleted,
    "columns.series": _pages_only,
    "articles.outlet": _pages_only,
    "columns.volume": _pages_only,
    "articles.linkhealth": _health_deleted,
}


def connect() -> None:
    post_save.connect(_saved, dispatch_uid="projections-save")
    post_delete.connect(_deleted, dispatch_uid="projections-delete")
    pre_save.connect(_note_tag_before_save, dispatch_uid="projections-tag-pre-save")
    pre_delete.connect(_note_tag_before_delete, dispatch_uid="projections-tag-pre-delete")
    m2m_changed.connect(_keywords_changed, dispatch_uid="projections-keywords")
    post_migrate.connect(projections.refresh_after_migrate, dispatch_uid="projections-migrate")
    setting_changed.connect(_forget_body_version, dispatch_uid="projections-body-version")


def _forget_body_version(setting, **kwargs):
    # Settings change at run time only in tests (override_settings); follow them.
    if setting == "LINKCHECK_ARCHIVE_AFTER_FAILURES":
        body.body_version.cache_clear()
