"""Draw the favicon and the touch icon (static/), committed: `python tools/build_icons.py`.

A rounded square in the site's accent colour with "뉴" in the share cards' font.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONT = ROOT / "columns" / "fonts" / "Pretendard-Bold-hangul.otf"
ACCENT = "#0b5c7a"


def icon(size: int, *, rounded: bool) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    radius = big // 5 if rounded else 0
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=radius, fill=ACCENT)
    font = ImageFont.truetype(str(FONT), round(big * 0.62))
    draw.text((big / 2, big / 2), "뉴", font=font, fill="white", anchor="mm")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    static = ROOT / "static"
    icon(64, rounded=True).save(
        static / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48), (64, 64)]
    )
    # iOS rounds the corners itself and shows transparency as black: a full square.
    icon(180, rounded=False).convert("RGB").save(static / "apple-touch-icon.png", optimize=True)
    icon(192, rounded=True).save(static / "icon-192.png", optimize=True)


if __name__ == "__main__":
    main()
