"""Corrections (정정): marked by the editor, dated for readers on the page, feed and JSON-LD."""

import json
import re
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from columns import revisions
from columns.models import Correction, Episode
from tests.columns.test_admin_episode import change_data, change_url, error_texts
from tests.columns.test_feeds import as_utc
from tests.factories import make_episode, make_series

pytestmark = pytest.mark.django_db


@pytest.fixture
def chief(superuser):
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def published():
    series = make_series(title="정정 시험 연재", slug="corrections")
    return make_episode(
        series, 7, publish_at=timezone.now() - timedelta(days=3), subtitle="처음 부제"
    )


def reader_page(episode) -> str:
    response = Client().get(episode.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def json_ld(html: str) -> dict:
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def feed_entry(episode):
    feed = feedparser.parse(Client().get("/feed/atom/").content)
    return next(e for e in feed.entries if e.link.endswith(episode.get_absolute_url()))


def corrections_section(html: str) -> str:
    found = re.search(r'<section class="corrections".*?</section>', html, re.S)
    return found.group() if found else ""


def test_a_change_marked_as_a_correction_is_listed_with_its_date(chief, published):
    reader_page(published)  # cached for readers before the change
    data = change_data(
        published, subtitle="고친 부제", correction_note="부제의 날짜를 바로잡았습니다."
    )
    response = chief.post(change_url(published), data)
    assert response.status_code == 302, error_texts(response.content.decode())

    section = corrections_section(reader_page(published))
    today = timezone.localtime().strftime("%Y년 %-m월 %-d일")
    assert '<h2 id="corrections-title">정정</h2>' in section
    assert today in section and "부제의 날짜를 바로잡았습니다." in section
    correction = Correction.objects.get(episode=published)
    assert correction.created_by.username == "chief"


def test_the_feed_and_json_ld_are_dated_by_the_latest_correction(chief, published):
    chief.post(
        change_url(published), change_data(published, correction_note="인용한 수치를 고쳤습니다.")
    )
    correction = Correction.objects.get(episode=published)

    modified = datetime.fromisoformat(json_ld(reader_page(published))["dateModified"])
    assert abs(modified - correction.created_at) < timedelta(seconds=1)
    updated = as_utc(feed_entry(published).updated_parsed)
    assert abs(updated - correction.created_at.astimezone(UTC)) < timedelta(seconds=1)


def test_a_quiet_fix_stays_invisible_to_readers(chief, published):
    response = chief.post(change_url(published), change_data(published, subtitle="오타 고침"))
    assert response.status_code == 302

    html = reader_page(published)
    assert "오타 고침" in html
    assert corrections_section(html) == ""
    quietly = datetime.fromisoformat(json_ld(html)["dateModified"])
    assert quietly == published.publish_at.replace(microsecond=0)
    assert as_utc(feed_entry(published).updated_parsed) == published.publish_at.replace(
        microsecond=0
    )


def test_a_draft_cannot_be_marked_with_a_correction(chief):
    draft = make_episode(status=Episode.Status.DRAFT, subtitle="초안 부제")
    response = chief.post(
        change_url(draft), change_data(draft, subtitle="바뀐 초안", correction_note="정정합니다")
    )
    assert response.status_code == 200
    assert "정정 표시는 이미 발행된 회차에만 붙일 수 있습니다." in error_texts(
        response.content.decode()
    )
    draft.refresh_from_db()
    assert draft.subtitle == "초안 부제" and not Correction.objects.exists()


def test_a_correction_on_an_unpublished_episode_reaches_no_reader(published, superuser):
    revisions.correction_add(episode=published, note="비공개로 돌린 회차의 정정", user=superuser)
    published.status = Episode.Status.DRAFT
    published.save()
    reader = Client()
    assert reader.get(published.get_absolute_url()).status_code == 404
    for url in ["/feed/", "/feed/atom/", "/sitemap.xml", "/search/?q=비공개로"]:
        assert "비공개로 돌린 회차의 정정" not in reader.get(url).content.decode(), url


def test_removing_a_correction_leaves_a_dated_trace_for_readers(chief, published):
    chief.post(change_url(published), change_data(published, correction_note="잘못 단 정정"))
    correction = Correction.objects.get()
    reader_page(published)

    response = chief.post(
        reverse("admin:columns_correction_changelist"),
        {"action": "remove", "_selected_action": [correction.pk]},
    )
    assert response.status_code == 302

    section = corrections_section(reader_page(published))
    assert "잘못 단 정정" not in section
    assert "삭제된 정정" in section
    correction.refresh_from_db()
    assert correction.removed_by.username == "chief" and correction.removed_at is not None


def test_a_correction_cannot_be_deleted_outright(chief, published, superuser):
    correction = revisions.correction_add(
        episode=published, note="지울 수 없는 정정", user=superuser
    )
    delete_url = reverse("admin:columns_correction_delete", args=[correction.pk])
    assert chief.post(delete_url, {"post": "yes"}).status_code == 403
    changelist = chief.get(reverse("admin:columns_correction_changelist")).content.decode()
    assert "delete_selected" not in changelist
    assert Correction.objects.filter(pk=correction.pk).exists()


def test_a_correction_made_outside_the_admin_dates_the_stored_json_ld(published, superuser):
    # The service alone, as a shell or a task would call it: no admin batch around it.
    correction = revisions.correction_add(
        episode=published, note="날짜를 고쳤습니다.", user=superuser
    )
    modified = datetime.fromisoformat(json_ld(reader_page(published))["dateModified"])
    assert abs(modified - correction.created_at) < timedelta(seconds=1)

    revisions.correction_remove(correction=correction, user=superuser, reason="잘못 단 정정")
    correction.refresh_from_db()
    modified = datetime.fromisoformat(json_ld(reader_page(published))["dateModified"])
    assert abs(modified - correction.removed_at) < timedelta(seconds=1)
