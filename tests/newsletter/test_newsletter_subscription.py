"""Subscribing to a series by email: double opt-in, a link a mail scanner cannot confirm."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from newsletter import services
from newsletter.models import Subscriber
from tests.factories import make_episode, make_series, make_subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def series():
    return make_series("아침의 경제 읽기", slug="morning-economy")


def subscribe(client, series, email="reader@example.com", **extra):
    return client.post(
        reverse("newsletter:subscribe", kwargs={"slug": series.slug}), {"email": email, **extra}
    )


def confirm_link(message) -> str:
    return re.search(r"https?://\S+/subscribe/confirm/\S+/", message.body).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_the_form_is_on_the_series_page_and_under_each_episode(client, series):
    episode = make_episode(series, 3)
    action = f'action="/series/{series.slug}/subscribe/"'
    assert action in client.get(series.get_absolute_url()).content.decode()
    assert action in client.get(episode.get_absolute_url()).content.decode()


def test_subscribing_sends_one_confirmation_mail_and_confirms_nothing_yet(
    client, series, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe(client, series, email="Reader@Example.com ")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "메일함을 확인해 주세요" in page
    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.status) == ("reader@example.com", "pending")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["reader@example.com"]
    assert "구독을 확인해 주세요" in mail.outbox[0].subject
    assert "아침의 경제 읽기" in mail.outbox[0].subject


def test_following_the_link_shows_a_button_and_only_the_button_confirms(
    client, series, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        subscribe(client, series)
    link = path_of(confirm_link(mail.outbox[0]))

    page = client.get(link)  # what a mail scanner does
    assert page.status_code == 200
    assert "구독 확인</button>" in page.content.decode()
    assert Subscriber.objects.get().status == "pending"

    done = client.post(link)
    assert done.status_code == 200
    assert "구독했습니다" in done.content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "confirmed"
    assert subscriber.confirmed_at is not None


def test_the_confirm_button_needs_the_csrf_token(series, settings):
    settings.CSRF_COOKIE_SECURE = False  # the test client speaks plain HTTP
    subscriber = make_subscriber(series, "late@example.com", status="pending")
    link = reverse(
        "newsletter:confirm",
        kwargs={"slug": series.slug, "token": services.confirmation_token(subscriber)},
    )
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(link).status_code == 403
    subscriber.refresh_from_db()
    assert subscriber.status == "pending"
    page = strict.get(link).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert strict.post(link, {"csrfmiddlewaretoken": token}).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == "confirmed"


def test_a_forged_link_is_refused_with_a_korean_page(client, series):
    subscriber = make_subscriber(series, "forged@example.com", status="pending")
    forged = signing.TimestampSigner(salt="someone-else").sign(subscriber.token)
    for token in (forged, subscriber.token, "garbage"):
        url = reverse("newsletter:confirm", kwargs={"slug": series.slug, "token": token})
        response = client.post(url)
        assert response.status_code == 400
        assert "확인 링크가 올바르지 않습니다" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == "pending"


def test_an_expired_link_is_refused_with_a_korean_page(client, series, settings):
    subscriber = make_subscriber(series, "slow@example.com", status="pending")
    token = services.confirmation_token(subscriber)
    url = reverse("newsletter:confirm", kwargs={"slug": series.slug, "token": token})
    later = signing.time.time() + timedelta(days=8).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = client.post(url)
    assert response.status_code == 400
    assert "유효 기간이 지났습니다" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == "pending"


def test_a_link_for_another_series_is_refused(client, series):
    subscriber = make_subscriber(series, "mixed@example.com", status="pending")
    other = make_series("다른 연재", slug="other")
    url = reverse(
        "newsletter:confirm",
        kwargs={"slug": other.slug, "token": services.confirmation_token(subscriber)},
    )
    assert client.post(url).status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.status == "pending"


def test_a_bad_address_gets_a_korean_error_and_stores_nothing(client, series):
    response = subscribe(client, series, email="not-an-address")
    assert response.status_code == 400
    assert "이메일 주소가 올바르지 않습니다" in response.content.decode()
    assert Subscriber.objects.count() == 0


def test_the_honeypot_stores_nothing_and_sends_nothing(
    client, series, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe(client, series, homepage="http://spam.example")
    assert response.status_code == 302  # the bot is told nothing
    assert Subscriber.objects.count() == 0
    assert mail.outbox == []


def test_too_many_requests_from_one_address_are_refused(client, series, settings):
    settings.COMMENT_RATE_LIMIT = (2, 600)
    assert subscribe(client, series, email="a@example.com").status_code == 302
    assert subscribe(client, series, email="b@example.com").status_code == 302
    refused = subscribe(client, series, email="c@example.com")
    assert refused.status_code == 429
    assert "잠시 후에 다시 신청해 주세요" in refused.content.decode()
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        "a@example.com",
        "b@example.com",
    ]


def test_the_subscribe_form_needs_the_csrf_token(series):
    strict = Client(enforce_csrf_checks=True)
    assert subscribe(strict, series).status_code == 403
    assert Subscriber.objects.count() == 0


def test_a_confirmed_reader_subscribing_again_gets_no_mail_and_stays_confirmed(
    client, series, django_capture_on_commit_callbacks
):
    make_subscriber(series, "loyal@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        subscribe(client, series, email="loyal@example.com")
    assert mail.outbox == []
    assert Subscriber.objects.get().status == "confirmed"


def test_unconfirmed_addresses_are_forgotten_after_a_week(series):
    from django.utils import timezone

    make_subscriber(series, "old@example.com", status="pending")  # asked 8 days ago
    make_subscriber(series, "new@example.com", status="pending", requested_at=timezone.now())
    make_subscriber(series, "kept@example.com")  # confirmed, asked long ago
    assert services.forget_unconfirmed() == 1
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        "kept@example.com",
        "new@example.com",
    ]
