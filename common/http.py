"""Who is asking: the client's address, by one rule for every caller.

Comment rate limits and admin login throttling (django-axes) both call
`client_ip`, so a spoofed header can fool neither.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _as_ip(value: str) -> str | None:
    """The address in its normal written form, or None when `value` is not an IP address."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The reader's address.

    With no trusted proxy (`DJANGO_TRUSTED_PROXY_COUNT=0`, the default) it is
    the connecting address and `X-Forwarded-For` is ignored: anyone can send
    that header. Behind N proxies that each append the address they saw, it is
    the Nth entry from the right, and only if that entry is an IP address;
    anything else falls back to the connecting address (the nearest proxy).
    """
    remote = _as_ip(request.META.get("REMOTE_ADDR", "")) or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(forwarded) >= proxies:
            return _as_ip(forwarded[-proxies]) or remote
    return remote
