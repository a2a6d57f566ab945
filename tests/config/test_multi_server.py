"""Two app servers sharing one PostgreSQL and one Redis: a change published
through one is served by both at once."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection

from columns.models import Episode
from tests.factories import make_episode, make_series
from tests.services import redis_available

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="app servers share a PostgreSQL database"
    ),
    pytest.mark.skipif(not redis_available(), reason="needs Redis on 127.0.0.1:6379"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def app_servers():
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
        f"/{settings_dict['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "DJANGO_CACHE_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "shared-secret-for-both-servers-in-this-test-only",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "GUNICORN_WORKERS": "1",
    }
    # Production mode serves hashed static files from the manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    gunicorn = Path(sys.executable).parent / "gunicorn"
    servers = []
    for _ in range(2):
        port = free_port()
        process = subprocess.Popen(
            [str(gunicorn), "-c", "gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        )
        servers.append((process, f"http://127.0.0.1:{port}"))
    try:
        for process, base in servers:
            deadline = time.time() + 30
            while True:
                try:
                    urllib.request.urlopen(base + "/", timeout=2)
                    break
                except OSError:
                    if time.time() > deadline or process.poll() is not None:
                        raise RuntimeError(f"app server {base} did not start") from None
                    time.sleep(0.3)
        yield [base for _, base in servers]
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=20)


def fetch(opener, url, data=None):
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    with opener.open(url, data=body, timeout=10) as response:
        return response.headers, response.read().decode()


def test_a_change_published_through_one_server_is_served_by_both_at_once(
    app_servers, django_user_model
):
    first, second = app_servers
    django_user_model.objects.create_superuser("chief", "c@example.com", "correct-horse-battery")
    series = make_series()
    make_episode(series, 1, headline="이미 나간 글")
    draft = make_episode(series, 2, headline="방금 발행할 글", status=Episode.Status.DRAFT)

    reader = urllib.request.build_opener()
    for base in (first, second):
        fetch(reader, base + "/")
        headers, html = fetch(reader, base + "/")
        assert headers["X-Page-Cache"] == "HIT"
        assert "방금 발행할 글" not in html

    editor = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    _, login_page = fetch(editor, first + "/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page)[1]
    fetch(
        editor,
        first + "/admin/login/?next=/admin/",
        {"username": "chief", "password": "correct-horse-battery", "csrfmiddlewaretoken": token},
    )
    _, changelist = fetch(editor, first + "/admin/columns/episode/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', changelist)[1]
    fetch(
        editor,
        first + "/admin/columns/episode/",
        {"action": "publish_now", "_selected_action": [draft.pk], "csrfmiddlewaretoken": token},
    )
    draft.refresh_from_db()
    assert draft.is_published()

    for base in (second, first):
        headers, html = fetch(reader, base + "/")
        assert "방금 발행할 글" in html, base
        assert headers["X-Page-Cache"] == "MISS"
