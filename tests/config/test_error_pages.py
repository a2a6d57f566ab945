"""Error pages: Korean, the right status, and readable on a phone."""

import pytest
from django.test import RequestFactory
from django.urls import include, path
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def broken_view(request):
    raise RuntimeError("a bug reaches the reader")


# Used as the URLconf of the tests marked `urls` below: the site plus one broken page.
urlpatterns = [
    path("__broken__/", broken_view),
    path("", include("config.urls")),
]


@pytest.mark.parametrize("url", ["/no-such-page/", "/series/없는-연재/", "/series/x/9999/"])
def test_the_not_found_page_is_korean_and_fits_a_phone(client, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert VIEWPORT in html
    assert 'lang="ko"' in html
    assert "페이지를 찾을 수 없습니다" in html
    assert "첫 화면으로 돌아가기" in html
    assert response["Content-Language"] == "ko"


def test_the_server_error_page_needs_no_context_and_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert VIEWPORT in html
    assert 'lang="ko"' in html
    assert "잠시 문제가 생겼습니다" in html
    assert "잠시 뒤에 다시 시도해 주세요" in html


@pytest.mark.urls("tests.config.test_error_pages")
def test_a_bug_shows_the_korean_error_page_with_status_500(client):
    client.raise_request_exception = False
    response = client.get("/__broken__/")
    assert response.status_code == 500
    html = response.content.decode()
    assert VIEWPORT in html
    assert "잠시 문제가 생겼습니다" in html
    assert "a bug reaches the reader" not in html  # no traceback for readers
    assert "RuntimeError" not in html
    assert response["Content-Language"] == "ko"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.urls("tests.config.test_error_pages")
def test_an_error_page_is_never_cached_for_the_next_reader(client):
    client.raise_request_exception = False
    client.get("/__broken__/")
    assert client.get("/__broken__/")["X-Page-Cache"] != "HIT"
