"""`manage.py send_newsletters`: send every newsletter mail that is due, then exit.

The same code as the scheduled tick (newsletter.tasks.newsletter_tick): a
run after it, or beside it, sends nothing twice.
"""

import time

from django.core.management.base import BaseCommand

from newsletter import services


class Command(BaseCommand):
    help = (
        "발행 시각이 된 회차를 확인한 구독자에게 메일로 보냅니다(한 사람에게 한 번씩). "
        "NEWSLETTER_RATE_PER_MINUTE를 지키며, 보낼 것이 없으면 끝납니다."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="1분 몫만 보내고 끝냅니다(남은 것은 다음 실행이나 예약 작업이 보냅니다).",
        )

    def handle(self, *args, once=False, **options):
        total = services.SendReport()
        while True:
            report = services.send_due()
            total.sent += report.sent
            total.failed += report.failed
            total.retried += report.retried
            for error in report.errors:
                self.stderr.write(f"  {error}")
            total.left = report.left
            # A run that was not throttled sent everything due at its start.
            if once or not report.throttled:
                break
            time.sleep(5)  # a slot frees as each claim turns a minute old
        self.stdout.write(
            f"보냄 {total.sent}, 실패 {total.failed}, 나중에 다시 {total.retried}, "
            f"남음 {total.left}."
        )
