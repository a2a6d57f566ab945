"""`manage.py check_links`: check every cited link and its quotes, print a table.

Dead links are findings, not failures: the exit status is non-zero only when
the command itself cannot run (bad arguments, unknown episode).
"""

import unicodedata
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles import services
from articles.models import SourceArticle
from articles.quotes import QuoteStatus


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(text: str, width: int) -> str:
    """Pad to `width` terminal columns (Hangul takes two), cutting with … if longer."""
    if _width(text) > width:
        while _width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _width(text))


def positive_integer(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def number_of_days(value: str) -> float:
    number = float(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "인용 기사 주소가 아직 열리는지 확인하고(HEAD, 필요하면 GET), 요약의 인용문이 "
        "원문에 있는지 비교합니다. 결과는 기사마다 저장되고 표로 출력됩니다."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--episode",
            action="append",
            type=positive_integer,
            metavar="ID",
            help="이 회차(id)의 기사만 확인합니다. 여러 번 쓸 수 있습니다.",
        )
        parser.add_argument(
            "--stale-after",
            type=number_of_days,
            metavar="DAYS",
            help="마지막 확인 뒤 DAYS일이 지난 기사(와 아직 확인하지 않은 기사)만 확인합니다.",
        )
        parser.add_argument(
            "--concurrency",
            type=positive_integer,
            metavar="N",
            help="동시에 확인할 호스트 수(한 호스트에는 언제나 한 번에 하나). "
            "기본값은 설정 LINKCHECK_CONCURRENCY.",
        )

    def handle(self, *args, episode=None, stale_after=None, concurrency=None, **options):
        if episode:
            # The episodes are the column's; articles know them only through the relation.
            episodes = SourceArticle._meta.get_field("episode").related_model.objects
            found = set(episodes.filter(pk__in=episode).values_list("pk", flat=True))
            missing = sorted(set(episode) - found)
            if missing:
                raise CommandError(f"그런 회차가 없습니다: {', '.join(map(str, missing))}")
        articles = services.articles_due_for_check(
            episode_ids=episode,
            stale_after=timedelta(days=stale_after) if stale_after is not None else None,
        )
        reports = services.check_links(articles=articles, concurrency=concurrency)
        reports.sort(key=lambda r: (r.article.episode_id, r.article.position))
        self._print_table(reports)

    def _print_table(self, reports: list[services.LinkReport]) -> None:
        out = self.stdout
        if not reports:
            out.write("확인할 기사가 없습니다.")
            return
        columns = [("기사", 6), ("회차", 30), ("결과", 18), ("코드", 4), ("연속실패", 8),
                   ("인용문", 18), ("주소", 0)]  # fmt: skip
        out.write("  ".join(_cell(title, width) if width else title for title, width in columns))
        moved, missing_quotes = [], []
        for report in reports:
            article, health = report.article, report.health
            quotes = report.quotes
            counts = {status: sum(q.status == status for q in quotes) for status in QuoteStatus}
            if not quotes:
                quote_cell = "—"
            elif counts[QuoteStatus.UNCHECKED] == len(quotes):
                quote_cell = "확인 불가"
            else:
                checked = len(quotes) - counts[QuoteStatus.UNCHECKED]
                quote_cell = f"{counts[QuoteStatus.FOUND]}/{checked} 일치"
                if counts[QuoteStatus.UNCHECKED]:
                    quote_cell += f", {counts[QuoteStatus.UNCHECKED]} 불가"
            row = [
                f"#{article.pk}",
                f"{article.episode.series.title} {article.episode.number}화·{article.position}번",
                health.get_result_display(),
                str(health.status_code or "—"),
                str(health.consecutive_failures),
                quote_cell,
            ]
            cells = [_cell(v, w) for v, (_t, w) in zip(row, columns, strict=False)]
            line = "  ".join([*cells, article.url])
            out.write(line if health.is_working() else self.style.ERROR(line))
            if health.moved_to:
                moved.append(f"  #{article.pk} {article.url}\n      → {health.moved_to}")
            missing_quotes += [
                f"  #{article.pk} “{q.quote[:60]}”"
                for q in quotes
                if q.status == QuoteStatus.NOT_FOUND
            ]

        working = sum(r.health.is_working() for r in reports)
        archived = sum(r.health.offers_archive() for r in reports)
        all_quotes = [q for r in reports for q in r.quotes]
        out.write("")
        out.write(
            f"기사 {len(reports)}건: 열림 {working}, 실패 {len(reports) - working}"
            f" (보관본 안내 {archived}). 인용문 {len(all_quotes)}개: "
            f"일치 {sum(q.status == QuoteStatus.FOUND for q in all_quotes)}, "
            f"불일치 {sum(q.status == QuoteStatus.NOT_FOUND for q in all_quotes)}, "
            f"확인 불가 {sum(q.status == QuoteStatus.UNCHECKED for q in all_quotes)}."
        )
        if moved:
            out.write("영구히 옮겨진 주소(기사 주소는 바꾸지 않았습니다):")
            out.write("\n".join(moved))
        if missing_quotes:
            out.write("원문에서 찾지 못한 인용문:")
            out.write("\n".join(missing_quotes))
