"""Factories for search, feed and sitemap tests: episodes whose search document is built."""

from collections.abc import Sequence
from datetime import timedelta

from django.utils import timezone

from articles.models import Outlet
from articles.services import quotes_replace
from columns.models import Episode
from tests.factories import make_episode


def make_searchable_episode(
    *args,
    article_headlines: Sequence[str] = (),
    summaries: Sequence[str] = (),
    quotes: Sequence[Sequence[str]] = (),
    commentary_bodies: Sequence[str] = (),
    outlet_name: str | None = None,
    **kwargs,
) -> Episode:
    """`make_episode`, then the given texts written over its articles and commentary, indexed.

    `quotes` replaces the quotes of the first articles, one list of texts per article.

    Default text is neutral so searches in tests match only what a test wrote:
    no keywords, a plain intro and closing.
    """
    kwargs.setdefault("keywords", ())
    kwargs.setdefault("intro", "오늘 저녁에도 몇 가지 소식을 골랐습니다.")
    kwargs.setdefault("closing", "다음 화에서 뵙겠습니다.")
    episode = make_episode(*args, **kwargs)
    articles = list(episode.articles.order_by("position"))
    for article, headline in zip(articles, article_headlines, strict=False):
        article.headline = headline
        article.save()
    for article, summary in zip(articles, summaries, strict=False):
        article.summary = summary
        article.save()
    for article, texts in zip(articles, quotes, strict=False):
        quotes_replace(article=article, texts=list(texts))
    for paragraph, body in zip(
        episode.commentary.order_by("position"), commentary_bodies, strict=False
    ):
        paragraph.body = body
        paragraph.save()
    if outlet_name and articles:
        outlet = Outlet.objects.get(pk=articles[0].outlet_id)
        outlet.name = outlet_name
        outlet.save()
    return episode


def make_hidden_episodes(**fields) -> tuple[Episode, Episode]:
    """A draft and an episode scheduled for tomorrow, both indexed, both with `fields`."""
    draft = make_searchable_episode(status=Episode.Status.DRAFT, **fields)
    scheduled = make_searchable_episode(publish_at=timezone.now() + timedelta(days=1), **fields)
    return draft, scheduled
