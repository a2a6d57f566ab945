"""Cover images: what an upload must be, what is stored of it, and the sizes pages show."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from PIL import ExifTags, Image

from columns import images
from columns.models import Episode, Series
from tests import images as files
from tests.factories import make_episode, make_series

pytestmark = pytest.mark.django_db

HANGUL_MESSAGE = "이미지"


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def with_cover(episode: Episode, data: bytes, *, name: str = "photo.jpg", alt="노을 진 서울 도심"):
    episode.cover = files.upload(data, name)
    episode.cover_alt = alt
    episode.full_clean()
    episode.save()
    episode.refresh_from_db()
    return episode


# --- What an upload must be -----------------------------------------------------


@pytest.mark.parametrize("kind", sorted(files.GOOD))
def test_a_real_jpeg_png_or_webp_is_accepted(kind, settings):
    episode = with_cover(make_episode(), files.GOOD[kind]())
    assert episode.cover.name.startswith("covers/episodes/")
    with default_storage.open(episode.cover.name) as stored:
        Image.open(stored).verify()


@pytest.mark.parametrize("kind", sorted(files.BAD))
def test_a_fake_broken_or_oversized_image_is_refused_in_korean_and_nothing_is_stored(
    kind, settings
):
    episode = make_episode()
    episode.cover = files.upload(files.BAD[kind](), "cover.jpg")
    episode.cover_alt = "설명"
    with pytest.raises(ValidationError) as refused:
        episode.full_clean()
    messages = refused.value.message_dict["cover"]
    assert any(HANGUL_MESSAGE in m for m in messages), messages
    assert stored_files(settings) == []
    assert Episode.objects.get(pk=episode.pk).cover.name == ""


def test_a_file_over_the_size_limit_is_refused_before_it_is_decoded(settings):
    settings.COVER_MAX_BYTES = 10_000
    episode = make_episode()
    episode.cover = files.upload(files.GOOD["png"]() + b"\0" * 20_000)
    episode.cover_alt = "설명"
    with pytest.raises(ValidationError) as refused:
        episode.full_clean()
    assert "너무 큽니다" in refused.value.message_dict["cover"][0]


def test_the_admin_refuses_a_script_renamed_jpg_with_a_korean_error_and_stores_nothing(
    client, superuser, settings
):
    client.force_login(superuser)
    response = client.post(
        "/admin/columns/series/add/",
        {
            "title": "표지 시험 연재",
            "slug": "cover-test",
            "author_name": "바람지기",
            "cover": files.upload(files.BAD["a script renamed .jpg"](), "evil.jpg"),
            "cover_alt": "설명",
        },
    )
    assert response.status_code == 200
    assert "이미지" in response.content.decode()
    assert not Series.objects.filter(slug="cover-test").exists()
    assert stored_files(settings) == []


def test_the_admin_stores_a_real_cover_for_a_series(client, superuser, settings):
    client.force_login(superuser)
    response = client.post(
        "/admin/columns/series/add/",
        {
            "title": "표지 시험 연재",
            "slug": "cover-test",
            "author_name": "바람지기",
            "cover": files.upload(files.with_location(), "우리집.jpg"),
            "cover_alt": "한강 다리 위의 저녁 하늘",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    series = Series.objects.get(slug="cover-test")
    assert series.cover.name.startswith("covers/series/")
    assert series.cover_renditions["jpeg"]


# --- What is stored ---------------------------------------------------------------


def test_location_and_camera_metadata_are_stripped_from_the_stored_original(settings):
    upload = files.with_location()
    assert files.CAMERA.encode() in upload  # the test's photo does carry them
    episode = with_cover(make_episode(), upload)
    stored = default_storage.open(episode.cover.name).read()
    exif = Image.open(io.BytesIO(stored)).getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert ExifTags.Base.Make not in exif
    assert files.CAMERA.encode() not in stored
    assert b"balcony" not in stored


def test_no_stored_file_of_a_cover_carries_its_metadata(settings):
    episode = with_cover(make_episode(), files.with_location("PNG"), name="x.png")
    assert len(stored_files(settings)) > 1
    for path in stored_files(settings):
        data = path.read_bytes()
        image = Image.open(io.BytesIO(data))
        assert not image.getexif(), path
        assert files.CAMERA.encode() not in data, path
    assert episode.cover.name.endswith(".png")


def test_stored_names_are_generated_never_the_uploaded_name(settings):
    episode = with_cover(make_episode(), files.GOOD["jpeg"](), name="../../비밀 사진.php.jpg")
    for path in stored_files(settings):
        assert "비밀" not in path.name and "php" not in path.name
    assert episode.cover.name.startswith("covers/episodes/")


def test_a_sideways_phone_photo_is_stored_upright(settings):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotated 90°: the camera was held upright
    data = files.encoded(files.picture(1200, 800), "JPEG", exif=exif)
    episode = with_cover(make_episode(), data)
    assert (episode.cover_renditions["width"], episode.cover_renditions["height"]) == (800, 1200)


# --- Alt text ---------------------------------------------------------------------


def test_a_cover_without_alt_text_is_refused(settings):
    episode = make_episode()
    episode.cover = files.upload(files.GOOD["jpeg"]())
    episode.cover_alt = "   "
    with pytest.raises(ValidationError) as refused:
        episode.full_clean()
    assert "대체 텍스트" in refused.value.message_dict["cover_alt"][0]
    series = make_series(slug="alt-test")
    series.cover = files.upload(files.GOOD["jpeg"]())
    with pytest.raises(ValidationError) as refused:
        series.full_clean()
    assert "대체 텍스트" in refused.value.message_dict["cover_alt"][0]


@pytest.mark.parametrize("model", [Episode, Series])
def test_the_database_refuses_a_cover_without_alt_text(model, settings):
    owner = make_episode() if model is Episode else make_series(slug="db-alt")
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=owner.pk).update(cover="covers/x.jpg", cover_alt="")


# --- Renditions -------------------------------------------------------------------


def test_renditions_are_made_once_in_webp_and_jpeg_never_wider_than_the_original(settings):
    episode = with_cover(make_episode(), files.GOOD["jpeg"]())  # 1600 wide
    renditions = episode.cover_renditions
    assert [r["width"] for r in renditions["webp"]] == [480, 960, 1440]
    assert [r["width"] for r in renditions["jpeg"]] == [480, 960, 1440]
    for item in renditions["webp"]:
        assert Image.open(default_storage.open(item["name"])).format == "WEBP"
    for item in renditions["jpeg"]:
        image = Image.open(default_storage.open(item["name"]))
        assert image.format == "JPEG" and image.size == (item["width"], item["height"])
    small = with_cover(make_episode(number=2), files.encoded(files.picture(600, 400), "PNG"))
    assert [r["width"] for r in small.cover_renditions["webp"]] == [480, 600]


def test_views_and_later_saves_reuse_the_renditions_and_make_none(client, settings, monkeypatch):
    episode = with_cover(make_episode(), files.GOOD["jpeg"]())
    made = []
    real = images.make_renditions
    monkeypatch.setattr(images, "make_renditions", lambda *a, **k: made.append(1) or real(*a, **k))
    before = stored_files(settings)
    for _ in range(2):
        page = client.get(episode.get_absolute_url())
        assert page.status_code == 200
        assert client.get(episode.series.get_absolute_url()).status_code == 200
    episode.headline = "제목만 고쳤습니다"
    episode.save()
    assert made == []
    assert stored_files(settings) == before


def test_a_new_cover_gets_new_renditions(settings):
    episode = with_cover(make_episode(), files.GOOD["jpeg"]())
    first = episode.cover_renditions
    episode = with_cover(episode, files.GOOD["png"](), name="y.png")
    assert episode.cover_renditions["source"] == episode.cover.name != first["source"]


def test_the_episode_page_shows_the_cover_in_sizes_that_fit_without_shifting(client, settings):
    episode = with_cover(make_episode(), files.GOOD["jpeg"]())
    html = client.get(episode.get_absolute_url()).content.decode()
    assert '<source type="image/webp" srcset="/media/covers/episodes/' in html
    assert " 480w, " in html and " 1440w" in html
    assert 'width="1600" height="1000"' in html
    assert 'alt="노을 진 서울 도심"' in html
    assert 'sizes="(min-width: 42rem) 40rem, 100vw"' in html
    # The first thing on the page: not lazy.
    cover_tag = html[html.index("episode-cover") :]
    assert 'fetchpriority="high"' in cover_tag.split("</picture>")[0]


def test_episode_cards_in_lists_show_the_cover_lazily(client, settings):
    episode = with_cover(make_episode(), files.GOOD["jpeg"]())
    html = client.get(episode.series.get_absolute_url()).content.decode()
    card = html[html.index("episode-card-cover") :].split("</picture>")[0]
    assert 'loading="lazy"' in card
    assert 'width="1600" height="1000"' in card


def test_a_cover_is_served_by_the_site_with_safe_headers(client, settings):
    episode = with_cover(make_episode(), files.GOOD["jpeg"]())
    response = client.get("/media/" + episode.cover.name)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in response["Cache-Control"]
    assert "default-src 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/media/../var/db.sqlite3",
        "/media/%2e%2e/config/settings.py",
        "/media/covers/episodes/missing.jpg",
        "/media/notes.txt",
        "/media/cards/site-abc.png",
    ],
)
def test_the_media_view_serves_nothing_but_stored_pictures(client, settings, path):
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    (Path(settings.MEDIA_ROOT) / "notes.txt").write_text("비밀")
    assert client.get(path).status_code == 404


def test_the_demo_column_has_an_episode_with_a_cover(client, settings):
    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())
    covered = Episode.objects.exclude(cover="").get()
    assert covered.is_published() and covered.cover_alt
    html = client.get("/").content.decode()
    assert f'alt="{covered.cover_alt}"' in html
    first_picture = html.split('<img src="', 1)[1].split('"', 1)[0]
    assert client.get(first_picture)["Content-Type"] == "image/jpeg"
