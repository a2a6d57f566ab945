"""Keep the page cache honest: any committed write to the column's content
renews the cache version (columns.pagecache).

This is cache bookkeeping, not domain logic, so it is the one place signals
are used: it must hold however a row changes (admin form, admin action,
importer, `save()` from a shell), which no single service can promise.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from columns.pagecache import bump_content_version


def _bump(sender, **kwargs):
    if kwargs.get("raw"):  # loaddata
        return
    bump_content_version()


def connect() -> None:
    from taggit.models import Tag, TaggedItem

    from articles.models import Outlet, OutletDomain, SourceArticle
    from columns.models import Comment, Commentary, Episode, Series, Volume

    for model in (
        Series, Volume, Episode, Commentary, Comment, SourceArticle, Outlet, OutletDomain,
        Tag, TaggedItem,
    ):  # fmt: skip
        uid = f"pagecache-{model._meta.label_lower}"
        post_save.connect(_bump, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_bump, sender=model, dispatch_uid=uid + "-delete")
    m2m_changed.connect(_bump, dispatch_uid="pagecache-m2m")
