"""Mailing episodes to subscribers: each one exactly once, only when its time has come."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from columns import services as column_services
from newsletter import services
from newsletter.models import Delivery, Subscriber
from tests.factories import make_episode, make_series, make_subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def series():
    return make_series("저녁 산업 브리핑", slug="evening-industry")


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_every_confirmed_subscriber_gets_a_published_episode_once_across_runs(series):
    readers = [make_subscriber(series, f"r{i}@example.com") for i in range(3)]
    make_subscriber(series, "waiting@example.com", status="pending")
    make_subscriber(series, "gone@example.com", status="unsubscribed")
    make_episode(series, 48)

    first = services.send_due()
    services.send_due()
    call_command("send_newsletters", stdout=open("/dev/null", "w"))

    assert first.sent == 3
    assert recipients() == sorted(r.email for r in readers)
    assert Delivery.objects.filter(status="sent").count() == 3


def test_a_worker_killed_between_mails_loses_and_duplicates_nothing(series):
    readers = [make_subscriber(series, f"k{i}@example.com") for i in range(5)]
    make_episode(series, 12)
    real_claim = services._claim_next
    calls = {"n": 0}

    def dies_after_two(now):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("worker killed")
        return real_claim(now)

    with mock.patch.object(services, "_claim_next", dies_after_two), pytest.raises(SystemExit):
        services.send_due()
    assert len(mail.outbox) == 2

    services.send_due()
    assert recipients() == sorted(r.email for r in readers)
    assert Delivery.objects.filter(status="sent").count() == 5


def test_a_worker_killed_during_a_send_is_not_resent_at_once_but_after_the_claim_timeout(
    series, settings
):
    readers = [make_subscriber(series, f"d{i}@example.com") for i in range(3)]
    make_episode(series, 13)
    real_send = mail.EmailMessage.send
    sends = {"n": 0}

    def dies_on_second(self, *args, **kwargs):
        sends["n"] += 1
        if sends["n"] == 2:
            raise KeyboardInterrupt  # killed inside the SMTP conversation
        return real_send(self, *args, **kwargs)

    with (
        mock.patch.object(mail.EmailMessage, "send", dies_on_second),
        pytest.raises(KeyboardInterrupt),
    ):
        services.send_due()
    assert Delivery.objects.filter(status="sending").count() == 1

    services.send_due()  # a run right after: the unknown one waits, the rest go
    assert len(mail.outbox) == 2
    later = timezone.now() + timedelta(seconds=settings.NEWSLETTER_CLAIM_TIMEOUT_SECONDS + 1)
    services.send_due(now=later)
    assert recipients() == sorted(r.email for r in readers)
    assert Delivery.objects.filter(status="sent").count() == 3


def test_a_scheduled_episode_is_mailed_when_its_time_passes(series):
    reader = make_subscriber(series, "early@example.com")
    when = timezone.now() + timedelta(hours=2)
    make_episode(series, 7, publish_at=when)

    assert services.send_due().sent == 0
    assert mail.outbox == []
    assert services.send_due(now=when + timedelta(minutes=1)).sent == 1
    assert recipients() == [reader.email]


def test_drafts_are_never_mailed_even_when_taken_back_after_planning(series):
    make_subscriber(series, "reader@example.com")
    make_episode(series, 1, status="draft")
    taken_back = make_episode(series, 2)
    services.plan_due()
    column_services.episode_unpublish(episode=taken_back)

    assert services.send_due().sent == 0
    assert mail.outbox == []


def test_an_episode_published_before_someone_subscribed_is_not_sent_to_them(series):
    old = make_episode(series, 3, publish_at=timezone.now() - timedelta(days=30))
    veteran = make_subscriber(
        series, "veteran@example.com", confirmed_at=old.publish_at - timedelta(days=1)
    )
    make_subscriber(series, "newcomer@example.com")  # confirmed a week ago
    services.send_due()
    assert recipients() == [veteran.email]


def test_subscribers_of_another_series_get_nothing(series):
    make_subscriber(make_series("다른 연재", slug="other"), "elsewhere@example.com")
    make_episode(series, 4)
    services.send_due()
    assert mail.outbox == []


def test_sending_is_throttled_per_minute(series, settings):
    settings.NEWSLETTER_RATE_PER_MINUTE = 3
    for i in range(7):
        make_subscriber(series, f"t{i}@example.com")
    make_episode(series, 5)
    now = timezone.now()

    assert services.send_due(now=now).sent == 3
    again = services.send_due(now=now + timedelta(seconds=30))
    assert (again.sent, again.throttled) == (0, True)
    assert services.send_due(now=now + timedelta(seconds=61)).sent == 3
    assert services.send_due(now=now + timedelta(seconds=122)).sent == 1
    assert len(mail.outbox) == 7


def test_the_mail_has_subject_parts_and_headers_a_reader_needs(series, settings):
    settings.SITE_URL = "https://column.example.com"
    reader = make_subscriber(series, "reader@example.com")
    episode = make_episode(
        series, 48, headline="전력망이 버티는 법", closing="이상 오늘의 브리핑이었습니다."
    )
    services.send_due()

    message = mail.outbox[0]
    assert message.subject == "[저녁 산업 브리핑] 48화 전력망이 버티는 법"
    unsubscribe = f"https://column.example.com/series/evening-industry/unsubscribe/{reader.token}/"
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    text = message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    page = f"https://column.example.com{episode.get_absolute_url()}"
    for part in (text, html):
        assert "안녕하세요, 오늘도 저녁 뉴스를 나눕니다." in part  # intro
        assert "가상 기사 제목 1" in part and "기사 1의 첫 인용문입니다." in part  # article, quote
        assert "https://news.example.com/article/48-1" in part  # its link / reference
        assert "1번째 기사에 대한 생각을 적습니다." in part  # commentary
        assert "이상 오늘의 브리핑이었습니다." in part  # closing
        assert page in part
        assert unsubscribe in part  # a visible unsubscribe link
    assert 'style="' in html and "<style" not in html  # inline CSS only
    assert "<img" not in html  # no tracking pixel
    assert 'href="https://news.example.com/article/48-1"' in html  # links not rewritten
    assert 'href="/' not in html  # every link absolute


def test_one_click_unsubscribe_works_without_login_or_csrf_token(series, settings):
    from django.test import Client

    reader = make_subscriber(series, "leaving@example.com")
    make_episode(series, 9)
    services.plan_due()
    url = f"/series/{series.slug}/unsubscribe/{reader.token}/"
    response = Client(enforce_csrf_checks=True).post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "구독을 해지했습니다" in response.content.decode()
    reader.refresh_from_db()
    assert reader.status == "unsubscribed"
    assert services.send_due().sent == 0
    assert mail.outbox == []


def test_the_unsubscribe_link_shows_a_button_and_the_button_works_with_a_token(client, series):
    reader = make_subscriber(series, "visible@example.com")
    url = f"/series/{series.slug}/unsubscribe/{reader.token}/"
    page = client.get(url)
    assert "구독 해지</button>" in page.content.decode()
    reader.refresh_from_db()
    assert reader.status == "confirmed"  # opening the link changes nothing
    response = client.post(url, {"csrfmiddlewaretoken": "anything"})
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.status == "unsubscribed"


def test_an_unknown_unsubscribe_token_changes_nothing(client, series):
    reader = make_subscriber(series, "stays@example.com")
    response = client.post(f"/series/{series.slug}/unsubscribe/not-a-token/")
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.CONFIRMED


def test_an_episode_taken_back_and_published_again_is_not_mailed_twice(series):
    reader = make_subscriber(series, "once@example.com")
    episode = make_episode(series, 6)
    services.send_due()
    column_services.episode_unpublish(episode=episode)
    column_services.episode_publish(episode=episode)  # a new publish time: planned again
    services.send_due()
    assert recipients() == [reader.email]
