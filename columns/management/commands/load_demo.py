"""`manage.py load_demo`: the demo column, imported from columns/demo/posts through the importer.

Idempotent: a second run (on the same day) leaves the database exactly as the first
left it. Dates count from today in Seoul: every episode but the last two is published,
three days apart, the second-to-last is scheduled three days ahead and the last stays
a draft. Migrations create no content; this command is the only way demo data arrives.
"""

import datetime as dt
import io
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from columns.models import Episode, Volume
from columns.services import episode_publish, episode_unpublish
from columns.transfer.format import SEOUL, ImportProblem
from columns.transfer.writer import import_paths

DEMO_POSTS = Path(__file__).resolve().parents[2] / "demo" / "posts"
DEMO_VOLUME_NUMBER = 2
DEMO_VOLUME_TITLE = "저녁에 읽는 뉴스, 두 번째 묶음"
DAYS_APART = 3
DEMO_COVER_ALT = "노을 진 저녁 하늘 아래 송전탑 세 개가 나란히 선 모습을 단순한 도형으로 그린 그림"
PUBLISH_TIME = dt.time(19, 0)


class Command(BaseCommand):
    help = "데모 연재를 불러옵니다(여러 번 실행해도 결과가 같습니다)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin",
            metavar="USERNAME:PASSWORD",
            help="이 이름의 계정이 없으면 관리자(superuser)로 만듭니다. 개발용입니다.",
        )

    def handle(self, *args, admin, **options):
        if admin is not None:
            username, _colon, password = admin.partition(":")
            if not username or not password:
                raise CommandError(_("--admin은 '이름:비밀번호' 모양으로 적어 주세요."))
        with transaction.atomic():
            try:
                report = import_paths([DEMO_POSTS])
            except ImportProblem as problem:
                raise CommandError(str(problem)) from None
            episodes = sorted(report.episodes, key=lambda e: e.number)
            self.place_in_volume(episodes)
            self.add_cover(episodes[1])
            states = self.schedule(episodes, today=timezone.localtime(timezone.now(), SEOUL).date())
            if admin is not None:
                self.ensure_admin(username, password)

        created = report.count("created")
        self.stdout.write(
            _("데모 연재 '%(series)s': 회차 %(count)s개 (새로 만듦 %(created)s, 바뀜 %(updated)s).")
            % {
                "series": episodes[0].series.title,
                "count": len(episodes),
                "created": created,
                "updated": report.count("updated"),
            }
        )
        for episode, state in zip(episodes, states, strict=True):
            self.stdout.write(f"  {episode.title}: {state}")

    def place_in_volume(self, episodes: list[Episode]) -> None:
        """The demo episodes form one brunchbook; their positions come from `이전 N화`."""
        volume, _created = Volume.objects.get_or_create(
            series=episodes[0].series,
            number=DEMO_VOLUME_NUMBER,
            defaults={"title": DEMO_VOLUME_TITLE},
        )
        for episode in episodes:
            if episode.volume_id != volume.pk:
                episode.volume = volume
                episode.save(update_fields=["volume", "updated_at"])

    def add_cover(self, episode: Episode) -> None:
        """One demo episode has a cover (drawn here: no one's photo), so pages show one."""
        if episode.cover:
            return
        episode.cover = SimpleUploadedFile("demo-cover.png", _demo_cover(), "image/png")
        episode.cover_alt = DEMO_COVER_ALT
        episode.full_clean()
        episode.save()

    def schedule(self, episodes: list[Episode], *, today: dt.date) -> list[str]:
        """Published, three days apart, up to three days ago; then scheduled; then a draft."""
        evening = dt.datetime.combine(today, PUBLISH_TIME, tzinfo=SEOUL)
        published, scheduled, draft = episodes[:-2], episodes[-2], episodes[-1]
        states = []
        for index, episode in enumerate(published):
            when = evening - dt.timedelta(days=DAYS_APART * (len(published) - index))
            self.publish(episode, when)
            states.append(_("발행 %(when)s") % {"when": f"{when:%Y-%m-%d %H:%M}"})
        when = evening + dt.timedelta(days=DAYS_APART)
        self.publish(scheduled, when)
        states.append(_("예약 발행 %(when)s") % {"when": f"{when:%Y-%m-%d %H:%M}"})
        if draft.status != Episode.Status.DRAFT:
            episode_unpublish(episode=draft)
        if draft.publish_at is not None:
            draft.publish_at = None
            draft.save(update_fields=["publish_at", "updated_at"])
        states.append(_("초안"))
        return states

    @staticmethod
    def publish(episode: Episode, when: dt.datetime) -> None:
        if episode.status != Episode.Status.PUBLISHED or episode.publish_at != when:
            episode_publish(episode=episode, when=when)

    def ensure_admin(self, username: str, password: str) -> None:
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                _("관리자 계정 '%(username)s'은(는) 이미 있어 그대로 둡니다.")
                % {"username": username}
            )
            return
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            _("관리자 계정 '%(username)s'을(를) 만들었습니다(개발용).") % {"username": username}
        )


def _demo_cover(width: int = 1600, height: int = 900) -> bytes:
    """An evening sky over three pylons, in flat shapes."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top, bottom = (22, 40, 78), (236, 142, 84)
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    draw.ellipse((1080, 520, 1300, 740), fill=(255, 206, 120))
    draw.rectangle((0, 760, width, height), fill=(30, 30, 42))
    for x in (260, 760, 1260):
        draw.polygon([(x, 220), (x - 90, 760), (x + 90, 760)], outline=(20, 20, 28), width=10)
        draw.line([(x - 150, 330), (x + 150, 330)], fill=(20, 20, 28), width=10)
        draw.line([(x - 120, 450), (x + 120, 450)], fill=(20, 20, 28), width=10)
    for y in (330, 450):
        draw.line([(0, y + 20), (width, y + 20)], fill=(20, 20, 28), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
