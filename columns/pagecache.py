"""Whole-page caching for anonymous readers, fresh the moment content changes.

Every cached page is stored under the current *content version*. Any write to
the column (an episode, its articles or commentary, keywords, outlets, a
comment's status) replaces the version once the transaction commits, so every
app server sharing the cache (Redis) serves the new page at once; old entries
simply age out. A scheduled episode changes the public pages without any
write, so the version also records when the next scheduled episode goes live
and renews itself then: no cron needed.

What must never be shared between readers stays out of the cache: requests
with a session (staff, previews) or a flash message bypass it, and the CSRF
token in the comment form is a placeholder filled in per request.
"""

import hashlib
import time
import uuid
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.csrf import CsrfViewMiddleware, get_token

VERSION_KEY = "pagecache:version"
CSRF_PLACEHOLDER = "__CSRF_TOKEN_PLACEHOLDER__"
# Content-Language, CSP and X-Frame-Options are set outside the cache for every
# response (columns.middleware.PublicHeadersMiddleware).
_KEPT_HEADERS = ("Content-Type", "X-Robots-Tag")


def _next_scheduled_timestamp() -> float | None:
    from columns.models import Episode

    upcoming = (
        Episode.objects.scheduled()
        .order_by("publish_at")
        .values_list("publish_at", flat=True)
        .first()
    )
    return upcoming.timestamp() if upcoming else None


def _new_state() -> dict:
    """A fresh version (one query: when the next scheduled episode goes live)."""
    return {
        "version": uuid.uuid4().hex[:12],
        "since": time.time(),
        "until": _next_scheduled_timestamp(),
    }


def current_state() -> dict:
    state = cache.get(VERSION_KEY)
    if state is None or (state["until"] is not None and time.time() >= state["until"]):
        state = _new_state()
        cache.set(VERSION_KEY, state, timeout=None)
    return state


def _renew() -> None:
    cache.set(VERSION_KEY, _new_state(), timeout=None)


def bump_content_version() -> None:
    """Make every public page fresh.

    Renewed now, so this request and any test see the change, and again once
    the transaction commits, so a page another reader rendered from the
    not-yet-committed state in between is never served.
    """
    _renew()
    transaction.on_commit(_renew)


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


def _path_key(request, version: str) -> str:
    return f"pagecache:variants:{version}:{_digest(f'{request.get_host()}|{request.path}')}"


def _page_key(request, version: str) -> str:
    address = f"{request.get_host()}|{request.path}?{_page_query(request)}"
    return f"pagecache:page:{version}:{_digest(address)}"


def _may_store_variant(request, version: str) -> bool:
    """Whether one more variant (page number, search query) of this path may be cached.

    Each path keeps at most PAGE_CACHE_MAX_VARIANTS entries per content version;
    past that, pages are still served, only not stored, so no sequence of
    query strings can fill the cache.
    """
    key = _path_key(request, version)
    cache.add(key, 0, timeout=settings.PAGE_CACHE_SECONDS)
    try:
        return cache.incr(key) <= settings.PAGE_CACHE_MAX_VARIANTS
    except ValueError:  # expired in between, or the cache is down
        return False


# Used only for its cookie handling: reading the reader's CSRF cookie and
# setting one when the page hands out a fresh token.
_csrf = CsrfViewMiddleware(lambda request: None)


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

        state = current_state()
        key = _page_key(request, state["version"])
        entry = cache.get(key)
        if entry is None:
            response = self.get_response(request)
            if not self._storable(request, response):
                return self._finish_uncached(request, response)
            body = response.content
            if not _may_store_variant(request, state["version"]):
                return self._finish_uncached(request, response)
            entry = {
                "body": body,
                "etag": '"' + hashlib.sha256(body).hexdigest()[:32] + '"',
                "last_modified": state["since"],
                "headers": {h: response[h] for h in _KEPT_HEADERS if h in response},
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
        response["ETag"] = entry["etag"]
        response["Last-Modified"] = formatdate(entry["last_modified"], usegmt=True)
        response["Cache-Control"] = "private, no-cache"
        response["X-Page-Cache"] = cache_status
        return _csrf.process_response(request, response)

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
