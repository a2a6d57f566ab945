"""Who is asking: X-Forwarded-For counts only behind trusted proxies, so a reader
cannot pick a new address for every comment."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from columns.models import Comment
from common.http import client_ip
from tests.factories import make_episode

CONNECTING = "192.0.2.1"


def ip_for(forwarded_for=None, remote=CONNECTING):
    headers = {} if forwarded_for is None else {"HTTP_X_FORWARDED_FOR": forwarded_for}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


def test_without_proxies_the_connecting_address_counts_and_a_spoofed_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert ip_for() == CONNECTING
    assert ip_for("203.0.113.9") == CONNECTING
    assert ip_for("203.0.113.9, 198.51.100.4") == CONNECTING


def test_behind_one_proxy_the_address_it_saw_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert ip_for("203.0.113.9") == "203.0.113.9"
    # The reader may prepend anything; only the proxy's own entry is trusted.
    assert ip_for("10.0.0.1, 203.0.113.9") == "203.0.113.9"
    assert ip_for(" 203.0.113.9 ") == "203.0.113.9"


@pytest.mark.parametrize(
    "forwarded_for",
    ["garbage", "1.2.3.4.5", "", " ", "203.0.113.9, garbage", "203.0.113.9,", "unknown", "::g"],
)
def test_behind_one_proxy_a_malformed_entry_falls_back_to_the_connecting_address(
    settings, forwarded_for
):
    settings.TRUSTED_PROXY_COUNT = 1
    assert ip_for(forwarded_for) == CONNECTING


def test_behind_one_proxy_without_the_header_the_connecting_address_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert ip_for() == CONNECTING


def test_ipv6_addresses_are_accepted_in_their_normal_written_form(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert ip_for("2001:db8::1") == "2001:db8::1"
    assert ip_for("2001:DB8:0:0:0:0:0:1") == "2001:db8::1"
    assert ip_for("garbage", remote="2001:db8::7") == "2001:db8::7"
    settings.TRUSTED_PROXY_COUNT = 0
    assert ip_for("203.0.113.9", remote="2001:db8::7") == "2001:db8::7"


def test_behind_two_proxies_the_second_entry_from_the_right_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert ip_for("203.0.113.9, 10.0.0.2") == "203.0.113.9"
    assert ip_for("6.6.6.6, 203.0.113.9, 10.0.0.2") == "203.0.113.9"
    assert ip_for("garbage, 10.0.0.2") == CONNECTING


def test_fewer_entries_than_proxies_fall_back_to_the_connecting_address(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert ip_for("203.0.113.9") == CONNECTING
    settings.TRUSTED_PROXY_COUNT = 3
    assert ip_for("203.0.113.9, 10.0.0.2") == CONNECTING


# --- End to end: the comment rate limit -----------------------------------------


def post_comment(client, episode, body, forwarded_for):
    return client.post(
        reverse("columns:comment_post", args=[episode.series.slug, episode.number]),
        {"name": "돌려막기 독자", "email": "rotate@example.com", "body": body, "homepage": ""},
        REMOTE_ADDR="203.0.113.50",
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@pytest.mark.django_db
def test_rotating_forwarded_for_cannot_escape_the_comment_rate_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.COMMENT_RATE_LIMIT = (3, 600)
    episode = make_episode()
    for i in range(3):
        assert post_comment(client, episode, f"댓글 {i}", f"10.0.0.{i}").status_code == 302
    response = post_comment(client, episode, "네 번째로 보내는 긴 의견입니다.", "10.0.0.99")
    assert response.status_code == 429
    html = response.content.decode()
    assert "잠시 후에 다시" in html
    assert "쓰신 글은 아래에 그대로 있습니다" in html
    assert Comment.objects.count() == 3
    assert not Comment.objects.filter(body__contains="네 번째").exists()
    # The reader's words come back in a form they can send again later.
    start = html.index('id="comment-form"')
    form = html[start : html.index("</form>", start)]
    assert 'value="돌려막기 독자"' in form
    assert 'value="rotate@example.com"' in form
    assert ">네 번째로 보내는 긴 의견입니다.</textarea>" in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert reverse("columns:comment_post", args=[episode.series.slug, episode.number]) in form


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_reader_gets_their_own_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.COMMENT_RATE_LIMIT = (1, 600)
    episode = make_episode()
    assert post_comment(client, episode, "첫째 독자", "198.51.100.1").status_code == 302
    assert post_comment(client, episode, "둘째 독자", "198.51.100.2").status_code == 302
    assert post_comment(client, episode, "첫째 독자 또", "198.51.100.1").status_code == 429
    # A junk header falls back to the proxy's address, which has its own count.
    assert post_comment(client, episode, "쓰레기 헤더", "garbage").status_code == 302
    assert post_comment(client, episode, "또 쓰레기", "1.2.3.4.5").status_code == 429
    assert Comment.objects.count() == 3
