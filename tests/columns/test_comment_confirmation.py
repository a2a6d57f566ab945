"""After posting, the reader lands at the comment form and reads the confirmation
there, not in a banner at the top of a long page they have scrolled away from."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from columns.models import Comment
from tests.factories import make_episode

pytestmark = pytest.mark.django_db

PENDING = "댓글을 받았습니다. 운영진이 확인한 뒤에 공개됩니다."
APPROVED = "댓글이 등록되었습니다."


@pytest.fixture
def episode():
    return make_episode()


def post(client, episode, **changes):
    data = {
        "name": "확인하는 독자",
        "email": "",
        "body": "확인 메시지를 기다립니다.",
        "homepage": "",
    }
    data.update(changes)
    return client.post(
        reverse("columns:comment_post", args=[episode.series.slug, episode.number]),
        data,
        REMOTE_ADDR="203.0.113.8",
    )


def comment_form(html: str) -> str:
    """The comment form element, from its opening tag to its `</form>`."""
    start = html.rindex("<form", 0, html.index('id="comment-form"'))
    return html[start : html.index("</form>", start) + len("</form>")]


def above_the_content(html: str) -> str:
    return html[: html.index('<main id="main"')]


def assert_landing_shows(response, client, episode, message):
    """The redirect's anchor leads straight to the form, which holds the message."""
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == episode.get_absolute_url()
    assert location.fragment in ("comment-form", "comments")
    html = client.get(response["Location"]).content.decode()
    anchor = html.index(f'id="{location.fragment}"')
    form = comment_form(html)
    assert message in form
    assert html.count(message) == 1
    # Nothing between the landing point and the form: the comment list comes after.
    between = html[anchor : html.index(form)]
    assert 'id="comments-title"' not in between
    assert 'class="comment-list"' not in between
    assert 'role="status"' in form  # read out by screen readers
    assert 'class="message' not in above_the_content(html)
    return html


def test_a_pending_comment_is_confirmed_inside_the_form(client, episode):
    response = post(client, episode)
    assert response["Location"].endswith(
        (f"{episode.get_absolute_url()}#comment-form", f"{episode.get_absolute_url()}#comments")
    )
    html = assert_landing_shows(response, client, episode, PENDING)
    assert Comment.objects.get().status == Comment.Status.PENDING
    assert "확인 메시지를 기다립니다." not in html  # not shown before approval


def test_an_approved_comment_is_confirmed_inside_the_form_and_shown(client, episode):
    Comment.objects.create(
        episode=episode, name="단골", email="regular@example.com", body="예전", status="approved"
    )
    response = post(client, episode, email="regular@example.com", body="바로 보이는 댓글")
    html = assert_landing_shows(response, client, episode, APPROVED)
    start = html.index('class="comment-list"')
    assert "바로 보이는 댓글" in html[start:]


def test_the_form_after_posting_is_empty_for_the_next_comment(client, episode):
    response = post(client, episode, body="한 번만 보낼 글")
    form = comment_form(client.get(response["Location"]).content.decode())
    assert "한 번만 보낼 글" not in form
    assert 'value="확인하는 독자"' not in form


def test_the_confirmation_is_shown_once_and_never_to_other_readers(client, episode):
    response = post(client, episode)
    client.get(response["Location"])
    again = client.get(episode.get_absolute_url()).content.decode()
    assert PENDING not in again
    other = Client().get(episode.get_absolute_url()).content.decode()
    assert PENDING not in other
    assert 'class="message' not in other


def test_a_refused_comment_gets_no_confirmation_and_stores_nothing(client, episode):
    response = post(client, episode, body="\u200b")
    assert response.status_code == 400
    html = response.content.decode()
    assert "비어 있습니다" in comment_form(html)
    assert PENDING not in html and APPROVED not in html
    assert Comment.objects.count() == 0
