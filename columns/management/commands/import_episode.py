"""`manage.py import_episode PATH …`: bring brunch-style posts (or an export document) in."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_unicode_slug
from django.utils.translation import gettext as _

from columns.transfer.format import ImportProblem
from columns.transfer.writer import EPISODE, import_paths


class Command(BaseCommand):
    help = (
        "브런치 형식의 글(텍스트) 또는 내보내기 문서(JSON)를 가져옵니다. 디렉터리를 주면 그 안의"
        " 글을 회차 순서대로 모두 가져옵니다. 하나라도 잘못되면 아무것도 저장하지 않습니다."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="글 파일 또는 디렉터리")
        parser.add_argument(
            "--series",
            metavar="SLUG",
            help="텍스트: 이 주소 이름의 연재로 가져옵니다(기본: 연재 제목에서 만듦)."
            " JSON: 문서에서 이 연재만 가져옵니다.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="무엇이 만들어지거나 바뀔지 보여 주기만 하고 저장하지 않습니다.",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="가져온 회차를 발행합니다(글에 날짜가 있으면 그 날짜, 없으면 지금).",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, paths, series, dry_run, publish, format, **options):
        if series is not None:
            try:
                validate_unicode_slug(series)
            except ValidationError:
                raise CommandError(
                    _("--series %(slug)s: 주소 이름으로 쓸 수 없습니다.") % {"slug": repr(series)}
                ) from None
        try:
            report = import_paths(
                paths, fmt=format, series_slug=series, publish=publish, dry_run=dry_run
            )
        except ImportProblem as problem:
            raise CommandError(str(problem)) from None

        for change in report.changes:
            if change.action == "unchanged" and change.kind != EPISODE:
                continue
            self.stdout.write(str(change))
        created, updated = report.count("created"), report.count("updated")
        unchanged = report.count("unchanged")
        summary = _("회차 %(created)s개 새로 만듦, %(updated)s개 바뀜, %(unchanged)s개 그대로.") % {
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
        }
        if dry_run:
            self.stdout.write(
                _("미리 보기(--dry-run): %(summary)s 아무것도 저장하지 않았습니다.")
                % {"summary": summary}
            )
        else:
            self.stdout.write(self.style.SUCCESS(summary))
