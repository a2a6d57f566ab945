"""Public pages come from the cache until something changes, and never carry one
reader's state to another."""

import logging
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.middleware.csrf import CSRF_TOKEN_LENGTH, _unmask_cipher_token
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from columns import services
from columns.models import Comment, Episode
from tests.factories import make_episode

pytestmark = pytest.mark.django_db


def get(url, client=None, **headers):
    return (client or Client()).get(url, **headers)


def test_a_second_anonymous_visit_is_served_from_the_cache():
    episode = make_episode()
    first, second = get(episode.get_absolute_url()), get(episode.get_absolute_url())
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("MISS", "HIT")
    assert (
        first.content.split(b"csrfmiddlewaretoken")[0]
        == second.content.split(b"csrfmiddlewaretoken")[0]
    )


def test_a_cached_page_costs_no_database_query(django_assert_num_queries):
    episode = make_episode()
    get(episode.get_absolute_url())
    with django_assert_num_queries(0):
        assert get(episode.get_absolute_url())["X-Page-Cache"] == "HIT"


@pytest.mark.parametrize(
    "change",
    ["headline", "article", "commentary", "keyword", "outlet"],
)
def test_editing_an_episode_or_its_parts_refreshes_its_page_at_once(change):
    episode = make_episode()
    url = episode.get_absolute_url()
    get(url)
    if change == "headline":
        episode.headline = "고친 제목"
        episode.save()
        expected = "고친 제목"
    elif change == "article":
        article = episode.articles.get(position=1)
        article.summary = "“새로 고친 인용문”"
        article.save()
        expected = "새로 고친 인용문"
    elif change == "commentary":
        paragraph = episode.commentary.get(position=2)
        paragraph.body = "다시 쓴 논평 문단"
        paragraph.save()
        expected = "다시 쓴 논평 문단"
    elif change == "keyword":
        episode.keywords.add("새키워드")
        expected = "#새키워드"
    else:
        outlet = episode.articles.first().outlet
        outlet.name = "새이름일보"
        outlet.save()
        expected = "새이름일보"
    response = get(url)
    assert response["X-Page-Cache"] == "MISS"
    assert expected in response.content.decode()


def test_publishing_a_draft_shows_it_on_the_home_page_at_once():
    make_episode(headline="먼저 나간 글")
    draft = make_episode(headline="방금 발행한 글", status=Episode.Status.DRAFT)
    assert "방금 발행한 글" not in get("/").content.decode()
    services.episode_publish(episode=draft)
    assert "방금 발행한 글" in get("/").content.decode()


def test_unpublishing_hides_the_episode_from_cached_pages_at_once():
    episode = make_episode(headline="곧 내릴 글")
    assert "곧 내릴 글" in get("/").content.decode()
    assert get(episode.get_absolute_url()).status_code == 200
    services.episode_unpublish(episode=episode)
    assert "곧 내릴 글" not in get("/").content.decode()
    assert get(episode.get_absolute_url()).status_code == 404


def test_a_scheduled_episode_appears_when_its_time_comes_without_any_write(monkeypatch):
    make_episode(headline="이미 나간 글")
    launch = timezone.now() + timedelta(hours=1)
    make_episode(headline="예약해 둔 글", publish_at=launch)
    assert "예약해 둔 글" not in get("/").content.decode()
    assert get("/")["X-Page-Cache"] == "HIT"

    later = launch + timedelta(minutes=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    monkeypatch.setattr("columns.pagecache.time.time", lambda: later.timestamp())
    response = get("/")
    assert response["X-Page-Cache"] == "MISS"
    assert "예약해 둔 글" in response.content.decode()


def test_approving_and_removing_a_comment_refreshes_the_page():
    episode = make_episode()
    comment = Comment.objects.create(episode=episode, name="독자", body="캐시를 넘는 댓글")
    url = episode.get_absolute_url()
    get(url)
    comment.status = Comment.Status.APPROVED
    comment.save()
    assert "캐시를 넘는 댓글" in get(url).content.decode()
    comment.delete()
    assert "캐시를 넘는 댓글" not in get(url).content.decode()


def token_in(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def test_each_reader_gets_their_own_csrf_token_from_a_cached_page(caplog):
    episode = make_episode()
    alice, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first = alice.get(episode.get_absolute_url())
    second = bob.get(episode.get_absolute_url())
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("MISS", "HIT")
    assert "__CSRF" not in second.content.decode()

    # Django keeps each reader's secret in their cookie and puts a masked copy of it
    # in the form: the two pages carry different tokens, each unmasking to its own cookie.
    alice_token, bob_token = token_in(first), token_in(second)
    alice_secret = alice.cookies[settings.CSRF_COOKIE_NAME].value
    bob_secret = bob.cookies[settings.CSRF_COOKIE_NAME].value
    assert alice_secret != bob_secret
    assert alice_token != bob_token
    assert len(alice_token) == len(bob_token) == CSRF_TOKEN_LENGTH
    assert _unmask_cipher_token(alice_token) == alice_secret
    assert _unmask_cipher_token(bob_token) == bob_secret

    url = reverse("columns:comment_post", args=[episode.series.slug, episode.number])
    data = {"name": "밥", "body": "캐시된 페이지에서 쓴 댓글"}
    # A well-formed token from the other reader's page does not match your own cookie.
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        stolen = bob.post(url, {**data, "csrfmiddlewaretoken": alice_token})
        swapped = alice.post(url, {**data, "csrfmiddlewaretoken": bob_token})
    assert (stolen.status_code, swapped.status_code) == (403, 403)
    reasons = [r.getMessage() for r in caplog.records if r.name == "django.security.csrf"]
    assert len(reasons) == 2
    # Rejected for not matching (Django's "incorrect"), not for its length or characters.
    assert all("CSRF token from POST incorrect." in reason for reason in reasons), reasons
    assert not Comment.objects.exists()

    # Each reader's own token, with their own cookie, is accepted.
    assert bob.post(url, {**data, "csrfmiddlewaretoken": bob_token}).status_code == 302
    alice_data = {"name": "앨리스", "body": "같은 캐시 페이지에서 쓴 다른 댓글"}
    assert alice.post(url, {**alice_data, "csrfmiddlewaretoken": alice_token}).status_code == 302
    assert sorted(Comment.objects.values_list("name", flat=True)) == ["밥", "앨리스"]


def test_a_flash_message_is_shown_to_its_reader_only():
    episode = make_episode()
    url = episode.get_absolute_url()
    get(url)
    reader = Client()
    response = reader.post(
        reverse("columns:comment_post", args=[episode.series.slug, episode.number]),
        {"name": "독자", "body": "메시지를 받을 댓글"},
        follow=True,
    )
    assert 'class="message message-success"' in response.content.decode()
    assert 'class="message' not in get(url).content.decode()


def test_staff_bypass_the_cache_and_their_preview_never_reaches_readers(staff):
    episode = make_episode()
    editor = Client()
    editor.force_login(staff)
    assert editor.get(episode.get_absolute_url())["X-Page-Cache"] == "BYPASS"
    draft = make_episode(status=Episode.Status.DRAFT)
    assert "preview-banner" in editor.get(draft.get_absolute_url()).content.decode()
    assert get(draft.get_absolute_url()).status_code == 404


def test_conditional_get_answers_304_until_the_page_changes():
    episode = make_episode()
    url = episode.get_absolute_url()
    first = get(url)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    episode.headline = "바뀐 제목"
    episode.save()
    changed = get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


@pytest.mark.parametrize("path", ["/", "/series/"])
def test_list_pages_carry_etag_and_last_modified(path):
    make_episode()
    response = get(path)
    assert response.status_code == 200
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"].endswith("GMT")


def test_not_found_pages_are_not_cached():
    assert get("/series/없음/").status_code == 404
    assert get("/series/없음/")["X-Page-Cache"] != "HIT"


def test_the_cache_can_be_switched_off(settings):
    settings.PAGE_CACHE_ENABLED = False
    episode = make_episode()
    get(episode.get_absolute_url())
    assert get(episode.get_absolute_url())["X-Page-Cache"] == "BYPASS"
