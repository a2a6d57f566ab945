"""Small factories for original test content (never the seed's text)."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from articles.models import Outlet, OutletDomain, SourceArticle, SourceQuote
from columns.models import Commentary, Episode, Series

_seq = count(1)


def make_outlet(name: str | None = None, domain: str | None = None) -> Outlet:
    n = next(_seq)
    name = name or f"가상일보{n}"
    outlet = Outlet.objects.create(name=name, slug=f"outlet-{n}")
    OutletDomain.objects.create(outlet=outlet, domain=domain or f"news{n}.example.com")
    return outlet


def make_series(title: str = "저녁의 기술 뉴스", slug: str | None = None, **fields) -> Series:
    fields.setdefault("author_name", "바람지기")
    return Series.objects.create(title=title, slug=slug or f"series-{next(_seq)}", **fields)


def make_episode(
    series: Series | None = None,
    number: int | None = None,
    *,
    status: str = Episode.Status.PUBLISHED,
    publish_at=None,
    articles: int = 3,
    commentary: int | None = None,
    keywords: tuple[str, ...] = ("반도체", "생성형AI"),
    **fields,
) -> Episode:
    """An episode with `articles` cited articles (two quotes each) and a paragraph per article."""
    series = series or make_series()
    number = number or next(_seq)
    if status == Episode.Status.PUBLISHED and publish_at is None:
        publish_at = timezone.now() - timedelta(days=1)
    fields.setdefault("headline", f"시험 회차 {number}")
    fields.setdefault("subtitle", "원고지 위의 작은 실험")
    fields.setdefault("intro", "안녕하세요, 오늘도 저녁 뉴스를 나눕니다.")
    fields.setdefault("closing", "이상 오늘의 저녁 뉴스였습니다.")
    episode = Episode.objects.create(
        series=series, number=number, status=status, publish_at=publish_at, **fields
    )
    if keywords:
        episode.keywords.add(*keywords)
    outlet = make_outlet() if articles else None
    made = [
        SourceArticle.objects.create(
            episode=episode,
            position=i,
            headline=f"가상 기사 제목 {i}",
            outlet=outlet,
            url=f"https://news.example.com/article/{number}-{i}",
        )
        for i in range(1, articles + 1)
    ]
    for article in made:
        for n, which in enumerate(("첫", "둘째"), start=1):
            SourceQuote.objects.create(
                article=article, position=n, text=f"기사 {article.position}의 {which} 인용문입니다."
            )
    for i in range(1, (len(made) if commentary is None else commentary) + 1):
        Commentary.objects.create(
            episode=episode,
            position=i,
            source_article=made[i - 1] if i <= len(made) else None,
            body=f"{i}번째 기사에 대한 생각을 적습니다.",
        )
    return episode


def make_subscriber(
    series: Series, email: str | None = None, *, status: str = "confirmed", **fields
):
    """A newsletter subscriber, confirmed a week ago unless told otherwise."""
    from newsletter.models import Subscriber

    if status == Subscriber.Status.CONFIRMED:
        fields.setdefault("confirmed_at", timezone.now() - timedelta(days=7))
    fields.setdefault("requested_at", timezone.now() - timedelta(days=8))
    return Subscriber.objects.create(
        series=series, email=email or f"reader{next(_seq)}@example.com", status=status, **fields
    )
