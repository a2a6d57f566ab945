"""Derived data that must hold however a row changes (admin form, admin action,
importer, `save()` from a shell), which no single service can promise. This
is bookkeeping, not domain logic, so it is the one place signals are used:

- the page cache: any committed write to the column's content renews the
  cache version (columns.pagecache);
- the stored episode body: a write to an episode or one of its parts (or to
  what a body shows of a series, outlet, keyword or link's health) renders
  the episode's body again (columns.rendering), in the same transaction.
"""

from django.core.signals import setting_changed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from columns.pagecache import bump_content_version
from columns.rendering import body_version, store_episode_bodies, store_episode_body


def _bump(sender, **kwargs):
    if kwargs.get("raw"):  # loaddata
        return
    bump_content_version()


def _episode_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        store_episode_body(instance.pk)


def _deleting_an_episode(origin) -> bool:
    """Whether a delete is the cascade of deleting episodes (nothing left to render)."""
    from columns.models import Episode

    model = getattr(origin, "model", type(origin))
    return model is Episode


def _part_changed(sender, instance, raw=False, origin=None, **kwargs):
    """An article, commentary paragraph or comment was saved or deleted: its episode's body."""
    if not raw and not _deleting_an_episode(origin):
        store_episode_body(instance.episode_id)


def _article_saved(sender, instance, raw=False, **kwargs):
    """Other episodes citing the same URL now have a citation elsewhere to show."""
    if raw:
        return
    others = set(sender.objects.citing_same_url_as([instance]).values_list("episode_id", flat=True))
    for episode_id in sorted(others):
        store_episode_body(episode_id)


def _keywords_changed(sender, instance, action, **kwargs):
    from columns.models import Episode

    if isinstance(instance, Episode) and action in ("post_add", "post_remove", "post_clear"):
        store_episode_body(instance.pk)


# Series, outlets and keywords appear in many stored bodies (the pen name in
# the commentary heading, an outlet's name and page, a keyword's name and
# page): those bodies are rendered again only when what they show changed.
_SHOWN_FIELDS = {
    "columns.series": ("author_name",),
    "articles.outlet": ("name", "slug"),
    "taggit.tag": ("name", "slug"),
}


def _note_shown_change(sender, instance, raw=False, **kwargs):
    fields = _SHOWN_FIELDS[sender._meta.label_lower]
    instance._shown_fields_changed = (
        not raw
        and instance.pk is not None
        and sender._default_manager.filter(pk=instance.pk)
        .exclude(**{field: getattr(instance, field) for field in fields})
        .exists()
    )


def _episodes_showing(instance):
    from columns.models import Episode

    label = instance._meta.label_lower
    if label == "columns.series":
        return Episode.objects.filter(series=instance)
    if label == "articles.outlet":
        return Episode.objects.filter(articles__outlet=instance).distinct()
    return Episode.objects.filter(keywords__id=instance.pk)


def _render_if_shown_change(sender, instance, **kwargs):
    if getattr(instance, "_shown_fields_changed", False):
        store_episode_bodies(_episodes_showing(instance))


def _note_tagged_episodes(sender, instance, **kwargs):
    # After the delete the tag's rows are gone, and with them who carried it.
    instance._tagged_episode_ids = list(_episodes_showing(instance).values_list("pk", flat=True))


def _render_tagged_episodes(sender, instance, **kwargs):
    from columns.models import Episode

    store_episode_bodies(Episode.objects.filter(pk__in=instance._tagged_episode_ids))


def _note_archive_offer(sender, instance, raw=False, **kwargs):
    before = sender._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    instance._offered_archive = before is not None and before.offers_archive()


def _render_if_archive_offer_changed(sender, instance, raw=False, origin=None, **kwargs):
    """A link's health decides whether readers are offered an archived copy."""
    if raw or _deleting_an_episode(origin):
        return
    offers = instance.offers_archive() if kwargs.get("signal") is post_save else False
    if offers != getattr(instance, "_offered_archive", False):
        from articles.models import SourceArticle

        episode_id = (
            SourceArticle.objects.filter(pk=instance.article_id)
            .values_list("episode_id", flat=True)
            .first()
        )
        if episode_id is not None:
            store_episode_body(episode_id)


def _note_archive_offer_on_delete(sender, instance, **kwargs):
    instance._offered_archive = instance.offers_archive()


def _forget_body_version(setting, **kwargs):
    # Settings change at run time only in tests (override_settings); follow them.
    if setting == "LINKCHECK_ARCHIVE_AFTER_FAILURES":
        body_version.cache_clear()


def connect() -> None:
    from taggit.models import Tag, TaggedItem

    from articles.models import LinkHealth, Outlet, OutletDomain, SourceArticle
    from columns.models import Comment, Commentary, Episode, Series, Volume

    for model in (
        Series, Volume, Episode, Commentary, Comment, SourceArticle, Outlet, OutletDomain,
        Tag, TaggedItem,
    ):  # fmt: skip
        uid = f"pagecache-{model._meta.label_lower}"
        post_save.connect(_bump, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_bump, sender=model, dispatch_uid=uid + "-delete")
    m2m_changed.connect(_bump, dispatch_uid="pagecache-m2m")

    post_save.connect(_episode_saved, sender=Episode, dispatch_uid="body-episode")
    for part in (SourceArticle, Commentary, Comment):
        uid = f"body-{part._meta.label_lower}"
        post_save.connect(_part_changed, sender=part, dispatch_uid=uid + "-save")
        post_delete.connect(_part_changed, sender=part, dispatch_uid=uid + "-delete")
    post_save.connect(_article_saved, sender=SourceArticle, dispatch_uid="body-cited-elsewhere")
    m2m_changed.connect(_keywords_changed, sender=TaggedItem, dispatch_uid="body-keywords")
    for shown in (Series, Outlet, Tag):
        uid = f"body-{shown._meta.label_lower}"
        pre_save.connect(_note_shown_change, sender=shown, dispatch_uid=uid + "-pre")
        post_save.connect(_render_if_shown_change, sender=shown, dispatch_uid=uid + "-post")
    pre_save.connect(_note_archive_offer, sender=LinkHealth, dispatch_uid="body-health-pre")
    post_save.connect(
        _render_if_archive_offer_changed, sender=LinkHealth, dispatch_uid="body-health-save"
    )
    pre_delete.connect(
        _note_archive_offer_on_delete, sender=LinkHealth, dispatch_uid="body-health-pre-delete"
    )
    post_delete.connect(
        _render_if_archive_offer_changed, sender=LinkHealth, dispatch_uid="body-health-delete"
    )
    setting_changed.connect(_forget_body_version, dispatch_uid="body-version-setting")
    pre_delete.connect(_note_tagged_episodes, sender=Tag, dispatch_uid="body-tag-pre-delete")
    post_delete.connect(_render_tagged_episodes, sender=Tag, dispatch_uid="body-tag-delete")
