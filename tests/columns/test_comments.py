"""A reader posts a comment: what is refused, held, accepted, and shown."""

import hashlib
import hmac
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from columns.models import Comment, Episode
from tests.factories import make_episode

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode():
    return make_episode()


def post_url(episode):
    return reverse("columns:comment_post", args=[episode.series.slug, episode.number])


def post(
    client, episode, *, name="지나가던 독자", email="", body="좋은 글 잘 읽었습니다.", **extra
):
    data = {"name": name, "email": email, "body": body, "homepage": ""}
    data.update(extra)
    return client.post(post_url(episode), data, REMOTE_ADDR=extra.pop("ip", "203.0.113.7"))


def test_a_comment_is_stored_pending_and_the_reader_is_redirected_with_a_message(client, episode):
    response = post(client, episode)
    assert response.status_code == 302
    assert response["Location"].endswith(episode.get_absolute_url() + "#comments")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.name == "지나가던 독자"
    page = client.get(response["Location"]).content.decode()
    assert "운영진이 확인한 뒤에 공개됩니다" in page
    assert "좋은 글 잘 읽었습니다." not in page  # not approved yet


def test_the_form_is_csrf_protected(episode):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(post_url(episode), {"name": "a", "body": "b"})
    assert response.status_code == 403
    assert Comment.objects.count() == 0


def test_the_form_has_korean_labels_and_a_csrf_token(client, episode):
    html = client.get(episode.get_absolute_url()).content.decode()
    assert "csrfmiddlewaretoken" in html
    for label in ("이름(필명)", "이메일(선택, 공개 안 됨)", "댓글"):
        assert label in html
    assert 'name="homepage"' in html


def test_only_approved_comments_show_oldest_first_with_a_count(client, episode):
    now = timezone.now()
    for i, status in enumerate(["approved", "pending", "approved", "rejected", "spam"]):
        Comment.objects.create(
            episode=episode,
            name=f"독자{i}",
            body=f"댓글 본문 {i}",
            status=status,
            created_at=now - timedelta(minutes=10 - i),
        )
    html = client.get(episode.get_absolute_url()).content.decode()
    assert "댓글 본문 0" in html and "댓글 본문 2" in html
    assert "댓글 본문 1" not in html and "댓글 본문 3" not in html and "댓글 본문 4" not in html
    assert html.index("댓글 본문 0") < html.index("댓글 본문 2")
    assert '<span class="count">2</span>' in html


def test_email_is_never_shown_publicly(client, episode):
    Comment.objects.create(
        episode=episode, name="공개독자", email="secret@example.com", body="안녕", status="approved"
    )
    assert "secret@example.com" not in client.get(episode.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "body, error",
    [
        ("중간에\x00널 문자", "NUL"),
        ("가" * 5001, "5,000자"),
        ("   \n\t  ", "비어 있습니다"),
        ("\u200b\u200b\u200b", "비어 있습니다"),
        ("\u3164\u3164", "비어 있습니다"),
        ("\u2800 \u2800", "비어 있습니다"),
        ("\ufeff\u2060 \u00a0", "비어 있습니다"),
    ],
)
def test_refused_bodies_reshow_the_form_with_the_text_and_store_nothing(
    client, episode, body, error
):
    response = post(client, episode, body=body)
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert "지나가던 독자" in html  # the reader's input is kept
    assert Comment.objects.count() == 0


def test_a_body_of_exactly_5000_characters_after_trimming_is_accepted(client, episode):
    post(client, episode, body="  " + "나" * 5000 + "\n\n")
    assert Comment.objects.get().body == "  " + "나" * 5000 + "\n\n"


def test_refused_form_keeps_the_readers_text_in_the_textarea(client, episode):
    response = post(client, episode, body="\u200b", name="<b>이름</b>")
    html = response.content.decode()
    assert "&lt;b&gt;이름&lt;/b&gt;" in html
    assert "<b>이름</b>" not in html


@pytest.mark.parametrize(
    "body, reason",
    [
        ("https://a.example.com https://b.example.com www.c.example.com 보세요", "링크 3개"),
        ("방향을 바꾸는 \u202e문자", "글자 방향 제어 문자"),
        ("격리 \u2066문자\u2069", "글자 방향 제어 문자"),
        ("벨 소리 \x07", "제어 문자"),
        ("폭 없는\u200b공백", "폭 없는 문자"),
    ],
)
def test_suspicious_comments_are_held_even_for_known_commenters(client, episode, body, reason):
    Comment.objects.create(
        episode=episode,
        name="단골",
        email="regular@example.com",
        body="예전 댓글",
        status="approved",
    )
    post(client, episode, email="regular@example.com", body=body)
    comment = Comment.objects.latest("pk")
    assert comment.status == Comment.Status.PENDING
    assert reason in comment.held_reason
    assert comment.body == body


def test_two_links_are_not_held_for_a_known_commenter(client, episode):
    Comment.objects.create(
        episode=episode, name="단골", email="regular@example.com", body="예전", status="approved"
    )
    post(
        client,
        episode,
        email="Regular@Example.com",
        body="https://a.example.com 와 https://b.example.com",
    )
    assert Comment.objects.latest("pk").status == Comment.Status.APPROVED


def test_a_known_commenter_is_approved_automatically_and_sees_it_at_once(client, episode):
    Comment.objects.create(
        episode=episode, name="단골", email="regular@example.com", body="예전", status="approved"
    )
    response = post(client, episode, email="regular@example.com", body="오늘도 잘 읽었어요")
    assert Comment.objects.latest("pk").status == Comment.Status.APPROVED
    assert "오늘도 잘 읽었어요" in client.get(response["Location"]).content.decode()


def test_auto_approval_can_be_turned_off(client, episode, settings):
    settings.COMMENT_AUTO_APPROVE_KNOWN = False
    Comment.objects.create(
        episode=episode, name="단골", email="regular@example.com", body="예전", status="approved"
    )
    post(client, episode, email="regular@example.com")
    assert Comment.objects.latest("pk").status == Comment.Status.PENDING


@pytest.mark.parametrize(
    "body",
    [
        "🙂 이모지와 한국어 😀",
        "<script>alert(1)</script>",
        "'; DROP TABLE columns_comment; --",
        "{{ request.user }} {% debug %}",
        "줄바꿈\n두 번째 줄\r\n세 번째",
    ],
)
def test_ordinary_text_is_stored_exactly_as_written(client, episode, body):
    post(client, episode, body=body)
    assert Comment.objects.get().body == body


@pytest.mark.parametrize(
    "name, body",
    [
        ("<script>alert('x')</script>", "<img src=x onerror=alert(1)>"),
        ('"><svg onload=alert(1)>', '<a href="javascript:alert(1)">클릭</a>'),
        ("{{ 7*7 }}", "javascript:alert(1) 그리고 <iframe src=//evil>"),
    ],
)
def test_xss_attempts_in_name_and_body_render_inert(client, episode, name, body):
    Comment.objects.create(episode=episode, name=name, body=body, status="approved")
    html = client.get(episode.get_absolute_url()).content.decode()
    # The list of comments only: the form above it carries a random CSRF token.
    start = html.index('class="comment-list"')
    comments = html[start : html.index("</section>", start)]
    assert "<script>alert" not in comments
    assert "<img" not in comments and "<svg" not in comments and "<iframe" not in comments
    assert 'href="javascript:' not in comments
    # Template syntax is text: shown as typed, never evaluated.
    assert 'class="comment-name">49<' not in comments and "<p>49</p>" not in comments
    if "{{" in name:
        assert "{{ 7*7 }}" in comments


def test_line_breaks_are_kept_and_urls_become_nofollow_links(client, episode):
    Comment.objects.create(
        episode=episode,
        name="링크독자",
        body="첫 줄\n둘째 줄 https://news.example.com/a?b=1",
        status="approved",
    )
    html = client.get(episode.get_absolute_url()).content.decode()
    assert "첫 줄<br>둘째 줄" in html
    assert 'href="https://news.example.com/a?b=1" rel="nofollow ugc noopener"' in html


def test_honeypot_submissions_are_kept_as_spam_and_never_shown(client, episode):
    response = post(client, episode, homepage="http://spam.example.com")
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.SPAM
    assert "숨은 칸이 채워짐(자동 등록)" in comment.held_reason


@pytest.mark.parametrize(
    "body", ["이 바보 같은 글", "글쓴이 바보가 아닌가", "완전 바보야!", "카지노 홍보"]
)
def test_blocked_words_send_a_comment_to_spam_with_particles_attached(client, episode, body):
    post(client, episode, body=body)
    assert Comment.objects.get().status == Comment.Status.SPAM
    assert Comment.objects.get().held_reason.startswith("금지어")  # in Korean, for moderators


@pytest.mark.parametrize("body", ["시발점이 어디인가요", "바보새라는 새가 있대요"])
def test_blocked_words_do_not_catch_longer_ordinary_words(client, episode, body, settings):
    settings.COMMENT_BLOCKED_WORDS = ["바보", "시발"]
    post(client, episode, body=body)
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_a_quick_reader_is_not_trapped_by_time(client, episode):
    # Posting right after opening the page must work: there is no time trap.
    client.get(episode.get_absolute_url())
    assert post(client, episode).status_code == 302
    assert Comment.objects.count() == 1


def test_the_rate_limit_answers_429_with_a_readable_page(client, episode, settings):
    settings.COMMENT_RATE_LIMIT = (5, 600)
    for i in range(5):
        assert post(client, episode, body=f"댓글 {i}").status_code == 302
    response = post(client, episode, body="여섯 번째")
    assert response.status_code == 429
    assert "잠시 후에 다시 써 주세요" in response.content.decode()
    assert Comment.objects.count() == 5


def test_the_rate_limit_is_per_address(client, episode, settings):
    settings.COMMENT_RATE_LIMIT = (1, 600)
    assert (
        client.post(
            post_url(episode), {"name": "a", "body": "첫째"}, REMOTE_ADDR="203.0.113.1"
        ).status_code
        == 302
    )
    assert (
        client.post(
            post_url(episode), {"name": "b", "body": "둘째"}, REMOTE_ADDR="203.0.113.2"
        ).status_code
        == 302
    )
    assert (
        client.post(
            post_url(episode), {"name": "a", "body": "셋째"}, REMOTE_ADDR="203.0.113.1"
        ).status_code
        == 429
    )


def keyed_hash(key: str, ip: str) -> str:
    return hmac.new(key.encode(), ip.encode(), hashlib.sha256).hexdigest()


def test_the_sender_address_is_stored_only_as_a_keyed_hash(client, episode, settings):
    ip = "198.51.100.23"
    post(client, episode, ip=ip)
    comment = Comment.objects.get()
    assert ip not in comment.ip_hash
    assert comment.ip_hash == keyed_hash(settings.SECRET_KEY, ip)
    # Not a plain digest anyone could recompute from a list of addresses.
    assert comment.ip_hash != hashlib.sha256(ip.encode()).hexdigest()
    assert comment.user_agent == ""

    # The key is the site's secret: another secret, another hash for the same address.
    settings.SECRET_KEY = "다른-시험용-비밀-키-" + "k" * 40
    post(client, episode, ip=ip, body="비밀 키가 바뀐 뒤의 댓글입니다.")
    later = Comment.objects.exclude(pk=comment.pk).get()
    assert later.ip_hash == keyed_hash(settings.SECRET_KEY, ip)
    assert later.ip_hash != comment.ip_hash


@pytest.mark.parametrize("state", ["draft", "scheduled", "unknown"])
def test_posting_to_an_unpublished_or_unknown_episode_is_404(client, state):
    episode = make_episode(
        status=Episode.Status.DRAFT if state == "draft" else Episode.Status.PUBLISHED,
        publish_at=None if state == "draft" else timezone.now() + timedelta(days=1),
    )
    url = (
        post_url(episode)
        if state != "unknown"
        else post_url(episode).replace(f"/{episode.number}/", "/9999/")
    )
    assert client.post(url, {"name": "a", "body": "b"}).status_code == 404
    assert Comment.objects.count() == 0


def test_closed_comments_hide_the_form_and_refuse_posts(client):
    episode = make_episode(comments_enabled=False)
    html = client.get(episode.get_absolute_url()).content.decode()
    assert "comment-form" not in html
    assert "이 글은 댓글을 받지 않습니다." in html
    response = client.post(post_url(episode), {"name": "a", "body": "b"})
    assert response.status_code == 403
    assert "댓글이 닫혀 있습니다" in response.content.decode()
    assert Comment.objects.count() == 0


def test_get_on_the_comment_url_is_refused(client, episode):
    assert client.get(post_url(episode)).status_code == 405


def test_moderators_are_emailed_once_for_a_pending_comment(
    client, episode, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, episode)
    assert len(mail.outbox) == 1
    assert moderator.email in mail.outbox[0].to
    assert "지나가던 독자" in mail.outbox[0].body


def test_no_email_for_spam_or_auto_approved_comments(
    client, episode, moderator, django_capture_on_commit_callbacks
):
    Comment.objects.create(
        episode=episode, name="단골", email="r@example.com", body="x", status="approved"
    )
    with django_capture_on_commit_callbacks(execute=True):
        post(client, episode, email="r@example.com")
        post(client, episode, body="바보")
    assert [c.status for c in Comment.objects.order_by("pk")][1:] == ["approved", "spam"]
    assert len(mail.outbox) == 0


def test_a_mail_failure_never_reaches_the_reader(
    client, episode, moderator, monkeypatch, django_capture_on_commit_callbacks
):
    attempts = []

    def broken_send_mail(*args, **kwargs):
        attempts.append(kwargs)
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("columns.services.send_mail", broken_send_mail)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, episode)
    assert len(attempts) == 1
    assert response.status_code == 302
    assert Comment.objects.count() == 1
