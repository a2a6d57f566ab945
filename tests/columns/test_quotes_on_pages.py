"""What readers get of quotes: quotations with their outlet and a link to the quoted place,
the summary as the columnist's prose, on the page, in feeds and in the newsletter;
nothing of an unpublished episode anywhere."""

import re
from html import unescape

import feedparser
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from articles.models import SourceQuote
from articles.services import quotes_replace
from articles.textfragments import text_fragment_url
from newsletter import services as newsletter_services
from tests.factories import make_subscriber
from tests.factories_search import make_hidden_episodes, make_searchable_episode
from tests.pages import links, search_result_links

pytestmark = pytest.mark.django_db


def page_of(episode) -> str:
    response = Client().get(episode.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, position: int) -> str:
    return re.search(
        rf'<section class="source-article" id="article-{position}">.*?</section>', html, re.S
    ).group()


@pytest.fixture
def episode():
    episode = make_searchable_episode(
        articles=2,
        quotes=[
            ["전력망 투자는 - 지금 & 당장, 시작해야 한다.", "송전선 건설은 … 주민 동의가 먼저다."],
            [],
        ],
        summaries=["", "두 번째 기사는 **내 말로만** 정리합니다."],
    )
    episode.articles.filter(position=1).update(summary="")
    return episode


def test_each_quote_is_a_quotation_citing_its_outlet_and_linking_to_its_place(episode):
    article = episode.articles.get(position=1)
    html = page_of(episode)
    assert "{#" not in html and "columns.projections.body" not in html  # template notes stay
    first = section(html, 1)

    figures = re.findall(r'<figure class="quote".*?</figure>', first, re.S)
    assert len(figures) == 2
    for figure, quote in zip(figures, article.quotes.all(), strict=True):
        assert f'<blockquote cite="{article.url}"><p>{quote.text}</p></blockquote>' in unescape(
            figure
        )
        assert f"<cite>{article.outlet.name}</cite>" in figure
        (href,) = links(figure, link_class="quote-source")
        assert unescape(href) == text_fragment_url(article.url, quote.text)
        assert unescape(href).startswith(f"{article.url}#:~:text=")
    assert "%2D" in figures[0] and "%26" in figures[0] and "%2C" in figures[0]
    assert 'class="prose summary"' not in first  # no summary, no empty box


def test_the_summary_is_the_columnists_prose_apart_from_the_quotations(episode):
    second = section(page_of(episode), 2)
    assert '<div class="prose summary"><p>두 번째 기사는 <strong>내 말로만</strong>' in second
    assert "<blockquote" not in second and "quote-source" not in second


def test_quote_text_is_plain_text_escaped_never_markup():
    episode = make_searchable_episode(
        articles=1, quotes=[['<script>alert("인용")</script> **굵게** [고리](javascript:x)']]
    )
    html = page_of(episode)
    assert "<script>alert" not in html
    assert (
        "&lt;script&gt;alert(&quot;인용&quot;)&lt;/script&gt; **굵게** [고리](javascript:x)" in html
    )
    assert 'href="javascript:' not in html


def test_the_feed_entry_carries_the_quotations_and_their_links(episode):
    response = Client().get(reverse("columns:feed_rss"))
    (entry,) = feedparser.parse(response.content).entries
    content = entry.content[0].value
    article = episode.articles.get(position=1)
    assert "<blockquote" in content and "송전선 건설은 … 주민 동의가 먼저다." in content
    quote = article.quotes.get(position=2)
    assert text_fragment_url(article.url, quote.text) in unescape(content)
    assert "두 번째 기사는 <strong>내 말로만</strong>" in content


def test_the_newsletter_quotes_in_quote_marks_and_gives_the_summary_apart(episode, settings):
    settings.SITE_URL = "https://column.example.com"
    make_subscriber(episode.series, "reader@example.com")

    newsletter_services.send_due()

    (message,) = mail.outbox
    text = message.body
    assert (
        "“전력망 투자는 - 지금 & 당장, 시작해야 한다.”\n“송전선 건설은 … 주민 동의가 먼저다.”"
        in (text)
    )
    assert "두 번째 기사는 내 말로만 정리합니다." in text
    html, _mimetype = message.alternatives[0]
    assert '<blockquote style="' in html and '<figure style="' in html


def test_search_finds_an_episode_by_its_quotes(episode):
    response = Client().get(reverse("columns:search"), {"q": "송전선 건설은"})
    assert search_result_links(response.content.decode()) == [episode.get_absolute_url()]


def test_quotes_of_drafts_and_scheduled_episodes_are_nowhere_public():
    draft, scheduled = make_hidden_episodes(quotes=[["감춰진 흑두루미 인용문"]])
    reader = Client()
    for hidden in (draft, scheduled):
        assert reader.get(hidden.get_absolute_url()).status_code == 404
    assert SourceQuote.objects.filter(text="감춰진 흑두루미 인용문").count() == 2
    for url in (reverse("columns:feed_rss"), reverse("columns:feed_atom")):
        assert "흑두루미" not in reader.get(url).content.decode()
    search = reader.get(reverse("columns:search"), {"q": "흑두루미"}).content.decode()
    assert search_result_links(search) == []
    assert "흑두루미" not in reader.get(reverse("columns:home")).content.decode()


def test_a_quote_changed_later_changes_the_feed_too(episode):
    article = episode.articles.get(position=1)
    quotes_replace(article=article, texts=["새로 고친 단 하나의 인용문"])
    content = Client().get(reverse("columns:feed_atom")).content.decode()
    assert "새로 고친 단 하나의 인용문" in content and "송전선 건설은" not in content
