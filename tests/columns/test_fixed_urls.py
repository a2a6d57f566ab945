"""base.html's own links (columns.templatetags.fixed_urls): looked up once, never out of date."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def stylesheets(html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)


def test_every_page_links_the_same_stylesheets_and_pages_as_static_and_url_would(client):
    from django.templatetags.static import static

    html = client.get(reverse("columns:series_list")).content.decode()
    assert stylesheets(html) == [static("css/site.css"), static("css/search.css")]
    assert f'action="{reverse("columns:search")}"' in html
    assert f'href="{reverse("columns:feed_atom")}"' in html


def test_a_changed_static_address_is_not_answered_from_the_memo(client, settings):
    from django.core.cache import cache

    client.get(reverse("columns:series_list"))  # fills the memo
    settings.STATIC_URL = "/assets-elsewhere/"
    cache.clear()  # not the page cache's copy: a page drawn anew
    html = client.get(reverse("columns:series_list")).content.decode()
    assert stylesheets(html) and all(
        href.startswith("/assets-elsewhere/") for href in stylesheets(html)
    )


def test_the_script_prefix_is_part_of_each_page_address(client):
    from django.urls import set_script_prefix

    from columns.templatetags.fixed_urls import page_url

    home = page_url("columns:home")
    try:
        set_script_prefix("/column/")
        assert page_url("columns:home") == "/column" + home
    finally:
        set_script_prefix("/")
    assert page_url("columns:home") == home
