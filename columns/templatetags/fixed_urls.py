"""`{% load fixed_urls %}`: addresses that stay the same while the process runs.

base.html names seven static files and four argument-free pages on every
page; `{% static %}` and `{% url %}` look each one up again for every reader
(about 0.4 ms of a 5 ms cold episode page, bench/profile_pages.py). What they
return depends only on the URLconf, the static-files manifest and the script
prefix, none of which changes between requests, so each is looked up once;
so are keyword and episode pages, twenty or more on a search result page.
The memo is emptied when tests change the settings these depend on.
"""

import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Library
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse

register = Library()


@functools.lru_cache(maxsize=128)
def _page(name: str, script_prefix: str) -> str:
    return reverse(name)


@functools.lru_cache(maxsize=128)
def _asset(path: str) -> str:
    return static(path)


@register.simple_tag
def page_url(name: str) -> str:
    """`{% url name %}` for a page without arguments (the script prefix is part of the key)."""
    return _page(name, get_script_prefix())


@functools.lru_cache(maxsize=4096)
def _keyword(slug: str, script_prefix: str) -> str:
    return reverse("columns:keyword", args=[slug])


def keyword_address(slug: str, script_prefix: str) -> str:
    """A keyword page's address, for code that has looked up the script prefix once."""
    return _keyword(slug, script_prefix)


@functools.lru_cache(maxsize=4096)
def episode_address(series_slug: str, number: int, script_prefix: str) -> str:
    """An episode page's address (`Episode.get_absolute_url`), looked up once per episode.

    For the twenty cards of a search result page, where reversing each address
    was a twentieth of the page's time.
    """
    return reverse("columns:episode", kwargs={"series_slug": series_slug, "number": number})


@register.simple_tag
def keyword_url(slug: str) -> str:
    """`{% url 'columns:keyword' slug %}`: a keyword's page, looked up once per slug."""
    return _keyword(slug, get_script_prefix())


@register.simple_tag
def asset_url(path: str) -> str:
    """`{% static path %}`, hashed name included."""
    return _asset(path)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs) -> None:
    if setting in {"ROOT_URLCONF", "STATIC_URL", "STORAGES", "STATICFILES_STORAGE"}:
        _page.cache_clear()
        _keyword.cache_clear()
        _asset.cache_clear()
        episode_address.cache_clear()
