"""The benchmark's floor: the episode page's bytes, served from memory through the
same deployment (all middleware), with no cache lookup, query or template."""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse


@cache
def _floor_bytes() -> bytes:
    return Path(settings.BENCH_FLOOR_FILE).read_bytes()


def floor_view(request):
    return HttpResponse(_floor_bytes(), content_type="text/html; charset=utf-8")
