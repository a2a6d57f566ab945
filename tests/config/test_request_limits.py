"""Public forms take a few text fields: oversized bodies and other formats are refused
with a Korean page before the body is read, file parts are refused without ever
reaching the disk, and nothing is stored."""

import io
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.test import Client, RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from columns.models import Comment
from tests.factories import make_episode

pytestmark = pytest.mark.django_db

URLENCODED = "application/x-www-form-urlencoded"
ONLY_TEXT = "글자만 보낼 수 있습니다"
TOO_LONG = "보낸 내용이 너무 깁니다"


@pytest.fixture
def episode():
    return make_episode()


def post_url(episode):
    return reverse("columns:comment_post", args=[episode.series.slug, episode.number])


def fields(**changes):
    # `body` last, so a test can pad the encoded form by appending to it.
    data = {"name": "파일 든 독자", "email": "", "homepage": "", "body": "첨부와 함께 보냅니다."}
    data.update(changes)
    return data


@pytest.fixture
def upload_handler_calls(monkeypatch):
    """Every file part Django's upload handlers are handed (to memory or to disk)."""
    calls = []
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler.new_file

        def spy(self, *args, _original=original, **kwargs):
            calls.append((type(self).__name__, args, kwargs))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(handler, "new_file", spy)
    return calls


class RecordingStream(io.BytesIO):
    """A request body that remembers whether anyone read from it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


def send(client, episode, body: bytes, content_type: str, **extra):
    stream = RecordingStream(body)
    response = client.generic(
        "POST",
        post_url(episode),
        data=body,
        content_type=content_type,
        REMOTE_ADDR="203.0.113.7",
        **{"wsgi.input": stream, **extra},
    )
    return response, stream


def test_the_upload_spy_sees_a_file_part_when_django_parses_one(upload_handler_calls):
    # Proof that the spy below would notice: plain Django hands the part over.
    body = encode_multipart(BOUNDARY, fields(attachment=SimpleUploadedFile("a.txt", b"x")))
    request = RequestFactory().generic("POST", "/", data=body, content_type=MULTIPART_CONTENT)
    assert "attachment" in request.FILES
    assert len(upload_handler_calls) == 1


@pytest.fixture
def upload_dir(settings, tmp_path):
    """Where Django would spool an uploaded file to disk; it must stay empty."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    return tmp_path


def test_a_multipart_comment_with_a_file_is_refused_and_stores_nothing(
    client, episode, upload_handler_calls, upload_dir
):
    attachment = SimpleUploadedFile("big.bin", b"\0" * 10_000, "application/octet-stream")
    body = encode_multipart(BOUNDARY, fields(attachment=attachment))
    response, _ = send(client, episode, body, MULTIPART_CONTENT)
    assert response.status_code == 400
    html = response.content.decode()
    assert ONLY_TEXT in html
    assert "글만 적어서 다시 보내 주세요" in html
    # No upload handler is ever handed the file: not a byte is kept, in memory or on disk.
    assert upload_handler_calls == []
    assert list(upload_dir.iterdir()) == []
    assert Comment.objects.count() == 0


def test_a_multipart_form_with_a_file_is_refused_before_csrf_or_the_view(
    episode, upload_handler_calls, upload_dir
):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        post_url(episode), fields(attachment=SimpleUploadedFile("a.jpg", b"\xff\xd8 image"))
    )
    # 400 with the Korean page, not CSRF's 403: refused before anything else looks.
    assert response.status_code == 400
    assert ONLY_TEXT in response.content.decode()
    assert upload_handler_calls == []
    assert list(upload_dir.iterdir()) == []
    assert Comment.objects.count() == 0


def test_an_oversized_multipart_body_gets_413_unread(client, episode, upload_handler_calls):
    attachment = SimpleUploadedFile("huge.bin", b"\0" * 100_000, "application/octet-stream")
    body = encode_multipart(BOUNDARY, fields(attachment=attachment))
    response, stream = send(client, episode, body, MULTIPART_CONTENT)
    assert response.status_code == 413
    assert TOO_LONG in response.content.decode()
    assert stream.bytes_read == 0
    assert upload_handler_calls == []
    assert Comment.objects.count() == 0


def test_a_multipart_form_with_text_fields_only_is_accepted(client, episode):
    body = encode_multipart(BOUNDARY, fields(body="글자만 담은 multipart 댓글"))
    response, _ = send(client, episode, body, MULTIPART_CONTENT)
    assert response.status_code == 302
    assert Comment.objects.get().body == "글자만 담은 multipart 댓글"


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("application/json", b'{"name": "a", "body": "b"}'),
        ("text/plain", b"name=a&body=b"),
        ("", b"name=a&body=b"),
    ],
)
def test_other_content_types_are_refused_unread_with_korean_text(
    client, episode, content_type, body
):
    response, stream = send(client, episode, body, content_type)
    assert response.status_code == 400
    assert ONLY_TEXT in response.content.decode()
    assert stream.bytes_read == 0
    assert Comment.objects.count() == 0


def test_an_oversized_urlencoded_body_gets_413_unread(client, episode, settings):
    assert settings.PUBLIC_POST_MAX_BYTES == 64 * 1024
    body = urlencode(fields(body="가" * 10_000)).encode()  # about 90 KB
    assert len(body) > 64 * 1024
    response, stream = send(client, episode, body, URLENCODED)
    assert response.status_code == 413
    html = response.content.decode()
    assert TOO_LONG in html
    assert "5,000자" in html
    assert stream.bytes_read == 0
    assert Comment.objects.count() == 0


def test_the_limit_is_exact_to_the_byte(client, episode, settings):
    prefix = urlencode(fields(body="")).encode()
    at_limit = prefix + b"a" * (settings.PUBLIC_POST_MAX_BYTES - len(prefix))
    response, _ = send(client, episode, at_limit, URLENCODED)
    # Let through to the form, which refuses the too-long body in its own words.
    assert response.status_code == 400
    assert "5,000자" in response.content.decode()
    response, stream = send(client, episode, at_limit + b"a", URLENCODED)
    assert response.status_code == 413
    assert stream.bytes_read == 0
    assert Comment.objects.count() == 0


def test_a_body_of_unknown_length_gets_413(client, episode):
    body = urlencode(fields()).encode()
    response, stream = send(client, episode, body, URLENCODED, CONTENT_LENGTH="")
    assert response.status_code == 413
    assert TOO_LONG in response.content.decode()
    assert stream.bytes_read == 0
    assert Comment.objects.count() == 0


def test_refusals_are_korean_pages_with_the_public_headers(client, episode):
    response, _ = send(client, episode, b"{}", "application/json")
    assert response["Content-Language"] == "ko"
    assert response["X-Frame-Options"] == "DENY"
    assert 'lang="ko"' in response.content.decode()


def test_a_normal_comment_post_still_works(client, episode):
    body = urlencode(fields(name="보통 독자", body="평범한 댓글입니다.")).encode()
    response, _ = send(client, episode, body, URLENCODED + "; charset=UTF-8")
    assert response.status_code == 302
    assert Comment.objects.get().body == "평범한 댓글입니다."


def test_the_longest_allowed_comment_fits_under_the_limit(client, episode):
    # 5,000 four-byte characters, percent-encoded: the worst case a reader can write.
    body = urlencode(fields(body="😀" * 5000)).encode()
    response, _ = send(client, episode, body, URLENCODED)
    assert response.status_code == 302
    assert Comment.objects.get().body == "😀" * 5000


def test_the_admin_keeps_djangos_own_limits(client, staff):
    # The admin login form arrives as multipart from the test client: not refused.
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "staff", "password": "correct-horse-battery"},
    )
    assert response.status_code == 302


def test_a_file_part_is_refused_whatever_the_memory_upload_limit(client, episode, settings):
    # Django's memory handler steps aside for bodies over this size; the refusal must not.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    attachment = SimpleUploadedFile("note.txt", b"a small file", "text/plain")
    body = encode_multipart(BOUNDARY, fields(attachment=attachment))
    response, _ = send(client, episode, body, MULTIPART_CONTENT)
    assert response.status_code == 400
    assert Comment.objects.count() == 0
