"""Share cards: the picture KakaoTalk, Facebook and X show beside a shared link.

Every public page names one in `og:image` (templates/includes/share_meta.html):
an episode's own card, a series' card, or the site's card elsewhere. A card
is 1200 × 600 (2:1, the shape KakaoTalk crops to): the cover cropped to that
shape when there is one, otherwise drawn here with Pillow in the shipped
Korean font (columns/fonts/): series title, `48화`, the headline.

A card is derived data, addressed by its content: its URL carries a token
made from everything drawn on it (keyed with SECRET_KEY, so no one can name
the card of text they have not seen), so a new headline, number, series
title or cover is a new URL that platforms' caches have never seen. Pages
compute the token with no query and no drawing. The picture is drawn on its
first request (columns.views.share_card), stored once in the default storage
under `cards/`, and served from there afterwards. Only published episodes have
a card: for a draft or a scheduled episode the address is 404 for everyone,
so nothing unpublished is ever drawn, stored or served. Nothing in the stored
episode body refers to a card, so there is nothing for columns.projections
to refresh; the page-cache renewal of the write that changed the text puts the
new URL on the pages.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont, ImageOps

WIDTH, HEIGHT = 1200, 600
FONT = Path(__file__).resolve().parent / "fonts" / "Pretendard-Bold-hangul.otf"
# Raise when the drawing changes: every card gets a new URL.
CARD_FORMAT = 1
SITE_SENTENCE = "뉴스를 골라 요약하고 인용하며 논평하는 연재"

BACKGROUND = "#0b3d52"
TEXT = "#ffffff"
SOFT = "#cfe6ee"
ACCENT = "#ffd27a"
MARGIN = 72


@dataclass(frozen=True)
class Card:
    path: str  # the card's address on this site (made absolute by the page)
    storage_name: str
    alt: str
    mime: str
    width: int = WIDTH
    height: int = HEIGHT


def _token(*parts) -> str:
    message = json.dumps([CARD_FORMAT, *parts], ensure_ascii=False).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:20]


def signing_fingerprint() -> str:
    """Changes with the secret key that signs every card's name, and reveals nothing of it.

    Stored pages name their cards, so a new key (a rotation, or `make serve`
    after `make run` on one database) must make them out of date.
    """
    return _token("signing")


def _extension(cover) -> str:
    return "jpg" if cover else "png"


def episode_card(episode) -> Card:
    """The card of one episode (needs `series` loaded; no query)."""
    token = _token(
        "episode", episode.series.title, episode.number, episode.headline, episode.cover.name
    )
    ext = _extension(episode.cover)
    name = f"{token}.{ext}"
    alt = (
        episode.cover_alt
        if episode.cover
        else f"{episode.series.title} {episode.number}화: {episode.headline}"
    )
    return Card(
        path=reverse("columns:episode_card", args=[episode.series.slug, episode.number, name]),
        storage_name=f"cards/episode-{episode.pk}-{name}",
        alt=alt,
        mime=f"image/{'jpeg' if ext == 'jpg' else 'png'}",
    )


def series_card(series) -> Card:
    token = _token("series", series.title, series.author_name, series.cover.name)
    ext = _extension(series.cover)
    name = f"{token}.{ext}"
    alt = series.cover_alt if series.cover else f"연재 {series.title}, {series.author_name}"
    return Card(
        path=reverse("columns:series_card", args=[series.slug, name]),
        storage_name=f"cards/series-{series.pk}-{name}",
        alt=alt,
        mime=f"image/{'jpeg' if ext == 'jpg' else 'png'}",
    )


def site_card() -> Card:
    name = f"{_token('site', settings.SITE_NAME, SITE_SENTENCE)}.png"
    return Card(
        path=reverse("columns:site_card", args=[name]),
        storage_name=f"cards/site-{name}",
        alt=f"{settings.SITE_NAME}: {SITE_SENTENCE}",
        mime="image/png",
    )


def stored(card: Card, draw) -> str:
    """The card's name in storage, drawing and storing it first if it is not there yet."""
    if not default_storage.exists(card.storage_name):
        return default_storage.save(card.storage_name, ContentFile(draw()))
    return card.storage_name


# --- Drawing ---------------------------------------------------------------------


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size)


def _wrap(text: str, font, width: int, max_lines: int) -> list[str]:
    """Lines no wider than `width`, broken between words (Korean style), then characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:  # a word wider than the card breaks where it must
            if font.getlength(line + char) > width and line:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _cropped_cover(cover) -> bytes:
    with default_storage.open(cover.name, "rb") as file:
        image = Image.open(file)
        image.load()
    image = ImageOps.fit(image.convert("RGB"), (WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()


def _text_card(*, kicker: str, number: str, headline: str, footer: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 16, HEIGHT), fill=ACCENT)
    y = MARGIN - 8
    kicker_font = _font(38)
    draw.text(
        (MARGIN, y),
        _wrap(kicker, kicker_font, WIDTH - 2 * MARGIN, 1)[0],
        font=kicker_font,
        fill=SOFT,
    )
    y += 64
    if number:
        number_font = _font(56)
        draw.text((MARGIN, y), number, font=number_font, fill=ACCENT)
        y += 84
    headline_font = _font(68 if len(headline) <= 40 else 56)
    line_height = round(headline_font.size * 1.3)
    max_lines = max(1, (HEIGHT - MARGIN - 60 - y) // line_height)
    for line in _wrap(headline, headline_font, WIDTH - 2 * MARGIN, max_lines):
        draw.text((MARGIN, y), line, font=headline_font, fill=TEXT)
        y += line_height
    footer_font = _font(30)
    draw.text((MARGIN, HEIGHT - MARGIN - 10), footer, font=footer_font, fill=SOFT)
    return _png(image)


def draw_episode(episode) -> bytes:
    if episode.cover:
        return _cropped_cover(episode.cover)
    return _text_card(
        kicker=episode.series.title,
        number=f"{episode.number}화",
        headline=episode.headline,
        footer=f"by {episode.series.author_name} · {settings.SITE_NAME}",
    )


def draw_series(series) -> bytes:
    if series.cover:
        return _cropped_cover(series.cover)
    return _text_card(
        kicker="연재",
        number="",
        headline=series.title,
        footer=f"by {series.author_name} · {settings.SITE_NAME}",
    )


def draw_site() -> bytes:
    return _text_card(kicker=settings.SITE_NAME, number="", headline=SITE_SENTENCE, footer="")
