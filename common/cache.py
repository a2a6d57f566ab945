"""The cache backend used with Redis: Django's own, made to degrade instead of fail.

Everything the site keeps in the cache (whole pages, their version, rate-limit
counters) can be rebuilt or counted another way, so an unreachable Redis must
not turn pages into 500s. While Redis is down every read misses and every write
is dropped; after a failure Redis is not tried again for `RETRY_AFTER` seconds,
so a request pays for at most one refused connection; the outage is logged
once when it starts and once when it ends; recovery needs no restart.

Callers that need to know (the comment rate limit falls back to the database)
ask `cache_is_down()`.
"""

import logging
import time

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Only the failures of reaching Redis; a wrong command is a bug and still raises.
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    RETRY_AFTER = 2.0  # seconds

    def __init__(self, server, params):
        super().__init__(server, params)
        self._down_since: float | None = None
        self._retry_at = 0.0

    def is_down(self) -> bool:
        return self._down_since is not None

    def _call(self, name: str, default, *args, **kwargs):
        if self._down_since is not None and time.monotonic() < self._retry_at:
            return default
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except OUTAGE_ERRORS as error:
            now = time.monotonic()
            if self._down_since is None:
                self._down_since = now
                logger.error(
                    "Cache (Redis) unreachable, serving without it until it answers: %s", error
                )
            self._retry_at = now + self.RETRY_AFTER
            return default
        if self._down_since is not None:
            logger.warning(
                "Cache (Redis) answers again after %.0f s", time.monotonic() - self._down_since
            )
            self._down_since = None
        return result

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def add(self, key, value, timeout=..., version=None):
        return self._call("add", False, key, value, *_timeout(timeout), version=version)

    def set(self, key, value, timeout=..., version=None):
        return self._call("set", None, key, value, *_timeout(timeout), version=version)

    def set_many(self, data, timeout=..., version=None):
        return self._call("set_many", list(data), data, *_timeout(timeout), version=version)

    def touch(self, key, timeout=..., version=None):
        return self._call("touch", False, key, *_timeout(timeout), version=version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        # No value to answer with: say "no such key", as for a key that expired.
        result = self._call("incr", None, key, delta, version)
        if result is None:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return result

    def clear(self):
        return self._call("clear", False)


def _timeout(timeout) -> tuple:
    # Leave Django's "default timeout" sentinel to the parent when not given.
    return () if timeout is ... else (timeout,)


def cache_is_down() -> bool:
    """Whether the default cache is a Redis that cannot be reached right now."""
    return bool(getattr(cache, "is_down", lambda: False)())
