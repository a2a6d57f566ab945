"""`check_links` fetches each quoted article's page, keeps its readable text and
tells the editor, quote by quote, whether the page still says it."""

from io import StringIO

import pytest
from django.core.management import call_command

from articles import services
from articles.models import SourceArticle, SourceQuote, SourceText
from articles.quotes import QuoteStatus
from tests import linkserver
from tests.factories import make_episode, make_outlet

pytestmark = pytest.mark.django_db

FOUND_QUOTE = "해저 케이블 공사는 내년 봄에 시작되며, 첫 서버는 가을에 가동될 예정"
INVENTED_QUOTE = "첫 서버는 올해 겨울에 가동된다"


@pytest.fixture(autouse=True)
def _local_only(settings, monkeypatch):
    settings.LINKCHECK_ALLOW_LOOPBACK = True
    settings.LINKCHECK_TIMEOUT = 2.0
    monkeypatch.setattr(services, "system_resolver", linkserver.fake_resolver({}))


def cite(url: str, *quotes: str, summary: str = "") -> SourceArticle:
    episode = make_episode(articles=0, commentary=0)
    article = SourceArticle.objects.create(
        episode=episode,
        position=1,
        headline="해저 케이블 기사",
        outlet=make_outlet(),
        url=f"https://news.example.com/cable/{episode.pk}",
        summary=summary,
    )
    for n, text in enumerate(quotes, start=1):
        SourceQuote.objects.create(article=article, position=n, text=text)
    SourceArticle.objects.filter(pk=article.pk).update(url=url)
    article.refresh_from_db()
    return article


def check(article: SourceArticle) -> services.LinkReport:
    (report,) = services.check_links(articles=SourceArticle.objects.filter(pk=article.pk))
    return report


@pytest.mark.parametrize("path", ["/euc-kr", "/euc-kr-meta"])
def test_a_quote_from_an_euc_kr_page_is_found(site, path):
    article = cite(site.url(path), FOUND_QUOTE, INVENTED_QUOTE)
    report = check(article)
    assert [(q.quote[:6], q.status) for q in report.quotes] == [
        ("해저 케이블", QuoteStatus.FOUND),
        ("첫 서버는 ", QuoteStatus.NOT_FOUND),
    ]
    stored = SourceText.objects.get(article=article)
    assert linkserver.EUC_KR_TEXT in stored.text and stored.charset == "cp949"
    assert "스크립트" not in stored.text


def test_the_editors_quotes_and_summary_are_never_changed(site):
    article = cite(site.url("/euc-kr"), INVENTED_QUOTE, summary="“첫 서버는 올해 가동” 정리")
    check(article)
    article.refresh_from_db()
    assert article.summary == "“첫 서버는 올해 가동” 정리"
    assert [q.text for q in article.quotes.all()] == [INVENTED_QUOTE]


def test_only_the_quotes_are_checked_not_quotations_in_the_summary(site):
    article = cite(
        site.url("/euc-kr"), FOUND_QUOTE, summary=f"편집자는 “{INVENTED_QUOTE}”라고 썼다."
    )
    assert [(q.quote, q.status) for q in check(article).quotes] == [
        (FOUND_QUOTE, QuoteStatus.FOUND)
    ]


def test_quotes_cannot_be_checked_when_the_page_never_loaded(site):
    article = cite(site.url("/missing"), FOUND_QUOTE)
    assert [q.status for q in check(article).quotes] == [QuoteStatus.UNCHECKED]
    assert not SourceText.objects.filter(article=article).exists()


def test_quotes_cannot_be_checked_against_a_document_that_is_not_a_page(site):
    article = cite(site.url("/pdf"), FOUND_QUOTE)
    assert [q.status for q in check(article).quotes] == [QuoteStatus.UNCHECKED]


def test_once_a_page_was_read_its_last_copy_serves_when_it_stops_answering(site):
    article = cite(site.url("/euc-kr"), FOUND_QUOTE)
    check(article)
    site.route = lambda request: (503, {}, b"")
    report = check(article)
    assert report.health.result == "http_error"
    assert [q.status for q in report.quotes] == [QuoteStatus.FOUND]


def test_a_quote_edited_after_the_fetch_is_compared_without_fetching_again(site):
    article = cite(site.url("/euc-kr"), FOUND_QUOTE)
    check(article)
    SourceQuote.objects.filter(article=article).update(text=INVENTED_QUOTE)
    article.refresh_from_db()
    report = check(article)
    assert [q.status for q in report.quotes] == [QuoteStatus.NOT_FOUND]
    assert site.paths("GET") == ["/euc-kr"]


def test_the_command_lists_the_quotes_it_could_not_find(site):
    cite(site.url("/euc-kr"), FOUND_QUOTE, INVENTED_QUOTE)
    out = StringIO()
    call_command("check_links", stdout=out)
    output = out.getvalue()
    assert "1/2 일치" in output
    assert "원문에서 찾지 못한 인용문:" in output and "첫 서버는 올해 겨울에 가동된다" in output
    assert "인용문 2개: 일치 1, 불일치 1, 확인 불가 0." in output
