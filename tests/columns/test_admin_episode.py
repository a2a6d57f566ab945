"""The editor's episode screens in the admin, driven through the admin's own forms."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import SourceArticle
from columns.models import Commentary, Episode
from tests.factories import make_episode, make_outlet, make_series

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/columns/episode/add/"
CHANGELIST_URL = "/admin/columns/episode/"
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.fixture
def series():
    return make_series(title="저녁의 기술 뉴스", slug="evening-tech")


@pytest.fixture
def outlets():
    return [
        make_outlet(name="가상일보", domain="daily.example.com"),
        make_outlet(name="가상경제", domain="econ.example.com"),
        make_outlet(name="가상넷", domain="net.example.co.kr"),
    ]


def change_url(episode: Episode) -> str:
    return reverse("admin:columns_episode_change", args=[episode.pk])


def inline_data(prefix: str, rows: list[dict], *, initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def article_row(position: int, url: str, *, headline: str | None = None, **extra) -> dict:
    row = {
        "id": "",
        "position": str(position),
        "published_on": "",
        "headline": headline or f"가상 기사 {position}",
        "outlet": "",
        "url": url,
        "quotes": f"“{position}번 기사의 인용문입니다.”",
        "summary": "",
    }
    row.update(extra)
    return row


def quotes_box(article: SourceArticle) -> str:
    """The article's quotes as the page's box shows them: one per paragraph, in quote marks."""
    return "\n\n".join(f"“{q.text}”" for q in article.quotes.all())


def commentary_row(position: int, body: str, **extra) -> dict:
    return {"id": "", "position": str(position), "source_article": "", "body": body, **extra}


def episode_data(series, *, articles: list[dict], commentary: list[dict], **fields) -> dict:
    data = {
        "series": str(series.pk),
        "number": "48",
        "headline": "바다 건너 데이터센터",
        "subtitle": "부제는 한 문장입니다",
        "keywords": "반도체, 데이터센터",
        "intro": "안녕하세요, 저녁 뉴스입니다.",
        "closing": "이상 오늘의 저녁 뉴스였습니다.",
        "status": "draft",
        "publish_at_0": "",
        "publish_at_1": "",
        "comments_enabled": "on",
        "volume": "",
        "volume_position": "",
        "_save": "저장",
    }
    data.update(fields)
    data.update(inline_data("articles", articles))
    data.update(inline_data("commentary", commentary))
    return data


def three_articles() -> list[dict]:
    return [
        article_row(1, "https://daily.example.com/news/1?utm_source=kakao#top"),
        article_row(2, "https://www.econ.example.com/view?id=2&fbclid=x"),
        article_row(3, "https://NET.example.co.kr:443/a/3"),
    ]


def two_paragraphs() -> list[dict]:
    return [commentary_row(1, "첫 기사에 답합니다."), commentary_row(2, "둘째 기사에 답합니다.")]


def error_texts(html: str) -> list[str]:
    """The text of every error list on the page, as the editor reads it."""
    lists = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in lists]


def saved_episode(series) -> Episode:
    return Episode.objects.get(series=series, number=48)


# Creating an episode ----------------------------------------------------------------


def test_the_add_page_offers_both_inlines_with_their_prefixes(chief, series):
    response = chief.get(ADD_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="articles-TOTAL_FORMS"' in html and 'name="commentary-TOTAL_FORMS"' in html
    assert 'name="articles-0-url"' in html and 'name="commentary-0-body"' in html
    assert "인용 기사" in html and "논평 문단" in html


def test_editor_creates_an_episode_with_three_articles_and_commentary(chief, series, outlets):
    data = episode_data(series, articles=three_articles(), commentary=two_paragraphs())
    response = chief.post(ADD_URL, data)
    assert response.status_code == 302, error_texts(response.content.decode())

    episode = saved_episode(series)
    assert episode.title == "저녁의 기술 뉴스-48(바다 건너 데이터센터)"
    assert episode.intro_html == "<p>안녕하세요, 저녁 뉴스입니다.</p>"
    assert sorted(episode.keywords.names()) == ["데이터센터", "반도체"]
    articles = list(episode.articles.order_by("position"))
    assert [a.url for a in articles] == [
        "https://daily.example.com/news/1",
        "https://www.econ.example.com/view?id=2",
        "https://net.example.co.kr/a/3",
    ]
    # Outlets were left empty and found from each domain.
    assert [a.outlet for a in articles] == outlets
    assert [q.text for q in articles[0].quotes.all()] == ["1번 기사의 인용문입니다."]
    assert articles[0].summary == ""
    assert [(c.position, c.body) for c in episode.commentary.all()] == [
        (1, "첫 기사에 답합니다."),
        (2, "둘째 기사에 답합니다."),
    ]


def test_publishing_from_the_form_without_a_time_publishes_now(chief, series, outlets):
    data = episode_data(
        series, articles=three_articles(), commentary=two_paragraphs(), status="published"
    )
    response = chief.post(ADD_URL, data)
    assert response.status_code == 302, error_texts(response.content.decode())
    episode = saved_episode(series)
    assert episode.is_published()
    assert timezone.now() - episode.publish_at < timedelta(minutes=1)


def test_a_bad_url_shows_a_korean_error_inline_and_saves_nothing(chief, series, outlets):
    articles = three_articles()
    articles[1]["url"] = "http://169.254.169.254/latest/meta-data/"
    before = Episode.objects.count()

    response = chief.post(ADD_URL, episode_data(series, articles=articles, commentary=[]))

    assert response.status_code == 200
    errors = error_texts(response.content.decode())
    assert any("공개 인터넷 주소가 아닙니다" in e for e in errors), errors
    assert Episode.objects.count() == before
    assert not SourceArticle.objects.exists()
    assert not Commentary.objects.exists()


def test_an_article_whose_domain_has_no_outlet_asks_for_one(chief, series, outlets):
    articles = three_articles()
    articles[2]["url"] = "https://unknown-paper.example.net/a/1"
    response = chief.post(ADD_URL, episode_data(series, articles=articles, commentary=[]))
    assert response.status_code == 200
    errors = error_texts(response.content.decode())
    assert any("언론사를 골라 주세요" in e and "unknown-paper.example.net" in e for e in errors)
    assert not Episode.objects.exists()


@pytest.mark.parametrize(
    "second",
    [
        "https://daily.example.com/news/1?utm_medium=share",
        "https://DAILY.example.com/news/1#comments",
        "https://daily.example.com/news/1",
    ],
)
def test_the_same_article_twice_is_an_error_not_a_crash(chief, series, outlets, second):
    articles = three_articles()
    articles[1]["url"] = second

    response = chief.post(ADD_URL, episode_data(series, articles=articles, commentary=[]))

    assert response.status_code == 200
    errors = error_texts(response.content.decode())
    assert any("같은 기사 주소" in e for e in errors), errors
    assert not Episode.objects.exists()
    assert not SourceArticle.objects.exists()


def test_two_articles_sent_at_the_same_place_keep_their_order_on_the_page(chief, series, outlets):
    articles = three_articles()
    articles[2]["position"] = "1"
    response = chief.post(ADD_URL, episode_data(series, articles=articles, commentary=[]))
    assert response.status_code == 302, error_texts(response.content.decode())
    saved = saved_episode(series).articles.order_by("position")
    assert [(a.position, a.url.split("/")[2]) for a in saved] == [
        (1, "daily.example.com"),
        (2, "net.example.co.kr"),
        (3, "www.econ.example.com"),
    ]


def test_positions_left_blank_are_numbered_by_their_place_on_the_page(chief, series, outlets):
    articles = [{**row, "position": ""} for row in three_articles()]
    commentary = [{**row, "position": ""} for row in two_paragraphs()]
    response = chief.post(ADD_URL, episode_data(series, articles=articles, commentary=commentary))
    assert response.status_code == 302, error_texts(response.content.decode())
    episode = saved_episode(series)
    assert list(episode.articles.values_list("position", flat=True)) == [1, 2, 3]
    assert list(episode.commentary.values_list("position", "body")) == [
        (1, "첫 기사에 답합니다."),
        (2, "둘째 기사에 답합니다."),
    ]


def test_a_duplicate_episode_number_is_a_korean_error(chief, series, outlets):
    make_episode(series, 48, articles=0)
    response = chief.post(
        ADD_URL, episode_data(series, articles=three_articles(), commentary=two_paragraphs())
    )
    assert response.status_code == 200
    errors = error_texts(response.content.decode())
    assert errors and all(HANGUL.search(e) for e in errors), errors
    assert Episode.objects.count() == 1


def test_episode_number_zero_is_a_korean_error_on_the_number(chief, series, outlets):
    data = episode_data(series, articles=three_articles(), commentary=[], number="0")
    response = chief.post(ADD_URL, data)
    assert response.status_code == 200
    errors = error_texts(response.content.decode())
    assert "회차 번호는 1 이상이어야 합니다." in errors
    assert not Episode.objects.exists()


def test_errors_are_in_korean(chief, series):
    data = episode_data(series, articles=[article_row(1, "")], commentary=[], headline="")
    response = chief.post(ADD_URL, data)
    html = response.content.decode()
    assert response.status_code == 200
    errors = error_texts(html)
    assert errors and all(HANGUL.search(e) for e in errors), errors
    assert "필수 항목입니다." in errors
    assert "This field is required" not in html


def test_the_add_page_shows_no_preview_link_yet(chief):
    html = chief.get(ADD_URL).content.decode()
    assert "미리보기" not in html


# Changing an episode ----------------------------------------------------------------


def change_data(episode: Episode, *, articles=None, commentary=None, **fields) -> dict:
    """The change form as the admin would post it back, untouched unless told."""
    data = {
        "series": str(episode.series_id),
        "number": str(episode.number),
        "headline": episode.headline,
        "subtitle": episode.subtitle,
        "keywords": ", ".join(episode.keywords.names()),
        "intro": episode.intro,
        "closing": episode.closing,
        "status": episode.status,
        "publish_at_0": "",
        "publish_at_1": "",
        "comments_enabled": "on",
        "volume": "",
        "volume_position": "",
        "based_on_version": str(episode.edit_version),
        "_save": "저장",
    }
    if episode.publish_at:
        local = timezone.localtime(episode.publish_at)
        data["publish_at_0"] = local.strftime("%Y-%m-%d")
        data["publish_at_1"] = local.strftime("%H:%M:%S")
    data.update(fields)
    saved_articles = list(episode.articles.order_by("position"))
    article_rows = articles or [
        {
            "id": str(a.pk),
            "episode": str(episode.pk),
            "position": str(a.position),
            "published_on": "",
            "headline": a.headline,
            "outlet": str(a.outlet_id),
            "url": a.url,
            "quotes": quotes_box(a),
            "summary": a.summary,
        }
        for a in saved_articles
    ]
    saved_commentary = list(episode.commentary.order_by("position"))
    commentary_rows = commentary or [
        {
            "id": str(c.pk),
            "episode": str(episode.pk),
            "position": str(c.position),
            "article_number": str(c.source_article.position if c.source_article else ""),
            "body": c.body,
        }
        for c in saved_commentary
    ]
    initial_articles = sum(1 for row in article_rows if row.get("id"))
    initial_commentary = sum(1 for row in commentary_rows if row.get("id"))
    data.update(inline_data("articles", article_rows, initial=initial_articles))
    data.update(inline_data("commentary", commentary_rows, initial=initial_commentary))
    return data


def test_commentary_offers_the_pages_articles_by_their_number(chief):
    episode = make_episode(articles=2, commentary=1)
    tied = episode.commentary.get().source_article
    html = chief.get(change_url(episode)).content.decode()

    select = re.search(r'<select name="commentary-0-article_number".*?</select>', html, re.S)
    assert "1번 기사" in select.group() and "2번 기사" in select.group()
    selected = re.search(r'<option value="(\d+)" selected>', select.group())
    assert selected and int(selected.group(1)) == tied.position


def test_commentary_pointing_at_an_article_the_page_does_not_have_is_refused(chief):
    episode = make_episode(articles=1, commentary=1)
    data = change_data(episode)
    data["commentary-0-article_number"] = "3"
    response = chief.post(change_url(episode), data)
    assert response.status_code == 200
    assert "이 페이지에는 3번 기사가 없습니다(기사 1개)." in error_texts(response.content.decode())
    assert episode.commentary.get().source_article_id == episode.articles.get().pk


def test_an_unchanged_change_form_saves_cleanly(chief):
    episode = make_episode(articles=3, commentary=3)
    response = chief.post(change_url(episode), change_data(episode))
    assert response.status_code == 302, error_texts(response.content.decode())
    assert episode.articles.count() == 3 and episode.commentary.count() == 3


def test_swapping_two_articles_positions_in_one_save_works(chief):
    episode = make_episode(articles=3, commentary=0)
    first, second, third = episode.articles.order_by("position")
    data = change_data(episode)
    data["articles-0-position"] = "2"
    data["articles-1-position"] = "1"

    response = chief.post(change_url(episode), data)

    assert response.status_code == 302, error_texts(response.content.decode())
    assert list(episode.articles.order_by("position").values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
        third.pk,
    ]


def test_rotating_commentary_positions_in_one_save_works(chief):
    episode = make_episode(articles=3, commentary=3)
    one, two, three = episode.commentary.order_by("position")
    data = change_data(episode)
    data["commentary-0-position"] = "3"
    data["commentary-1-position"] = "1"
    data["commentary-2-position"] = "2"

    response = chief.post(change_url(episode), data)

    assert response.status_code == 302, error_texts(response.content.decode())
    assert list(episode.commentary.values_list("pk", flat=True)) == [two.pk, three.pk, one.pk]


def test_deleting_an_article_and_reusing_its_position_works(chief):
    episode = make_episode(articles=2, commentary=0)
    second = episode.articles.get(position=2)
    data = change_data(episode)
    data["articles-0-DELETE"] = "on"
    data["articles-1-position"] = "1"

    response = chief.post(change_url(episode), data)

    assert response.status_code == 302, error_texts(response.content.decode())
    assert list(episode.articles.values_list("pk", "position")) == [(second.pk, 1)]


def test_adding_an_article_already_cited_in_the_episode_is_an_error_not_a_crash(chief):
    episode = make_episode(articles=2, commentary=0)
    existing = episode.articles.first()
    data = change_data(episode)
    extra = article_row(3, existing.url + "?utm_source=newsletter", outlet=str(existing.outlet_id))
    data.update({f"articles-2-{key}": value for key, value in extra.items()})
    data["articles-2-episode"] = str(episode.pk)
    data["articles-TOTAL_FORMS"] = "3"

    response = chief.post(change_url(episode), data)

    assert response.status_code == 200
    assert any("같은 기사 주소" in e for e in error_texts(response.content.decode()))
    assert episode.articles.count() == 2


def test_swapping_two_articles_urls_in_one_save_works(chief):
    episode = make_episode(articles=2, commentary=0)
    first, second = episode.articles.order_by("position")
    data = change_data(episode)
    data["articles-0-url"], data["articles-1-url"] = second.url, first.url

    response = chief.post(change_url(episode), data)

    assert response.status_code == 302, error_texts(response.content.decode())
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.url, second.url) == (
        data["articles-0-url"],
        data["articles-1-url"],
    )


# The list of episodes ------------------------------------------------------------------


def test_changelist_shows_series_number_headline_status_and_publish_time(chief):
    series = make_series(title="저녁의 기술 뉴스")
    when = timezone.make_aware(timezone.datetime(2025, 10, 7, 20, 30))
    make_episode(series, 48, headline="바다 건너 데이터센터", publish_at=when, articles=0)
    make_episode(series, 49, headline="초안인 글", status=Episode.Status.DRAFT, articles=0)
    make_episode(
        series, 50, headline="내일 글", publish_at=timezone.now() + timedelta(days=1), articles=0
    )

    html = chief.get(CHANGELIST_URL).content.decode()

    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*바다 건너 데이터센터.*?</tr>", html, re.S).group()
    assert "저녁의 기술 뉴스" in row and ">48<" in row and "발행" in row
    assert "2025년 10월 7일" in row and "8:30" in row
    draft_row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*초안인 글.*?</tr>", html, re.S).group()
    assert "초안" in draft_row
    scheduled_row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*내일 글.*?</tr>", html, re.S).group()
    assert "예약됨" in scheduled_row


def test_changelist_search_finds_by_headline_series_and_number(chief):
    series = make_series(title="저녁의 기술 뉴스")
    other = make_series(title="아침 경제 읽기")
    make_episode(series, 48, headline="바다 건너 데이터센터", articles=0)
    make_episode(other, 7, headline="금리와 환율", articles=0)

    by_headline = chief.get(CHANGELIST_URL, {"q": "데이터센터"}).content.decode()
    assert "바다 건너 데이터센터" in by_headline and "금리와 환율" not in by_headline
    by_series = chief.get(CHANGELIST_URL, {"q": "아침 경제"}).content.decode()
    assert "금리와 환율" in by_series and "바다 건너 데이터센터" not in by_series
    by_number = chief.get(CHANGELIST_URL, {"q": "7"}).content.decode()
    assert "금리와 환율" in by_number and "바다 건너 데이터센터" not in by_number


def test_changelist_filters_by_status_and_series(chief):
    series = make_series(title="저녁의 기술 뉴스")
    other = make_series(title="아침 경제 읽기")
    make_episode(series, 1, headline="발행한 글", articles=0)
    make_episode(series, 2, headline="쓰는 중인 글", status=Episode.Status.DRAFT, articles=0)
    make_episode(other, 1, headline="다른 연재 글", articles=0)

    drafts = chief.get(CHANGELIST_URL, {"status__exact": "draft"}).content.decode()
    assert "쓰는 중인 글" in drafts and "발행한 글" not in drafts
    of_other = chief.get(CHANGELIST_URL, {"series__id__exact": other.pk}).content.decode()
    assert "다른 연재 글" in of_other and "발행한 글" not in of_other


def test_drafts_get_a_preview_link_and_published_episodes_a_view_on_site_link(chief):
    draft = make_episode(headline="초안인 글", status=Episode.Status.DRAFT, articles=0)
    scheduled = make_episode(publish_at=timezone.now() + timedelta(days=1), articles=0)
    live = make_episode(headline="발행한 글", articles=0)

    changelist = chief.get(CHANGELIST_URL).content.decode()
    expected = [(draft, "미리보기"), (scheduled, "미리보기"), (live, "사이트에서 보기")]
    for episode, label in expected:
        link = f'<a href="{episode.get_absolute_url()}" target="_blank" rel="noopener">{label}</a>'
        assert link in changelist
    assert "미리보기" in chief.get(change_url(draft)).content.decode()
    assert "사이트에서 보기" in chief.get(change_url(live)).content.decode()


def test_the_preview_link_opens_the_draft_for_staff(chief):
    draft = make_episode(status=Episode.Status.DRAFT, articles=1)
    response = chief.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "preview-banner" in response.content.decode()


def test_publish_now_action_publishes_the_chosen_drafts(chief):
    first = make_episode(status=Episode.Status.DRAFT, articles=0)
    second = make_episode(status=Episode.Status.DRAFT, articles=0)
    untouched = make_episode(status=Episode.Status.DRAFT, articles=0)

    response = chief.post(
        CHANGELIST_URL,
        {"action": "publish_now", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )

    assert "2개 회차를 발행했습니다." in response.content.decode()
    assert {e.pk for e in Episode.objects.published()} == {first.pk, second.pk}
    untouched.refresh_from_db()
    assert untouched.status == Episode.Status.DRAFT


def test_back_to_draft_action_hides_published_episodes(chief, client):
    live = make_episode(articles=0)
    chief.post(CHANGELIST_URL, {"action": "back_to_draft", "_selected_action": [live.pk]})
    assert not Episode.objects.published().exists()
    client.logout()
    assert client.get(live.get_absolute_url()).status_code == 404


def test_staff_without_permission_cannot_open_the_episode_admin(client, staff):
    client.force_login(staff)
    assert client.get(ADD_URL).status_code == 403


def test_the_editor_role_creates_an_episode_and_a_moderator_cannot(
    client, editor, moderator, series, outlets
):
    data = episode_data(series, articles=three_articles(), commentary=two_paragraphs())
    client.force_login(moderator)
    assert client.post(ADD_URL, data).status_code == 403
    assert not Episode.objects.exists()

    client.force_login(editor)
    response = client.post(ADD_URL, data)
    assert response.status_code == 302, error_texts(response.content.decode())
    assert saved_episode(series).articles.count() == 3
