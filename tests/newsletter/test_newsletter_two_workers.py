"""Two workers on one PostgreSQL and one Redis mail every subscriber exactly once."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from newsletter.models import Delivery
from tests.factories import make_episode, make_series, make_subscriber
from tests.services import redis_available
from tests.smtpserver import SMTPServer

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_NEWSLETTER_REDIS_URL", "redis://127.0.0.1:6379/7")


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="workers share a PostgreSQL database"
    ),
    pytest.mark.skipif(not redis_available(), reason="needs Redis on 127.0.0.1:6379"),
]

READERS = 30


@pytest.fixture
def smtp():
    with SMTPServer() as server:
        yield server


@pytest.fixture
def worker_env(smtp):
    settings_dict = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
            f"/{settings_dict['NAME']}"
        ),
        "REDIS_URL": REDIS_URL,
        "HUEY_REDIS_URL": REDIS_URL,
        "HUEY_NAME": f"test-{uuid.uuid4().hex[:8]}",  # a queue of this test's own
        "HUEY_IMMEDIATE": "false",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "shared-secret-for-both-workers-in-this-test-only",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(smtp.port),
        "NEWSLETTER_RATE_PER_MINUTE": "1000",
    }


@pytest.fixture
def readers():
    series = make_series("두 일꾼의 연재", slug="two-workers")
    made = [make_subscriber(series, f"w{i}@example.com") for i in range(READERS)]
    make_episode(series, 1)
    make_episode(series, 2)
    return made


def assert_each_reader_got_each_episode_once(smtp, readers):
    for reader in readers:
        assert smtp.handler.delivered_to(reader.email) == 2, reader.email
    assert len(smtp.handler.messages) == 2 * READERS
    assert Delivery.objects.filter(status="sent").count() == 2 * READERS


def test_two_send_newsletters_runs_at_once_send_each_mail_once(smtp, worker_env, readers):
    runs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "send_newsletters"],
            cwd=ROOT,
            env=worker_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert_each_reader_got_each_episode_once(smtp, readers)


def test_two_queue_workers_on_redis_send_each_mail_once(smtp, worker_env, readers):
    consumers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "run_huey", "--no-periodic", "-w", "2"],
            cwd=ROOT,
            env=worker_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(2)
    ]
    try:
        # Ticks enqueued from elsewhere, as the scheduler would: more than needed.
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup()\n"
                "from newsletter.tasks import newsletter_tick\n"
                "for _ in range(6): newsletter_tick()\n",
            ],
            cwd=ROOT,
            env={**worker_env, "DJANGO_SETTINGS_MODULE": "config.settings"},
            check=True,
            timeout=60,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(smtp.handler.messages) < 2 * READERS:
            time.sleep(0.2)
        time.sleep(1)  # room for a duplicate to arrive, if there were one
    finally:
        for consumer in consumers:
            consumer.terminate()
        for consumer in consumers:
            consumer.wait(timeout=30)
    assert_each_reader_got_each_episode_once(smtp, readers)
