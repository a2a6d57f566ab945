"""Import and export of brunch-style posts (issue #4): import_episode, export_episode, load_demo.

The fixtures in tests/fixtures/posts are original posts of a made-up column
("아침 기술 단신", pen name 물빛서재) with the irregularities a real archive has:
- 02-dashes-and-idn.txt (7화): en/em dashes with spaces around outlets, a headline with
  parentheses and brackets, straight quotes, a Korean (IDN) host, tracking parameters,
  an upper-case host with a default port, a `2025. 3. 4.` date line;
- 01-untied-commentary.txt (8화): no platform line, date with a time, straight-quoted
  quotes and, under article 2, a summary in the editor's own words, four commentary
  paragraphs for three articles (one starting `이상 기후`), a two-paragraph closing,
  references out of order, no keyword line at all;
- 03-empty-keywords.txt (9화): no subtitle, `요약한 AI 기사`, one and three quotes, no
  closing, an empty keyword line.
Their file names sort in a different order than their episode numbers on purpose.
"""

import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.utils import timezone
from taggit.models import Tag

from articles.models import Outlet, OutletDomain, SourceArticle, SourceQuote
from articles.quotes import join_summary
from articles.services import quotes_replace
from columns import projections
from columns.models import (
    Comment,
    Commentary,
    Episode,
    EpisodeSearchDocument,
    RenderedEpisode,
    Series,
    Volume,
)
from columns.services import episode_publish
from columns.transfer.format import SEOUL
from columns.transfer.text import parse_text
from columns.transfer.writer import import_paths

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "posts"
EP7 = FIXTURES / "02-dashes-and-idn.txt"
EP8 = FIXTURES / "01-untied-commentary.txt"
EP9 = FIXTURES / "03-empty-keywords.txt"
SEED_DIR = Path(__file__).resolve().parents[3] / "shared" / "seed"

TECHNARU_IDN = "xn--910br1n7puuza.example.com"  # idna.encode("테크나루", uts46=True)


def run(command: str, *args: object) -> str:
    out = io.StringIO()
    call_command(command, *[str(a) for a in args], stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [
        Series, Volume, Episode, SourceArticle, SourceQuote, Commentary, Outlet, OutletDomain, Tag,
    ]  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


def snapshot() -> dict[str, list]:
    """Everything a reader or editor would see, without ids, timestamps or rendered HTML."""
    episodes = []
    for episode in Episode.objects.select_related("series", "volume").order_by("number"):
        episodes.append(
            {
                "series": episode.series.slug,
                "number": episode.number,
                "headline": episode.headline,
                "subtitle": episode.subtitle,
                "intro": episode.intro,
                "closing": episode.closing,
                "status": episode.status,
                "publish_at": episode.publish_at,
                "comments_enabled": episode.comments_enabled,
                "volume": (episode.volume.number, episode.volume.title) if episode.volume else None,
                "volume_position": episode.volume_position,
                "keywords": sorted(t.name for t in episode.keywords.all()),
                "articles": list(
                    episode.articles.order_by("position").values_list(
                        "position", "headline", "outlet__name", "url", "summary", "published_on"
                    )
                ),
                "quotes": list(
                    SourceQuote.objects.filter(article__episode=episode)
                    .order_by("article__position", "position")
                    .values_list("article__position", "position", "text")
                ),
                "commentary": list(
                    episode.commentary.order_by("position").values_list(
                        "position", "body", "source_article__position"
                    )
                ),
                "comments": list(
                    Comment.objects.filter(episode=episode, status="approved")
                    .order_by("created_at")
                    .values_list("name", "email", "body", "status", "created_at")
                ),
            }
        )
    return {
        "series": list(Series.objects.values_list("slug", "title", "author_name", "description")),
        "episodes": episodes,
        "outlets": [
            (o.name, o.slug, sorted(d.domain for d in o.domains.all()))
            for o in Outlet.objects.prefetch_related("domains")
        ],
    }


def empty_the_database() -> None:
    Comment.objects.all().delete()
    Episode.objects.all().delete()
    Volume.objects.all().delete()
    Series.objects.all().delete()
    Outlet.objects.all().delete()
    Tag.objects.all().delete()
    assert set(counts().values()) == {0}


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


# Parsing -----------------------------------------------------------------------------


def test_it_reads_every_part_of_a_post_with_dashes_brackets_and_straight_quotes():
    post = parse_text(EP7.read_text(encoding="utf-8"), source=EP7.name)

    assert post.platform == "brunch"
    assert (post.series.title, post.number) == ("아침 기술 단신", 7)
    assert post.headline == "반도체 보조금(2차) 확정…[단독] 업계 '숨통'"
    assert post.subtitle.startswith("보조금 소식")
    assert post.series.author_name == "물빛서재"
    assert post.series.slug == "아침-기술-단신"
    assert post.publish_at == dt.datetime(2025, 3, 4, tzinfo=SEOUL)
    assert post.intro.count("\n\n") == 1
    assert [(a.position, a.outlet_name) for a in post.articles] == [
        (1, "한빛일보"),
        (2, "테크나루"),
        (3, "새물결경제"),
    ]
    assert post.articles[0].headline == post.headline  # parentheses and brackets kept
    assert post.articles[0].quotes[0].startswith("정부가")  # the quote marks are not the words
    assert len(post.articles[0].quotes) == 2  # two paragraphs in quote marks, two quotes
    assert post.articles[2].quotes[0].startswith("한 간편결제")  # straight quotes count too
    assert [a.summary for a in post.articles] == ["", "", ""]
    assert [c.answers for c in post.commentary] == [1, 2, 3]
    assert post.closing.startswith("이상 물빛서재의")
    assert post.keywords == ["반도체", "결제", "도메인"]
    assert (post.previous_position, post.volume_position) == (6, 7)
    assert post.articles[1].url_where == line_of(EP7.read_text(), "https://테크나루")


# Importing ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_imports_a_post_as_a_draft_with_canonical_urls_and_outlets_by_name_and_domain():
    output = run("import_episode", EP7)

    episode = Episode.objects.get()
    assert "[새로 만듦] 회차 아침 기술 단신-7" in output
    assert episode.status == Episode.Status.DRAFT
    assert episode.publish_at == dt.datetime(2025, 3, 4, tzinfo=SEOUL)  # kept for publishing
    assert episode.volume_position == 7
    assert list(episode.articles.values_list("url", flat=True)) == [
        "https://www.hanbit-ilbo.example.com/news/articleView.html?idxno=900",
        f"https://{TECHNARU_IDN}/articles/77",
        "https://saemulgyeol.example.com/economy/pay-outage",
    ]
    assert [str(a.outlet) for a in episode.articles.all()] == ["한빛일보", "테크나루", "새물결경제"]
    assert Outlet.objects.get(name="테크나루").slug == "테크나루"
    assert set(OutletDomain.objects.values_list("domain", flat=True)) == {
        "hanbit-ilbo.example.com",
        TECHNARU_IDN,
        "saemulgyeol.example.com",
    }
    tied = episode.commentary.values_list("position", "source_article__position")
    assert list(tied) == [(1, 1), (2, 2), (3, 3)]
    assert episode.closing.startswith("이상 ")
    assert not episode.commentary.filter(body__startswith="이상 물빛서재").exists()
    assert sorted(t.name for t in episode.keywords.all()) == ["결제", "도메인", "반도체"]
    # The paragraphs in quote marks under an article are its quotes, in order, unquoted.
    first = episode.articles.first()
    assert first.quotes.all()[0].text.startswith("정부가 반도체 설비 투자")
    assert first.summary == ""


@pytest.mark.django_db
def test_commentary_stays_untied_when_its_paragraphs_do_not_match_the_articles():
    run("import_episode", EP8)

    episode = Episode.objects.get(number=8)
    bodies = list(episode.commentary.values_list("body", "source_article"))
    assert len(bodies) == 4
    assert all(article is None for _, article in bodies)
    assert bodies[2][0].startswith("이상 기후로")  # not mistaken for the sign-off
    assert episode.closing.startswith("이상 물빛서재의")
    assert episode.closing.endswith("다시 뵙겠습니다.")
    assert episode.publish_at == dt.datetime(2025, 3, 7, 7, 30, tzinfo=SEOUL)
    assert (
        episode.intro == "안녕하세요, 물빛서재입니다.\n이번 주는 요금과 청구서 이야기로 채웠습니다."
    )
    # references came in the order 2, 1, 3 and are matched by their numbers
    assert episode.articles.get(position=2).url == (
        "https://saemulgyeol.example.com/economy/public-cloud-budget"
    )
    assert episode.keywords.count() == 0


@pytest.mark.django_db
def test_an_empty_keyword_line_no_subtitle_and_no_closing_are_accepted():
    run("import_episode", EP9)

    episode = Episode.objects.get(number=9)
    assert (episode.subtitle, episode.closing) == ("", "")
    assert episode.keywords.count() == 0
    assert [a.quotes.count() for a in episode.articles.all()] == [1, 3, 2]
    assert [a.summary for a in episode.articles.all()] == ["", "", ""]
    assert episode.articles.get(position=3).outlet.name == "누리방송"


@pytest.mark.django_db
def test_a_directory_is_imported_in_episode_order_whatever_the_file_names():
    output = run("import_episode", FIXTURES)

    reported = [line for line in output.splitlines() if "] 회차 " in line]
    assert [line.split("-")[1].split("(")[0] for line in reported] == ["7", "8", "9"]
    assert list(Episode.objects.order_by("pk").values_list("number", flat=True)) == [7, 8, 9]
    assert list(Episode.objects.order_by("number").values_list("volume_position", flat=True)) == [
        7,
        8,
        9,
    ]


@pytest.mark.django_db
def test_the_previous_title_is_checked_against_an_episode_imported_earlier_in_the_same_run(
    tmp_path,
):
    shutil.copy(EP7, tmp_path / "zz-seven.txt")
    text = EP8.read_text(encoding="utf-8").replace(
        "이전 7화아침 기술 단신-7(", "이전 7화아침 기술 단신-7(다른 "
    )
    (tmp_path / "aa-eight.txt").write_text(text, encoding="utf-8")

    with pytest.raises(CommandError) as error:
        run("import_episode", tmp_path)

    assert "aa-eight.txt" in str(error.value)
    assert f"{line_of(text, '이전 7화')}번째 줄" in str(error.value)
    assert "이전 화 제목" in str(error.value)
    assert Episode.objects.count() == 0


@pytest.mark.django_db
def test_importing_a_post_again_updates_the_episode_instead_of_duplicating_it(tmp_path):
    run("import_episode", EP7)
    episode = Episode.objects.get()
    kept_article = episode.articles.get(position=1).pk

    changed = (
        EP7.read_text(encoding="utf-8")
        .replace("업계 '숨통')", "업계 '한숨 돌렸다')", 1)
        .replace("보조금이 대기업을 넘어", "보조금이 마침내 대기업을 넘어")
        .replace(
            "https://Saemulgyeol.Example.com:443/economy/pay-outage",
            "https://saemulgyeol.example.com/economy/pay-outage-2",
        )
    )
    path = tmp_path / "seven.txt"
    path.write_text(changed, encoding="utf-8")
    output = run("import_episode", path)

    episode.refresh_from_db()
    assert "[바뀜] 회차" in output
    assert Episode.objects.count() == 1
    assert SourceArticle.objects.count() == 3
    assert Commentary.objects.count() == 3
    assert episode.headline == "반도체 보조금(2차) 확정…[단독] 업계 '한숨 돌렸다'"
    assert episode.commentary.get(position=1).body.startswith("보조금이 마침내")
    assert episode.articles.get(position=1).pk == kept_article  # same URL, same article
    assert episode.articles.get(position=3).url.endswith("pay-outage-2")
    assert list(episode.commentary.values_list("source_article__position", flat=True)) == [1, 2, 3]


@pytest.mark.django_db
def test_importing_the_same_post_twice_changes_nothing():
    run("import_episode", FIXTURES)
    before = snapshot()
    stamps = list(Episode.objects.values_list("updated_at", flat=True))

    output = run("import_episode", FIXTURES)

    assert snapshot() == before
    assert list(Episode.objects.values_list("updated_at", flat=True)) == stamps
    assert "회차 0개 새로 만듦, 0개 바뀜, 3개 그대로." in output


@pytest.mark.django_db
def test_a_dry_run_shows_what_would_be_created_and_writes_nothing():
    before = counts()

    output = run("import_episode", FIXTURES, "--dry-run")

    assert counts() == before
    assert "[새로 만듦] 연재 아침 기술 단신" in output
    assert "[새로 만듦] 언론사 한빛일보" in output
    assert "[새로 만듦] 회차 아침 기술 단신-9(로봇 청소기가 집 지도를 보낸다면)" in output
    assert "아무것도 저장하지 않았습니다" in output


@pytest.mark.django_db
def test_the_series_option_chooses_the_series_the_posts_go_into():
    run("import_episode", EP7, EP8, "--series", "morning")

    assert Series.objects.get().slug == "morning"
    assert Episode.objects.filter(series__slug="morning").count() == 2


@pytest.mark.django_db
def test_publish_uses_the_date_in_the_post_or_else_now():
    run("import_episode", EP7, EP9, "--publish")

    seven, nine = Episode.objects.order_by("number")
    assert seven.status == nine.status == Episode.Status.PUBLISHED
    assert seven.publish_at == dt.datetime(2025, 3, 4, tzinfo=SEOUL)
    assert abs(nine.publish_at - timezone.now()) < dt.timedelta(minutes=2)
    assert Episode.objects.published().count() == 2


@pytest.mark.django_db
def test_a_published_episode_stays_published_when_its_post_is_imported_again():
    run("import_episode", EP9, "--publish")
    published_at = Episode.objects.get().publish_at

    run("import_episode", EP9)

    episode = Episode.objects.get()
    assert episode.status == Episode.Status.PUBLISHED
    assert episode.publish_at == published_at


# Bad input changes nothing -------------------------------------------------------------


def _nth_replace(text: str, old: str, new: str, nth: int) -> str:
    start = -1
    for _ in range(nth):
        start = text.index(old, start + 1)
    return text[:start] + new + text[start + len(old) :]


REF3 = "3. 가전 AI 비서, 대화 기록 보관 기간 제각각 - 누리방송-"
REF1 = "1. 로봇 청소기가 그린 집 안 지도, 해외 서버로 전송 확인 -바른뉴스 24-"
REF2 = "2. 스마트 도어록 비밀번호, 앱 업데이트 뒤 초기화 소동 -한빛일보-"

BROKEN = {
    # name: (how to break 9화, a fragment of the line the error must name, words of the reason)
    "missing-commentary-heading": (
        lambda t: t.replace("물빛서재의 논평", ""),
        "참고기사",
        "논평 제목 줄('물빛서재의 논평')이 없습니다",
    ),
    "reference-without-summary": (
        lambda t: _nth_replace(t, REF3, "4" + REF3[1:], 2),
        "4. 가전 AI 비서",
        "참고기사 4번에 맞는 요약한 기사가 없습니다",
    ),
    "rejected-url": (
        lambda t: t.replace("https://news.nuri-tv.example.com/view/N-0309", "http://127.0.0.1/x"),
        "http://127.0.0.1/x",
        "공개 인터넷 주소가 아닙니다",
    ),
    "swapped-reference-numbers": (
        lambda t: _nth_replace(_nth_replace(t, REF1, "1" + REF2[1:], 2), REF2, "2" + REF1[1:], 2),
        "1. 스마트 도어록",
        "번호 충돌",
    ),
    "summary-number-gap": (
        lambda t: _nth_replace(t, REF2, "3" + REF2[1:], 1),
        "3. 스마트 도어록",
        "번호 충돌: 요약한 기사의 번호는 2번이어야 하는데 3번입니다",
    ),
    "title-line": (
        lambda t: t.replace(
            "아침 기술 단신-9(로봇 청소기가 집 지도를 보낸다면)", "아침 기술 단신 9화 로봇 청소기"
        ),
        "아침 기술 단신 9화",
        "제목 줄은 '연재 제목-번호(회차 제목)' 모양이어야 합니다",
    ),
    "previous-title-mismatch": (
        lambda t: t.replace("(클라우드 요금표를 읽는 법)", "(클라우드 요금표)"),
        "이전 8화",
        "이전 화 제목",
    ),
    "previous-number-mismatch": (
        lambda t: t.replace("이전 8화아침 기술 단신-8(", "이전 8화아침 기술 단신-5("),
        "이전 8화",
        "번호 충돌",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_post_fails_with_file_line_and_reason_and_changes_nothing(name, tmp_path):
    run("import_episode", EP8)  # already in the database; 9화 checks its title against it
    before, content = counts(), snapshot()
    breaks, fragment, reason = BROKEN[name]
    text = breaks(EP9.read_text(encoding="utf-8"))
    broken = tmp_path / f"{name}.txt"
    broken.write_text(text, encoding="utf-8")

    # 7화 is fine and comes first in episode order: it must be rolled back too.
    with pytest.raises(CommandError) as error:
        run("import_episode", EP7, broken)

    message = str(error.value)
    assert f"{name}.txt" in message
    assert f"{line_of(text, fragment)}번째 줄" in message
    assert reason in message
    assert counts() == before
    assert snapshot() == content
    assert not Episode.objects.filter(number=7).exists()


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    broken = tmp_path / "latin1.txt"
    broken.write_bytes(EP9.read_bytes() + "\n\ncafé\n".encode("latin-1"))

    with pytest.raises(CommandError, match=r"latin1\.txt \d+번째 줄: UTF-8"):
        run("import_episode", broken)


@pytest.mark.django_db
def test_a_missing_path_is_an_error():
    with pytest.raises(CommandError, match="그런 파일이나 디렉터리가 없습니다"):
        run("import_episode", FIXTURES / "nope.txt")


# Export and round trips ----------------------------------------------------------------


@pytest.mark.django_db
def test_export_writes_one_episode_to_stdout_in_the_post_structure():
    run("import_episode", EP7, EP8)

    text = run("export_episode", "--series", "아침-기술-단신", "--episode", "8")

    lines = [line for line in text.splitlines() if line]
    assert lines[:5] == [
        "brunch",
        "아침 기술 단신-8(클라우드 요금표를 읽는 법)",
        "공짜처럼 보이던 것들이 보낸 청구서",
        "by 물빛서재",
        "2025년 3월 7일 07:30",
    ]
    assert "1. 주요 클라우드 업체, 저장 요금 최대 15% 인상 -테크나루-" in lines
    assert "물빛서재의 논평" in lines and "참고기사" in lines
    assert lines[-2:] == [
        "keyword",
        "이전 7화아침 기술 단신-7(반도체 보조금(2차) 확정…[단독] 업계 '숨통')",
    ]


@pytest.mark.django_db
def test_export_needs_a_directory_for_several_episodes_and_names_what_is_missing(tmp_path):
    run("import_episode", FIXTURES)

    with pytest.raises(CommandError, match="--output 디렉터리"):
        run("export_episode")
    with pytest.raises(CommandError, match="연재가 없습니다"):
        run("export_episode", "--series", "없는-연재")
    with pytest.raises(CommandError, match="내보낼 회차가 없습니다"):
        run("export_episode", "--series", "아침-기술-단신", "--episode", "99")

    written = run("export_episode", "--output", tmp_path / "out").split()
    assert [Path(p).name for p in written] == [
        "아침-기술-단신-007.txt",
        "아침-기술-단신-008.txt",
        "아침-기술-단신-009.txt",
    ]


@pytest.mark.django_db
def test_text_round_trip_into_an_empty_database_gives_the_same_content(tmp_path):
    run("import_episode", FIXTURES, "--publish")
    _quotes_with_marks_inside_and_a_summary()
    before = snapshot()
    assert any(quotes for quotes in (e["quotes"] for e in before["episodes"]))
    run("export_episode", "--output", tmp_path)
    empty_the_database()

    run("import_episode", tmp_path, "--publish")

    assert snapshot() == before


def _quotes_with_marks_inside_and_a_summary() -> None:
    """Quotes holding quote marks and an ellipsis, and a Markdown summary beside them."""
    article = SourceArticle.objects.get(episode__number=7, position=2)
    texts = [q.text for q in article.quotes.all()]
    quotes_replace(
        article=article,
        texts=[
            "소상공인은 “가게 이름이 곧 주소”라고 말했다 … 링크가 열리지 않는다",
            *texts,
            "끝”만",
        ],
    )
    article.summary = "**내 말로** 정리하면, 한글 주소는 아직 반쪽입니다.\n\n둘째 문단입니다."
    article.save()


def _richer_column() -> None:
    """What the text format cannot say: volumes, statuses, manual ties, comments, dates."""
    run("import_episode", FIXTURES)
    _quotes_with_marks_inside_and_a_summary()
    series = Series.objects.get()
    series.description = "아침마다 기술 뉴스 세 편을 읽습니다."
    series.save()
    volume = Volume.objects.create(series=series, number=1, title="아침 기술 단신 첫 권")
    seven, eight, nine = Episode.objects.order_by("number")
    Episode.objects.filter(pk__in=[seven.pk, eight.pk]).update(volume=volume)
    seven.refresh_from_db()
    episode_publish(episode=seven, when=dt.datetime(2025, 3, 4, 7, 0, 15, tzinfo=SEOUL))
    episode_publish(episode=nine, when=timezone.now() + dt.timedelta(days=2))
    Episode.objects.filter(pk=nine.pk).update(comments_enabled=False)
    paragraph = eight.commentary.get(position=2)
    paragraph.source_article = eight.articles.get(position=3)
    paragraph.save()
    SourceArticle.objects.filter(episode=seven, position=1).update(published_on=dt.date(2025, 3, 3))
    Comment.objects.create(
        episode=seven,
        name="독자1",
        email="r1@example.com",
        body="잘 읽었습니다.",
        status="approved",
    )
    Comment.objects.create(episode=seven, name="독자2", body="검토 중인 댓글", status="pending")


@pytest.mark.django_db
def test_json_round_trip_restores_everything_into_an_empty_database(tmp_path):
    _richer_column()
    before = snapshot()
    document = tmp_path / "column.json"
    run("export_episode", "--format", "json", "--output", document)
    empty_the_database()

    run("import_episode", document, "--format", "json")

    assert snapshot() == before
    assert Comment.objects.count() == 1  # approved comments only
    assert Volume.objects.get().episodes.count() == 2
    assert Episode.objects.get(number=9).is_scheduled()


@pytest.mark.django_db
def test_a_json_document_imported_twice_does_not_duplicate_comments(tmp_path):
    _richer_column()
    document = tmp_path / "column.json"
    run("export_episode", "--format", "json", "--output", document)

    output = run("import_episode", document, "--format", "json")

    assert Comment.objects.count() == 2
    assert "3개 그대로" in output


@pytest.mark.django_db
def test_the_json_document_lists_series_volumes_episodes_articles_and_approved_comments():
    _richer_column()

    document = json.loads(run("export_episode", "--format", "json"))

    assert (document["format"], document["version"]) == ("newscolumn-export", 2)
    (series,) = document["series"]
    assert series["volumes"] == [{"number": 1, "title": "아침 기술 단신 첫 권"}]
    seven = series["episodes"][0]
    assert (seven["status"], seven["publish_at"]) == ("published", "2025-03-04T07:00:15+09:00")
    assert (seven["volume"], seven["volume_position"]) == (1, 7)
    assert seven["articles"][1]["outlet"] == {
        "name": "테크나루",
        "slug": "테크나루",
        "domains": ["technaru.example.com", TECHNARU_IDN],  # 8화 cites the ASCII name
    }
    assert seven["articles"][0]["published_on"] == "2025-03-03"
    assert seven["articles"][1]["quotes"] == [
        "소상공인은 “가게 이름이 곧 주소”라고 말했다 … 링크가 열리지 않는다",
        "한글로 된 인터넷 주소 등록 건수가 5년 만에 증가세로 돌아섰다. 가게 이름을 그대로 주소로"
        " 쓰려는 소상공인이 많았다.",
        "다만 일부 메신저와 메일 프로그램에서 한글 주소 링크가 제대로 열리지 않는 문제는 여전하다.",
        "끝”만",
    ]
    assert seven["articles"][1]["summary"].startswith("**내 말로** 정리하면")
    assert [c["answers_article"] for c in seven["commentary"]] == [1, 2, 3]
    assert [c["name"] for c in seven["comments"]] == ["독자1"]
    assert series["episodes"][1]["commentary"][1]["answers_article"] == 3


@pytest.mark.django_db
def test_a_bad_json_document_names_the_json_path_and_changes_nothing(tmp_path):
    _richer_column()
    document = json.loads(run("export_episode", "--format", "json"))
    empty_the_database()
    document["series"][0]["episodes"][2]["articles"][1]["url"] = "http://192.168.0.1/"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        run("import_episode", path, "--format", "json")

    assert "bad.json (series[0].episodes[2].articles[1].url)" in str(error.value)
    assert set(counts().values()) == {0}


@pytest.mark.django_db
def test_a_version_1_document_has_its_summaries_split_into_quotes_as_the_migration_did(tmp_path):
    _richer_column()
    document = json.loads(run("export_episode", "--format", "json"))
    empty_the_database()
    document["version"] = 1
    for series in document["series"]:
        for episode in series["episodes"]:
            for article in episode["articles"]:
                quotes = article.pop("quotes")
                article["summary"] = join_summary(quotes, article["summary"])
    path = tmp_path / "old.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    before = document["series"][0]["episodes"][0]["articles"][1]["summary"]
    assert before.startswith("“소상공인은 “가게 이름이 곧 주소”라고")

    run("import_episode", path, "--format", "json")

    article = SourceArticle.objects.get(episode__number=7, position=2)
    assert article.quotes.all()[0].text == (
        "소상공인은 “가게 이름이 곧 주소”라고 말했다 … 링크가 열리지 않는다"
    )
    assert article.quotes.count() == 4
    assert (
        article.summary == "**내 말로** 정리하면, 한글 주소는 아직 반쪽입니다.\n\n둘째 문단입니다."
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("quotes", "where", "reason"),
    [
        ("one string", "articles[0].quotes", "목록([ … ])이어야 합니다"),
        (["", "ok"], "articles[0].quotes", "인용문은 비어 있지 않은 문자열 목록이어야"),
        (["가" * 1001], "articles[0].quotes[0]", "1번 기사의 1번째 인용문"),
    ],
)
def test_bad_quotes_in_a_document_name_their_json_path_and_change_nothing(
    tmp_path, quotes, where, reason
):
    run("import_episode", EP9)
    document = json.loads(run("export_episode", "--format", "json"))
    empty_the_database()
    document["series"][0]["episodes"][0]["articles"][0]["quotes"] = quotes
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        run("import_episode", path, "--format", "json")

    assert f"bad.json (series[0].episodes[0].{where})" in str(error.value)
    assert reason in str(error.value)
    assert set(counts().values()) == {0}


@pytest.mark.django_db
def test_a_quote_too_long_in_a_post_names_its_article_line(tmp_path):
    text = EP9.read_text(encoding="utf-8").replace(
        "“피해 가정에는 방문 점검을 약속했다.”", "“" + "아주 긴 인용문 " * 130 + "”"
    )
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError) as error:
        run("import_episode", path)

    message = str(error.value)
    assert f"long.txt {line_of(text, REF2)}번째 줄" in message
    assert "2번 기사의 3번째 인용문" in message and "1000자 이하" in message
    assert Episode.objects.count() == 0


@pytest.mark.django_db
def test_json_syntax_errors_name_the_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": "newscolumn-export",\n  "version": 1,,\n}', encoding="utf-8")

    with pytest.raises(CommandError, match=r"broken\.json 3번째 줄: JSON 문법 오류"):
        run("import_episode", path, "--format", "json")


# Queries and derived data -------------------------------------------------------------

# An original post of another made-up column ("저녁 과학 산책", pen name 달빛우체통): four
# articles from three outlets (one cited twice), four tied commentary paragraphs, a
# closing, four keywords and an `이전 N화` line.
FOUR_ARTICLES = """\
brunch

저녁 과학 산책-12(별을 세는 시민들, 지도를 그리는 위성)

하늘과 바다와 땅에서 온 네 가지 소식

by 달빛우체통

2025년 4월 18일 20:00

안녕하세요, 달빛우체통입니다.

오늘 저녁에는 하늘을 올려다보는 사람들과 땅을 내려다보는 기계 이야기를 모았습니다.


요약한 기사


1. 아마추어 천문가 3천 명, 변광성 관측 자료 공개 -푸른하늘신문-

“전국의 아마추어 천문가 3천여 명이 지난 10년 동안 모은 변광성 밝기 기록을 누구나 내려받을 수
있게 공개했다.”

“천문연구소는 이 자료가 대형 망원경이 놓친 짧은 밝기 변화를 찾는 데 쓰일 것이라고 밝혔다.”


2. 소형 위성 열두 기, 해안선 변화 지도 첫 공개 -바다소리일보-

“대학 연구팀이 쏘아 올린 소형 위성 열두 기가 찍은 사진으로 전국 해안선 변화 지도가 처음
만들어졌다.”


3. 갯벌 미생물이 미세플라스틱 분해…실험실 밖 검증은 아직 -푸른하늘신문-

“갯벌 흙에서 찾은 미생물이 미세플라스틱 일부를 분해한다는 연구 결과가 나왔다.”

“연구진은 실제 갯벌에서도 같은 속도로 분해되는지는 더 지켜봐야 한다고 덧붙였다.”


4. 도시 열섬 지도, 시민 온도계 5백 개로 다시 그렸다 -한결방송-

“시민들이 베란다와 옥상에 단 온도계 5백여 개의 기록으로 도시 열섬 지도가 새로 그려졌다.”


달빛우체통의 논평


십 년 동안 밤하늘을 지켜본 사람들의 기록이 연구 자료가 되었습니다. 취미가 쌓이면 과학이 된다는
말이 이번에도 맞았습니다.

작은 위성 열두 기가 큰 위성 하나가 못 하던 일을 해냈습니다. 자주 찍을 수 있다는 것이 곧 변화를
볼 수 있다는 뜻입니다.

갯벌 미생물 소식은 반갑지만, 실험실의 속도와 바다의 속도는 다릅니다. 기대는 조금 미뤄 두는 편이
좋겠습니다.

온도계를 단 시민들 덕분에 어느 골목이 가장 더운지 알게 되었습니다. 그늘을 어디에 먼저 만들지
정하는 데 쓰이기를 바랍니다.

이상 달빛우체통의 저녁 과학 산책이었습니다. 편안한 밤 되세요.


참고기사


1. 아마추어 천문가 3천 명, 변광성 관측 자료 공개 -푸른하늘신문-

https://www.purun-sky.example.com/science/2025/04/variable-stars?utm_source=share

2. 소형 위성 열두 기, 해안선 변화 지도 첫 공개 -바다소리일보-

https://news.badasori.example.com/articles/3321

3. 갯벌 미생물이 미세플라스틱 분해…실험실 밖 검증은 아직 -푸른하늘신문-

https://www.purun-sky.example.com/science/2025/04/mudflat-microbes

4. 도시 열섬 지도, 시민 온도계 5백 개로 다시 그렸다 -한결방송-

https://hangyeol-tv.example.com/news/heat-island-map


keyword
천문
위성
갯벌
도시
이전 11화저녁 과학 산책-11(봄밤의 유성우를 기다리며)
"""


@pytest.mark.django_db
def test_importing_a_four_article_post_runs_a_pinned_number_of_queries(
    tmp_path, django_assert_num_queries
):
    path = tmp_path / "evening-science-12.txt"
    path.write_text(FOUR_ARTICLES, encoding="utf-8")
    ContentType.objects.get_for_model(Episode)  # cached per process: the count must not vary

    # 53 = 2 the batch's savepoint and its release
    #    + 6 series: look up, slug uniqueness (full_clean), the cover-alt check constraint
    #         (savepoint/select/release), insert
    #    + 17 episode: look up, the previous episode (이전 11화), full_clean (series exists,
    #         (series, number) unique, 4 check constraints × savepoint/select/release), insert
    #    + 8 outlets: one look-up of names and slugs, one of domains; 3 outlets, 3 domains inserted
    #    + 2 articles: one insert, one look-up of other episodes citing the same URLs
    #    + 1 quotes: one insert of all six
    #    + 1 commentary: one insert
    #    + 4 keywords: one look-up of all tags, one of their slugs, one insert of tags, one of links
    #    + 12 the one refresh: savepoint, episode, articles, their quotes, commentary, keywords,
    #         corrections, URLs cited elsewhere, stored body, search document, release; the
    #         page cache's next schedule
    # (The code before the bulk writes ran 176 for this post.)
    with django_assert_num_queries(53):
        report = import_paths([path])

    (episode,) = report.episodes
    assert report.count("created") == 1
    assert list(episode.articles.values_list("position", "outlet__name")) == [
        (1, "푸른하늘신문"),
        (2, "바다소리일보"),
        (3, "푸른하늘신문"),
        (4, "한결방송"),
    ]
    assert Outlet.objects.count() == OutletDomain.objects.count() == 3
    tied = episode.commentary.values_list("position", "source_article__position")
    assert list(tied) == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert sorted(episode.keywords.names()) == ["갯벌", "도시", "위성", "천문"]
    # Rows inserted in bulk carry their rendered HTML, and the stored page is made of it.
    quotes = SourceQuote.objects.filter(article__episode=episode)
    assert quotes.count() == 6
    assert quotes.get(article__position=2).text.startswith("대학 연구팀이")
    body = RenderedEpisode.objects.get(episode=episode).body_html
    assert "<blockquote" in body and "<p>전국의 아마추어 천문가" in body
    assert "<p>작은 위성 열두 기가" in body
    assert "갯벌" in EpisodeSearchDocument.objects.get(episode=episode).folded_keywords


def _record_refreshes(monkeypatch) -> list[dict[int, set[str]]]:
    calls: list[dict[int, set[str]]] = []
    original = projections.refresh

    def recording(parts_by_episode, **kwargs):
        calls.append({pk: set(parts) for pk, parts in parts_by_episode.items()})
        return original(parts_by_episode, **kwargs)

    monkeypatch.setattr(projections, "refresh", recording)
    return calls


@pytest.mark.django_db
def test_an_import_refreshes_each_imported_episode_once(monkeypatch, tmp_path):
    (tmp_path / "evening-science-12.txt").write_text(FOUR_ARTICLES, encoding="utf-8")
    for name in ("01-untied-commentary.txt", "02-dashes-and-idn.txt", "03-empty-keywords.txt"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    calls = _record_refreshes(monkeypatch)

    run("import_episode", tmp_path, "--publish")

    episodes = set(Episode.objects.values_list("pk", flat=True))
    assert len(episodes) == 4
    assert len(calls) == 1
    assert calls[0] == {pk: set(projections.TEXT_PARTS) for pk in episodes}
    assert RenderedEpisode.objects.count() == EpisodeSearchDocument.objects.count() == 4


@pytest.mark.django_db
def test_a_document_import_refreshes_each_episode_once_with_its_approved_comments(
    monkeypatch, tmp_path
):
    _richer_column()
    document = tmp_path / "column.json"
    run("export_episode", "--format", "json", "--output", document)
    empty_the_database()
    calls = _record_refreshes(monkeypatch)

    run("import_episode", document, "--format", "json")

    seven, eight, nine = Episode.objects.order_by("number")
    assert len(calls) == 1
    assert calls[0] == {
        seven.pk: set(projections.ALL_PARTS),  # its approved comment, inserted in bulk
        eight.pk: set(projections.TEXT_PARTS),
        nine.pk: set(projections.TEXT_PARTS),
    }
    assert "잘 읽었습니다." in RenderedEpisode.objects.get(episode=seven).comments_html


# Demo content --------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_yields_published_scheduled_and_draft_episodes():
    first = run("load_demo", "--admin", "editor:demo-pass")
    before = snapshot()
    stamps = list(Episode.objects.order_by("pk").values_list("updated_at", flat=True))

    second = run("load_demo", "--admin", "editor:demo-pass")

    assert snapshot() == before
    assert list(Episode.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps
    assert "'editor'을(를) 만들었습니다" in first
    assert "'editor'은(는) 이미 있어 그대로 둡니다" in second
    assert get_user_model().objects.get(username="editor").is_superuser

    episodes = list(Episode.objects.order_by("number"))
    assert len(episodes) >= 6
    *published, scheduled, draft = episodes
    assert all(e.is_published() for e in published)
    assert scheduled.is_scheduled()
    assert draft.status == Episode.Status.DRAFT and draft.publish_at is None
    dates = [e.publish_at for e in published]
    assert dates == sorted(dates) and dates[-1] < timezone.now()
    assert len({d.date() for d in dates}) == len(dates)  # a few days apart
    # Every demo article quotes its outlet; a few also sum it up in the columnist's words.
    assert not SourceArticle.objects.filter(quotes__isnull=True).exists()
    assert SourceQuote.objects.count() >= 2 * SourceArticle.objects.count()
    assert SourceArticle.objects.exclude(summary="").count() >= 2
    for episode in episodes:
        assert episode.articles.count() == 3
        assert 3 <= episode.commentary.count() <= 4
        assert episode.closing.startswith("이상 ")
        assert 3 <= episode.keywords.count() <= 5
        assert episode.volume is not None and episode.volume_position is not None
    assert Outlet.objects.filter(articles__isnull=False).distinct().count() < 3 * len(episodes)


@pytest.mark.django_db
def test_migrations_create_no_content():
    assert set(counts().values()) == {0}


# The real post, when the shared seed is present ----------------------------------------


@pytest.mark.django_db
@pytest.mark.skipif(not list(SEED_DIR.glob("*.txt")), reason="../shared/seed is not present")
def test_the_real_seed_post_imports_with_its_structure():
    seed = sorted(SEED_DIR.glob("*.txt"))[0]

    run("import_episode", seed)

    episode = Episode.objects.select_related("series").get()
    assert (episode.series.title, episode.number) == ("AI 뉴스가 있는 저녁", 48)
    assert episode.series.author_name == "겨울방주"
    articles = list(episode.articles.select_related("outlet"))
    assert [a.outlet.name for a in articles] == ["아이뉴스 24", "ZDNET KOREA", "디지털데일리"]
    assert [a.url for a in articles] == [
        "https://www.inews24.com/view/1893883",
        "https://zdnet.co.kr/view/?no=20251007100602",
        "https://www.ddaily.co.kr/page/view/2025100214103128423",
    ]
    assert [len(a.quotes.all()) for a in articles] == [2, 2, 2]
    assert all(a.summary == "" for a in articles)
    tied = list(episode.commentary.values_list("source_article__position", flat=True))
    assert tied == [1, 2, 3]
    assert episode.closing.startswith("이상")
    assert episode.volume_position == 18
    assert episode.keywords.count() == 0
    assert episode.status == Episode.Status.DRAFT
