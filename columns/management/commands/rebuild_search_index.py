from django.core.management.base import BaseCommand

from columns import projections, search
from columns.models import Episode


class Command(BaseCommand):
    help = (
        "모든 회차(또는 한 연재)의 파생 데이터(검색 문서, 저장된 본문과 댓글 목록)를 다시 만듭니다."
    )

    def add_arguments(self, parser):
        parser.add_argument("--series", help="이 주소 이름(slug)의 연재만 다시 만듭니다.")

    def handle(self, *args, series: str | None = None, **options) -> None:
        # First, so that the documents rewritten below update an index in step.
        search.rebuild_trigram_table()
        episodes = Episode.objects.all()
        if series:
            episodes = episodes.filter(series__slug=series)
        written = projections.refresh_everything(episodes)
        self.stdout.write(self.style.SUCCESS(f"검색 문서 {written}개를 다시 만들었습니다."))
