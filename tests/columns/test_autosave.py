"""Autosave of the episode form: kept per editor on the server, offered back, never published."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from columns.models import Autosave, Episode
from tests.columns.test_admin_episode import (
    ADD_URL,
    article_row,
    change_data,
    change_url,
    commentary_row,
    episode_data,
    error_texts,
)
from tests.factories import make_episode, make_outlet, make_series

pytestmark = pytest.mark.django_db


def autosave_url(episode) -> str:
    return reverse("admin:columns_episode_autosave", args=[episode.pk])


@pytest.fixture
def chief(superuser):
    client = Client()
    client.force_login(superuser)
    return client


def test_the_form_is_kept_as_the_editors_autosave_without_touching_the_episode(chief, superuser):
    episode = make_episode(subtitle="저장된 부제")
    data = change_data(episode, subtitle="타자 중인 부제")
    response = chief.post(autosave_url(episode), data)

    assert response.status_code == 200
    assert "자동 저장했습니다" in response.json()["message"]
    kept = Autosave.objects.get(episode=episode, user=superuser)
    assert kept.data["subtitle"] == ["타자 중인 부제"]
    assert "based_on_version" not in kept.data
    assert Episode.objects.get(pk=episode.pk).subtitle == "저장된 부제"


def test_reopening_the_page_offers_an_autosave_newer_than_the_last_save(chief):
    episode = make_episode()
    chief.post(autosave_url(episode), change_data(episode, closing="날아갈 뻔한 맺음말"))

    html = chief.get(change_url(episode)).content.decode()
    assert "자동 저장된 내용이 있습니다" in html and "자동 저장본으로 양식 채우기" in html
    offered = html.split('id="autosave-data" type="application/json">')[1].split("</script>")[0]
    assert json.loads(offered)["closing"] == ["날아갈 뻔한 맺음말"]
    assert 'src="/static/columns/admin-autosave.js"' in html


def test_an_autosave_older_than_the_last_save_is_not_offered(chief, superuser):
    episode = make_episode()
    Autosave.objects.create(
        episode=episode,
        user=superuser,
        data={"closing": ["옛 자동 저장"]},
        saved_at=timezone.now() - timedelta(hours=1),
    )
    html = chief.get(change_url(episode)).content.decode()
    assert "자동 저장된 내용이 있습니다" not in html


def test_a_successful_save_forgets_the_editors_autosave(chief, superuser):
    episode = make_episode()
    chief.post(autosave_url(episode), change_data(episode, closing="임시 맺음말"))
    response = chief.post(change_url(episode), change_data(episode, closing="진짜 맺음말"))
    assert response.status_code == 302
    assert not Autosave.objects.filter(episode=episode, user=superuser).exists()


def test_each_editor_sees_only_their_own_autosave(chief, editor):
    episode = make_episode()
    chief.post(autosave_url(episode), change_data(episode, closing="치프의 임시 글"))
    other = Client()
    other.force_login(editor)
    assert "치프의 임시 글" not in other.get(change_url(episode)).content.decode()


def test_the_endpoint_is_for_staff_who_may_change_the_episode(client, outsider, moderator):
    episode = make_episode()
    data = change_data(episode, closing="훔쳐 쓰기")
    anonymous = client.post(autosave_url(episode), data)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    client.force_login(outsider)
    assert client.post(autosave_url(episode), data).status_code == 302
    client.force_login(moderator)
    assert client.post(autosave_url(episode), data).status_code == 403
    assert not Autosave.objects.exists()


def test_the_endpoint_checks_csrf_and_takes_only_posts(superuser):
    episode = make_episode()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(superuser)
    assert strict.post(autosave_url(episode), {"closing": "토큰 없음"}).status_code == 403
    assert strict.get(autosave_url(episode)).status_code == 405
    assert not Autosave.objects.exists()


def test_autosaved_text_never_reaches_readers(chief):
    episode = make_episode()
    chief.post(autosave_url(episode), change_data(episode, closing="독자가 보면 안 되는 초고"))
    reader = Client()
    for url in [episode.get_absolute_url(), "/feed/", "/search/?q=초고"]:
        assert "독자가 보면 안 되는 초고" not in reader.get(url).content.decode(), url


def test_a_late_autosave_of_a_form_the_editor_just_saved_is_dropped(chief, superuser):
    episode = make_episode()
    opened_at = change_data(episode, closing="저장한 맺음말")
    assert chief.post(change_url(episode), opened_at).status_code == 302
    late = chief.post(autosave_url(episode), opened_at)  # sent just before the save landed
    assert late.status_code == 200
    assert not Autosave.objects.filter(episode=episode).exists()
    html = chief.get(change_url(episode)).content.decode()
    assert "자동 저장된 내용이 있습니다" not in html


def test_a_stale_form_is_still_autosaved_when_someone_else_saved_since(chief, editor):
    episode = make_episode()
    stale = change_data(episode, closing="뒤처진 양식의 맺음말")
    other = Client()
    other.force_login(editor)
    assert (
        other.post(change_url(episode), change_data(episode, subtitle="남의 저장")).status_code
        == 302
    )
    chief.post(autosave_url(episode), stale)
    assert Autosave.objects.get(episode=episode).data["closing"] == ["뒤처진 양식의 맺음말"]


# --- An episode that was never saved ------------------------------------------------

NEW_AUTOSAVE_URL = "/admin/columns/episode/add/autosave/"


def test_the_add_page_autosaves_an_episode_never_saved(chief, superuser):
    html = chief.get(ADD_URL).content.decode()
    assert f'data-url="{NEW_AUTOSAVE_URL}"' in html and 'data-new-episode="true"' in html

    response = chief.post(NEW_AUTOSAVE_URL, {"headline": "아직 저장 안 한 제목", "closing": "초고"})

    assert response.status_code == 200 and "자동 저장했습니다" in response.json()["message"]
    kept = Autosave.objects.get(episode__isnull=True, user=superuser)
    assert kept.data["headline"] == ["아직 저장 안 한 제목"]
    assert not Episode.objects.exists()


def test_reopening_the_add_page_offers_the_unsaved_episode_back(chief):
    chief.post(NEW_AUTOSAVE_URL, {"headline": "브라우저가 꺼진 원고"})
    chief.post(NEW_AUTOSAVE_URL, {"headline": "조금 더 쓴 원고"})  # replaces, never piles up

    html = chief.get(ADD_URL).content.decode()
    assert "아직 저장하지 않은 새 회차가 있습니다" in html
    offered = html.split('id="autosave-data" type="application/json">')[1].split("</script>")[0]
    assert json.loads(offered)["headline"] == ["조금 더 쓴 원고"]
    assert Autosave.objects.filter(episode__isnull=True).count() == 1


def test_adding_the_episode_forgets_the_unsaved_autosave(chief, superuser):
    series = make_series(slug="new-autosave")
    make_outlet(name="가상일보", domain="daily.example.com")
    chief.post(NEW_AUTOSAVE_URL, {"headline": "곧 저장할 원고"})
    data = episode_data(
        series,
        articles=[article_row(1, "https://daily.example.com/news/1")],
        commentary=[commentary_row(1, "논평 한 문단.")],
    )
    response = chief.post(ADD_URL, data)
    assert response.status_code == 302, error_texts(response.content.decode())
    assert not Autosave.objects.filter(user=superuser).exists()
    assert "아직 저장하지 않은 새 회차가 있습니다" not in chief.get(ADD_URL).content.decode()


def test_the_unsaved_episode_is_each_editors_own(chief, editor):
    chief.post(NEW_AUTOSAVE_URL, {"headline": "치프의 새 원고"})
    other = Client()
    other.force_login(editor)
    assert "치프의 새 원고" not in other.get(ADD_URL).content.decode()


def test_only_staff_who_may_add_episodes_autosave_a_new_one(client, outsider, moderator):
    client.force_login(outsider)  # not staff: sent to the admin login
    assert client.post(NEW_AUTOSAVE_URL, {"headline": "x"}).status_code == 302
    client.force_login(moderator)  # staff, but moderators do not write episodes
    assert client.post(NEW_AUTOSAVE_URL, {"headline": "x"}).status_code == 403
    assert not Autosave.objects.exists()
