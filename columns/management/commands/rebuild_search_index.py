from django.core.management.base import BaseCommand

from columns.models import Episode
from columns.search import episodes_reindex


class Command(BaseCommand):
    help = "검색 문서를 모든 회차(또는 한 연재)에 대해 다시 만듭니다."

    def add_arguments(self, parser):
        parser.add_argument("--series", help="이 주소 이름(slug)의 연재만 다시 만듭니다.")

    def handle(self, *args, series: str | None = None, **options) -> None:
        episodes = Episode.objects.all()
        if series:
            episodes = episodes.filter(series__slug=series)
        written = episodes_reindex(episodes)
        self.stdout.write(self.style.SUCCESS(f"검색 문서 {written}개를 다시 만들었습니다."))
