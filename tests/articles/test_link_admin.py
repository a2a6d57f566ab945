"""What the editor sees in the admin: link health and quote checks on each cited
article, the list of broken links across the archive, and other citations."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import LinkHealth, SourceArticle, SourceText
from columns.models import Episode
from tests.factories import make_episode

pytestmark = pytest.mark.django_db

BROKEN_LINKS = reverse("admin:articles_brokenlink_changelist")


def record(article: SourceArticle, *, failures: int = 0, **fields) -> LinkHealth:
    """A health record as check_links would leave it, without the network."""
    now = timezone.now()
    fields.setdefault("result", "ok" if failures == 0 else "http_error")
    fields.setdefault("status_code", 200 if failures == 0 else 404)
    return LinkHealth.objects.create(
        article=article,
        url=article.url,
        consecutive_failures=failures,
        checked_at=now,
        last_ok_at=now - timedelta(days=failures) if failures else now,
        history=[
            {"at": now.isoformat(), "result": fields["result"], "status": fields["status_code"]}
        ],
        **fields,
    )


def listed_headlines(response) -> list[str]:
    return [health.article.headline for health in response.context["cl"].result_list]


def test_the_broken_links_list_shows_only_failing_links_across_the_archive(admin_client):
    first, second = make_episode(), make_episode()
    record(first.articles.get(position=1), failures=0)
    record(first.articles.get(position=2), failures=1)
    record(second.articles.get(position=3), failures=4)
    SourceArticle.objects.filter(pk=second.articles.get(position=3).pk).update(
        headline="오래된 기사"
    )

    response = admin_client.get(BROKEN_LINKS)
    assert response.status_code == 200
    assert listed_headlines(response) == ["오래된 기사", "가상 기사 제목 2"]  # most failures first


def test_the_broken_links_list_filters_by_outlet(admin_client):
    first, second = make_episode(), make_episode()
    record(first.articles.get(position=1), failures=2)
    record(second.articles.get(position=1), failures=2)
    outlet = second.articles.get(position=1).outlet

    response = admin_client.get(BROKEN_LINKS, {"article__outlet__id__exact": outlet.pk})
    assert [h.article.episode_id for h in response.context["cl"].result_list] == [second.pk]
    assert outlet.name in response.content.decode()


def test_the_broken_links_list_filters_by_failures_in_a_row(admin_client):
    episode = make_episode()
    for position, failures in ((1, 1), (2, 2), (3, 6)):
        record(episode.articles.get(position=position), failures=failures)

    def failures(value):
        response = admin_client.get(BROKEN_LINKS, {"failures": value})
        return sorted(h.consecutive_failures for h in response.context["cl"].result_list)

    assert failures("1") == [1]
    assert failures("2") == [2, 6]
    assert failures("5") == [6]


def test_the_broken_links_list_is_read_only_but_shows_the_history(admin_client):
    health = record(make_episode().articles.get(position=1), failures=2)
    page = admin_client.get(reverse("admin:articles_brokenlink_change", args=[health.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "최근 확인 기록" in html and "오류 응답" in html
    assert 'name="_save"' not in html
    assert admin_client.get(reverse("admin:articles_brokenlink_add")).status_code == 403


def test_a_record_about_a_former_url_is_not_listed(admin_client):
    article = make_episode().articles.get(position=1)
    record(article, failures=3)
    SourceArticle.objects.filter(pk=article.pk).update(url="https://news.example.com/fixed")
    assert listed_headlines(admin_client.get(BROKEN_LINKS)) == []


def test_the_episode_form_shows_each_articles_link_health_and_quote_checks(admin_client, settings):
    episode = make_episode()
    failing = episode.articles.get(position=1)
    record(failing, failures=3, detail="HTTP 404")
    moved = episode.articles.get(position=2)
    record(moved, result="moved", moved_to="https://news.example.com/new-home")
    SourceText.objects.create(
        article=moved,
        url=moved.url,
        text="기사 2의 첫 인용문입니다. 그 밖의 이야기.",
        fetched_at=timezone.now(),
    )

    html = admin_client.get(reverse("admin:columns_episode_change", args=[episode.pk]))
    html = html.content.decode()
    assert "링크·인용문 확인" in html
    assert "오류 응답</strong>: " in html and "기사가 열리지 않았습니다" in html
    assert "3회 연속 실패했습니다." in html
    assert "에 확인했을 때 기사가 열렸습니다" in html  # article 2, moved but working
    assert "https://web.archive.org/web/" in html  # 3 ≥ LINKCHECK_ARCHIVE_AFTER_FAILURES
    assert "영구히 옮겨짐" in html and "https://news.example.com/new-home" in html
    assert "원문에 있음</strong> “기사 2의 첫 인용문입니다.”" in html
    assert "원문에서 찾지 못함</strong> “기사 2의 둘째 인용문입니다.”" in html
    assert "원문을 가져오지 못해 비교할 수 없습니다." in html  # article 1: no page text
    assert "아직 확인하지 않았습니다" in html  # article 3


def test_the_article_page_lists_other_episodes_citing_the_same_url(admin_client):
    shared = "https://news.example.com/shared-story"
    published = make_episode(headline="앞선 회차")
    draft = make_episode(headline="쓰는 중인 회차", status=Episode.Status.DRAFT)
    make_episode(headline="다른 회차")  # cites other URLs only
    here = make_episode(headline="지금 회차")
    for episode in (published, draft, here):
        SourceArticle.objects.filter(episode=episode, position=1).update(url=shared)
    article = here.articles.get(position=1)

    html = admin_client.get(reverse("admin:articles_sourcearticle_change", args=[article.pk]))
    html = html.content.decode()
    assert "이 기사를 인용한 다른 화:" in html
    assert "앞선 회차" in html and "(발행)" in html
    assert "쓰는 중인 회차" in html and "(미발행)" in html
    assert "다른 회차" not in html.split("이 기사를 인용한 다른 화:")[1].split("</ul>")[0]


def test_the_article_list_shows_link_results(admin_client):
    article = make_episode().articles.get(position=1)
    record(article, failures=2)
    html = admin_client.get(reverse("admin:articles_sourcearticle_changelist")).content.decode()
    assert "오류 응답</strong> (2회 연속)" in html
