"""Quotes on the writer's desk: one box per article, a quote per paragraph, saved with the page.

Driven through the admin's own forms, as the columnist's browser posts them: the
episode page (articles inline), articles' own page, autosave, history.
"""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from articles.models import SourceArticle, SourceQuote, SourceText
from articles.quotes import MAX_QUOTE_LENGTH
from columns.models import Autosave, Episode
from tests.columns.test_admin_episode import (
    ADD_URL,
    article_row,
    change_url,
    episode_data,
    error_texts,
)
from tests.factories import make_episode, make_series
from tests.pages import form_fields

pytestmark = pytest.mark.django_db


def opened_form(browser: Client, episode: Episode) -> dict:
    """The episode's change form, as the browser would post it back unchanged."""
    response = browser.get(change_url(episode))
    assert response.status_code == 200
    data = form_fields(response.content.decode(), "episode_form")
    data["_save"] = "저장"
    return data


def saved(browser: Client, url: str, data: dict) -> None:
    response = browser.post(url, data)
    assert response.status_code == 302, error_texts(response.content.decode())


def quote_texts(article: SourceArticle) -> list[tuple[int, str]]:
    return list(
        SourceQuote.objects.filter(article=article)
        .order_by("position")
        .values_list("position", "text")
    )


# The box ------------------------------------------------------------------------------


def test_each_article_row_has_a_quotes_box_labelled_and_explained_in_korean(chief):
    html = unescape(chief.get(ADD_URL).content.decode())
    box = re.search(r'<textarea name="articles-0-quotes"[^>]*>', html).group()
    assert "data-desk-quotes" in box and "data-desk-markdown" not in box  # plain text
    assert "인용문(기사 원문 그대로)" in html
    assert "인용문 하나에 한 문단, 인용문 사이는 빈 줄로 나눕니다" in html
    assert "요약(내 말로)" in html and "요약(인용문)" not in html


def test_an_episodes_page_shows_each_articles_quotes_one_per_paragraph(chief):
    episode = make_episode(articles=2)
    data = opened_form(chief, episode)
    assert (
        data["articles-0-quotes"] == "“기사 1의 첫 인용문입니다.”\n\n“기사 1의 둘째 인용문입니다.”"
    )
    assert data["articles-1-quotes"].startswith("“기사 2의 첫")


def test_an_unchanged_page_saved_again_keeps_the_quote_rows_as_they_are(chief):
    episode = make_episode(articles=2)
    before = list(SourceQuote.objects.order_by("pk").values_list("pk", "article_id", "text"))

    saved(chief, change_url(episode), opened_form(chief, episode))

    assert list(SourceQuote.objects.order_by("pk").values_list("pk", "article_id", "text")) == (
        before
    )


def test_quotes_are_added_edited_reordered_and_removed_from_the_box(chief):
    episode = make_episode(articles=2)
    first, second = episode.articles.order_by("position")
    data = opened_form(chief, episode)
    # Reordered, one changed, one new; quote marks are optional; Windows line endings.
    data["articles-0-quotes"] = (
        "기사 1의 둘째 인용문입니다.\r\n\r\n"
        "“새로 옮긴 문장, 원문 그대로.”\r\n\r\n"
        "「기사 1의 첫 인용문입니다.」"
    )
    data["articles-1-quotes"] = ""  # all of article 2's quotes removed
    data["articles-1-summary"] = "기사 2는 내 말로만 정리합니다."

    saved(chief, change_url(episode), data)

    assert quote_texts(first) == [
        (1, "기사 1의 둘째 인용문입니다."),
        (2, "새로 옮긴 문장, 원문 그대로."),
        (3, "기사 1의 첫 인용문입니다."),
    ]
    assert quote_texts(second) == []
    assert SourceArticle.objects.get(pk=second.pk).summary == "기사 2는 내 말로만 정리합니다."


def test_moving_an_article_up_keeps_its_quotes_with_it(chief):
    episode = make_episode(articles=2)
    first, second = episode.articles.order_by("position")
    data = opened_form(chief, episode)
    data["articles-0-position"], data["articles-1-position"] = "2", "1"  # the ▲ button

    saved(chief, change_url(episode), data)

    assert list(episode.articles.order_by("position").values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]
    assert quote_texts(second)[0] == (1, "기사 2의 첫 인용문입니다.")
    page = unescape(Client().get(episode.get_absolute_url()).content.decode())
    assert page.index("기사 2의 첫 인용문입니다.") < page.index("기사 1의 첫 인용문입니다.")
    assert 'id="article-1-quote-1"' in page


# Bad input: a Korean error at the box, nothing saved --------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("“멀쩡한 인용문”\n\n“”", "2번째 인용문이 비어 있습니다"),
        ("가" * (MAX_QUOTE_LENGTH + 1), f"1번째 인용문이 너무 깁니다({MAX_QUOTE_LENGTH + 1}자"),
        ("\n\n".join(f"인용문 {n}" for n in range(21)), "인용문은 기사 하나에 20개까지입니다"),
    ],
)
def test_a_bad_quote_is_refused_at_its_box_and_nothing_is_saved(chief, typed, message):
    series = make_series()
    row = article_row(1, "https://x.example.com/1", outlet_name="엑스", quotes=typed)

    response = chief.post(ADD_URL, episode_data(series, articles=[row], commentary=[]))

    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert any(message in text for text in error_texts(html)), error_texts(html)
    assert '<a href="#id_articles-0-quotes">인용 기사 1 · 인용문(기사 원문 그대로)</a>' in html
    assert not Episode.objects.exists() and not SourceQuote.objects.exists()
    assert "가상" not in "".join(SourceArticle.objects.values_list("headline", flat=True))


def test_a_bad_quote_on_an_existing_episode_leaves_its_quotes_untouched(chief):
    episode = make_episode(articles=1)
    (article,) = episode.articles.all()
    before = quote_texts(article)
    data = opened_form(chief, episode)
    data["articles-0-quotes"] = "“바꾸려던 인용문”\n\n「」"
    data["headline"] = "저장되지 않을 제목"

    response = chief.post(change_url(episode), data)

    assert response.status_code == 200
    assert quote_texts(article) == before
    assert Episode.objects.get(pk=episode.pk).headline != "저장되지 않을 제목"


# Edit conflicts, history, autosave -----------------------------------------------------


def test_changing_only_quotes_renews_the_edit_number_and_stales_older_forms(chief, editor):
    episode = make_episode(articles=1)
    other = Client()
    other.force_login(editor)
    older = opened_form(other, episode)
    data = opened_form(chief, episode)
    data["articles-0-quotes"] = "치프가 고친 인용문"

    saved(chief, change_url(episode), data)

    assert Episode.objects.get(pk=episode.pk).edit_version == episode.edit_version + 1
    older["articles-0-quotes"] = "옛 양식에서 고친 인용문"
    refused = other.post(change_url(episode), older)
    assert refused.status_code == 200
    assert "이 양식을 연 뒤에 다른 저장이 있었습니다" in " ".join(
        error_texts(refused.content.decode())
    )
    assert quote_texts(episode.articles.get()) == [(1, "치프가 고친 인용문")]


def test_the_history_compares_and_restores_quotes(chief):
    episode = make_episode(articles=1)
    saved(chief, change_url(episode), opened_form(chief, episode))  # first kept revision
    data = opened_form(chief, Episode.objects.get(pk=episode.pk))
    data["articles-0-quotes"] = "고친 인용문 하나뿐"
    saved(chief, change_url(episode), data)

    compare = unescape(
        chief.get(reverse("admin:columns_episode_compare", args=[episode.pk])).content.decode()
    )
    assert "<h2>인용 기사 1</h2>" in compare
    assert "− 인용문 1: 기사 1의 첫 인용문입니다." in compare
    assert "+ 인용문 1: 고친 인용문 하나뿐" in compare
    assert "− 인용문 2: 기사 1의 둘째 인용문입니다." in compare

    first = Version.objects.get_for_object(episode).order_by("revision__date_created").first()
    restore_url = reverse("admin:columns_episode_revision", args=[episode.pk, first.pk])
    restoring = form_fields(chief.get(restore_url).content.decode(), "episode_form")
    assert restoring["articles-0-quotes"].startswith("“기사 1의 첫 인용문입니다.”")
    saved(chief, restore_url, {**restoring, "_save": "저장"})

    assert quote_texts(episode.articles.get()) == [
        (1, "기사 1의 첫 인용문입니다."),
        (2, "기사 1의 둘째 인용문입니다."),
    ]


def test_autosave_keeps_the_quotes_box_as_typed(chief, superuser):
    episode = make_episode(articles=1)
    data = opened_form(chief, episode)
    data["articles-0-quotes"] = "아직 저장하지 않은 인용문"

    chief.post(reverse("admin:columns_episode_autosave", args=[episode.pk]), data)

    kept = Autosave.objects.get(episode=episode, user=superuser)
    assert kept.data["articles-0-quotes"] == ["아직 저장하지 않은 인용문"]
    assert quote_texts(episode.articles.get())[0] == (1, "기사 1의 첫 인용문입니다.")  # not applied


# The article's own page ----------------------------------------------------------------


def test_the_article_page_edits_quotes_and_shows_each_ones_check(chief):
    episode = make_episode(articles=1)
    (article,) = episode.articles.all()
    SourceText.objects.create(
        article=article,
        url=article.url,
        text="가상 기사 본문. 기사 1의 첫 인용문입니다. 그리고 다른 문장들.",
        fetched_at=episode.created_at,
    )
    url = reverse("admin:articles_sourcearticle_change", args=[article.pk])
    html = unescape(chief.get(url).content.decode())
    checks = re.search(r'<ol class="quote-checks">.*?</ol>', html, re.S).group()
    assert re.search(r'class="quote-found"><strong>원문에 있음</strong> “기사 1의 첫', checks)
    assert re.search(
        r'class="quote-not_found"><strong>원문에서 찾지 못함</strong> “기사 1의 둘째', checks
    )
    assert f'href="{article.url}#:~:text=' in checks

    data = form_fields(html, "sourcearticle_form")
    assert data["quotes"] == "“기사 1의 첫 인용문입니다.”\n\n“기사 1의 둘째 인용문입니다.”"
    data["quotes"] = "둘째만 남깁니다"
    saved(chief, url, {**data, "_save": "저장"})

    assert quote_texts(article) == [(1, "둘째만 남깁니다")]
    # Saved apart from the episode's page: open episode forms are stale now.
    assert Episode.objects.get(pk=episode.pk).edit_version == episode.edit_version + 1
    assert "둘째만 남깁니다" in Client().get(episode.get_absolute_url()).content.decode()
