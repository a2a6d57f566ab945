"""Background jobs for cited links (Huey): the daily check, no cron needed."""

from django.core.management import call_command
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task


@db_periodic_task(crontab(hour="19", minute="30"))  # 04:30 in Seoul (the queue runs in UTC)
@lock_task("check-links")
def check_links_daily() -> None:
    """`manage.py check_links --stale-after 1`: every link not checked in the last day."""
    call_command("check_links", stale_after=1)
