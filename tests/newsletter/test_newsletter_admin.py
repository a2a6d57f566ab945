"""The newsletter in the admin: counts per series, a delivery report, a test copy, CSV, deletion."""

import pytest
from django.core import mail
from django.urls import reverse

from newsletter import services
from newsletter.models import Delivery, Subscriber
from tests.factories import make_episode, make_series, make_subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def series():
    return make_series("주말 기술 산책", slug="weekend-tech")


def test_the_admin_index_shows_subscribers_per_series_by_status(client, superuser, series):
    for status, n in (("confirmed", 3), ("pending", 2), ("unsubscribed", 1), ("bounced", 1)):
        for _ in range(n):
            make_subscriber(series, status=status)
    client.force_login(superuser)
    html = client.get(reverse("admin:index")).content.decode()
    assert "메일 구독자" in html
    row = html[html.index("주말 기술 산책") :].split("</tr>")[0]
    assert [cell.split("</td>")[0] for cell in row.split("<td>")[1:]] == ["3", "2", "1", "1"]


def test_the_delivery_report_counts_sent_failed_and_pending_per_episode(client, superuser, series):
    episode = make_episode(series, 48)
    readers = [make_subscriber(series) for _ in range(4)]
    services.plan_due()
    Delivery.objects.filter(subscriber=readers[0]).update(status="sent")
    Delivery.objects.filter(subscriber=readers[1]).update(status="failed")
    client.force_login(superuser)
    html = client.get(reverse("admin:newsletter_episodemailingreport_changelist")).content.decode()
    row = html[html.index(episode.headline) :].split("</tr>")[0]
    counts = [cell.split("<")[0] for cell in row.split('class="field-')[1:]]
    assert [c.split(">", 1)[1] for c in counts][-3:] == ["1", "1", "2"]


def test_an_editor_can_send_a_test_copy_of_a_draft_to_themselves(client, superuser, series):
    draft = make_episode(series, 49, status="draft", headline="아직 쓰는 중")
    make_subscriber(series, "reader@example.com")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:newsletter_episodemailingreport_changelist"),
        {"action": "send_test_to_me", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [[superuser.email]]
    assert "49화 아직 쓰는 중" in mail.outbox[0].subject
    assert "시험 발송" in mail.outbox[0].body
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    assert Delivery.objects.count() == 0  # a test is not a delivery


def test_confirmed_subscribers_export_as_csv(client, superuser, series):
    make_subscriber(series, "one@example.com")
    make_subscriber(series, "two@example.com")
    make_subscriber(series, "waiting@example.com", status="pending")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:newsletter_subscriber_changelist"),
        {
            "action": "export_confirmed_csv",
            "_selected_action": list(Subscriber.objects.values_list("pk", flat=True)),
        },
    )
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "email,series,confirmed_at"
    assert [line.split(",")[0] for line in lines[1:]] == ["one@example.com", "two@example.com"]


def test_deleting_a_subscriber_removes_them_and_their_deliveries(client, superuser, series):
    make_episode(series, 1)
    leaving = make_subscriber(series, "private@example.com")
    services.send_due()
    client.force_login(superuser)
    client.post(reverse("admin:newsletter_subscriber_delete", args=[leaving.pk]), {"post": "yes"})
    assert not Subscriber.objects.filter(email="private@example.com").exists()
    assert Delivery.objects.count() == 0


def test_editors_see_the_newsletter_and_moderators_do_not(client, editor, moderator, series):
    make_subscriber(series, "visible@example.com")
    client.force_login(editor)
    assert "메일 구독자" in client.get(reverse("admin:index")).content.decode()
    page = client.get(reverse("admin:newsletter_subscriber_changelist"))
    assert "visible@example.com" in page.content.decode()
    assert (
        client.get(reverse("admin:newsletter_episodemailingreport_changelist")).status_code == 200
    )
    client.force_login(moderator)
    assert "메일 구독자" not in client.get(reverse("admin:index")).content.decode()
    assert client.get(reverse("admin:newsletter_subscriber_changelist")).status_code == 403
