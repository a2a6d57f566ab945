"""Retrying background jobs (Huey) with a growing delay, for every app's tasks.py."""

from collections.abc import Callable
from functools import wraps


def with_backoff(*, retries: int, first_delay: int, most: int = 3600) -> Callable:
    """Arguments for a Huey task decorator, and a wrapper that doubles the delay per failure.

    Huey retries a failed task after a fixed `retry_delay`; just before a
    failure is handed back to it, the wrapper sets that task's delay to
    `first_delay`, then twice as long for each earlier failure (at most `most`
    seconds). Use as ``@db_task(**options, context=True)`` around ``@wrap``.
    """
    options = {"retries": retries, "retry_delay": first_delay}

    def wrap(fn: Callable) -> Callable:
        @wraps(fn)
        def inner(*args, task=None, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception:
                if task is not None:
                    failures_before = retries - task.retries
                    task.retry_delay = min(first_delay * 2**failures_before, most)
                raise

        return inner

    return options, wrap
