"""Background jobs of the newsletter (Huey; the consumer is `manage.py run_huey`).

Every job reads what to do from the database and records what it did there,
so running one twice, or after a worker died in it, changes nothing more.
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from common.jobs import with_backoff
from newsletter import services

# Retried after 1, 2, 4, 8 and 16 minutes while the mail server refuses.
_retry, _backing_off = with_backoff(retries=5, first_delay=60)


@db_periodic_task(crontab(minute="*"))
@lock_task("newsletter-tick")  # one tick at a time; a second one waits for the next minute
def newsletter_tick() -> None:
    """Each minute: mail the episodes whose time has come, within the throttle."""
    services.send_due()


@db_task(**_retry, context=True)
@_backing_off
def send_confirmation(subscriber_id: int) -> bool:
    """The opt-in mail, enqueued once the subscription is committed; retried if SMTP fails."""
    return services.send_confirmation(subscriber_id=subscriber_id)


@db_periodic_task(crontab(hour="18", minute="10"))  # 03:10 in Seoul (the queue runs in UTC)
def forget_unconfirmed() -> int:
    """Addresses nobody confirmed within a week are deleted."""
    return services.forget_unconfirmed()
