"""Build a realistic archive for the benchmark, fast (bulk inserts), in the database
DATABASE_URL points at. Prints the URLs to measure as JSON (with a random sample of
READ_SAMPLE episode pages, and the episode the mixed target's writer saves).

    build_archive.py EPISODES [SEARCH_EPISODES]

EPISODES go in the series whose pages are measured. With SEARCH_EPISODES
larger, a second series fills the archive up to that many episodes in all, so
search runs over SEARCH_EPISODES documents while the episode, series and keyword
pages stay what they were (issue 14: search at 20,000 episodes). The second
series gets its search documents only: its stored bodies are rendered on first
view, as after any deploy."""

import json
import os
import random
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from taggit.models import Tag, TaggedItem  # noqa: E402

from articles.models import Outlet, OutletDomain, SourceArticle, SourceQuote  # noqa: E402
from columns import projections  # noqa: E402
from columns.models import Comment, Commentary, Episode, Series  # noqa: E402
from common.markup import render_markdown, render_plain_text  # noqa: E402

WORDS = (
    "반도체 데이터센터 전력 생성형AI 로봇 규제 인재 투자 클라우드 보안 교육 의료 금융 "
    "자율주행 배터리 통신 저작권 개인정보 스타트업 수출 오픈소스 검색 광고 플랫폼 게임"
).split()


# How many episode pages the mixed read/write target spreads its readers over.
READ_SAMPLE = 300


def paragraph(rng: random.Random, sentences: int = 3) -> str:
    return " ".join(
        f"{rng.choice(WORDS)}과 {rng.choice(WORDS)}을 둘러싼 논의가 {rng.choice(WORDS)} 쪽으로 "
        f"번지고 있습니다({rng.randint(1, 999)})."
        for _ in range(sentences)
    )


def _episodes(series, count: int, rng: random.Random, now, outlets, tags) -> list[Episode]:
    """`count` published episodes with articles, commentary and keywords, bulk inserted.

    Six hours apart, the last one an hour before `now`.
    """
    intro = render_markdown("안녕하세요. 오늘도 저녁 뉴스를 나눕니다.\n\n" + paragraph(rng))
    closing = render_markdown("이상 측정지기의 저녁 뉴스였습니다. 여러분의 생각을 들려주세요.")
    batch = []
    for number in range(1, count + 1):
        batch.append(
            Episode(
                series=series, number=number, headline=f"{rng.choice(WORDS)}의 다음 장면 {number}",
                subtitle=paragraph(rng, 1), intro=intro, intro_html=intro,
                closing=closing, closing_html=closing, status=Episode.Status.PUBLISHED,
                publish_at=now - timedelta(hours=6 * (count - number) + 1),
            )
        )  # fmt: skip
    created = Episode.objects.bulk_create(batch, batch_size=500)
    articles, quotes, paragraphs, tagged = [], [], [], []
    episode_ct = django.contrib.contenttypes.models.ContentType.objects.get_for_model(Episode)
    for episode in created:
        for position in (1, 2, 3):
            texts = [paragraph(rng, 2) for _ in range(2)]  # the outlet's words, two quotes
            outlet = rng.choice(outlets)
            url = (
                f"https://news{outlets.index(outlet)}.example.com/view/"
                f"{series.pk}-{episode.number}{position}"
            )
            if episode.number % 10 == 5 and position == 3:
                # A follow-up: one episode in ten cites a story the one before cited too.
                url, outlet = articles[-3].url, articles[-3].outlet
            articles.append(
                SourceArticle(
                    episode=episode, position=position, outlet=outlet,
                    headline=f"{rng.choice(WORDS)} 기사 {episode.number}-{position}", url=url,
                )
            )  # fmt: skip
            quotes.append(texts)
        for position in (1, 2, 3, 4):
            body = paragraph(rng, 4)
            paragraphs.append(
                Commentary(
                    episode=episode, position=position, body=body, body_html=render_markdown(body)
                )
            )
        for tag in rng.sample(tags, 5):
            tagged.append(TaggedItem(tag=tag, content_type=episode_ct, object_id=episode.pk))
    SourceArticle.objects.bulk_create(articles, batch_size=1000)
    SourceQuote.objects.bulk_create(
        [
            SourceQuote(article=article, position=n, text=text)
            for article, texts in zip(articles, quotes, strict=True)
            for n, text in enumerate(texts, start=1)
        ],
        batch_size=1000,
    )
    Commentary.objects.bulk_create(paragraphs, batch_size=1000)
    TaggedItem.objects.bulk_create(tagged, batch_size=1000)
    return created


def build(episodes: int, search_episodes: int = 0, seed: int = 48) -> dict:
    rng = random.Random(seed)
    series = Series.objects.create(
        title="벤치마크 저녁 뉴스", slug="bench-evening", author_name="측정지기",
        description="성능 측정을 위해 만든 가상의 연재입니다.",
    )  # fmt: skip
    outlets = []
    for i in range(30):
        outlet = Outlet.objects.create(name=f"가상언론{i:02d}", slug=f"bench-outlet-{i}")
        OutletDomain.objects.create(outlet=outlet, domain=f"news{i}.example.com")
        outlets.append(outlet)
    tags = Tag.objects.bulk_create(
        [Tag(name=f"{w}{i}", slug=f"{w}{i}") for i in range(12) for w in WORDS]
    )
    now = timezone.now()
    created = _episodes(series, episodes, rng, now, outlets, tags)
    if search_episodes > episodes:
        archive = Series.objects.create(
            title="검색 규모 시험 연재", slug="bench-archive", author_name="측정지기"
        )
        # Older than every measured episode and with keywords of its own, so the
        # home page, feeds and keyword pages measure what they did before.
        archive_tags = Tag.objects.bulk_create(
            [Tag(name=f"{w}보관{i}", slug=f"{w}-archive-{i}") for i in range(12) for w in WORDS]
        )
        before = now - timedelta(hours=6 * episodes)
        extra = _episodes(archive, search_episodes - episodes, rng, before, outlets, archive_tags)
        # No tags: no cached page shows these documents yet.
        projections.refresh({e.pk: {projections.SEARCH} for e in extra})
    comments = []
    for episode in created[-50:]:
        for i in range(20):
            body = f"{i}번째 독자 댓글입니다. {paragraph(rng, 1)}"
            comments.append(
                Comment(
                    episode=episode, name=f"독자{i}", body=body, body_html=render_plain_text(body),
                    status=Comment.Status.APPROVED, created_at=now - timedelta(minutes=i),
                )
            )  # fmt: skip
    Comment.objects.bulk_create(comments, batch_size=1000)
    # bulk_create skips the services and signals: build the search rows and the
    # stored bodies the way every other write path does.
    projections.refresh_everything(Episode.objects.filter(series=series))
    # A database in service has planner statistics (autovacuum, or SQLite's
    # ANALYZE); freshly bulk-loaded tables do not. On PostgreSQL, VACUUM also
    # does now what autovacuum would do in the middle of the measurements:
    # merge the trigram index's pending entries and mark the pages all-visible.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    latest = created[-1]
    keyword = latest.keywords.first()
    last_page = (episodes + 19) // 20

    def first_url(*names, **kwargs):
        for name in names:
            try:
                return reverse(name, **kwargs)
            except NoReverseMatch:
                continue
        return None

    following_up = next(e for e in reversed(created) if e.number % 10 == 5)
    # Readers spread over the archive (the mixed read/write target): a random
    # sample of episode pages, and the one episode the writer keeps saving.
    readers = rng.sample(created, min(READ_SAMPLE, len(created)))
    written = readers[0]
    return {
        "episodes": [episode.get_absolute_url() for episode in readers],
        "written_episode": written.pk,
        "written_url": written.get_absolute_url(),
        "episode": latest.get_absolute_url(),
        "episode_citing_again": following_up.get_absolute_url(),
        "series_first": series.get_absolute_url(),
        "series_last": f"{series.get_absolute_url()}?page={last_page}",
        "keyword": reverse("columns:keyword", args=[keyword.slug]),
        "search": (first_url("columns:search") or "/search/") + "?q=%EB%B0%98%EB%8F%84%EC%B2%B4",
        # Issue 14's searches: several terms (one of two characters), a particle to
        # cut (`배터리에서` is nowhere as typed), two-character words only, a number.
        **{
            name: f"/search/?{urlencode({'q': q})}"
            for name, q in [
                ("search_terms", "데이터센터 전력"),
                ("search_particle", "배터리에서 규제"),
                ("search_short", "전력 투자"),
                ("search_number", "48화"),
            ]
        },
        "feed": first_url("columns:feed_rss", "columns:feed", "columns:rss") or "/feed/",
    }


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    search_count = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    print(json.dumps(build(count, search_count)))
