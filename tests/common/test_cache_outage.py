"""Degrade, never fail, when the cache is down.

A real Redis is started for each test on a free port (never the shared one on
6379), the cache is pointed at it, and then it is stopped and started again:
pages, comments, the comment rate limit and the admin keep working through the
outage, it is logged once, and the page cache comes back on its own.
"""

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from django.core.cache.backends.redis import RedisCache
from django.test import Client
from django.urls import reverse

import common.cache
from columns.models import Comment, Episode
from common.cache import ResilientRedisCache
from tests.columns.test_admin_episode import change_data, change_url, error_texts
from tests.factories import make_episode, make_series

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
# Nothing written to disk: a restarted server comes back empty.
NO_PERSISTENCE = ("--save", "", "--appendonly", "no")

pytestmark = pytest.mark.django_db

if not Path(REDIS_SERVER).exists():
    if os.environ.get("CI"):
        raise RuntimeError(
            "CI must run the cache outage tests: install Debian's redis-server "
            "(apt-get install redis-server)."
        )
    pytest.skip(
        "redis-server is not installed (apt-get install redis-server)", allow_module_level=True
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throw-away redis-server on its own port, which a test stops and starts."""

    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)

    def start(self) -> None:
        assert self.process is None, "already running"
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", *NO_PERSISTENCE],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.client().ping():
                    return
            except redis.exceptions.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@pytest.fixture
def redis_server():
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_cache(settings, redis_server):
    """The site's cache is the resilient backend on the test's own Redis."""
    before = settings.CACHES
    # Changing CACHES closes the cache handlers (django.test.signals), so
    # `django.core.cache.cache` is the new backend from here on.
    settings.CACHES = {
        "default": {
            "BACKEND": "common.cache.ResilientRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    assert isinstance(the_cache(), ResilientRedisCache)
    yield redis_server
    # Back to the in-memory cache before Redis is stopped, so the suite's own
    # cache.clear() after the test does not talk to a dead server.
    settings.CACHES = before


def the_cache():
    from django.core.cache import caches

    backend = caches["default"]
    assert isinstance(backend, ResilientRedisCache)
    return backend


@pytest.fixture
def content(redis_cache):
    """A published episode (with keywords and an outlet), written while Redis answers."""
    series = make_series(title="정전에도 읽히는 뉴스", slug="outage-series")
    return make_episode(series, 1, headline="캐시가 멈춘 날의 기록", keywords=("정전",))


def cache_log(caplog, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "common.cache" and r.levelno == level]


def public_pages(episode: Episode) -> dict[str, str]:
    """Each public page type, and the link to the episode (or series) it must show."""
    to_episode = f'href="{episode.get_absolute_url()}"'
    return {
        reverse("columns:home"): to_episode,
        reverse("columns:series_list"): f'href="{episode.series.get_absolute_url()}"',
        episode.series.get_absolute_url(): to_episode,
        episode.get_absolute_url(): episode.headline,
        reverse("columns:search") + "?q=캐시가": to_episode,
        reverse("columns:keyword", args=["정전"]): to_episode,
    }


def post_comment(client, episode, *, body: str, ip: str = "203.0.113.7"):
    data = {"name": "정전 중의 독자", "email": "", "body": body, "homepage": ""}
    url = reverse("columns:comment_post", args=[episode.series.slug, episode.number])
    return client.post(url, data, REMOTE_ADDR=ip)


# Redis answers ----------------------------------------------------------------------


def test_with_redis_up_the_second_anonymous_visit_is_a_hit_stored_in_redis(content, redis_cache):
    url = content.get_absolute_url()
    first, second = Client().get(url), Client().get(url)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("MISS", "HIT")
    assert "캐시가 멈춘 날의 기록" in second.content.decode()
    assert not the_cache().is_down()
    # The entry really is in the test's Redis, not in some in-process cache.
    assert redis_cache.client().keys("*pagecache:page:*")


# Redis is stopped ------------------------------------------------------------------


class FakeClock:
    """Stands in for `time` inside common.cache: the retry delay passes when a test says."""

    def __init__(self):
        self.now = time.monotonic()

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(common.cache, "time", fake)
    return fake


@pytest.fixture(params=["retry-every-call", "retry-after-delay"])
def outage(request, content, redis_cache, clock, monkeypatch):
    """Redis stops after the content was written and a page was cached.

    retry-every-call: RETRY_AFTER = 0, every cache call goes to the dead server
    again (the harshest case for "never fail" and "logged once").
    retry-after-delay: the real RETRY_AFTER with a stopped clock, so after the
    first refused connection the cache is not tried again.
    """
    if request.param == "retry-every-call":
        monkeypatch.setattr(ResilientRedisCache, "RETRY_AFTER", 0)
    assert Client().get(content.get_absolute_url())["X-Page-Cache"] == "MISS"
    redis_cache.stop()
    return content


def recover(redis_cache, clock) -> None:
    """Start Redis again on the same port (empty: no persistence), let the delay pass."""
    redis_cache.start()
    clock.advance(ResilientRedisCache.RETRY_AFTER)


def test_public_pages_answer_200_while_redis_is_down(outage, caplog):
    for url, text in public_pages(outage).items():
        for _ in range(2):
            response = Client().get(url)
            assert response.status_code == 200, url
            assert response["X-Page-Cache"] != "HIT", url
            assert text in response.content.decode(), url
    assert the_cache().is_down()
    assert len(cache_log(caplog, logging.ERROR)) == 1


def test_a_comment_is_accepted_and_stored_while_redis_is_down(outage, client):
    response = post_comment(client, outage, body="캐시가 없어도 댓글은 남습니다.")
    assert response.status_code == 302
    assert response["Location"].startswith(outage.get_absolute_url())
    comment = Comment.objects.get()
    assert comment.body == "캐시가 없어도 댓글은 남습니다."
    assert comment.episode == outage
    # The reader lands back on the page with the confirmation.
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "운영진이 확인한 뒤에 공개됩니다" in page.content.decode()


def test_the_comment_rate_limit_still_applies_while_redis_is_down(outage, client, settings):
    settings.COMMENT_RATE_LIMIT = (3, 600)
    for i in range(3):
        assert post_comment(client, outage, body=f"정전 중 댓글 {i}").status_code == 302
    refused = post_comment(client, outage, body="한도를 넘는 댓글")
    assert refused.status_code == 429
    assert Comment.objects.count() == 3
    # Counted per sender: another address may still write.
    assert post_comment(client, outage, body="다른 독자", ip="203.0.113.8").status_code == 302
    assert Comment.objects.count() == 4


def test_an_admin_save_succeeds_and_shows_while_redis_is_down(outage, client, superuser):
    client.force_login(superuser)
    data = change_data(outage, headline="정전 중에 고친 제목")
    response = client.post(change_url(outage), data)
    assert response.status_code == 302, error_texts(response.content.decode())
    outage.refresh_from_db()
    assert outage.headline == "정전 중에 고친 제목"

    page = Client().get(outage.get_absolute_url())
    assert page.status_code == 200
    assert "정전 중에 고친 제목" in page.content.decode()
    assert "캐시가 멈춘 날의 기록" not in page.content.decode()
    # And in the admin's own list.
    listing = client.get(reverse("admin:columns_episode_changelist"))
    assert listing.status_code == 200 and "정전 중에 고친 제목" in listing.content.decode()


def test_the_outage_is_logged_once_across_many_requests(outage, client, superuser, caplog):
    caplog.set_level(logging.WARNING, logger="common.cache")
    for url in public_pages(outage):
        assert Client().get(url).status_code == 200
    for i in range(3):
        assert post_comment(client, outage, body=f"기록 확인 {i}").status_code == 302
    client.force_login(superuser)
    response = client.post(change_url(outage), change_data(outage, headline="또 고친 제목"))
    assert response.status_code == 302, error_texts(response.content.decode())
    for url in public_pages(outage):
        assert Client().get(url).status_code == 200

    errors = cache_log(caplog, logging.ERROR)
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "unreachable" in errors[0].getMessage()
    assert cache_log(caplog, logging.WARNING) == []  # never "answers again" while down


# Redis comes back --------------------------------------------------------------------


def test_pages_are_cached_again_once_redis_answers_again(outage, redis_cache, clock, caplog):
    url = outage.get_absolute_url()
    assert Client().get(url)["X-Page-Cache"] == "BYPASS"
    assert the_cache().is_down()

    redis_cache.start()
    if ResilientRedisCache.RETRY_AFTER:
        # Not tried again before the delay is over: still served without it.
        assert Client().get(url)["X-Page-Cache"] == "BYPASS"
        assert the_cache().is_down()
        assert cache_log(caplog, logging.WARNING) == []
    clock.advance(ResilientRedisCache.RETRY_AFTER)

    first, second = Client().get(url), Client().get(url)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("MISS", "HIT")
    assert not the_cache().is_down()
    assert redis_cache.client().keys("*pagecache:page:*")

    warnings = cache_log(caplog, logging.WARNING)
    assert len(warnings) == 1 and "answers again" in warnings[0].getMessage()
    assert len(cache_log(caplog, logging.ERROR)) == 1


def test_the_rate_limit_counts_in_redis_again_after_the_outage(
    outage, redis_cache, clock, settings
):
    settings.COMMENT_RATE_LIMIT = (2, 600)
    client = Client()
    assert post_comment(client, outage, body="정전 중 하나").status_code == 302
    recover(redis_cache, clock)
    # Back on the cache's counter, whose window starts again in Redis: the
    # comment stored during the outage is not counted a second time.
    assert post_comment(client, outage, body="복구 후 하나").status_code == 302
    assert post_comment(client, outage, body="복구 후 둘").status_code == 302
    assert post_comment(client, outage, body="복구 후 셋").status_code == 429
    assert redis_cache.client().keys("*comment-rate:*")


def test_a_second_outage_is_logged_again(outage, redis_cache, clock, caplog):
    url = outage.get_absolute_url()
    assert Client().get(url).status_code == 200
    recover(redis_cache, clock)
    assert Client().get(url)["X-Page-Cache"] == "MISS"
    redis_cache.stop()
    clock.advance(ResilientRedisCache.RETRY_AFTER)
    assert Client().get(url).status_code == 200
    assert len(cache_log(caplog, logging.ERROR)) == 2
    assert len(cache_log(caplog, logging.WARNING)) == 1


# Redis hangs -------------------------------------------------------------------------


def test_a_hung_redis_costs_a_request_one_socket_timeout_at_most(
    content, redis_cache, clock, caplog, monkeypatch
):
    url = content.get_absolute_url()
    assert Client().get(url)["X-Page-Cache"] == "MISS"
    # Count the calls that reach Redis (not the time they take: no clocks in tests).
    reached = []
    for name in ("get", "get_many", "set", "set_many", "add", "incr"):
        original = getattr(RedisCache, name)

        def counting(self, *args, _original=original, _name=name, **kwargs):
            reached.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(RedisCache, name, counting)
    redis_cache.process.send_signal(signal.SIGSTOP)  # accepts nothing, answers nothing
    try:
        response = Client().get(url)
        first, reached[:] = list(reached), []
        again = Client().get(url)
        second = list(reached)
    finally:
        redis_cache.process.send_signal(signal.SIGCONT)
    assert (response.status_code, again.status_code) == (200, 200)
    assert response["X-Page-Cache"] == again["X-Page-Cache"] == "BYPASS"
    # One call waits for its socket timeout; after it the cache is skipped.
    assert len(first) == 1, first
    assert second == []
    assert len(cache_log(caplog, logging.ERROR)) == 1

    # Awake again, with the entries it kept while paused; no late answer to the
    # timed-out command is read as the answer to another.
    clock.advance(ResilientRedisCache.RETRY_AFTER)
    pages = [Client().get(url) for _ in range(3)]
    assert [p["X-Page-Cache"] for p in pages] == ["HIT", "HIT", "HIT"]
    assert all(content.headline in p.content.decode() for p in pages)
    home = Client().get(reverse("columns:home"))
    assert home.status_code == 200 and f'href="{url}"' in home.content.decode()
    assert len(cache_log(caplog, logging.WARNING)) == 1
