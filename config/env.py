"""The three small readers settings.py uses to take its values from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean; anything other than a clear true/false is a configuration error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0), not {raw!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_secret(name: str, *, debug: bool) -> str:
    """The secret key: required in production, a fixed throw-away value in development."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if debug:
        return "insecure-development-key-do-not-use-in-production"
    raise ImproperlyConfigured(
        f"{name} is not set. Production mode (DJANGO_DEBUG off) refuses to start without a "
        f"secret key: set {name} to a long random value, or set DJANGO_DEBUG=true for development."
    )
