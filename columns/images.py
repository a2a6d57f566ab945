"""Cover images: what an upload must be, what is stored of it, and its renditions.

An upload is judged by decoding it with Pillow, never by its name or declared
type: only JPEG, PNG and WebP, at most `COVER_MAX_BYTES` and
`COVER_MAX_PIXELS`, decoded to the last byte (a truncated file fails), so a
script renamed `.jpg` and a decompression bomb are refused with a Korean
`ValidationError` before anything is stored.

What is stored is never the upload's bytes: the decoded picture is turned
upright (EXIF orientation) and encoded again without its metadata (location,
camera, dates, comments; only the colour profile stays), under a generated
name. Renditions (a few widths, WebP and a JPEG fallback) are made from it at
the same time, once, and recorded in the owner's `cover_renditions` JSON, which
pages only read.

Covers appear in the page header and episode cards, not in the stored episode
body, so a new cover reaches readers through the Episode save trigger's
page-cache renewal (columns.projections) with nothing else to refresh.
"""

from __future__ import annotations

import io
import uuid
import warnings
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

# A truncated file must fail, never be "repaired" into a grey half-picture.
ImageFile.LOAD_TRUNCATED_IMAGES = False

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
RENDITION_WIDTHS = (480, 960, 1440)
JPEG_QUALITY = 85
WEBP_QUALITY = 80

# Bumped when renditions change shape; older records are made again on save.
RENDITIONS_FORMAT = 1


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g}MB"


def validate_cover_image(file) -> None:
    """Refuse anything but a whole, real JPEG, PNG or WebP within the limits."""
    size = getattr(file, "size", None)
    if size is not None and size > settings.COVER_MAX_BYTES:
        raise ValidationError(
            _("이미지 파일이 너무 큽니다: %(limit)s 이하로 올려 주세요(지금 %(size)s)."),
            code="cover_too_large",
            params={"limit": _megabytes(settings.COVER_MAX_BYTES), "size": _megabytes(size)},
        )
    _decode(file)


def _decode(file) -> Image.Image:
    """The upload decoded whole, or a ValidationError saying why it cannot be."""
    file.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it; refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file)
            if image.format not in FORMATS:
                raise ValidationError(
                    _("JPEG, PNG, WebP 이미지만 올릴 수 있습니다(이 파일은 %(format)s)."),
                    code="cover_format",
                    params={"format": image.format},
                )
            width, height = image.size
            if width * height > settings.COVER_MAX_PIXELS:
                raise ValidationError(
                    _(
                        "이미지의 픽셀 수가 너무 많습니다(%(width)s×%(height)s): "
                        "%(limit)s 화소 이하로 줄여 주세요."
                    ),
                    code="cover_too_many_pixels",
                    params={
                        "width": width,
                        "height": height,
                        "limit": f"{settings.COVER_MAX_PIXELS:,}",
                    },
                )
            image.load()  # every byte decoded: a truncated file fails here
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(
            _("이미지의 픽셀 수가 너무 많습니다: 더 작은 이미지를 올려 주세요."),
            code="cover_too_many_pixels",
        ) from error
    except UnidentifiedImageError as error:
        raise ValidationError(
            _("이미지로 읽을 수 없는 파일입니다. JPEG, PNG, WebP 이미지만 올릴 수 있습니다."),
            code="cover_not_image",
        ) from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ValidationError(
            _("이미지 파일이 손상되었거나 끝까지 올라오지 않았습니다. 다시 올려 주세요."),
            code="cover_broken",
        ) from error
    finally:
        file.seek(0)
    return image


def _without_metadata(image: Image.Image) -> Image.Image:
    """The same pixels, upright, with nothing of the original's metadata but its colours."""
    upright = ImageOps.exif_transpose(image) or image
    if upright.mode not in ("RGB", "RGBA", "L", "LA"):
        upright = upright.convert("RGBA" if "transparency" in image.info else "RGB")
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    icc = image.info.get("icc_profile")
    clean.info = {"icc_profile": icc} if icc else {}
    return clean


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    icc = image.info.get("icc_profile")
    extra: dict[str, Any] = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        if image.mode != "RGB":
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.getchannel("A") if "A" in image.mode else None)
            image = flat
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True, **extra)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=4, **extra)
    else:
        image.save(out, "PNG", optimize=True, **extra)
    return out.getvalue()


def generated_name(folder: str, extension: str) -> str:
    """A fresh name under `covers/<folder>/`: never anything the uploader chose."""
    return f"covers/{folder}/{uuid.uuid4().hex}.{extension}"


def upload_to(instance, filename: str) -> str:
    # Only reached if a file is saved without `store_cover` (never the upload's name).
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return generated_name(instance._meta.model_name, extension)


def store_cover(owner, *, folder: str) -> None:
    """Called by the owner's `save()`: store a new upload cleaned, and its renditions once.

    A new (uncommitted) upload is decoded, stripped and stored under a
    generated name; then, unless `cover_renditions` already describes this
    cover, its renditions are made and recorded. No cover: no renditions.
    """
    cover = owner.cover
    if not cover:
        owner.cover_renditions = {}
        return
    image = None
    if not cover._committed:
        image = _decode(cover.file)
        fmt = image.format
        clean = _without_metadata(image)
        name = default_storage.save(
            generated_name(folder, FORMATS[fmt]), ContentFile(_encode(clean, fmt))
        )
        owner.cover = name
        image = clean
    if _renditions_current(owner):
        return
    if image is None:
        with default_storage.open(owner.cover.name, "rb") as stored:
            image = _without_metadata(Image.open(stored))
            image.load()
    owner.cover_renditions = make_renditions(image, source=owner.cover.name)


def _renditions_current(owner) -> bool:
    stored = owner.cover_renditions or {}
    return stored.get("source") == owner.cover.name and stored.get("v") == RENDITIONS_FORMAT


def make_renditions(image: Image.Image, *, source: str) -> dict:
    """Store each width (never wider than the original) in WebP and JPEG; describe them."""
    width, height = image.size
    widths = [w for w in RENDITION_WIDTHS if w < width] + [min(width, RENDITION_WIDTHS[-1])]
    stem = source.rsplit(".", 1)[0]
    record: dict[str, Any] = {
        "v": RENDITIONS_FORMAT,
        "source": source,
        "width": width,
        "height": height,
        "webp": [],
        "jpeg": [],
    }
    for w in sorted(set(widths)):
        h = max(1, round(height * w / width))
        resized = image.resize((w, h), Image.Resampling.LANCZOS) if w != width else image
        for fmt, key in (("WEBP", "webp"), ("JPEG", "jpeg")):
            name = default_storage.save(
                f"{stem}-{w}w.{FORMATS[fmt]}", ContentFile(_encode(resized, fmt))
            )
            record[key].append({"name": name, "width": w, "height": h})
    return record


def picture_sources(renditions: dict) -> dict | None:
    """What a `<picture>` needs: srcsets, the fallback and its size; None without renditions."""
    if not renditions or not renditions.get("jpeg"):
        return None

    def srcset(items):
        return ", ".join(f"{default_storage.url(i['name'])} {i['width']}w" for i in items)

    fallback = renditions["jpeg"][min(1, len(renditions["jpeg"]) - 1)]
    return {
        "webp_srcset": srcset(renditions["webp"]),
        "jpeg_srcset": srcset(renditions["jpeg"]),
        "src": default_storage.url(fallback["name"]),
        "width": renditions["width"],
        "height": renditions["height"],
    }
