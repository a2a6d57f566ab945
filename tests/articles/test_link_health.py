"""`check_links` keeps a health record per cited article: status, time, failures in
a row, final address, a short history; it prints a table and fails only on its own errors."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles import services
from articles.linkcheck import LinkChecker
from articles.models import LinkHealth, SourceArticle, SourceQuote, SourceText
from tests import linkserver
from tests.factories import make_episode, make_outlet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_only(settings, monkeypatch):
    settings.LINKCHECK_ALLOW_LOOPBACK = True
    settings.LINKCHECK_TIMEOUT = 2.0
    # No test may ask real DNS: a name reaching the system resolver fails loudly.
    monkeypatch.setattr(services, "system_resolver", linkserver.fake_resolver({}))


def cite(url: str, *, quotes=(), episode=None, position: int = 1) -> SourceArticle:
    """An article citing `url` (a loopback URL the model's own rules would refuse)."""
    episode = episode or make_episode(articles=0, commentary=0)
    article = SourceArticle.objects.create(
        episode=episode,
        position=position,
        headline=f"가상 기사 {position}",
        outlet=make_outlet(),
        url=f"https://news.example.com/placeholder/{episode.pk}-{position}",
    )
    for n, text in enumerate(quotes, start=1):
        SourceQuote.objects.create(article=article, position=n, text=text)
    SourceArticle.objects.filter(pk=article.pk).update(url=url)
    article.refresh_from_db()
    return article


def run(**options) -> str:
    out = StringIO()
    call_command("check_links", stdout=out, **options)
    return out.getvalue()


def health_of(article: SourceArticle) -> LinkHealth:
    return LinkHealth.objects.get(article=article)


def test_a_check_records_status_time_and_final_address(site):
    article = cite(site.url("/temporary"))
    before = timezone.now()
    run()
    health = health_of(article)
    assert (health.result, health.status_code, health.consecutive_failures) == ("ok", 200, 0)
    assert health.checked_at >= before and health.last_ok_at == health.checked_at
    assert health.final_url == site.url("/ok")
    assert health.redirects == [{"status": 302, "url": site.url("/ok")}]
    assert health.history[0]["result"] == "ok" and health.history[0]["status"] == 200


def test_failures_count_up_and_a_success_resets_them(site):
    article = cite(site.url("/missing"))
    run()
    run()
    health = health_of(article)
    assert (health.result, health.status_code, health.consecutive_failures) == (
        "http_error",
        404,
        2,
    )
    assert health.last_ok_at is None

    site.route = lambda request: (200, {"Content-Type": "text/html"}, b"<p>back</p>")
    run()
    health = health_of(article)
    assert (health.result, health.consecutive_failures) == ("ok", 0)
    assert [entry["result"] for entry in health.history] == ["ok", "http_error", "http_error"]


def test_the_history_keeps_only_the_latest_checks(site, settings):
    settings.LINKCHECK_HISTORY_LENGTH = 3
    article = cite(site.url("/broken"))
    for _ in range(5):
        run()
    health = health_of(article)
    assert len(health.history) == 3 and health.consecutive_failures == 5


def test_a_permanent_move_is_shown_and_never_applied(site):
    article = cite(site.url("/old"))
    output = run()
    health = health_of(article)
    assert (health.result, health.moved_to) == ("moved", site.url("/new"))
    article.refresh_from_db()
    assert article.url == site.url("/old")
    assert "영구히 옮겨진 주소" in output and site.url("/new") in output


def test_timeouts_and_refusals_are_failures(site, settings):
    settings.LINKCHECK_TIMEOUT = 0.2
    slow = cite(site.url("/slow"))
    private = cite(site.url("/to-private"))
    run()
    assert (health_of(slow).result, health_of(slow).consecutive_failures) == ("unreachable", 1)
    assert health_of(private).result == "refused"
    assert "10.0.0.1" in health_of(private).detail


def test_the_loopback_setting_is_read_at_every_run(site, settings):
    article = cite(site.url("/ok"))
    settings.LINKCHECK_ALLOW_LOOPBACK = False
    run()
    assert health_of(article).result == "refused"
    assert site.requests == []
    settings.LINKCHECK_ALLOW_LOOPBACK = True
    run()
    assert health_of(article).result == "ok"


def test_a_url_cited_by_several_episodes_is_requested_once(site):
    first, second = cite(site.url("/ok")), cite(site.url("/ok"))
    run()
    assert site.paths() == ["/ok"]
    assert health_of(first).result == health_of(second).result == "ok"


def test_a_link_without_quotes_is_checked_with_head_and_one_with_quotes_with_get(site):
    cite(site.url("/ok"))
    cite(site.url("/article"), quotes=["전력 사용량을 지금보다 30% 줄이는 것이 목표"])
    run()
    assert sorted(m for m, _p, _h in site.requests) == ["GET", "HEAD"]
    assert site.paths("GET") == ["/article"]


def test_the_page_is_fetched_again_only_when_its_text_is_old(site, settings):
    article = cite(site.url("/article"), quotes=["전력 사용량을 지금보다 30% 줄이는 것이 목표"])
    run()
    run()
    assert site.paths("GET") == ["/article"] and site.paths("HEAD") == ["/article"]
    SourceText.objects.filter(article=article).update(
        fetched_at=timezone.now() - timedelta(days=settings.LINKCHECK_TEXT_REFRESH_DAYS + 1)
    )
    run()
    assert site.paths("GET") == ["/article", "/article"]


def test_an_edited_url_starts_a_fresh_record(site):
    article = cite(site.url("/missing"))
    run()
    run()
    SourceArticle.objects.filter(pk=article.pk).update(url=site.url("/broken"))
    run()
    health = health_of(article)
    assert (health.url, health.status_code, health.consecutive_failures) == (
        site.url("/broken"),
        500,
        1,
    )
    assert len(health.history) == 1


def test_stale_after_skips_links_checked_recently(site):
    checked, fresh = cite(site.url("/ok")), cite(site.url("/new"))
    run()
    LinkHealth.objects.filter(article=checked).update(checked_at=timezone.now() - timedelta(days=3))
    site.requests.clear()
    run(stale_after=2)
    assert site.paths() == ["/ok"]
    assert health_of(fresh).checked_at > health_of(checked).checked_at - timedelta(days=1)


def test_the_episode_option_checks_only_that_episode(site):
    mine, other = cite(site.url("/ok")), cite(site.url("/new"))
    run(episode=[mine.episode_id])
    assert site.paths() == ["/ok"]
    assert not LinkHealth.objects.filter(article=other).exists()


def test_the_command_prints_a_table_and_succeeds_despite_dead_links(site):
    cite(site.url("/ok"))
    cite(site.url("/missing"), quotes=["전력 사용량을 지금보다 30% 줄이는 것이 목표"])
    output = run(concurrency=2)
    header, *rows = output.splitlines()
    assert header.split()[:4] == ["기사", "회차", "결과", "코드"]
    assert any("정상" in row and "200" in row and site.url("/ok") in row for row in rows)
    assert any("오류 응답" in row and "404" in row and "확인 불가" in row for row in rows)
    assert "기사 2건: 열림 1, 실패 1 (보관본 안내 0)" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--episode", "999999"], "그런 회차가 없습니다: 999999"),
        (["--concurrency", "0"], "concurrency"),
        (["--stale-after", "soon"], "stale-after"),
    ],
)
def test_the_command_fails_only_on_its_own_errors(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("check_links", *args, stdout=StringIO())


def test_every_database_write_happens_in_the_callers_thread(site, monkeypatch):
    # Worker threads only talk to the network; recording happens as results arrive.
    import threading

    writers = set()
    record = services.link_check_record

    def spy(**kwargs):
        writers.add(threading.current_thread())
        return record(**kwargs)

    monkeypatch.setattr(services, "link_check_record", spy)
    for n in range(4):
        cite(site.url(f"/hop/{n}"))
    services.check_links(articles=SourceArticle.objects.all(), concurrency=4)
    assert writers == {threading.current_thread()}


def test_a_checker_with_a_resolver_can_be_passed_in(site):
    article = cite(site.url("/ok"))
    resolver = linkserver.fake_resolver({})
    reports = services.check_links(
        articles=SourceArticle.objects.filter(pk=article.pk),
        checker=LinkChecker(allow_loopback=False, resolver=resolver),
    )
    assert [r.health.result for r in reports] == ["refused"]
