"""The Korean web font shipped with the site: every weight the stylesheet uses, every
syllable the pages print, `font-display: swap`, nothing from another host."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CSS = (ROOT / "static" / "css" / "site.css").read_text()
FACES = re.findall(r"@font-face\s*\{(.*?)\}", CSS, re.S)


def weights_used() -> set[int]:
    rules = re.sub(r"@font-face\s*\{.*?\}", "", CSS, flags=re.S)
    used = {int(w) for w in re.findall(r"font-weight:\s*(\d+)", rules)}
    return used | {400, 700}  # body text; headings and <strong> are bold


def test_every_weight_the_stylesheet_uses_has_its_own_font_file():
    shipped = {int(re.search(r"font-weight:\s*(\d+)", face).group(1)) for face in FACES}
    assert weights_used() <= shipped
    for face in FACES:
        assert 'font-family: "Pretendard"' in face
        assert "font-display: swap" in face
        (url,) = re.findall(r'url\("([^"]+)"\)', face)
        assert not url.startswith(("http:", "https:", "//")), url  # never from a CDN
        assert (ROOT / "static" / "css" / url).resolve().is_file(), url


def test_the_body_font_stack_starts_with_the_shipped_font():
    assert re.search(r'body \{[^}]*font-family: "Pretendard",', CSS, re.S)


def test_the_font_license_ships_with_the_fonts():
    assert (
        "SIL OPEN FONT LICENSE"
        in (ROOT / "static/fonts/LICENSE-Pretendard.txt").read_text().upper()
    )


def printed_syllables() -> set[str]:
    """Hangul the site prints: its templates, the demo column and the share-card sentence."""
    sources = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("columns/demo/posts/*.txt")]
    text = "".join(path.read_text(encoding="utf-8") for path in sources)
    return set(re.findall(r"[\uac00-\ud7a3]", text))


@pytest.mark.parametrize("weight", [400, 600, 700, 800])
def test_each_weight_draws_every_syllable_the_pages_print(weight):
    ttLib = pytest.importorskip("fontTools.ttLib")  # the dev extra
    font = ttLib.TTFont(ROOT / "static" / "fonts" / f"pretendard-{weight}.woff2")
    cmap = font.getBestCmap()
    missing = sorted(c for c in printed_syllables() if ord(c) not in cmap)
    assert missing == []
    for character in "0123456789()-·“”…":
        assert ord(character) in cmap, character


def test_the_share_card_font_draws_every_hangul_syllable():
    ttLib = pytest.importorskip("fontTools.ttLib")
    cmap = ttLib.TTFont(ROOT / "columns" / "fonts" / "Pretendard-Bold-hangul.otf").getBestCmap()
    assert all(code in cmap for code in range(0xAC00, 0xD7A4))
