"""Newsletters through a real SMTP server on loopback (aiosmtpd): refusals, retries, bounces."""

import email
from datetime import timedelta

import pytest
from django.utils import timezone

from newsletter import services
from newsletter.models import Delivery, Subscriber
from tests.factories import make_episode, make_series, make_subscriber
from tests.smtpserver import SMTPServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.SITE_URL = "https://column.example.com"
        yield server.handler


@pytest.fixture
def series():
    return make_series("새벽 과학 노트", slug="dawn-science")


def test_the_server_receives_one_mail_per_subscriber_with_both_parts_and_headers(smtp, series):
    readers = [make_subscriber(series, f"s{i}@example.com") for i in range(3)]
    make_episode(series, 21, headline="빛보다 빠른 계산")
    assert services.send_due().sent == 3
    services.send_due()

    assert sorted(r for e in smtp.messages for r in e.rcpt_tos) == sorted(r.email for r in readers)
    message = email.message_from_bytes(smtp.messages[0].original_content)
    assert "21화" in str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        message["List-Unsubscribe"]
        .strip()
        .startswith("<https://column.example.com/series/dawn-science/unsubscribe/")
    )
    types = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in types and "text/html" in types


def test_a_permanent_refusal_fails_the_delivery_and_three_in_a_row_bounce_the_address(smtp, series):
    smtp.refuse["gone@example.com"] = "550 5.1.1 No such user"
    bouncing = make_subscriber(series, "gone@example.com")
    fine = make_subscriber(series, "fine@example.com")
    for number in (1, 2):
        make_episode(series, number)
    report = services.send_due()
    assert (report.sent, report.failed) == (2, 2)
    bouncing.refresh_from_db()
    assert (bouncing.status, bouncing.consecutive_failures) == ("confirmed", 2)

    make_episode(series, 3)
    services.send_due()
    bouncing.refresh_from_db()
    assert bouncing.status == Subscriber.Status.BOUNCED
    assert Delivery.objects.filter(subscriber=bouncing, status="failed").count() == 3

    make_episode(series, 4)
    services.send_due()
    assert smtp.recipients_tried.count("gone@example.com") == 3  # nothing after the bounce
    assert smtp.delivered_to(fine.email) == 4


def test_a_success_in_between_resets_the_bounce_count(smtp, series):
    smtp.refuse["flaky@example.com"] = "550 mailbox full"
    flaky = make_subscriber(series, "flaky@example.com")
    make_episode(series, 1)
    make_episode(series, 2)
    services.send_due()
    del smtp.refuse["flaky@example.com"]
    make_episode(series, 3)
    services.send_due()
    flaky.refresh_from_db()
    assert (flaky.status, flaky.consecutive_failures) == ("confirmed", 0)


def test_a_temporary_refusal_is_retried_with_backoff_and_then_delivered(smtp, series):
    smtp.refuse["busy@example.com"] = "451 4.7.1 Try again later"
    reader = make_subscriber(series, "busy@example.com")
    make_episode(series, 30)
    now = timezone.now()

    assert services.send_due(now=now).retried == 1
    delivery = Delivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.next_attempt_at == now + timedelta(minutes=1)
    assert services.send_due(now=now + timedelta(seconds=30)).retried == 0  # not yet

    assert services.send_due(now=now + timedelta(minutes=1)).retried == 1
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == now + timedelta(minutes=3)  # 1, then 2 minutes later

    del smtp.refuse["busy@example.com"]
    assert services.send_due(now=now + timedelta(minutes=3)).sent == 1
    assert smtp.delivered_to(reader.email) == 1
    assert Delivery.objects.get().status == "sent"


def test_a_mail_server_that_is_down_leaves_every_delivery_for_later(settings, series):
    from tests.smtpserver import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    make_subscriber(series, "patient@example.com")
    make_episode(series, 31)
    report = services.send_due()
    assert (report.sent, report.retried) == (0, 1)
    assert Delivery.objects.get().status == "pending"
