"""Whole-page caching for anonymous readers, fresh the moment content changes.

Each cached page records what it shows as *tags*: its episode (`episode-12`),
the cards of other episodes it lists or links (`card-7`), its series
(`series-3`), a keyword or outlet, and the collections it belongs to
(`lists`, `search`, `feeds`, `sitemap`). Every tag has a version in the
cache; a page is served from the cache only while the versions of all its
tags are those it was stored with. A committed write renews only the tags it
touches (columns.projections decides which), so an editor saving one
paragraph leaves every other page of the archive cached, and every app
server sharing the cache (Redis) sees the change at once.

Stored pages are never stale: tags are renewed when the write happens (so
the writing request and tests see it) and again once its transaction
commits; a page whose rendering overlapped a commit is not stored (a
counter of commits, read before and after rendering, tells). A scheduled
episode changes public pages without any write, so the `schedule` tag
records when the next scheduled episode goes live and renews itself then: no
cron needed.

What must never be shared between readers stays out of the cache: requests
with a session (staff, previews) or a flash message bypass it, and the CSRF
token in the comment form is a placeholder filled in per request. Pages go
out with their tags as `Surrogate-Key` / `Cache-Tag`, so a CDN in front can
purge by the same tags (`PAGE_CACHE_PURGE_HOOK`).
"""

import hashlib
import logging
import time
import uuid
from collections.abc import Iterable
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

CSRF_PLACEHOLDER = "__CSRF_TOKEN_PLACEHOLDER__"
# Content-Language, CSP and X-Frame-Options are set outside the cache for every
# response (columns.middleware.PublicHeadersMiddleware).
_KEPT_HEADERS = ("Content-Type", "X-Robots-Tag")

TAG_KEY = "pagecache:tag:{}"
SCHEDULE_KEY = "pagecache:schedule"
COMMITS_KEY = "pagecache:commits"

# Collections and catch-alls.
LISTS = "lists"  # which episodes are public, in which order (every list and neighbour)
SEARCH = "search"
FEEDS = "feeds"
SITEMAP = "sitemap"
SITE = "site"  # every page: renewed for rare, wide changes (a series' address, a volume)
SCHEDULE = "schedule"  # every page: renewed when a scheduled episode goes live


def episode_tag(pk) -> str:
    """The episode's own page: its text, parts and comments."""
    return f"episode-{pk}"


def card_tag(pk) -> str:
    """What other pages show of an episode: number, headline, subtitle, date, address."""
    return f"card-{pk}"


def series_tag(pk) -> str:
    return f"series-{pk}"


def series_episodes_tag(pk) -> str:
    """Which episodes of a series are public, and their numbers (previous/next links)."""
    return f"series-episodes-{pk}"


def keyword_tag(pk) -> str:
    return f"keyword-{pk}"


def outlet_tag(pk) -> str:
    return f"outlet-{pk}"


def page_shows(request, *tags: str) -> None:
    """Record, from a view, what the page being rendered shows (see the module docstring)."""
    shown = getattr(request, "page_tags", None)
    if shown is not None:
        shown.update(tags)


# --- Versions ----------------------------------------------------------------------


def _next_scheduled_timestamp() -> float | None:
    from columns.models import Episode

    upcoming = (
        Episode.objects.scheduled().order_by("publish_at").values_list("publish_at", flat=True)
    ).first()
    return upcoming.timestamp() if upcoming else None


def _new_schedule() -> dict:
    """A fresh schedule version (one query: when the next scheduled episode goes live)."""
    state = {"version": uuid.uuid4().hex[:12], "until": _next_scheduled_timestamp()}
    cache.set(SCHEDULE_KEY, state, timeout=None)
    return state


def _current_versions(tags: Iterable[str]) -> dict[str, str | None]:
    """The current version of each tag and of the schedule (one cache round trip)."""
    keys = {tag: TAG_KEY.format(tag) for tag in tags if tag != SCHEDULE}
    found = cache.get_many([*keys.values(), SCHEDULE_KEY])
    schedule = found.get(SCHEDULE_KEY)
    if schedule is None or (schedule["until"] is not None and time.time() >= schedule["until"]):
        schedule = _new_schedule()
    versions = {tag: found.get(key) for tag, key in keys.items()}
    versions[SCHEDULE] = schedule["version"]
    return versions


def _commits() -> int:
    return cache.get(COMMITS_KEY) or 0


def _renew_now(tags: frozenset[str]) -> None:
    # The commit counter first: a reader who then sees a new tag version also
    # sees the counter move, and does not store what it rendered.
    try:
        cache.incr(COMMITS_KEY)
    except ValueError:
        cache.set(COMMITS_KEY, 1, timeout=None)
    new = uuid.uuid4().hex[:12]
    cache.set_many({TAG_KEY.format(tag): new for tag in tags}, timeout=None)
    if tags & {LISTS, SITE}:
        _reschedule()


def _reschedule() -> None:
    """An episode's visibility changed: when the next scheduled one goes live may have too.

    The schedule's version stays (pages that depend on the change are renewed
    by their own tags); only its deadline is looked up again (one query).
    """
    state = cache.get(SCHEDULE_KEY)
    if state is None:
        _new_schedule()
    else:
        cache.set(
            SCHEDULE_KEY,
            {"version": state["version"], "until": _next_scheduled_timestamp()},
            timeout=None,
        )


def renew(tags: Iterable[str]) -> None:
    """Make every cached page showing one of these tags fresh.

    Renewed now, so this request and any test see the change, and again once
    the transaction commits, so a page another reader rendered from the
    not-yet-committed state in between is never served. A CDN in front is
    told too, after commit (`PAGE_CACHE_PURGE_HOOK`).
    """
    tags = frozenset(tags)
    if not tags:
        return
    _renew_now(tags)

    def after_commit():
        _renew_now(tags)
        _purge_shared_caches(tags)

    transaction.on_commit(after_commit)


def renew_everything() -> None:
    renew({SITE})


def _purge_shared_caches(tags: frozenset[str]) -> None:
    hook = settings.PAGE_CACHE_PURGE_HOOK
    if not hook:
        return
    try:
        import_string(hook)(sorted(tags))
    except Exception:  # a CDN's trouble must not fail the editor's save
        logger.exception("Purging shared caches for %s failed", sorted(tags))


def _cacheable_request(request) -> bool:
    if request.method not in ("GET", "HEAD") or not settings.PAGE_CACHE_ENABLED:
        return False
    if request.path.startswith(settings.PAGE_CACHE_EXCLUDED_PREFIXES):
        return False
    # A session means a logged-in person (staff preview) or per-user state;
    # a messages cookie means a flash message meant for this reader only.
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _page_query(request) -> str:
    """The query parameters a public page reads, in a fixed order; the rest is ignored.

    Tracking tags and junk (`?utm_source=…`, `?x=1`) change nothing on a page,
    so they share its entry instead of each filling the cache with a copy.
    """
    kept = {
        name: request.GET[name]
        for name in settings.PAGE_CACHE_QUERY_PARAMETERS
        if request.GET.get(name, "") != ""
    }
    return urlencode(sorted(kept.items()))


def _path_key(request) -> str:
    return f"pagecache:variants:{_digest(f'{request.get_host()}|{request.path}')}"


def _page_key(request) -> str:
    address = f"{request.get_host()}|{request.path}?{_page_query(request)}"
    return f"pagecache:page:{_digest(address)}"


def _may_store_variant(request) -> bool:
    """Whether one more variant (page number, search query) of this path may be cached.

    Each path stores at most PAGE_CACHE_MAX_VARIANTS entries per
    PAGE_CACHE_SECONDS; past that, pages are still served, only not stored,
    so no sequence of query strings can fill the cache.
    """
    key = _path_key(request)
    cache.add(key, 0, timeout=settings.PAGE_CACHE_SECONDS)
    try:
        return cache.incr(key) <= settings.PAGE_CACHE_MAX_VARIANTS
    except ValueError:  # expired in between, or the cache is down
        return False


# Used only for its cookie handling: reading the reader's CSRF cookie and
# setting one when the page hands out a fresh token.
_csrf = CsrfViewMiddleware(lambda request: None)


def _surrogate_keys(tags: Iterable[str]) -> str:
    return " ".join(sorted(tags))


def _cache_control(*, shared: bool) -> str:
    """What browsers and shared caches may do with a public page.

    Browsers always revalidate (the ETag makes that cheap). A CDN may keep a
    page for PAGE_CACHE_SHARED_SECONDS and serve it while it revalidates, and
    is purged by tag on every write; a page with a form carries a per-reader
    CSRF token and stays private.
    """
    if not shared:
        return "private, no-cache"
    return (
        f"public, max-age=0, s-maxage={settings.PAGE_CACHE_SHARED_SECONDS}, "
        f"stale-while-revalidate={settings.PAGE_CACHE_SHARED_STALE_SECONDS}"
    )


def _fill_csrf(request, body: bytes) -> bytes:
    if CSRF_PLACEHOLDER.encode() not in body:
        return body
    if "CSRF_COOKIE" not in request.META:
        _csrf.process_request(request)
    return body.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())


class PublicPageCacheMiddleware:
    """Serve public pages from the cache, with ETag/Last-Modified and 304s."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable_request(request):
            response = self.get_response(request)
            return self._finish_uncached(request, response)

        key = _page_key(request)
        entry = cache.get(key)
        if entry is not None and _current_versions(entry["versions"]) != entry["versions"]:
            entry = None  # something it shows has changed
        if entry is None:
            commits_before = _commits()
            request.page_tags = set()
            response = self.get_response(request)
            if not self._storable(request, response):
                return self._finish_uncached(request, response)
            tags = request.page_tags or {LISTS}  # a page that says nothing: a list
            tags |= {SITE}
            versions = self._versions_to_store(tags)
            if _commits() != commits_before or not _may_store_variant(request):
                # A write committed while this rendered: serve it, do not keep it.
                response = self._finish_uncached(request, response)
                response["Surrogate-Key"] = _surrogate_keys(tags)
                return response
            body = response.content
            entry = {
                "body": body,
                "etag": '"' + hashlib.sha256(body).hexdigest()[:32] + '"',
                "last_modified": time.time(),
                "headers": {h: response[h] for h in _KEPT_HEADERS if h in response},
                "versions": versions,
            }
            cache.set(key, entry, timeout=settings.PAGE_CACHE_SECONDS)
            cache_status = "MISS"
        else:
            cache_status = "HIT"

        if self._not_modified(request, entry):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(_fill_csrf(request, entry["body"]))
            for header, value in entry["headers"].items():
                response[header] = value
        has_form = CSRF_PLACEHOLDER.encode() in entry["body"]
        response["ETag"] = entry["etag"]
        response["Last-Modified"] = formatdate(entry["last_modified"], usegmt=True)
        response["Cache-Control"] = _cache_control(shared=not has_form)
        keys = _surrogate_keys(entry["versions"])
        response["Surrogate-Key"] = keys
        response["Cache-Tag"] = keys.replace(" ", ",")
        response["X-Page-Cache"] = cache_status
        return _csrf.process_response(request, response)

    @staticmethod
    def _versions_to_store(tags: set[str]) -> dict[str, str]:
        """The tags' versions, giving a version to any tag that has none yet."""
        versions = _current_versions(tags)
        missing = [tag for tag, version in versions.items() if version is None]
        for tag in missing:
            cache.add(TAG_KEY.format(tag), uuid.uuid4().hex[:12], timeout=None)
        if missing:
            versions = _current_versions(tags)
        return versions

    @staticmethod
    def _storable(request, response) -> bool:
        # A page marked `never_cache` (a confirmation or unsubscribe page, which
        # depends on one reader's link) is never shared.
        return (
            response.status_code == 200
            and "no-store" not in response.get("Cache-Control", "")
            and not response.streaming
            and not response.cookies.get(settings.SESSION_COOKIE_NAME)
            and "messages" not in response.cookies
        )

    @staticmethod
    def _not_modified(request, entry) -> bool:
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return entry["etag"] in tags or "*" in tags
        if_modified_since = request.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = parsedate_to_datetime(if_modified_since).timestamp()
            except (TypeError, ValueError):
                return False
            return int(entry["last_modified"]) <= since
        return False

    @staticmethod
    def _finish_uncached(request, response):
        if not response.streaming and hasattr(response, "content"):
            content = response.content
            if CSRF_PLACEHOLDER.encode() in content:
                response.content = _fill_csrf(request, content)
                response = _csrf.process_response(request, response)
        response.setdefault("X-Page-Cache", "BYPASS")
        return response
