"""Background work runs on the queue by itself: moderator notices, newsletters, link checks."""

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from articles import tasks as article_tasks
from columns import tasks as column_tasks
from columns.models import Comment
from newsletter import tasks as newsletter_tasks
from tests.factories import make_episode, make_series, make_subscriber

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_readers_request_only_enqueues_the_moderator_notice_after_commit(
    client, moderator, django_capture_on_commit_callbacks
):
    episode = make_episode(make_series(slug="jobs"), 2)
    with mock.patch.object(column_tasks, "notify_moderators") as job:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            client.post(
                f"{episode.get_absolute_url()}comments/",
                {"name": "늦은 독자", "email": "", "body": "기다려 주셔서 고맙습니다."},
            )
        assert not job.called  # nothing enqueued before the commit
        assert mail.outbox == []
        for callback in callbacks:
            callback()
    comment = Comment.objects.get()
    job.assert_called_once_with(comment.pk)
    assert mail.outbox == []  # the request itself sent nothing


@pytest.mark.django_db
def test_the_notice_job_mails_moderators_and_fails_loudly_so_the_queue_retries(moderator):
    episode = make_episode(make_series(slug="jobs2"), 3)
    comment = Comment.objects.create(episode=episode, name="독자", body="질문이 있습니다.")
    assert column_tasks.notify_moderators.call_local(comment.pk) is True
    assert len(mail.outbox) == 1 and moderator.email in mail.outbox[0].to

    with (
        mock.patch.object(EmailBackend, "send_messages", side_effect=OSError("down")),
        pytest.raises(OSError),
    ):
        column_tasks.notify_moderators.call_local(comment.pk)
    assert column_tasks.notify_moderators.settings["default_retries"] == 5

    comment.status = Comment.Status.APPROVED
    comment.save()
    assert column_tasks.notify_moderators.call_local(comment.pk) is False  # handled meanwhile


@pytest.mark.django_db
def test_the_newsletter_tick_runs_every_minute_and_sends_what_is_due():
    series = make_series(slug="ticking")
    reader = make_subscriber(series, "tick@example.com")
    make_episode(series, 1)
    minute = datetime(2026, 12, 2, 10, 7)
    assert newsletter_tasks.newsletter_tick.s().validate_datetime(minute)
    assert newsletter_tasks.newsletter_tick.s().validate_datetime(minute.replace(minute=8))
    newsletter_tasks.newsletter_tick.call_local()
    assert [m.to for m in mail.outbox] == [[reader.email]]


def test_link_checks_run_daily_through_the_scheduler_with_stale_after_one_day():
    days = [datetime(2026, 12, d, h, m) for d in (1, 2) for h in range(24) for m in range(60)]
    runs = [t for t in days if article_tasks.check_links_daily.s().validate_datetime(t)]
    assert len(runs) == 2  # once a day
    with mock.patch.object(article_tasks, "call_command") as command:
        article_tasks.check_links_daily.call_local()
    command.assert_called_once_with("check_links", stale_after=1)


def test_unconfirmed_addresses_are_forgotten_by_a_daily_job():
    days = [datetime(2026, 12, 1, h, m) for h in range(24) for m in range(60)]
    assert sum(newsletter_tasks.forget_unconfirmed.s().validate_datetime(t) for t in days) == 1


SHOW_QUEUE = """
import json, django
from django.conf import settings
django.setup()
from huey.contrib.djhuey import HUEY
print(json.dumps({"class": type(HUEY).__name__, "immediate": HUEY.immediate,
                  "storage": type(HUEY.storage).__name__}))
"""


def queue_settings(**env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HUEY_", "REDIS_URL"))}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "true", **env})
    out = subprocess.run(
        [sys.executable, "-c", SHOW_QUEUE],
        env=clean,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_the_embedded_default_queues_jobs_in_sqlite_and_really_runs_them(tmp_path):
    shown = queue_settings(HUEY_SQLITE_PATH=str(tmp_path / "tasks.sqlite3"))
    assert shown == {"class": "SqliteHuey", "immediate": False, "storage": "SqliteStorage"}


def test_with_redis_configured_the_queue_is_shared_through_redis():
    shown = queue_settings(REDIS_URL="redis://127.0.0.1:6379/7")
    assert shown == {"class": "RedisHuey", "immediate": False, "storage": "RedisStorage"}


@pytest.mark.django_db
def test_a_failing_notice_is_retried_later_and_later(moderator):
    from huey.contrib.djhuey import HUEY

    episode = make_episode(make_series(slug="jobs3"), 4)
    comment = Comment.objects.create(episode=episode, name="독자", body="다시 묻습니다.")
    HUEY.storage.flush_all()
    delays = []
    with mock.patch.object(EmailBackend, "send_messages", side_effect=OSError("down")):
        column_tasks.notify_moderators(comment.pk)  # enqueued; run at once in tests
        for _ in range(6):
            scheduled = HUEY.scheduled()
            if not scheduled:
                break
            HUEY.storage.flush_schedule()
            retry = scheduled[0]
            delays.append(retry.retry_delay)
            retry.eta = None  # as if the delay had passed
            HUEY.execute(retry)
    assert delays == [120, 240, 480, 960, 1920]  # then it gives up
    assert mail.outbox == []
