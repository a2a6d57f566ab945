"""What readers see of link health: an archived copy beside a link that keeps
failing (and nothing beside one that works), and other episodes citing the same article."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import services
from articles.models import LinkHealth, SourceArticle
from columns.models import Episode
from tests.factories import make_episode

pytestmark = pytest.mark.django_db

ARCHIVE_NOTE = "보관된 사본 보기"
OTHERS_TITLE = "이 기사를 인용한 다른 화"


def record(article: SourceArticle, failures: int) -> LinkHealth:
    now = timezone.now()
    return LinkHealth.objects.create(
        article=article,
        url=article.url,
        result="ok" if failures == 0 else "unreachable",
        consecutive_failures=failures,
        checked_at=now,
    )


def page(episode: Episode, client=None) -> str:
    response = (client or Client()).get(episode.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_working_link_shows_nothing_but_itself(client):
    episode = make_episode()
    record(episode.articles.get(position=1), failures=0)
    html = page(episode)
    assert ARCHIVE_NOTE not in html and "web.archive.org" not in html
    assert "기사 원문 보기" in html


def test_a_single_failure_is_not_enough_for_an_archived_copy():
    episode = make_episode()
    record(episode.articles.get(position=1), failures=1)
    assert "web.archive.org" not in page(episode)


def test_after_repeated_failures_readers_also_get_a_copy_from_the_episodes_date():
    # 2025-10-07 16:30 UTC is 10월 8일 in Seoul: the copy nearest the episode's own day.
    episode = make_episode(publish_at=datetime(2025, 10, 7, 16, 30, tzinfo=UTC))
    article = episode.articles.get(position=2)
    record(article, failures=2)
    html = page(episode)
    archive = f"https://web.archive.org/web/20251008/{article.url}"
    assert f'href="{archive}"' in html
    assert html.count(archive) == 2  # under the summary and in 참고기사
    assert f'href="{article.url}"' in html  # the original link stays
    assert html.count(ARCHIVE_NOTE) == 1  # only the failing article


def test_the_number_of_failures_before_an_archived_copy_is_a_setting(settings):
    settings.LINKCHECK_ARCHIVE_AFTER_FAILURES = 4
    episode = make_episode()
    record(episode.articles.get(position=1), failures=3)
    assert "web.archive.org" not in page(episode)


def test_failures_of_a_former_url_do_not_follow_an_edited_link():
    episode = make_episode()
    article = episode.articles.get(position=1)
    record(article, failures=5)
    article.url = "https://news.example.com/fixed"  # the editor fixes the address
    article.save()
    assert "web.archive.org" not in page(episode)


def test_other_published_episodes_citing_the_same_article_are_listed(staff):
    shared = "https://news.example.com/shared-story"
    earlier = make_episode(headline="앞서 인용한 회차")
    draft = make_episode(headline="초안 회차", status=Episode.Status.DRAFT)
    scheduled = make_episode(headline="예약 회차", publish_at=timezone.now() + timedelta(days=2))
    make_episode(headline="상관없는 회차")
    here = make_episode(headline="오늘 회차")
    for episode in (earlier, draft, scheduled, here):
        article = episode.articles.get(position=1)
        article.url = shared
        article.save()

    staff_client = Client()
    staff_client.force_login(staff)
    for html in (page(here), page(here, staff_client)):  # drafts stay unlisted even for staff
        assert html.count(OTHERS_TITLE) == 2  # aria-label and heading, article 1 only
        listed = html.split(f"<p>{OTHERS_TITLE}</p>")[1].split("</nav>")[0]
        assert f'href="{earlier.get_absolute_url()}"' in listed and earlier.title in listed
        assert "초안 회차" not in listed and "예약 회차" not in listed
        assert "오늘 회차" not in listed and "상관없는 회차" not in listed


def test_an_episode_learns_at_once_that_a_later_episode_cites_its_article():
    shared = "https://news.example.com/followed-story"
    earlier, later = make_episode(articles=1), make_episode(articles=1)
    first = earlier.articles.get()
    first.url = shared
    first.save()
    assert OTHERS_TITLE not in page(earlier)

    cited = later.articles.get()
    cited.url = shared  # the later episode cites the same article
    cited.save()
    assert later.title in page(earlier) and earlier.title in page(later)

    cited.delete()  # and no longer does
    assert OTHERS_TITLE not in page(earlier)


def test_an_article_cited_nowhere_else_shows_no_list():
    assert OTHERS_TITLE not in page(make_episode())


def test_link_health_is_stored_with_the_body_and_other_citations_cost_at_most_one_query():
    plain = make_episode(articles=3)
    busy = make_episode(articles=3)
    for article in busy.articles.all():
        record(article, failures=3)
        other = make_episode(articles=1)
        cited = other.articles.get()
        cited.url = article.url
        cited.save()

    def queries(episode):
        with CaptureQueriesContext(connection) as captured:
            page(episode)
        return [q["sql"] for q in captured.captured_queries]

    plain_queries, busy_queries = queries(plain), queries(busy)
    # Nothing else cites plain's articles: no lookup at all; busy: one for all three.
    assert len(busy_queries) == len(plain_queries) + 1
    assert not any('MD5("articles_sourcearticle"."url")' in sql for sql in plain_queries)
    # The archived copies are in the stored body; other citations are one query.
    assert page(busy).count(ARCHIVE_NOTE) == 3 and page(busy).count(OTHERS_TITLE) == 6
    assert not any("articles_linkhealth" in sql for sql in busy_queries)
    assert sum('MD5("articles_sourcearticle"."url")' in sql for sql in busy_queries) == 1


def test_a_cached_page_gains_its_archived_copy_as_soon_as_a_check_flips_it(site, settings):
    settings.LINKCHECK_ALLOW_LOOPBACK = True
    settings.LINKCHECK_TIMEOUT = 2.0
    episode = make_episode(articles=1)
    article = episode.articles.get()
    SourceArticle.objects.filter(pk=article.pk).update(url=site.url("/missing"))
    assert "web.archive.org" not in page(episode)  # now cached for anonymous readers
    for _ in range(settings.LINKCHECK_ARCHIVE_AFTER_FAILURES):
        services.check_links(articles=SourceArticle.objects.filter(pk=article.pk))
    assert f"web.archive.org/web/{timezone.localdate(episode.publish_at):%Y%m%d}/" in page(episode)
