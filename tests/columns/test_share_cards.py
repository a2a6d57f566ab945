"""Share cards: every page names a large picture, drawn by the site or cut from the cover."""

import io
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from columns import sharecards
from columns.models import Episode
from tests import images as files
from tests.columns.test_share_previews import HeadReader
from tests.factories import make_episode, make_series

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode():
    series = make_series(title="저녁의 기술 뉴스", slug="evening", author_name="바람지기")
    return make_episode(series, 48, headline="바다 건너 데이터센터", keywords=("전력",))


def head(client, url: str) -> HeadReader:
    response = client.get(url)
    assert response.status_code == 200, url
    return HeadReader(response.content.decode())


def card_path(client, url: str) -> str:
    return urlsplit(head(client, url).one("og:image")).path


def fetch_picture(client, path: str) -> Image.Image:
    response = client.get(path)
    assert response.status_code == 200, path
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))


def cards_stored(settings) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "cards"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_every_page_type_names_a_large_share_image_with_its_size_and_alt(client, episode):
    pages = [
        reverse("columns:home"),
        reverse("columns:series_list"),
        episode.series.get_absolute_url(),
        episode.get_absolute_url(),
        reverse("columns:keyword", args=[episode.keywords.first().slug]),
        episode.articles.first().outlet.get_absolute_url(),
        reverse("columns:search") + "?q=데이터",
    ]
    for url in pages:
        page = head(client, url)
        image = page.one("og:image")
        assert image.startswith("http://testserver/"), url
        assert int(page.one("og:image:width")) >= 1200, url
        assert int(page.one("og:image:height")) >= 600, url
        assert page.one("og:image:alt"), url
        assert page.one("twitter:card") == "summary_large_image", url
        assert page.one("twitter:image") == image
        assert fetch_picture(client, urlsplit(image).path).size == (1200, 600), url


def test_an_episode_without_cover_gets_a_drawn_card_naming_the_series_number_and_headline(
    client, episode
):
    page = head(client, episode.get_absolute_url())
    assert page.one("og:image:alt") == "저녁의 기술 뉴스 48화: 바다 건너 데이터센터"
    assert page.one("og:image:type") == "image/png"
    picture = fetch_picture(client, urlsplit(page.one("og:image")).path)
    assert picture.format == "PNG" and picture.size == (1200, 600)
    # Drawn: the background colour with lighter text on it, not a blank picture.
    colours = picture.convert("RGB").getcolors(maxcolors=100_000)
    assert len(colours) > 50


def test_the_card_is_drawn_once_and_then_served_from_storage(
    client, episode, monkeypatch, settings
):
    path = card_path(client, episode.get_absolute_url())
    drawn = []
    real = sharecards.draw_episode
    monkeypatch.setattr(sharecards, "draw_episode", lambda e: drawn.append(1) or real(e))
    first = fetch_picture(client, path)
    second = fetch_picture(client, path)
    assert drawn == [1]
    assert first.tobytes() == second.tobytes()
    assert len(cards_stored(settings)) == 1
    response = client.get(path)
    assert "immutable" in response["Cache-Control"]


@pytest.mark.parametrize(
    "change",
    [
        lambda e: setattr(e, "headline", "바다 건너 데이터센터, 그 뒤"),
        lambda e: setattr(e, "number", 49),
        lambda e: (setattr(e.series, "title", "밤의 기술 뉴스"), e.series.save()),
    ],
    ids=["headline", "number", "series title"],
)
def test_a_change_to_what_the_card_shows_gives_it_a_new_address_and_a_new_picture(
    client, episode, change
):
    old_path = card_path(client, episode.get_absolute_url())
    old_picture = fetch_picture(client, old_path)
    change(episode)
    episode.save()
    new_path = card_path(client, episode.get_absolute_url())
    assert new_path != old_path
    new_picture = fetch_picture(client, new_path)
    assert new_picture.tobytes() != old_picture.tobytes()


def test_an_outdated_card_address_leads_to_the_current_card(client, episode):
    old_path = card_path(client, episode.get_absolute_url())
    episode.headline = "고쳐 쓴 제목"
    episode.save()
    response = client.get(old_path)
    assert response.status_code == 302
    assert response["Location"] == card_path(client, episode.get_absolute_url())


def test_an_episode_with_a_cover_shares_the_cover_cropped_to_two_by_one(client, episode):
    episode.cover = files.upload(files.encoded(files.picture(1000, 1000), "JPEG"))
    episode.cover_alt = "물 위에 뜬 서버 상자"
    episode.save()
    page = head(client, episode.get_absolute_url())
    assert page.one("og:image:alt") == "물 위에 뜬 서버 상자"
    assert page.one("og:image:type") == "image/jpeg"
    picture = fetch_picture(client, urlsplit(page.one("og:image")).path)
    assert picture.format == "JPEG" and picture.size == (1200, 600)


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_no_card_is_drawn_or_served_for_an_unpublished_episode(
    client, staff, settings, state, monkeypatch
):
    if state == "draft":
        episode = make_episode(headline="아직 비밀인 제목", status=Episode.Status.DRAFT)
    else:
        episode = make_episode(
            headline="아직 비밀인 제목", publish_at=timezone.now() + timezone.timedelta(days=1)
        )
    path = sharecards.episode_card(episode).path
    monkeypatch.setattr(sharecards, "draw_episode", lambda e: pytest.fail("drew a draft"))
    assert client.get(path).status_code == 404
    client.force_login(staff)
    assert client.get(episode.get_absolute_url()).status_code == 200  # the preview itself
    assert client.get(path).status_code == 404
    assert cards_stored(settings) == []


def test_card_addresses_cannot_be_guessed_from_the_text(episode, settings):
    path = sharecards.episode_card(episode).path
    settings.SECRET_KEY = "another-secret-for-this-test"
    assert sharecards.episode_card(episode).path != path


def test_json_ld_names_the_card_as_the_episode_image(client, episode):
    page = head(client, episode.get_absolute_url())
    (data,) = page.json_ld()
    assert data["image"]["url"] == page.one("og:image")
    assert (data["image"]["width"], data["image"]["height"]) == (1200, 600)


def test_feeds_carry_each_episode_card(client, episode):
    image = head(client, episode.get_absolute_url()).one("og:image")
    rss = client.get(reverse("columns:feed_rss")).content.decode()
    assert "xmlns:media=" in rss
    (entry,) = feedparser.parse(rss).entries
    assert entry.media_content[0]["url"] == image
    assert entry.media_content[0]["medium"] == "image"
    atom = feedparser.parse(client.get(reverse("columns:feed_atom")).content)
    (entry,) = atom.entries
    enclosures = [link for link in entry.links if link.get("rel") == "enclosure"]
    assert [(e["href"], e["type"]) for e in enclosures] == [(image, "image/png")]


def test_a_series_page_shares_the_series_card(client, episode):
    page = head(client, episode.series.get_absolute_url())
    assert "/series/evening/card-" in page.one("og:image")
    assert page.one("og:image:alt") == "연재 저녁의 기술 뉴스, 바람지기"


def test_the_site_has_a_favicon_and_a_touch_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.ico")
    html = client.get(reverse("columns:home")).content.decode()
    assert 'rel="apple-touch-icon"' in html
    root = Path(__file__).resolve().parents[2] / "static"
    assert Image.open(root / "apple-touch-icon.png").size == (180, 180)
    assert Image.open(root / "favicon.ico").format == "ICO"
