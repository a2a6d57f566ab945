"""Staff work through the comment queue; each role can do its job and only its job."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from columns.models import Comment
from tests.factories import make_episode

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/columns/comment/"


@pytest.fixture
def episode():
    return make_episode()


@pytest.fixture
def queue(episode):
    return [
        Comment.objects.create(episode=episode, name=f"독자{i}", body=f"검토할 댓글 {i}")
        for i in range(3)
    ]


def run_action(client, action, comments):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [c.pk for c in comments]},
    )


def test_the_comment_admin_opens_on_the_pending_queue(client, moderator, queue):
    client.force_login(moderator)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].endswith("?status__exact=pending")
    Comment.objects.create(
        episode=queue[0].episode, name="승인됨", body="이미 승인", status="approved"
    )
    html = client.get(response["Location"]).content.decode()
    assert "검토할 댓글 0" in html and "이미 승인" not in html


def test_the_queue_shows_episode_link_name_excerpt_age_and_link_count(client, moderator, episode):
    Comment.objects.create(
        episode=episode, name="링크많은독자", body="https://a.example.com https://b.example.com"
    )
    client.force_login(moderator)
    html = client.get(CHANGELIST + "?status__exact=pending").content.decode()
    assert f'href="{episode.get_absolute_url()}"' in html
    assert "링크많은독자" in html
    assert "전</td>" in html  # age, e.g. "0분 전"
    assert 'class="field-link_count">2<' in html


def test_filters_and_search_work(client, moderator, queue):
    client.force_login(moderator)
    html = client.get(CHANGELIST + "?status__exact=pending&q=댓글 1").content.decode()
    assert "검토할 댓글 1" in html and "검토할 댓글 2" not in html
    response = client.get(
        CHANGELIST + f"?status__exact=pending&episode__id__exact={queue[0].episode_id}"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "action, status",
    [("approve", "approved"), ("reject", "rejected"), ("mark_spam", "spam")],
)
def test_bulk_actions_moderate_many_comments_and_record_who_and_when(
    client, moderator, queue, action, status
):
    client.force_login(moderator)
    response = run_action(client, action, queue[:2])
    assert response.status_code == 302
    statuses = {c.pk: c for c in Comment.objects.all()}
    for comment in queue[:2]:
        assert statuses[comment.pk].status == status
        assert statuses[comment.pk].moderated_by == moderator
        assert statuses[comment.pk].moderated_at is not None
    assert statuses[queue[2].pk].status == "pending"


def test_approving_shows_the_comment_at_once_and_rejecting_hides_it(client, moderator, queue):
    page = queue[0].episode.get_absolute_url()
    reader = Client()
    assert "검토할 댓글 0" not in reader.get(page).content.decode()
    client.force_login(moderator)
    run_action(client, "approve", [queue[0]])
    assert "검토할 댓글 0" in reader.get(page).content.decode()
    run_action(client, "reject", [queue[0]])
    assert "검토할 댓글 0" not in reader.get(page).content.decode()


def test_changing_status_in_the_admin_form_records_the_moderator(client, moderator, queue):
    client.force_login(moderator)
    url = reverse("admin:columns_comment_change", args=[queue[0].pk])
    response = client.post(url, {"status": "approved"})
    assert response.status_code == 302
    queue[0].refresh_from_db()
    assert queue[0].status == "approved"
    assert queue[0].moderated_by == moderator


def test_approving_through_save_from_code_shows_the_comment(client, queue):
    comment = queue[1]
    comment.status = Comment.Status.APPROVED
    comment.save()
    assert "검토할 댓글 1" in client.get(comment.episode.get_absolute_url()).content.decode()


def test_the_pending_count_is_visible_on_the_admin_index(client, moderator, queue):
    client.force_login(moderator)
    html = client.get("/admin/").content.decode()
    assert "검토 대기 댓글 3개" in html


def test_moderators_cannot_change_or_add_episodes(client, moderator, episode):
    client.force_login(moderator)
    assert client.get(f"/admin/columns/episode/{episode.pk}/change/").status_code == 403
    assert client.get("/admin/columns/episode/add/").status_code == 403
    assert client.get("/admin/articles/sourcearticle/").status_code == 403
    response = client.post(
        f"/admin/columns/episode/{episode.pk}/change/", {"headline": "몰래 바꾼 제목"}
    )
    assert response.status_code == 403
    episode.refresh_from_db()
    assert episode.headline != "몰래 바꾼 제목"


def test_editors_can_write_episodes_and_moderate(client, editor, episode, queue):
    client.force_login(editor)
    assert client.get("/admin/columns/episode/add/").status_code == 200
    assert client.get(f"/admin/columns/episode/{episode.pk}/change/").status_code == 200
    assert client.get("/admin/articles/outlet/add/").status_code == 200
    run_action(client, "approve", [queue[0]])
    queue[0].refresh_from_db()
    assert queue[0].status == "approved"


def test_nobody_adds_comments_through_the_admin(client, editor):
    client.force_login(editor)
    assert client.get("/admin/columns/comment/add/").status_code == 403


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_anonymous_users_and_non_staff_cannot_reach_the_admin(client, outsider, who, queue):
    if who == "outsider":
        client.force_login(outsider)
    for url in ("/admin/", CHANGELIST, "/admin/columns/episode/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_setup_roles_is_idempotent(moderator):
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    before = set(
        Group.objects.get(name="moderators").permissions.values_list("codename", flat=True)
    )
    call_command("setup_roles", stdout=open("/dev/null", "w"))
    after = set(Group.objects.get(name="moderators").permissions.values_list("codename", flat=True))
    assert before == after == {"change_comment", "view_comment"}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency is measured on PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_comments_all_arrive(settings):
    settings.COMMENT_RATE_LIMIT = (1000, 600)
    episode = make_episode()
    barrier = threading.Barrier(50)
    errors = []

    def submit(i: int) -> None:
        from django.db import connections

        try:
            barrier.wait(timeout=30)
            response = Client().post(
                reverse("columns:comment_post", args=[episode.series.slug, episode.number]),
                {"name": f"동시독자{i}", "body": f"동시에 쓴 댓글 {i}"},
                REMOTE_ADDR=f"203.0.113.{i}",
            )
            assert response.status_code == 302, response.status_code
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Comment.objects.filter(episode=episode).count() == 50
    assert set(Comment.objects.values_list("body", flat=True)) == {
        f"동시에 쓴 댓글 {i}" for i in range(50)
    }
