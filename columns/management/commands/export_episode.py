"""`manage.py export_episode`: write episodes back out as brunch-style text or a JSON document."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from columns.transfer.export import (
    ExportProblem,
    document_json,
    select_episodes,
    single_episode_text,
    write_text_files,
)


class Command(BaseCommand):
    help = (
        "회차 하나, 연재 하나 또는 전부를 내보냅니다. 텍스트는 회차마다 파일 하나(--output"
        " 디렉터리), 회차 하나면 화면으로도 씁니다. JSON은 빈 데이터베이스에 되살릴 수 있는"
        " 문서 하나입니다(docs/export-format.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--series", metavar="SLUG", help="이 연재만(주소 이름)")
        parser.add_argument("--episode", metavar="N", type=int, help="이 회차만(연재 번호)")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--output",
            metavar="PATH",
            help="텍스트: 디렉터리(회차 하나면 .txt 파일도 됨). JSON: 파일. 없으면 화면으로.",
        )

    def handle(self, *args, series, episode, format, output, **options):
        try:
            episodes = select_episodes(series_slug=series, number=episode)
        except ExportProblem as problem:
            raise CommandError(str(problem)) from None

        if format == "json":
            document = document_json(episodes)
            if output is None:
                self.stdout.write(document, ending="")
            else:
                Path(output).write_text(document, encoding="utf-8")
                self.stderr.write(
                    _("회차 %(count)s개를 %(path)s에 썼습니다.")
                    % {"count": len(episodes), "path": output}
                )
            return

        if output is None or (output.endswith(".txt") and len(episodes) == 1):
            if len(episodes) > 1:
                raise CommandError(
                    _(
                        "회차 %(count)s개는 파일 하나로 쓸 수 없습니다:"
                        " --output 디렉터리를 지정해 주세요."
                    )
                    % {"count": len(episodes)}
                )
            text = single_episode_text(episodes[0])
            if output is None:
                self.stdout.write(text, ending="")
            else:
                Path(output).write_text(text, encoding="utf-8")
                self.stderr.write(_("%(path)s에 썼습니다.") % {"path": output})
            return

        if Path(output).is_file():
            raise CommandError(
                _("%(path)s은(는) 파일입니다: 텍스트 내보내기에는 디렉터리가 필요합니다.")
                % {"path": output}
            )
        for path in write_text_files(episodes, Path(output)):
            self.stdout.write(str(path))
