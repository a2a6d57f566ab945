"""Every public response carries the same protective headers and language, from the
cache or not; junk in the query string can neither split nor fill the page cache."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from columns.models import Series
from tests.factories import make_episode, make_series
from tests.factories_search import make_searchable_episode

pytestmark = pytest.mark.django_db


def get(url, **headers):
    return Client().get(url, **headers)


def stored_pages() -> int:
    """Cached public pages held right now (the test cache is a LocMemCache)."""
    return sum(1 for key in cache._cache if "pagecache:page:" in key)


def found_headlines(html: str) -> list[str]:
    """Search result headlines, without highlighting or the episode number."""
    titles = re.findall(r'class="search-result-title"[^>]*>(.*?)</a>', html, re.S)
    return [
        re.sub(r"<[^>]+>", "", re.sub(r'<span class="episode-number">.*?</span>', "", t)).strip()
        for t in titles
    ]


def assert_public_headers(response):
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Language"] == "ko"
    assert "default-src" in response["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["episode", "/", "/series/", "/search/?q=반도체"])
def test_cached_and_fresh_pages_carry_the_same_headers(path):
    url = make_episode().get_absolute_url() if path == "episode" else path
    miss, hit = get(url), get(url)
    assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("MISS", "HIT")
    assert_public_headers(miss)
    assert_public_headers(hit)
    assert miss["Content-Security-Policy"] == hit["Content-Security-Policy"]


def test_pages_bypassing_the_cache_carry_them_too(settings):
    settings.PAGE_CACHE_ENABLED = False
    response = get(make_episode().get_absolute_url())
    assert response["X-Page-Cache"] == "BYPASS"
    assert_public_headers(response)


def test_the_admin_cannot_be_framed_either():
    response = get("/admin/login/")
    assert response["X-Frame-Options"] == "DENY"


def test_a_reader_asking_for_english_still_gets_the_korean_page():
    episode = make_episode(headline="한국어로만 쓰는 회차")
    english = get(episode.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "ko"
    html = english.content.decode()
    assert 'lang="ko"' in html
    assert "한국어로만 쓰는 회차" in html
    assert "댓글 쓰기" in html
    # The next (Korean) reader gets the same page from the cache: no mixed languages.
    korean = get(episode.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9")
    assert korean["X-Page-Cache"] == "HIT"
    assert korean["Content-Language"] == "ko"


def test_the_admin_speaks_korean_whatever_the_browser_asks():
    html = get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "비밀번호" in html
    assert "Password" not in html


def test_junk_query_strings_share_the_pages_cache_entry():
    episode = make_episode()
    url = episode.get_absolute_url()
    assert get(url)["X-Page-Cache"] == "MISS"
    assert get(f"{url}?utm_source=x")["X-Page-Cache"] == "HIT"
    for n in range(50):
        response = get(f"{url}?junk={n}&utm_campaign=c{n}")
        assert response["X-Page-Cache"] == "HIT", n
        assert response.status_code == 200
    assert stored_pages() == 1


def test_junk_first_then_the_plain_address_is_still_one_entry():
    url = make_episode().get_absolute_url()
    assert get(f"{url}?fbclid=abc")["X-Page-Cache"] == "MISS"
    assert get(url)["X-Page-Cache"] == "HIT"
    assert get(f"{url}?page=")["X-Page-Cache"] == "HIT"  # an empty page number is none
    assert stored_pages() == 1


def test_the_page_number_still_gives_its_own_page():
    series = make_series()
    for number in range(1, 22):  # one more than a page holds
        make_episode(series, number, headline=f"목록 회차 {number:02d}", articles=0, keywords=())
    first = get("/")
    second = get("/?page=2")
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("MISS", "MISS")
    assert "목록 회차 21" in first.content.decode()
    assert "목록 회차 21" not in second.content.decode()
    assert "목록 회차 01" in second.content.decode()
    assert get("/?page=2&utm_source=x")["X-Page-Cache"] == "HIT"
    assert stored_pages() == 2


def test_the_search_query_still_gives_its_own_results():
    series = make_series()
    make_searchable_episode(series, 1, headline="반도체 수출 소식")
    make_searchable_episode(series, 2, headline="장마 전선 소식")
    chips = found_headlines(get("/search/?q=반도체").content.decode())
    rain = get("/search/?q=장마")
    assert rain["X-Page-Cache"] == "MISS"
    assert chips == ["반도체 수출 소식"]
    assert found_headlines(rain.content.decode()) == ["장마 전선 소식"]
    assert get("/search/?q=장마&ref=mail")["X-Page-Cache"] == "HIT"
    assert stored_pages() == 2


def test_at_most_max_variants_of_one_path_are_stored(settings):
    settings.PAGE_CACHE_MAX_VARIANTS = 3
    make_episode(headline="변형 제한 회차")
    queries = [f"검색어{i}" for i in range(1, 6)]
    first_round = [get(f"/search/?q={q}") for q in queries]
    assert all(r.status_code == 200 for r in first_round)  # every reader is served
    assert [r["X-Page-Cache"] for r in first_round[:3]] == ["MISS"] * 3
    assert stored_pages() == 3
    second_round = [get(f"/search/?q={q}") for q in queries]
    assert [r["X-Page-Cache"] for r in second_round[:3]] == ["HIT"] * 3
    # The fourth and fifth were served, never stored: each visit renders again.
    assert all(r["X-Page-Cache"] != "HIT" for r in second_round[3:])
    assert all("검색어" in r.content.decode() for r in second_round[3:])
    assert all(r.status_code == 200 for r in second_round)
    assert stored_pages() == 3
    # Another path has its own allowance.
    assert get(Series.objects.get().get_absolute_url())["X-Page-Cache"] == "MISS"
    assert stored_pages() == 4
