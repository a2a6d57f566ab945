"""Derived data: the one place where a write has side effects.

The column keeps three kinds of data derived from what editors and readers
write: each episode's stored page parts (`RenderedEpisode`: the body, and the
list of approved comments apart from it), each episode's search document
(`EpisodeSearchDocument`), and the page-cache version (`columns.pagecache`).
They must never disagree with the rows they come from, however a row changed:
an admin form or action, the importer, a management command, a `save()` from a
shell or a data migration, a keyword renamed in taggit's admin, an outlet
renamed in its own admin, a link check.

**One trigger policy.** No service can promise that every path calls it, so
the triggers are model signals, connected once for every model whose rows a
reader sees (`columns.projections.triggers`). Each receiver only *marks*: it
says which episodes changed and which of their parts (`BODY`, `COMMENTS`,
`SEARCH`); it renders nothing. Code that writes without signals (`bulk_create`,
`QuerySet.update()`) marks the same way, by calling `changed()` itself.

**Once per transaction.** Inside `batch()` (an atomic block) marks are only
collected, and at its end every affected episode is refreshed once, with a
few queries for all of them, before the transaction commits: readers and
search never see the rows without their derived data. The admin (every POST,
through `columns.middleware.AdminBatchMiddleware`), the
importer and the bulk services write inside a batch. A write outside any
batch (a shell `save()`, which is its own transaction) is refreshed at once.
Writes through historical models in a data migration are refreshed when
`migrate` finishes (`post_migrate`), against the final schema.

`refresh()` is the single function that writes derived data; nothing else
renders bodies, builds search documents or renews the cache version.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import transaction

BODY = "body"
COMMENTS = "comments"
SEARCH = "search"
ALL_PARTS = frozenset({BODY, COMMENTS, SEARCH})
# What an episode's own text changes: its body and its search document.
TEXT_PARTS = frozenset({BODY, SEARCH})


class _Pending:
    """Marks collected by the innermost open batches of one thread."""

    def __init__(self) -> None:
        self.parts: dict[int, set[str]] = {}
        self.tags: set[str] = set()

    def add(self, episode_ids: Iterable[int], parts: Iterable[str], tags: Iterable[str]) -> None:
        parts = set(parts)
        for episode_id in episode_ids:
            if episode_id is not None:
                self.parts.setdefault(int(episode_id), set()).update(parts)
        self.tags.update(tags)

    def __bool__(self) -> bool:
        return bool(self.parts) or bool(self.tags)


class _State(threading.local):
    def __init__(self) -> None:
        self.batches: list[_Pending] = []


_state = _State()
# Marks made through historical models while migrations run (see triggers).
_after_migrate = _Pending()


def in_batch() -> bool:
    return bool(_state.batches)


def changed(
    episode_ids: Iterable[int] = (),
    *,
    parts: Iterable[str] = TEXT_PARTS,
    pages: bool = True,
    tags: Iterable[str] | None = None,
) -> None:
    """Say that these episodes' `parts` changed, and which cached pages show the change.

    `tags` are the page-cache tags to renew (columns.pagecache); left out,
    every page that could show these episodes is renewed (their pages,
    cards, lists, search, feeds, sitemap), or, with no episodes, every page.
    `pages=False`: no page shows it. Inside a batch the refresh waits for the
    batch's end; outside, it runs now.
    """
    episode_ids = [pk for pk in episode_ids if pk is not None]
    if not pages:
        tags = ()
    elif tags is None:
        tags = _every_page_showing(episode_ids)
    if _state.batches:
        _state.batches[-1].add(episode_ids, parts, tags)
        return
    refresh({episode_id: set(parts) for episode_id in episode_ids}, tags=tags)


def _every_page_showing(episode_ids: list[int]) -> set[str]:
    from columns import pagecache

    if not episode_ids:
        return {pagecache.SITE}
    tags = {pagecache.LISTS, pagecache.SEARCH, pagecache.FEEDS, pagecache.SITEMAP}
    for pk in episode_ids:
        tags |= {pagecache.episode_tag(pk), pagecache.card_tag(pk)}
    return tags


def changed_after_migrate(episode_ids: Iterable[int], *, parts: Iterable[str]) -> None:
    from columns import pagecache

    _after_migrate.add(episode_ids, parts, {pagecache.SITE})


def refresh_after_migrate(**kwargs) -> None:
    """post_migrate: refresh what data migrations wrote, with the final models."""
    if _after_migrate:
        pending, tags = dict(_after_migrate.parts), set(_after_migrate.tags)
        _after_migrate.parts.clear()
        _after_migrate.tags.clear()
        refresh(pending, tags=tags)


@contextmanager
def batch() -> Iterator[None]:
    """An atomic block whose derived data is refreshed once, at its end, before commit.

    Nested batches join the outermost one. If the block raises, nothing is
    refreshed (the transaction rolls back the rows too).
    """
    with transaction.atomic():
        outermost = not _state.batches
        if outermost:
            _state.batches.append(_Pending())
        try:
            yield
            if outermost:
                pending = _state.batches[-1]
                # Refreshing runs queries and may mark nothing new; stop collecting first.
                _state.batches.pop()
                outermost = False
                if pending:
                    refresh(pending.parts, tags=pending.tags)
        finally:
            if outermost:
                _state.batches.pop()


# Episodes refreshed per round of queries (keeps `IN (…)` lists short).
CHUNK = 200


def refresh(parts_by_episode: dict[int, set[str]], *, tags: Iterable[str] = ()) -> None:
    """Write the derived data of these episodes now: bodies, comment lists, search documents.

    A handful of queries per CHUNK episodes; episodes that no longer exist are
    skipped. Then the page-cache tags are renewed (once).
    """
    from columns import pagecache

    ids = sorted(parts_by_episode)
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            _refresh_chunk({pk: parts_by_episode[pk] for pk in ids[start : start + CHUNK]})
    pagecache.renew(tags)


def _refresh_chunk(parts_by_episode: dict[int, set[str]]) -> None:
    from columns.projections import body, search_documents
    from columns.projections.parts import load_parts

    by_part: dict[str, set[int]] = {BODY: set(), COMMENTS: set(), SEARCH: set()}
    for episode_id, parts in parts_by_episode.items():
        for part in parts:
            by_part[part].add(episode_id)
    text_ids = by_part[BODY] | by_part[SEARCH]
    if text_ids:
        loaded = load_parts(text_ids, lock=bool(by_part[BODY]))
        if by_part[BODY]:
            body.store_bodies([p for p in loaded if p.episode.pk in by_part[BODY]])
        if by_part[SEARCH]:
            search_documents.store_documents([p for p in loaded if p.episode.pk in by_part[SEARCH]])
    if by_part[COMMENTS]:
        body.store_comment_lists(by_part[COMMENTS])


def refresh_everything(episodes=None) -> int:
    """These episodes' (default: all) derived data; how many were refreshed.

    For `manage.py rebuild_search_index` and after bulk loads that bypass signals.
    """
    from columns.models import Episode

    episodes = Episode.objects.all() if episodes is None else episodes
    from columns import pagecache

    ids = episodes.order_by("pk").values_list("pk", flat=True)
    refresh({pk: set(ALL_PARTS) for pk in ids}, tags={pagecache.SITE})
    return len(ids)
