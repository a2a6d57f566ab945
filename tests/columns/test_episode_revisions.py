"""The history of an episode in the admin: every save kept, any two compared, any one restored."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from reversion.models import Revision, Version

from columns import revisions
from columns.models import Episode
from tests.columns.test_admin_episode import (
    ADD_URL,
    change_data,
    change_url,
    commentary_row,
    episode_data,
    error_texts,
    three_articles,
)
from tests.factories import make_episode, make_outlet, make_series

pytestmark = pytest.mark.django_db


class _FormFields(HTMLParser):
    """The fields a browser would post from the page's main form."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._textarea = None
        self._select = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "episode_form":
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(
                a.get("value", "on" if a.get("type") == "checkbox" else "")
            )
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def form_fields(html: str) -> dict[str, list[str]]:
    parser = _FormFields()
    parser.feed(html)
    data = {k: v for k, v in parser.data.items() if "__prefix__" not in k}
    # A textarea's first newline is not part of its value.
    return {k: [x[1:] if x.startswith("\n") else x for x in v] for k, v in data.items()}


@pytest.fixture
def chief(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def edited(chief):
    """An episode created in the admin, then changed: subtitle, keywords, one paragraph fewer."""
    make_outlet(name="가상일보", domain="daily.example.com")
    make_outlet(name="가상경제", domain="econ.example.com")
    make_outlet(name="가상넷", domain="net.example.co.kr")
    series = make_series(title="판 기록 시험 연재", slug="revisions")
    paragraphs = [
        commentary_row(1, "첫 문단은 남습니다."),
        commentary_row(2, "둘째 문단은 지워질 문단."),
    ]
    created = chief.post(
        ADD_URL,
        episode_data(
            series, articles=three_articles(), commentary=paragraphs, subtitle="처음 쓴 부제"
        ),
    )
    assert created.status_code == 302, error_texts(created.content.decode())
    episode = Episode.objects.get(series=series, number=48)
    rows = [
        {"id": str(c.pk), "episode": str(episode.pk), "position": str(c.position),
         "source_article": "", "body": c.body, **({"DELETE": "on"} if c.position == 2 else {})}
        for c in episode.commentary.order_by("position")
    ]  # fmt: skip
    changed = chief.post(
        change_url(episode),
        change_data(
            episode, commentary=rows, subtitle="나중에 고친 부제", keywords="반도체, 전력망"
        ),
    )
    assert changed.status_code == 302, error_texts(changed.content.decode())
    return Episode.objects.get(pk=episode.pk)


def history_url(episode):
    return reverse("admin:columns_episode_history", args=[episode.pk])


def compare_url(episode):
    return reverse("admin:columns_episode_compare", args=[episode.pk])


def test_every_admin_save_keeps_a_revision_listed_with_who_and_what(chief, edited):
    html = chief.get(history_url(edited)).content.decode()
    assert Version.objects.get_for_object(edited).count() == 2
    assert html.count("chief") >= 2
    assert "부제" in html and "키워드" in html  # what changed, in the admin's own words
    assert "아래 목록에서 날짜를 골라" in html and "판 비교" in html
    assert "판 비교" in chief.get(change_url(edited)).content.decode()


def test_the_compare_view_shows_what_changed_between_two_revisions(chief, edited):
    html = chief.get(compare_url(edited)).content.decode()
    assert "<h2>부제</h2>" in html
    assert "− 처음 쓴 부제" in html and "+ 나중에 고친 부제" in html
    assert "<h2>키워드</h2>" in html and "+ 반도체, 전력망" in html
    assert "<h2>논평 문단 2</h2>" in html and "− 둘째 문단은 지워질 문단." in html
    # Unchanged parts stay out of the way: each revision keeps the whole episode.
    assert "<h2>들어가는 말</h2>" not in html
    assert "<h2>논평 문단 1</h2>" not in html and "<h2>인용 기사 1</h2>" not in html


def test_restoring_an_old_revision_brings_back_text_paragraph_and_keywords(chief, edited):
    first = Version.objects.get_for_object(edited).order_by("revision__date_created").first()
    restore_url = reverse("admin:columns_episode_revision", args=[edited.pk, first.pk])
    page = chief.get(restore_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "처음 쓴 부제" in html and "둘째 문단은 지워질 문단." in html
    assert "아래 저장 단추를 누르면 이 판으로 되돌립니다" in html
    assert (
        Episode.objects.get(pk=edited.pk).subtitle == "나중에 고친 부제"
    )  # looking changes nothing

    data = form_fields(html)
    response = chief.post(restore_url, data)

    assert response.status_code == 302, error_texts(response.content.decode())
    episode = Episode.objects.get(pk=edited.pk)
    assert episode.subtitle == "처음 쓴 부제"
    assert [c.body for c in episode.commentary.order_by("position")] == [
        "첫 문단은 남습니다.",
        "둘째 문단은 지워질 문단.",
    ]
    assert sorted(episode.keywords.names()) == ["데이터센터", "반도체"]
    assert Version.objects.get_for_object(episode).count() == 3  # the restore is a revision too
    # Derived data followed: the stored page shows the paragraph again.
    episode_page = chief.get(episode.get_absolute_url()).content.decode()
    assert "둘째 문단은 지워질 문단." in episode_page


def test_revision_pages_need_a_staff_login(client, outsider, edited):
    client.logout()
    version = Version.objects.get_for_object(edited).first()
    urls = [
        history_url(edited),
        compare_url(edited),
        reverse("admin:columns_episode_revision", args=[edited.pk, version.pk]),
        reverse("admin:columns_episode_recoverlist"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    client.force_login(outsider)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def test_a_deleted_episode_is_recovered_from_the_admin(chief, edited):
    deleted = chief.post(reverse("admin:columns_episode_delete", args=[edited.pk]), {"post": "yes"})
    assert deleted.status_code == 302
    assert not Episode.objects.filter(pk=edited.pk).exists()

    listing = chief.get(reverse("admin:columns_episode_recoverlist")).content.decode()
    assert "판 기록 시험 연재-48" in listing and "삭제한 뒤 30일 동안 되살릴 수 있습니다" in listing
    version = Version.objects.get_deleted(Episode).get(object_id=str(edited.pk))
    recover_url = reverse("admin:columns_episode_recover", args=[version.pk])
    response = chief.post(recover_url, form_fields(chief.get(recover_url).content.decode()))

    assert response.status_code == 302, error_texts(response.content.decode())
    episode = Episode.objects.get(pk=edited.pk)
    assert episode.subtitle == "나중에 고친 부제"
    assert episode.articles.count() == 3
    assert [q.text for a in episode.articles.order_by("position") for q in a.quotes.all()] == [
        "1번 기사의 인용문입니다.",
        "2번 기사의 인용문입니다.",
        "3번 기사의 인용문입니다.",
    ]  # articles come back with their quotes
    assert sorted(episode.keywords.names()) == ["반도체", "전력망"]


def test_deleted_episodes_are_forgotten_after_thirty_days(chief, edited):
    chief.post(reverse("admin:columns_episode_delete", args=[edited.pk]), {"post": "yes"})
    call_command("prune_deleted_revisions", stdout=open("/dev/null", "w"))
    version = Version.objects.get_deleted(Episode).get(object_id=str(edited.pk))
    recover_url = reverse("admin:columns_episode_recover", args=[version.pk])
    assert recover_url in chief.get(reverse("admin:columns_episode_recoverlist")).content.decode()

    Revision.objects.update(date_created=timezone.now() - timedelta(days=31))
    call_command("prune_deleted_revisions", stdout=open("/dev/null", "w"))
    assert not Version.objects.get_deleted(Episode).filter(object_id=str(edited.pk)).exists()
    assert (
        recover_url not in chief.get(reverse("admin:columns_episode_recoverlist")).content.decode()
    )


def test_pruning_keeps_the_history_of_episodes_that_still_exist(chief, edited):
    Revision.objects.update(date_created=timezone.now() - timedelta(days=400))
    call_command("prune_deleted_revisions", stdout=open("/dev/null", "w"))
    assert Version.objects.get_for_object(edited).count() == 2


def test_publishing_from_the_list_keeps_a_revision_of_each_episode(chief, edited):
    second = make_episode(series=edited.series, status=Episode.Status.DRAFT)
    response = chief.post(
        reverse("admin:columns_episode_changelist"),
        {"action": "publish_now", "_selected_action": [edited.pk, second.pk]},
    )
    assert response.status_code == 302
    for episode in (edited, second):
        kept = revisions.episode_revisions(episode_id=episode.pk)
        latest = kept[0]
        assert latest.revision.get_comment() == "발행"
        assert latest.revision.user.get_username() == "chief"
        assert latest.edit_version == Episode.objects.get(pk=episode.pk).edit_version
        assert revisions.snapshot(latest)["상태"] == "발행"
    assert "발행" in chief.get(history_url(edited)).content.decode()


def test_an_article_saved_on_its_own_screen_is_in_the_episodes_history(chief, edited):
    article = edited.articles.get(position=1)
    response = chief.post(
        f"/admin/articles/sourcearticle/{article.pk}/change/",
        {
            "episode": str(edited.pk),
            "position": "1",
            "headline": "따로 고친 기사 제목",
            "outlet": str(article.outlet_id),
            "url": article.url,
            "summary": article.summary,
            "quotes": "따로 고친 화면에서 새로 넣은 인용문입니다.",
            "published_on": "",
            "_save": "저장",
        },
    )
    assert response.status_code == 302, error_texts(response.content.decode())
    latest = revisions.episode_revisions(episode_id=edited.pk)[0]
    assert "따로 고친 기사 제목" in revisions.snapshot(latest)["인용 기사 1"]
    # The quotes are written after the article row; the revision holds them too.
    assert (
        "인용문 1: 따로 고친 화면에서 새로 넣은 인용문입니다."
        in (revisions.snapshot(latest)["인용 기사 1"])
    )
    assert latest.edit_version == Episode.objects.get(pk=edited.pk).edit_version
