"""Guessing an admin password: ten failures for one account or from one address
lock logins out for a while, with a Korean page, even for the right password."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.db.models import F
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/?next=/admin/"
RIGHT_PASSWORD = "correct-horse-battery"  # the `staff` fixture's
WRONG_PASSWORD = "wrong-guess"
ADDRESS = "198.51.100.20"
LOCKED_OUT = "잠시 후에 다시 시도해 주세요"
WRONG_PASSWORD_ERROR = "비밀번호를 입력해주세요"  # Django's Korean admin login error


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    # Autouse runs before `staff` is created; the throttle, not hashing, is tested.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def log_in(client, username="staff", password=None, ip=ADDRESS, **headers):
    """One login attempt; a wrong password unless `password` is given."""
    data = {"username": username, "password": password or WRONG_PASSWORD}
    return client.post(LOGIN_URL, data, REMOTE_ADDR=ip, **headers)


def fail(client, times, *, username="staff", ip=ADDRESS):
    """`times` wrong passwords, each refused with the login form and its Korean error."""
    for attempt in range(1, times + 1):
        response = log_in(client, username=username, ip=ip)
        assert response.status_code == 200, f"attempt {attempt}"
        assert WRONG_PASSWORD_ERROR in response.content.decode(), f"attempt {attempt}"


def assert_locked_out(response):
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED_OUT in html
    assert "올바른 비밀번호도 받지 않습니다" in html
    assert 'name="password"' not in html  # no login form to keep guessing with


def assert_logged_in(response, client):
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def assert_not_logged_in(client):
    assert "sessionid" not in client.cookies
    assert Session.objects.count() == 0
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_nine_wrong_passwords_still_leave_the_login_form(client, staff):
    fail(client, 9)
    assert_logged_in(log_in(client, password=RIGHT_PASSWORD), client)


def test_the_tenth_failure_locks_and_the_eleventh_attempt_gets_the_korean_page(client, staff):
    fail(client, 9)
    # The tenth wrong password is the one that locks: it already gets the page.
    assert_locked_out(log_in(client))
    assert_locked_out(log_in(client))
    assert_not_logged_in(client)


def test_the_right_password_is_refused_during_the_cool_off(client, staff):
    fail(client, 9)
    log_in(client)
    response = log_in(client, password=RIGHT_PASSWORD)
    assert_locked_out(response)
    assert_not_logged_in(client)


def test_the_lockout_follows_the_account_across_addresses(staff):
    for i in range(10):
        log_in(Client(), ip=f"203.0.113.{i + 1}")
    # A new address does not help the account that was being guessed …
    response = log_in(Client(), password=RIGHT_PASSWORD, ip="192.0.2.77")
    assert_locked_out(response)
    # … and another staff member is not locked out of their own account.
    staff.__class__.objects.create_user("colleague", password="another-long-pass", is_staff=True)
    other = Client()
    assert_logged_in(
        log_in(other, username="colleague", password="another-long-pass", ip="192.0.2.77"), other
    )


def test_the_lockout_follows_the_address_across_usernames(client, staff):
    for i in range(10):
        log_in(Client(), username=f"guess{i}", ip=ADDRESS)
    # The guessed names never included `staff`, yet this address is locked out …
    assert_locked_out(log_in(client, password=RIGHT_PASSWORD, ip=ADDRESS))
    assert_not_logged_in(client)
    # … while the same account from another address still logs in.
    elsewhere = Client()
    assert_logged_in(log_in(elsewhere, password=RIGHT_PASSWORD, ip="192.0.2.10"), elsewhere)


def test_a_spoofed_forwarded_for_header_does_not_escape_the_address_lockout(client, staff):
    for i in range(10):
        log_in(Client(), username=f"guess{i}", HTTP_X_FORWARDED_FOR=f"10.9.8.{i}")
    response = log_in(
        client, password=RIGHT_PASSWORD, HTTP_X_FORWARDED_FOR="10.99.99.99", username="staff"
    )
    assert_locked_out(response)


def test_a_successful_login_before_the_limit_resets_the_count(client, staff):
    fail(client, 9)
    assert_logged_in(log_in(client, password=RIGHT_PASSWORD), client)
    client.logout()
    fail(client, 9)  # would have been locked at the tenth without the reset
    assert_logged_in(log_in(client, password=RIGHT_PASSWORD), client)


def test_the_lockout_ends_after_the_cool_off(client, staff):
    fail(client, 9)
    assert_locked_out(log_in(client))
    # Sixteen minutes pass: the recorded failures are older than the cool-off.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))
    assert_logged_in(log_in(client, password=RIGHT_PASSWORD), client)
