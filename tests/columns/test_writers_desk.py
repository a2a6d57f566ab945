"""The writer's desk: a whole episode written on one admin page and saved once.

Driven through the admin's own forms (and its citation endpoint), as the
columnist's browser would post them.
"""

import re
from html import unescape

import pytest
from django.test import Client
from reversion.models import Revision

from articles import services as article_services
from articles.models import Outlet, OutletDomain
from columns.models import Episode
from tests import linkserver
from tests.columns.test_admin_episode import (
    ADD_URL,
    article_row,
    commentary_row,
    episode_data,
    error_texts,
)
from tests.factories import make_episode, make_outlet, make_series

pytestmark = pytest.mark.django_db

CITATION_URL = "/admin/columns/episode/citation/"
HOST = "news.example.com"


@pytest.fixture
def chief(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def series():
    return make_series(title="밤의 과학 편지", slug="night-science")


@pytest.fixture
def site(settings, monkeypatch):
    """The local news site, reachable as news.example.com through a stand-in DNS."""
    resolver = linkserver.fake_resolver({HOST: ["127.0.0.1"]})
    monkeypatch.setattr(article_services, "system_resolver", resolver)
    settings.LINKCHECK_ALLOW_LOOPBACK = True
    settings.CITATION_TIMEOUT = 1.0
    with linkserver.running() as server:
        yield server


# The citation endpoint ------------------------------------------------------------


def test_pasting_a_url_returns_the_pages_citation_as_json(chief, site):
    response = chief.post(CITATION_URL, {"url": site.url(host=HOST, path="/citation/og")})

    assert response.status_code == 200
    assert response.json() == {
        "url": site.url(host=HOST, path="/citation/og"),
        "headline": "데이터센터, 바다로 간다",
        "outlet": "가상일보",
        "published_on": "2026-11-04",
        "message": "",
    }


def test_a_url_the_rules_refuse_gets_a_korean_error(chief, site):
    response = chief.post(CITATION_URL, {"url": site.url(host=HOST, path="/to-private")})

    assert response.status_code == 400
    assert "공개되지 않은 주소" in response.json()["error"]


def test_the_citation_endpoint_answers_only_posts_from_staff_who_write_episodes(
    client, moderator, outsider, site
):
    url = {"url": site.url(host=HOST, path="/citation/og")}
    assert client.post(CITATION_URL, url).status_code == 302  # to the login page
    client.force_login(outsider)
    assert client.post(CITATION_URL, url).status_code == 302
    client.force_login(moderator)
    assert client.post(CITATION_URL, url).status_code == 403
    assert site.requests == []


def test_the_citation_endpoint_wants_post_and_a_csrf_token(superuser, site):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(superuser)
    url = {"url": site.url(host=HOST, path="/citation/og")}

    assert browser.get(CITATION_URL, url).status_code == 405
    assert browser.post(CITATION_URL, url).status_code == 403
    assert site.requests == []


def test_too_many_lookups_in_a_minute_are_refused(chief, site, settings):
    settings.CITATION_RATE_LIMIT = (2, 60)
    url = {"url": site.url(host=HOST, path="/citation/og")}

    answers = [chief.post(CITATION_URL, url).status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    assert len(site.requests) == 2


def test_the_episode_page_loads_the_desk_script_and_styles_from_static_files(chief):
    html = chief.get(ADD_URL).content.decode()
    assert "columns/desk.js" in html and "columns/desk.css" in html
    assert "<script>" not in html.replace('<script src="', "")  # nothing inline


# Outlets on the fly ------------------------------------------------------------------


def test_an_unknown_domain_with_an_outlet_name_creates_the_outlet_with_its_domain(chief, series):
    row = article_row(1, "https://www.harbor-news.example.org/a/7", outlet_name="항구신문")

    response = chief.post(ADD_URL, episode_data(series, articles=[row], commentary=[]))

    assert response.status_code == 302, error_texts(response.content.decode())
    outlet = Outlet.objects.get(name="항구신문")
    assert list(outlet.domains.values_list("domain", flat=True)) == ["harbor-news.example.org"]
    assert Episode.objects.get().articles.get().outlet == outlet


def test_an_outlet_name_is_ignored_when_the_domain_already_has_an_outlet(chief, series):
    known = make_outlet(name="가상일보", domain="daily.example.com")
    row = article_row(1, "https://daily.example.com/n/1", outlet_name="다른 이름")

    response = chief.post(ADD_URL, episode_data(series, articles=[row], commentary=[]))

    assert response.status_code == 302, error_texts(response.content.decode())
    assert Episode.objects.get().articles.get().outlet == known
    assert not Outlet.objects.filter(name="다른 이름").exists()


def test_a_refused_save_leaves_no_new_outlet_behind(chief, series):
    row = article_row(1, "https://harbor-news.example.org/a/7", outlet_name="항구신문")
    broken = episode_data(series, articles=[row], commentary=[], headline="")

    response = chief.post(ADD_URL, broken)

    assert response.status_code == 200
    assert "필수 항목입니다." in error_texts(response.content.decode())
    assert not Outlet.objects.exists() and not OutletDomain.objects.exists()


def test_two_rows_naming_the_same_new_outlet_make_one_outlet(chief, series):
    rows = [
        article_row(1, "https://harbor-news.example.org/a/1", outlet_name="항구신문"),
        article_row(2, "https://harbor-news.example.org/a/2", outlet_name="항구신문"),
    ]
    response = chief.post(ADD_URL, episode_data(series, articles=rows, commentary=[]))
    assert response.status_code == 302, error_texts(response.content.decode())
    assert Outlet.objects.count() == 1 and OutletDomain.objects.count() == 1


# Numbers that count themselves ---------------------------------------------------------


def test_a_new_episode_starts_in_the_latest_series_with_the_next_number(chief):
    make_episode(make_series(title="예전 연재", slug="old"), 3, articles=0)
    current = make_series(title="밤의 과학 편지", slug="night-science")
    make_episode(current, 11, articles=0)
    make_episode(current, 12, articles=0)

    html = chief.get(ADD_URL).content.decode()

    assert f'<option value="{current.pk}" selected>' in html
    assert 'name="number" value="13"' in html


def test_an_episode_number_left_blank_is_the_next_in_its_series(chief, series):
    make_episode(series, 7, articles=0)
    data = episode_data(
        series, articles=[article_row(1, "https://x.example.com/1", outlet_name="엑스")],
        commentary=[], number="",
    )  # fmt: skip

    response = chief.post(ADD_URL, data)

    assert response.status_code == 302, error_texts(response.content.decode())
    assert sorted(series.episodes.values_list("number", flat=True)) == [7, 8]


def test_position_fields_are_hidden_from_the_editor(chief, series):
    html = chief.get(ADD_URL).content.decode()
    assert 'type="hidden" name="articles-0-position"' in html
    assert 'type="hidden" name="commentary-0-position"' in html


# One POST, the whole episode ---------------------------------------------------------


def test_a_whole_episode_is_written_and_published_in_one_post(chief, series, client):
    known = make_outlet(name="가상경제", domain="econ.example.com")
    articles = [
        article_row(
            1,
            "https://harbor-news.example.org/port/robots",
            headline="항만 로봇, 첫 야간 하역",
            outlet_name="항구신문",
            quotes=(
                "“야간 하역의 절반을 로봇이 맡는다”\n\n"
                "항만공사는 내년까지 로봇 스무 대를 더 들인다."
            ),
            summary="교대 근무가 바뀐다는 말이 나온다.",
        ),
        article_row(
            2,
            "https://econ.example.com/view?id=55&utm_source=x",
            headline="물류비 지수 석 달째 하락",
            quotes="운임이 내린 것은 연료비 덕분",
        ),
        article_row(
            3,
            "https://harbor-news.example.org/port/union",
            headline="노조, 자동화 협의체 제안",
            outlet_name="항구신문",
            quotes="「협의체에서 속도를 함께 정하자」",
        ),
    ]
    # The columnist answers article 3 first, then article 1: tied by number, before any save.
    commentary = [
        commentary_row(1, "협의체 제안은 반가운 신호입니다.", article_number="3"),
        commentary_row(2, "로봇이 밤을 맡으면 낮의 일도 달라집니다.", article_number="1"),
        commentary_row(3, "숫자 하나로 결론 내리기는 이릅니다."),
    ]
    data = episode_data(
        series, articles=articles, commentary=commentary, status="published",
        headline="밤의 항구", number="",
    )  # fmt: skip

    response = chief.post(ADD_URL, data)

    assert response.status_code == 302, error_texts(response.content.decode())
    episode = Episode.objects.get(headline="밤의 항구")
    assert episode.number == 1
    new_outlet = Outlet.objects.get(name="항구신문")
    saved = list(episode.articles.order_by("position"))
    assert [a.outlet for a in saved] == [new_outlet, known, new_outlet]
    assert [(c.position, c.source_article) for c in episode.commentary.order_by("position")] == [
        (1, saved[2]),
        (2, saved[0]),
        (3, None),
    ]
    # Each article's quotes are rows of their own, in order, without the marks typed around them.
    assert [[(q.position, q.text) for q in a.quotes.all()] for a in saved] == [
        [
            (1, "야간 하역의 절반을 로봇이 맡는다"),
            (2, "항만공사는 내년까지 로봇 스무 대를 더 들인다."),
        ],
        [(1, "운임이 내린 것은 연료비 덕분")],
        [(1, "협의체에서 속도를 함께 정하자")],
    ]
    assert [a.summary for a in saved] == ["교대 근무가 바뀐다는 말이 나온다.", "", ""]
    # The one save is one revision, holding the episode, its articles and their quotes.
    (revision,) = Revision.objects.all()
    kept = {v.content_type.model for v in revision.version_set.all()}
    assert kept >= {"episode", "sourcearticle", "sourcequote", "commentary"}
    assert revision.version_set.filter(content_type__model="sourcequote").count() == 4

    client.logout()
    page = unescape(client.get(episode.get_absolute_url()).content.decode())
    for text in (
        "항만 로봇, 첫 야간 하역",
        "물류비 지수 석 달째 하락",
        "노조, 자동화 협의체 제안",
        "<blockquote",
        "야간 하역의 절반을 로봇이 맡는다",
        "교대 근무가 바뀐다는 말이 나온다.",
        "원문에서 이 대목 보기",
        "https://harbor-news.example.org/port/robots#:~:text=",
        "항구신문",
        "가상경제",
        "협의체 제안은 반가운 신호입니다.",
        "3번 기사에 대하여",
        "1번 기사에 대하여",
        "https://econ.example.com/view?id=55",
    ):
        assert text in page, text


def test_the_success_message_after_adding_reads_as_good_news(chief, series):
    row = article_row(1, "https://x.example.com/1", outlet_name="엑스")
    response = chief.post(ADD_URL, episode_data(series, articles=[row], commentary=[]), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages and all("저장했습니다" in m for m in messages), messages


# Markdown, visible; text stored as the export writes it ---------------------------------

PREVIEW_URL = "/admin/columns/episode/preview/"


def test_every_markdown_field_says_it_is_markdown(chief):
    html = unescape(chief.get(ADD_URL).content.decode())
    for name in ("intro", "closing", "articles-0-summary", "commentary-0-body"):
        textarea = re.search(rf'<textarea name="{name}"[^>]*>', html).group()
        assert "data-desk-markdown" in textarea, name
    assert html.count("마크다운으로 씁니다") >= 4


def test_the_preview_renders_through_the_one_sanitizer(chief):
    text = "**굵은 말**\n\n<script>alert(1)</script>\n\n[고리](javascript:alert(2))"

    response = chief.post(PREVIEW_URL, {"text": text})

    assert response.status_code == 200
    html = response.json()["html"]
    assert "<strong>굵은 말</strong>" in html
    assert "<script" not in html and "javascript:" not in html


def test_the_preview_is_for_staff_who_write_and_wants_a_csrf_token(client, moderator, superuser):
    assert client.post(PREVIEW_URL, {"text": "글"}).status_code == 302
    client.force_login(moderator)
    assert client.post(PREVIEW_URL, {"text": "글"}).status_code == 403
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(superuser)
    assert browser.post(PREVIEW_URL, {"text": "글"}).status_code == 403


def test_text_typed_in_the_admin_is_stored_with_lf_line_endings(chief, series):
    row = article_row(1, "https://x.example.com/1", outlet_name="엑스")
    row["summary"] = "“첫 문단”\r\n\r\n둘째 문단"
    commentary = [commentary_row(1, "한 줄\r\n다음 줄")]
    data = episode_data(
        series, articles=[row], commentary=commentary, intro="인사\r\n\r\n둘째 인사"
    )

    response = chief.post(ADD_URL, data)

    assert response.status_code == 302, error_texts(response.content.decode())
    episode = Episode.objects.get()
    assert episode.intro == "인사\n\n둘째 인사"
    assert episode.articles.get().summary == "“첫 문단”\n\n둘째 문단"
    assert episode.commentary.get().body == "한 줄\n다음 줄"


def test_keywords_keep_the_order_the_editor_typed(chief, series, client):
    row = article_row(1, "https://x.example.com/1", outlet_name="엑스")
    data = episode_data(
        series, articles=[row], commentary=[], keywords="해저 케이블, 데이터센터, AI 전력",
        status="published",
    )  # fmt: skip
    assert chief.post(ADD_URL, data).status_code == 302
    episode = Episode.objects.get()
    html = chief.get(f"/admin/columns/episode/{episode.pk}/change/").content.decode()
    assert 'value="해저 케이블, 데이터센터, AI 전력"' in html

    data["keywords"] = "AI 전력, 해저 케이블"
    data.update({"articles-0-id": str(episode.articles.get().pk), "articles-INITIAL_FORMS": "1"})
    data["based_on_version"] = str(episode.edit_version)  # an up-to-date form (edit conflicts)
    response = chief.post(f"/admin/columns/episode/{episode.pk}/change/", data)
    assert response.status_code == 302, error_texts(response.content.decode())

    page = client.get(episode.get_absolute_url()).content.decode()
    keywords = re.search(r'<section class="keywords".*?</section>', page, re.S).group()
    assert keywords.index("#AI 전력") < keywords.index("#해저 케이블")
    assert "#데이터센터" not in keywords


# Errors where they are ---------------------------------------------------------------


def test_the_error_banner_lists_each_error_with_a_link_to_its_field(chief, series):
    rows = [
        article_row(1, "https://x.example.com/1", outlet_name="엑스"),
        article_row(2, "http://169.254.169.254/latest/", outlet_name="엑스"),
    ]
    data = episode_data(series, articles=rows, commentary=[], headline="")

    response = chief.post(ADD_URL, data)

    html = unescape(response.content.decode())
    index = re.search(r'<ul class="desk-error-index".*?</ul>', html, re.S).group()
    assert '<a href="#id_headline">회차 · 제목</a>: 필수 항목입니다.' in index
    assert '<a href="#id_articles-1-url">인용 기사 2 · 기사 주소</a>: 공개 인터넷 주소가' in index
    assert 'id="id_articles-1-url"' in html and 'id="id_headline"' in html


def test_a_page_without_errors_has_no_error_list(chief):
    assert "desk-error-index" not in chief.get(ADD_URL).content.decode()


# The admin speaks Korean -------------------------------------------------------------


def test_the_admin_index_names_keywords_in_korean(chief):
    html = chief.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "키워드" in html
    assert "Taggit" not in html and ">Tags<" not in html and "TAGGIT" not in html


def test_the_keyword_admin_speaks_korean(chief):
    html = chief.get("/admin/taggit/tag/add/").content.decode()
    assert "키워드" in html and "이름" in html
    assert "Add tag" not in html and ">Name<" not in html


def test_blank_rows_numbered_by_the_script_are_not_rows(chief, series):
    rows = [
        article_row(1, "https://x.example.com/1", outlet_name="엑스"),
        {"id": "", "position": "2", "published_on": "", "headline": "", "outlet": "",
         "url": "", "summary": "", "outlet_name": ""},
    ]  # fmt: skip
    commentary = [
        commentary_row(1, "한 문단뿐입니다."),
        {"id": "", "position": "2", "article_number": "", "body": ""},
    ]

    response = chief.post(ADD_URL, episode_data(series, articles=rows, commentary=commentary))

    assert response.status_code == 302, error_texts(response.content.decode())
    episode = Episode.objects.get()
    assert episode.articles.count() == 1 and episode.commentary.count() == 1
