"""Uploaded media served by the app itself, for the embedded setup (`make run`, `make serve`).

WhiteNoise serves only what `collectstatic` found at start-up, not files
uploaded while the site runs, so MEDIA_ROOT is served by this view when
`MEDIA_SERVE` is on (the default with the filesystem storage). Only the image
types the site stores are served, each with its own type, `nosniff`, a CSP
that lets nothing run, and a year of caching (every stored name is generated
and never reused). Share cards under `cards/` are served only through their
own addresses (columns.views.share_card), which check that the episode is
published. In production a reverse proxy serving var/media/, or an S3 store,
does this job instead (README, Production).
"""

import posixpath

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from django.utils._os import safe_join
from django.views.decorators.http import require_safe

SERVED_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
YEAR = 60 * 60 * 24 * 365


def immutable(response):
    response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def serve_media(request: HttpRequest, path: str) -> FileResponse:
    path = posixpath.normpath(path).lstrip("/")
    extension = posixpath.splitext(path)[1].lower()
    if path.startswith(("cards/", ".")) or "/." in path or extension not in SERVED_TYPES:
        raise Http404
    try:
        full = safe_join(str(settings.MEDIA_ROOT), path)
    except ValueError as error:  # outside MEDIA_ROOT
        raise Http404 from error
    try:
        handle = open(full, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=SERVED_TYPES[extension])
    return immutable(response)
