"""Two editors on one episode: a save from a form older than the last save is refused, not lost."""

import re
import threading
from html import unescape

import pytest
from django.db import connection, connections
from django.test import Client

from columns import revisions
from columns.models import Episode
from tests.columns.test_admin_episode import change_data, change_url, error_texts, quotes_box
from tests.factories import make_episode

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(superuser, editor):
    """Two staff members in two browsers: the chief (A) and the columnist (B)."""
    a, b = Client(), Client()
    a.force_login(superuser)
    b.force_login(editor)
    return a, b


def opened(episode: Episode) -> Episode:
    """The episode as a change form opened now would carry it."""
    return Episode.objects.get(pk=episode.pk)


def refusal(response) -> str:
    return " ".join(error_texts(response.content.decode()))


def test_the_change_form_carries_the_episodes_edit_number(desk):
    a, _b = desk
    episode = make_episode()
    html = a.get(change_url(episode)).content.decode()
    assert re.search(
        rf'<input type="hidden" name="based_on_version" value="{episode.edit_version}"', html
    )


def test_a_stale_form_is_refused_and_the_earlier_subtitle_survives(desk):
    a, b = desk
    episode = make_episode(subtitle="처음 부제")
    form_of_a, form_of_b = opened(episode), opened(episode)

    saved = a.post(change_url(episode), change_data(form_of_a, subtitle="A가 고친 부제"))
    assert saved.status_code == 302
    refused = b.post(change_url(episode), change_data(form_of_b, closing="B가 쓴 새 맺음말"))

    assert refused.status_code == 200
    message = refusal(refused)
    assert "이 양식을 연 뒤에 다른 저장이 있었습니다" in message
    assert "chief님이" in message and "부제" in message  # who, and what they changed
    assert "내 저장은 적용하지 않았고" in message
    html = refused.content.decode()
    assert "B가 쓴 새 맺음말" in html  # B's own text is still in the form
    assert "두 판 비교하기" in html
    episode.refresh_from_db()
    assert episode.subtitle == "A가 고친 부제"
    assert episode.closing != "B가 쓴 새 맺음말"


def test_the_other_order_refuses_the_chief_instead(desk):
    a, b = desk
    episode = make_episode()
    form_of_a, form_of_b = opened(episode), opened(episode)

    assert b.post(change_url(episode), change_data(form_of_b, closing="B 먼저")).status_code == 302
    refused = a.post(change_url(episode), change_data(form_of_a, subtitle="A 나중"))

    assert refused.status_code == 200
    assert "editor님이" in refusal(refused) and "맺음말" in refusal(refused)
    episode.refresh_from_db()
    assert (episode.closing, episode.subtitle) == ("B 먼저", "원고지 위의 작은 실험")


def test_a_stale_form_changing_only_a_commentary_paragraph_is_refused(desk):
    a, b = desk
    episode = make_episode(articles=2, commentary=2)
    form_of_a, form_of_b = opened(episode), opened(episode)
    article_rows = _article_rows(form_of_a)
    article_rows[0]["headline"] = "A가 고친 기사 제목"
    assert (
        a.post(change_url(episode), change_data(form_of_a, articles=article_rows)).status_code
        == 302
    )

    paragraphs = _commentary_rows(form_of_b)
    paragraphs[1]["body"] = "B가 옛 양식에서 고친 논평 문단"
    refused = b.post(change_url(episode), change_data(form_of_b, commentary=paragraphs))

    assert refused.status_code == 200
    assert "이 양식을 연 뒤에 다른 저장이 있었습니다" in refusal(refused)
    assert "B가 옛 양식에서 고친 논평 문단" in unescape(refused.content.decode())
    assert episode.articles.get(position=1).headline == "A가 고친 기사 제목"
    assert not episode.commentary.filter(body="B가 옛 양식에서 고친 논평 문단").exists()


def test_a_paragraph_saved_on_its_own_screen_makes_open_episode_forms_stale(desk):
    a, b = desk
    episode = make_episode(articles=1, commentary=1)
    form_of_b = opened(episode)
    paragraph = episode.commentary.get()
    response = a.post(
        f"/admin/columns/commentary/{paragraph.pk}/change/",
        {
            "episode": str(episode.pk),
            "position": "1",
            "source_article": "",
            "body": "따로 고친 문단",
            "_save": "저장",
        },
    )
    assert response.status_code == 302
    refused = b.post(change_url(episode), change_data(form_of_b, subtitle="B의 부제"))
    assert refused.status_code == 200
    assert "이 양식을 연 뒤에 다른 저장이 있었습니다" in refusal(refused)


def test_saving_again_after_the_refusal_applies_the_editors_text_on_purpose(desk):
    a, b = desk
    episode = make_episode()
    form_of_a, form_of_b = opened(episode), opened(episode)
    a.post(change_url(episode), change_data(form_of_a, subtitle="A의 부제"))
    refused = b.post(change_url(episode), change_data(form_of_b, subtitle="B의 부제"))
    token = re.search(r'name="based_on_version" value="(\d+)"', refused.content.decode()).group(1)
    assert token == str(opened(episode).edit_version)  # the form now knows A's save

    again = change_data(form_of_b, subtitle="B의 부제")
    again["based_on_version"] = token
    assert b.post(change_url(episode), again).status_code == 302
    assert opened(episode).subtitle == "B의 부제"


def test_every_save_renews_the_edit_number(desk):
    a, _b = desk
    episode = make_episode()
    before = episode.edit_version
    a.post(change_url(episode), change_data(opened(episode), subtitle="한 번"))
    a.post(change_url(episode), change_data(opened(episode), subtitle="두 번"))
    assert opened(episode).edit_version == before + 2
    assert opened(episode).subtitle == "두 번"


def test_a_form_without_its_edit_number_is_refused(desk):
    a, _b = desk
    episode = make_episode()
    data = change_data(opened(episode), subtitle="번호 없는 양식")
    del data["based_on_version"]
    response = a.post(change_url(episode), data)
    assert response.status_code == 200
    assert opened(episode).subtitle != "번호 없는 양식"


def _article_rows(episode):
    return [
        {
            "id": str(x.pk),
            "episode": str(episode.pk),
            "position": str(x.position),
            "published_on": "",
            "headline": x.headline,
            "outlet": str(x.outlet_id),
            "url": x.url,
            "quotes": quotes_box(x),
            "summary": x.summary,
        }
        for x in episode.articles.order_by("position")
    ]


def _commentary_rows(episode):
    return [
        {
            "id": str(c.pk),
            "episode": str(episode.pk),
            "position": str(c.position),
            "source_article": str(c.source_article_id or ""),
            "body": c.body,
        }
        for c in episode.commentary.order_by("position")
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks are PostgreSQL's (SQLite writes one at a time)",
)
@pytest.mark.django_db(transaction=True)
def test_two_saves_racing_on_postgresql_cannot_both_win(superuser, editor, monkeypatch):
    episode = make_episode()
    stale = opened(episode)
    both_checking = threading.Barrier(2, timeout=10)
    lock = revisions.locked_edit_version

    def lock_when_both_are_checking(*, episode_id):
        both_checking.wait()  # both forms validated against the same number
        return lock(episode_id=episode_id)

    monkeypatch.setattr(revisions, "locked_edit_version", lock_when_both_are_checking)
    results = {}

    def save(user, subtitle):
        try:
            client = Client()
            client.force_login(user)
            results[subtitle] = client.post(
                change_url(episode), change_data(stale, subtitle=subtitle)
            ).status_code
        except Exception as error:  # collected and asserted below
            results[subtitle] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=(superuser, "동시 저장 A")),
        threading.Thread(target=save, args=(editor, "동시 저장 B")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results.values()) == [200, 302], results
    winner = next(subtitle for subtitle, status in results.items() if status == 302)
    episode.refresh_from_db()
    assert episode.subtitle == winner
    assert episode.edit_version == stale.edit_version + 1


def test_the_refusal_counts_the_saves_made_since_the_form_was_opened(desk):
    a, b = desk
    episode = make_episode()
    form_of_b = opened(episode)
    a.post(change_url(episode), change_data(opened(episode), subtitle="첫 저장"))
    a.post(change_url(episode), change_data(opened(episode), closing="둘째 저장"))
    refused = b.post(change_url(episode), change_data(form_of_b, subtitle="B의 저장"))
    message = refusal(refused)
    assert "이 양식을 연 뒤에 다른 저장이 2번 있었습니다. 마지막 저장: chief님이" in message
    assert "맺음말" in message
    assert opened(episode).subtitle == "첫 저장"


# --- Saves and deletes on the parts' own screens, one at a time or in bulk ----------


def test_bulk_deleting_articles_makes_open_episode_forms_stale(desk):
    a, b = desk
    episode = make_episode(articles=3, commentary=0)
    form_of_b = opened(episode)
    doomed = list(episode.articles.filter(position__in=[1, 2]).values_list("pk", flat=True))

    response = a.post(
        "/admin/articles/sourcearticle/",
        {"action": "delete_selected", "_selected_action": doomed, "post": "yes"},
    )
    assert response.status_code == 302
    assert episode.articles.count() == 1

    refused = b.post(change_url(episode), change_data(form_of_b, subtitle="B의 부제"))
    assert refused.status_code == 200
    assert "이 양식을 연 뒤에 다른 저장이 있었습니다" in refusal(refused)
    assert "chief님이" in refusal(refused) and "인용 기사 삭제" in refusal(refused)
    assert opened(episode).subtitle != "B의 부제"


def test_bulk_deleting_paragraphs_of_two_episodes_renews_both(desk):
    a, _b = desk
    first = make_episode(articles=1, commentary=2)
    second = make_episode(articles=1, commentary=2)
    before = {e.pk: e.edit_version for e in (first, second)}
    doomed = [first.commentary.first().pk, second.commentary.first().pk]

    response = a.post(
        "/admin/columns/commentary/",
        {"action": "delete_selected", "_selected_action": doomed, "post": "yes"},
    )

    assert response.status_code == 302
    for episode in (first, second):
        assert opened(episode).edit_version == before[episode.pk] + 1
        assert episode.commentary.count() == 1


def test_deleting_one_article_on_its_own_screen_makes_open_forms_stale(desk):
    a, b = desk
    episode = make_episode(articles=2, commentary=0)
    form_of_b = opened(episode)
    article = episode.articles.get(position=2)

    response = a.post(f"/admin/articles/sourcearticle/{article.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    refused = b.post(change_url(episode), change_data(form_of_b, subtitle="B의 부제"))
    assert refused.status_code == 200 and "인용 기사 삭제" in refusal(refused)
