"""Every way of writing keeps the episode page and search honest (issue: one pipeline).

Each test writes a new, distinctive Korean word through one write path, then
reads as an anonymous reader would: the episode page (from the page cache,
which is on in tests and warmed before the write) shows it, and `/search/?q=`
finds the episode by it; a word the write replaced is gone from both.
"""

import io
import re
import textwrap

import pytest
from django.apps import apps as global_apps
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import transaction
from django.db.migrations.state import ProjectState
from django.test import Client
from django.urls import reverse
from taggit.models import Tag

from articles.models import Outlet, SourceArticle, SourceQuote
from columns import projections
from columns.models import Comment, Commentary, Episode
from tests.factories_search import make_searchable_episode
from tests.pages import form_fields, search_result_links

pytestmark = pytest.mark.django_db

SEARCH_URL = reverse("columns:search")


@pytest.fixture(autouse=True)
def _page_cache_is_on(settings):
    # The point is that cached pages change too: never test with the cache off.
    assert settings.PAGE_CACHE_ENABLED


@pytest.fixture
def refreshes(monkeypatch):
    """Every call of `columns.projections.refresh`, the one writer of derived data."""
    calls: list[tuple[dict[int, set[str]], frozenset[str]]] = []
    original = projections.refresh

    def recording(parts_by_episode, *, tags=()):
        calls.append(({pk: set(parts) for pk, parts in parts_by_episode.items()}, frozenset(tags)))
        return original(parts_by_episode, tags=tags)

    monkeypatch.setattr(projections, "refresh", recording)
    return calls


# --- Reading like a reader ----------------------------------------------------------


def read_page(episode: Episode) -> str:
    response = Client().get(episode.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def found(word: str) -> list[str]:
    """The episode pages a reader's search for `word` lists."""
    response = Client().get(SEARCH_URL, {"q": word})
    assert response.status_code == 200
    return search_result_links(response.content.decode())


def warm(*episodes: Episode, searches: tuple[str, ...] = ()) -> None:
    """Put the pages and searches in the page cache, as readers before the write did."""
    for episode in episodes:
        read_page(episode)
        assert Client().get(episode.get_absolute_url())["X-Page-Cache"] == "HIT"
    for word in searches:
        found(word)
        assert Client().get(SEARCH_URL, {"q": word})["X-Page-Cache"] == "HIT"


def _on_page(words, keywords) -> list[tuple[str, str]]:
    """(what the page shows, what a reader searches for): keywords show as `#word`."""
    return [(word, word) for word in words] + [(f"#{word}", word) for word in keywords]


def assert_shows(episode: Episode, *words: str, keywords: tuple[str, ...] = ()) -> None:
    html = read_page(episode)
    for shown, searched in _on_page(words, keywords):
        assert shown in html, f"{shown!r} missing from the page"
        assert found(searched) == [episode.get_absolute_url()], f"search for {searched!r}"


def assert_gone(episode: Episode, *words: str, keywords: tuple[str, ...] = ()) -> None:
    html = read_page(episode)
    for shown, searched in _on_page(words, keywords):
        assert shown not in html, f"{shown!r} still on the page"
        assert episode.get_absolute_url() not in found(searched), f"search for {searched!r}"


def before_writing(
    episode: Episode,
    *,
    old: tuple[str, ...] = (),
    new: tuple[str, ...] = (),
    old_keywords: tuple[str, ...] = (),
    new_keywords: tuple[str, ...] = (),
) -> None:
    """The old words are there, the new ones nowhere yet; pages and searches cached."""
    assert_shows(episode, *old, keywords=old_keywords)
    html = read_page(episode)
    for shown, searched in _on_page(new, new_keywords):
        assert shown not in html
        assert found(searched) == []
    warm(episode, searches=old + new + old_keywords + new_keywords)


def admin_form(browser: Client, url: str, form_id: str) -> dict:
    """The admin change form as the browser would send it back unchanged."""
    response = browser.get(url)
    assert response.status_code == 200
    data = form_fields(response.content.decode(), form_id)
    data["_save"] = "저장"
    return data


def admin_post(browser: Client, url: str, data: dict) -> None:
    response = browser.post(url, data)
    errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode())
    assert response.status_code == 302, (response.status_code, errors)


# --- Plain ORM saves ----------------------------------------------------------------


def test_saving_a_commentary_paragraph():
    episode = make_searchable_episode(
        commentary_bodies=["강 하구에서 물총새를 보았다는 제보가 이어집니다."]
    )
    before_writing(episode, old=("물총새",), new=("가마우지",))

    paragraph = episode.commentary.get(position=1)
    paragraph.body = "하구를 차지한 것은 가마우지 떼였다고 정정합니다."
    paragraph.save()

    assert_shows(episode, "가마우지")
    assert_gone(episode, "물총새")


def test_saving_an_article_headline():
    episode = make_searchable_episode(article_headlines=["갯벌에 돌아온 저어새 무리"])
    before_writing(episode, old=("저어새",), new=("황조롱이",))

    article = episode.articles.get(position=1)
    article.headline = "도심 고층 건물에 둥지 튼 황조롱이 부부"
    article.save()

    assert_shows(episode, "황조롱이")
    assert_gone(episode, "저어새")


def test_saving_an_episodes_closing():
    episode = make_searchable_episode(closing="이상 두꺼비 길 건너기 소식이었습니다.")
    before_writing(episode, old=("두꺼비",), new=("멧비둘기",))

    episode.closing = "이상 창가의 멧비둘기 소식이었습니다. 다음 화에서 뵙겠습니다."
    episode.save()

    assert_shows(episode, "멧비둘기")
    assert_gone(episode, "두꺼비")


@pytest.mark.parametrize("how", ["add", "remove", "set"])
def test_changing_an_episodes_keywords(how):
    episode = make_searchable_episode(keywords=("두루미", "철새"))
    before_writing(episode, old_keywords=("두루미", "철새"), new_keywords=("흰뺨검둥오리",))

    if how == "add":
        episode.keywords.add("흰뺨검둥오리")
        assert_shows(episode, keywords=("흰뺨검둥오리", "두루미", "철새"))
    elif how == "remove":
        episode.keywords.remove("두루미")
        assert_gone(episode, keywords=("두루미",))
        assert_shows(episode, keywords=("철새",))
    else:
        episode.keywords.set(["철새"])  # only takes one away
        assert_gone(episode, keywords=("두루미",))
        assert_shows(episode, keywords=("철새",))
        episode.keywords.set(["흰뺨검둥오리", "철새"])  # only adds one
        assert_shows(episode, keywords=("흰뺨검둥오리", "철새"))


def test_renaming_a_keyword_tag():
    episode = make_searchable_episode(keywords=("산개구리",))
    untagged = make_searchable_episode(headline="태그 없는 회차")
    before_writing(episode, old_keywords=("산개구리",), new_keywords=("도롱뇽",))
    warm(untagged)

    tag = Tag.objects.get(name="산개구리")
    tag.name = "도롱뇽"
    tag.save()

    assert_shows(episode, keywords=("도롱뇽",))
    assert_gone(episode, keywords=("산개구리",))
    assert "도롱뇽" not in read_page(untagged)


# --- Through the admin (one batch per POST) ----------------------------------------


def test_renaming_an_outlet_in_its_own_admin(chief, refreshes):
    episode = make_searchable_episode(outlet_name="솔숲일보")
    outlet = Outlet.objects.get(name="솔숲일보")
    before_writing(episode, old=("솔숲일보",), new=("참매신문",))

    url = reverse("admin:articles_outlet_change", args=[outlet.pk])
    data = admin_form(chief, url, "outlet_form")
    assert data["domains-TOTAL_FORMS"] == "2"  # the outlet's domain and one empty row
    assert data["domains-0-id"] == str(outlet.domains.get().pk)
    data["name"] = "참매신문"
    refreshes.clear()
    admin_post(chief, url, data)

    assert Outlet.objects.get(pk=outlet.pk).name == "참매신문"
    assert len(refreshes) == 1
    assert_shows(episode, "참매신문")
    assert_gone(episode, "솔숲일보")


def test_editing_an_article_in_the_source_article_admin(chief, refreshes):
    episode = make_searchable_episode(
        article_headlines=["동네 하천에 나타난 수달 가족"],
        summaries=["“하천 정비 뒤 수달 발자국이 다시 보이기 시작했다.”"],
    )
    article = episode.articles.get(position=1)
    before_writing(episode, old=("수달",), new=("청딱따구리", "오색딱따구리"))

    url = reverse("admin:articles_sourcearticle_change", args=[article.pk])
    data = admin_form(chief, url, "sourcearticle_form")
    assert data["episode"] == str(episode.pk) and data["url"] == article.url
    data["headline"] = "공원 고목에서 청딱따구리 번식 확인"
    data["summary"] = "“관리사무소는 오색딱따구리 둥지도 함께 찾았다고 밝혔다.”"
    refreshes.clear()
    admin_post(chief, url, data)

    assert len(refreshes) == 1
    assert_shows(episode, "청딱따구리", "오색딱따구리")
    assert_gone(episode, "수달")


def test_editing_an_episode_and_its_inlines_in_the_episode_admin(chief, refreshes):
    episode = make_searchable_episode(
        headline="봄 숲의 꾀꼬리",
        keywords=("숲길",),
        article_headlines=[
            "국립공원 탐방로 일부 통제",
            "산불 감시 무인기 늘린다",
            "새 둥지 상자 설치",
        ],
        summaries=["“통제 구간은 너도밤나무 군락이다.”"],
        commentary_bodies=["첫 문단", "둘째 문단", "셋째 문단은 동박새 이야기입니다."],
    )
    assert (episode.articles.count(), episode.commentary.count()) == (3, 3)
    before_writing(
        episode,
        old=("꾀꼬리", "너도밤나무", "동박새"),
        new=("솔부엉이", "박달나무", "쇠백로", "고니자리"),
        old_keywords=("숲길",),
        new_keywords=("하늘다람쥐",),
    )

    url = reverse("admin:columns_episode_change", args=[episode.pk])
    data = admin_form(chief, url, "episode_form")
    assert (data["articles-TOTAL_FORMS"], data["commentary-TOTAL_FORMS"]) == ("3", "3")
    assert data["keywords"] == "숲길"
    data["headline"] = "여름 숲의 솔부엉이"
    data["articles-0-summary"] = "“통제 구간은 박달나무 군락이다.”"
    data["commentary-2-body"] = "셋째 문단은 쇠백로 이야기입니다."
    data["keywords"] = "하늘다람쥐"
    data["closing"] = "이상 고니자리가 뜨는 밤에 보내는 편지였습니다."
    refreshes.clear()
    admin_post(chief, url, data)

    # One save of the episode, three articles, three paragraphs and its keywords:
    # its derived data is written once, for that episode.
    assert len(refreshes) == 1, refreshes
    parts_by_episode, tags = refreshes[0]
    assert set(parts_by_episode) == {episode.pk}
    assert f"episode-{episode.pk}" in tags  # and its cached page is renewed
    assert parts_by_episode[episode.pk] >= {projections.BODY, projections.SEARCH}
    assert_shows(episode, "솔부엉이", "박달나무", "쇠백로", "고니자리", keywords=("하늘다람쥐",))
    assert_gone(episode, "꾀꼬리", "너도밤나무", "동박새", keywords=("숲길",))


def test_approving_a_comment_with_the_bulk_action(chief, refreshes):
    episode = make_searchable_episode()
    comment = Comment.objects.create(
        episode=episode, name="들꽃", body="저도 어제 반딧불이를 보았습니다."
    )
    assert "반딧불이" not in read_page(episode)
    warm(episode)

    refreshes.clear()
    response = chief.post(
        reverse("admin:columns_comment_changelist"),
        {"action": "approve", "_selected_action": [comment.pk], "index": "0"},
    )
    assert response.status_code == 302

    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.APPROVED
    assert len(refreshes) == 1
    assert "반딧불이" in read_page(episode)  # comments are not searched


# --- Deleting and moving parts -----------------------------------------------------


def test_deleting_a_commentary_paragraph():
    episode = make_searchable_episode(
        commentary_bodies=["개울가 고라니 발자국 이야기", "남겨 둘 너구리 이야기"]
    )
    before_writing(episode, old=("고라니", "너구리"), new=())

    episode.commentary.get(position=1).delete()

    assert_gone(episode, "고라니")
    assert_shows(episode, "너구리")


def test_moving_a_commentary_paragraph_to_another_episode():
    source = make_searchable_episode(commentary_bodies=["옮겨 갈 하늘다람쥐 관찰 기록"])
    target = make_searchable_episode(commentary_bodies=["원래 있던 문단"])
    before_writing(source, old=("하늘다람쥐",), new=())
    warm(target)
    assert "하늘다람쥐" not in read_page(target)

    paragraph = source.commentary.get(position=1)
    paragraph.episode = target
    paragraph.position = target.commentary.count() + 1
    paragraph.source_article = None  # an article of the old episode
    paragraph.save()

    assert_shows(target, "하늘다람쥐")
    assert_gone(source, "하늘다람쥐")


@pytest.mark.parametrize("how", ["built by pk", "loaded without episode"])
def test_moving_a_paragraph_whose_old_episode_was_not_loaded(how):
    source = make_searchable_episode(commentary_bodies=["옮겨 갈 물수리 관찰 기록"])
    target = make_searchable_episode(commentary_bodies=["원래 있던 문단"])
    before_writing(source, old=("물수리",))
    original = source.commentary.get(position=1)

    if how == "built by pk":
        paragraph = Commentary(pk=original.pk, body=original.body)
    else:
        paragraph = Commentary.objects.only("body", "position").get(pk=original.pk)
    paragraph.episode = target
    paragraph.position = target.commentary.count() + 1
    paragraph.save()

    assert_shows(target, "물수리")
    assert_gone(source, "물수리")


# --- Quotes: rows of their own, shown on their article's episode --------------------


def test_saving_a_quote():
    episode = make_searchable_episode(quotes=[["숲에서 말똥가리 둥지가 확인됐다."]])
    quote = SourceQuote.objects.get(article__episode=episode, article__position=1, position=1)
    before_writing(episode, old=("말똥가리",), new=("붉은배새매",))

    quote.text = "보호구역 숲에서 붉은배새매 둥지가 확인됐다."
    quote.save()

    assert_shows(episode, "붉은배새매")
    assert_gone(episode, "말똥가리")


def test_adding_and_deleting_quotes():
    episode = make_searchable_episode(quotes=[[], ["남을 인용문", "사라질 쇠딱따구리 인용문"]])
    article = episode.articles.get(position=2)
    before_writing(episode, old=("쇠딱따구리",), new=("청호반새",))

    SourceQuote.objects.create(article=article, position=3, text="계곡에서 청호반새가 보였다.")
    SourceQuote.objects.filter(article=article, position=2).delete()

    assert_shows(episode, "청호반새", "남을 인용문")
    assert_gone(episode, "쇠딱따구리")


@pytest.mark.parametrize("how", ["loaded", "built by pk"])
def test_moving_a_quote_to_an_article_of_another_episode(how):
    source = make_searchable_episode(articles=1, quotes=[["남는 인용문", "옮겨 갈 물총새 인용문"]])
    target = make_searchable_episode(articles=1, headline="받는 회차")
    original = SourceQuote.objects.get(article__episode=source, position=2)
    before_writing(source, old=("물총새",))
    warm(target)

    if how == "loaded":
        quote = SourceQuote.objects.get(pk=original.pk)
    else:  # where it was is read before the save, once
        quote = SourceQuote(pk=original.pk, text=original.text)
    quote.article = target.articles.get()
    quote.position = 3
    quote.save()

    assert_shows(target, "물총새")
    assert_gone(source, "물총새")


def test_a_quote_going_with_its_article_refreshes_the_episode_once(refreshes):
    episode = make_searchable_episode(quotes=[[], [], ["사라질 큰유리새 인용문", "또 하나"]])
    before_writing(episode, old=("큰유리새",))
    refreshes.clear()

    with projections.batch():
        episode.articles.get(position=3).delete()

    assert len(refreshes) == 1
    assert_gone(episode, "큰유리새")


def test_editing_quotes_in_the_episode_admin_refreshes_once(chief, refreshes):
    episode = make_searchable_episode(quotes=[["곧 바뀔 개개비 인용문"]])
    before_writing(episode, old=("개개비",), new=("흰목물떼새", "노랑부리"))

    url = reverse("admin:columns_episode_change", args=[episode.pk])
    data = admin_form(chief, url, "episode_form")
    data["articles-0-quotes"] = "“여울에 흰목물떼새가 돌아왔다.”\n\n“노랑부리저어새도 보였다.”"
    refreshes.clear()
    admin_post(chief, url, data)

    assert len(refreshes) == 1, refreshes
    assert set(refreshes[0][0]) == {episode.pk}
    assert_shows(episode, "흰목물떼새", "노랑부리")
    assert_gone(episode, "개개비")


# --- Importer, transactions, bulk code, data migrations ------------------------------

POST = textwrap.dedent(
    """\
    brunch

    숲길 과학 편지-12(여름밤 습지를 세는 사람들)

    도시 근교 습지에서 열린 작은 조사

    by 이슬지기

    2025년 7월 2일 21:00

    안녕하세요, 이슬지기입니다.

    오늘은 여름밤의 작은 조사 소식을 전합니다.


    요약한 기사


    1. 습지 생태 조사에 시민 200명 참여 -초록신문-

    "주말 밤 도시 근교 습지에서 열린 생태 조사에 시민 200여 명이 참여했다."


    2. 산책로 가로등 밝기 낮추자 곤충 관찰 늘어 -들녘일보-

    "한 구청이 산책로 가로등을 어둡게 바꾼 뒤 야간 곤충 관찰 기록이 늘었다."


    이슬지기의 논평


    {first}

    불빛을 줄이는 일이 곧 곤충을 세는 일의 시작이라는 점이 흥미롭습니다.

    이상 이슬지기의 숲길 과학 편지였습니다.


    참고기사


    1. 습지 생태 조사에 시민 200명 참여 -초록신문-

    https://chorok.example.com/news/1201

    2. 산책로 가로등 밝기 낮추자 곤충 관찰 늘어 -들녘일보-

    https://deulnyeok.example.com/article/88


    keyword
    습지
    """
)


def test_importing_a_post_and_importing_it_again(tmp_path):
    post = tmp_path / "forest-12.txt"
    post.write_text(POST.format(first="참가자들은 밤새 맹꽁이 울음소리를 세었습니다."))
    call_command("import_episode", str(post), "--publish", stdout=io.StringIO())
    episode = Episode.objects.get(number=12, headline="여름밤 습지를 세는 사람들")
    assert episode.is_published()
    assert_shows(episode, "맹꽁이")
    before_writing(episode, old=("맹꽁이",), new=("참개구리",))

    post.write_text(POST.format(first="참가자들은 밤새 참개구리 울음소리를 세었습니다."))
    call_command("import_episode", str(post), stdout=io.StringIO())

    assert Episode.objects.filter(number=12).count() == 1
    assert_shows(episode, "참개구리")
    assert_gone(episode, "맹꽁이")


def test_several_saves_in_the_users_own_transaction():
    episode = make_searchable_episode(
        article_headlines=["옛 제목"], commentary_bodies=["옛 문단"], closing="이상 옛 맺음말."
    )
    before_writing(episode, new=("노랑부리", "검은머리", "물닭"))

    with transaction.atomic():
        article = episode.articles.get(position=1)
        article.headline = "한강 하류에 노랑부리저어새"
        article.save()
        paragraph = episode.commentary.get(position=1)
        paragraph.body = "검은머리물떼새도 함께 왔다고 합니다."
        paragraph.save()
        episode.closing = "이상 물닭이 헤엄치는 저녁이었습니다."
        episode.save()

    assert_shows(episode, "노랑부리", "검은머리", "물닭")
    assert_gone(episode, "옛 제목", "옛 문단", "옛 맺음말")


def test_a_queryset_update_followed_by_changed():
    episode = make_searchable_episode(article_headlines=["바뀌기 전 큰고니 기사"])
    before_writing(episode, old=("큰고니",), new=("뜸부기",))

    SourceArticle.objects.filter(episode=episode, position=1).update(
        headline="논둑에서 다시 들린 뜸부기 소리"
    )
    projections.changed([episode.pk])

    assert_shows(episode, "뜸부기")
    assert_gone(episode, "큰고니")


def test_a_data_migration_writing_through_historical_models(refreshes):
    episode = make_searchable_episode(commentary_bodies=["이주 전의 개똥지빠귀 문단"])
    before_writing(episode, old=("개똥지빠귀",), new=("호랑지빠귀",))

    historical = ProjectState.from_apps(global_apps).apps
    HistoricalCommentary = historical.get_model("columns", "Commentary")
    assert HistoricalCommentary is not Commentary
    paragraph = HistoricalCommentary.objects.get(episode_id=episode.pk, position=1)
    # A historical model has no save() of its own: the migration writes the HTML too.
    paragraph.body = "이주 뒤의 호랑지빠귀 문단"
    paragraph.body_html = "<p>이주 뒤의 호랑지빠귀 문단</p>"
    refreshes.clear()
    paragraph.save()
    # Refreshed when migrate ends, with the final models, not half-way.
    assert refreshes == []

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert len(refreshes) == 1
    assert_shows(episode, "호랑지빠귀")
    assert_gone(episode, "개똥지빠귀")


def test_a_data_migration_writing_quotes_through_historical_models(refreshes):
    episode = make_searchable_episode(quotes=[["옛 민물가마우지 인용문"]])
    before_writing(episode, old=("민물가마우지",), new=("꼬마물떼새",))

    historical = ProjectState.from_apps(global_apps).apps
    HistoricalQuote = historical.get_model("articles", "SourceQuote")
    quote = HistoricalQuote.objects.get(
        article__episode_id=episode.pk, article__position=1, position=1
    )
    quote.text = "모래톱의 꼬마물떼새"
    refreshes.clear()
    quote.save()
    assert refreshes == []

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert len(refreshes) == 1
    assert_shows(episode, "꼬마물떼새")
    assert_gone(episode, "민물가마우지")
