"""Headers and request limits for the public site, outside the page cache.

Both classes sit before `columns.pagecache.PublicPageCacheMiddleware` in
settings.MIDDLEWARE, so a page served from the cache gets exactly the headers
and limits of one rendered for the request.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpResponse
from django.template.loader import render_to_string

ADMIN_PREFIX = "/admin/"


class PublicHeadersMiddleware:
    """A strict CSP, no framing and the page's language on every public response.

    The CSP is the second wall behind sanitized HTML; the admin is left to
    Django's own defaults (it is staff-only and ships its own scripts).
    Public pages are written in LANGUAGE_CODE whatever the reader's browser
    asks for, so that is the `Content-Language` of each one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        if not request.path.startswith(ADMIN_PREFIX):
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
            response.headers["Content-Language"] = settings.LANGUAGE_CODE
        return response


URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


class PublicPostLimitMiddleware:
    """Public forms take a few text fields: anything bigger or with files is refused.

    Django would otherwise parse a multipart body as soon as CSRF checking
    reads `request.POST`, spooling large file parts to disk. A public POST
    over `PUBLIC_POST_MAX_BYTES` (or of unknown length) gets 413 before a
    byte of its body is read; one that is neither url-encoded nor multipart
    gets 400. A small multipart body (what some clients send for plain
    fields) is parsed in memory only, and refused with 400 if it carries a
    file. The admin (staff, with uploads) keeps Django's own limits.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and not request.path.startswith(ADMIN_PREFIX):
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    @staticmethod
    def _refusal(request) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or "")
        except ValueError:
            length = -1
        if length < 0 or length > settings.PUBLIC_POST_MAX_BYTES:
            return _refused(
                request,
                413,
                "보낸 내용이 너무 깁니다",
                "댓글은 5,000자까지 쓸 수 있습니다. 뒤로 돌아가 글을 줄여서 다시 보내 주세요.",
            )
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type == URLENCODED:
            return None
        if content_type == MULTIPART:
            # Within the size cap: parsed in memory; a file part is noticed, never kept.
            watcher = _FilePartWatcher(request)
            request.upload_handlers = [watcher]
            request.POST  # noqa: B018 - parse now, with the watcher
            if not watcher.saw_file:
                return None
        return _refused(
            request,
            400,
            "글자만 보낼 수 있습니다",
            "이 양식은 파일이나 다른 형식의 내용을 받지 않습니다. 글만 적어서 다시 보내 주세요.",
        )


class _FilePartWatcher(FileUploadHandler):
    """Notes that a multipart body carries a file, and keeps not a byte of it."""

    saw_file = False

    def new_file(self, *args, **kwargs):
        self.saw_file = True
        raise SkipFile

    def receive_data_chunk(self, raw_data, start):
        return None

    def file_complete(self, file_size):
        return None


def _refused(request, status: int, title: str, message: str) -> HttpResponse:
    # The body was never read: the connection cannot be kept for another request.
    response = HttpResponse(
        render_to_string("refused.html", {"title": title, "message": message}, request=request),
        status=status,
    )
    response["Connection"] = "close"
    return response


def admin_reads_only(view):
    """Mark an admin view that answers a POST without writing (the desk's citation lookup).

    It runs outside a batch, so it holds no transaction open while it waits
    on the network.
    """
    view.admin_reads_only = True
    return view


def _reads_only(request) -> bool:
    from django.urls import Resolver404, resolve

    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(match.func, "admin_reads_only", False)


class AdminBatchMiddleware:
    """Every admin POST is one projections batch: derived data refreshed once, before commit.

    An episode saved with its articles, commentary and keywords, a bulk action
    over fifty comments, a keyword renamed in taggit's admin, an outlet in its
    own admin: each request refreshes each affected episode once
    (columns.projections), whichever app's admin it is.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "POST"
            and request.path.startswith(ADMIN_PREFIX)
            and not _reads_only(request)
        ):
            from columns import projections

            with projections.batch():
                return self.get_response(request)
        return self.get_response(request)
