"""Image files built by the tests: real pictures, fakes, broken ones and a bomb."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

# Where the picture was taken: what must never reach the stored files.
SEOUL_CITY_HALL = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (37.0, 33.0, 59.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (126.0, 58.0, 40.0),
}
CAMERA = "FictionalCam X100"  # EXIF text is ASCII


def picture(width: int = 1600, height: int = 1000, colour=(40, 110, 150)) -> Image.Image:
    image = Image.new("RGB", (width, height), colour)
    # A stripe, so crops and resizes have something to show.
    image.paste((240, 200, 60), (0, height // 3, width, height // 2))
    return image


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def with_location(fmt: str = "JPEG", **size) -> bytes:
    """A photo carrying GPS coordinates, a camera name and a comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA
    exif[ExifTags.Base.ImageDescription] = "on our balcony at home"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(SEOUL_CITY_HALL)
    return encoded(picture(**size), fmt, exif=exif)


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG claiming huge dimensions: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    rows = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


GOOD = {
    "jpeg": lambda: encoded(picture(), "JPEG", quality=90),
    "png": lambda: encoded(picture(), "PNG"),
    "webp": lambda: encoded(picture(), "WEBP"),
    "png with transparency": lambda: encoded(Image.new("RGBA", (900, 600), (0, 0, 0, 0)), "PNG"),
}

BAD = {
    "a script renamed .jpg": lambda: b"#!/bin/sh\nrm -rf / --no-preserve-root\n",
    "an HTML page renamed .jpg": lambda: b"<html><script>alert(1)</script></html>",
    "a truncated JPEG": lambda: encoded(picture(), "JPEG", quality=90)[:4000],
    "a decompression bomb": lambda: png_header_only(60_000, 60_000),
    "over the pixel limit": lambda: png_header_only(8_000, 6_000),
    "a GIF (real, but not a format we store)": lambda: encoded(picture(), "GIF"),
    "empty": lambda: b"",
}
