"""Forget deleted episodes, articles and paragraphs once their 30 days are over (run daily)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from columns import revisions


class Command(BaseCommand):
    help = "삭제한 지 보관 기간(기본 30일)이 지난 회차·기사·논평 문단의 판을 지웁니다."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.REVISIONS_KEEP_DELETED_DAYS,
            help="삭제한 뒤 되살릴 수 있게 남겨 둘 날 수",
        )

    def handle(self, *, days: int, **options):
        if days < 1:
            raise CommandError("--days는 1 이상이어야 합니다.")
        removed = revisions.prune_deleted_versions(days=days)
        self.stdout.write(f"삭제된 항목의 판 {removed}개를 지웠습니다({days}일 지난 것).")
