"""Colours: every text colour passes WCAG AA on its backgrounds, in the light and dark schemes.

Read from the custom properties in static/css/site.css, so a colour changed
there is checked here.
"""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "site.css").read_text()

# (text, background, minimum ratio, where readers see it)
PAIRS = [
    ("ink", "paper", 4.5, "body text"),
    ("ink", "surface", 4.5, "header, cards, form fields"),
    ("ink-soft", "paper", 4.5, "quotes, closing, subtitle"),
    ("muted", "paper", 4.5, "bylines, dates, the comment form's help"),
    ("muted", "surface", 4.5, "previous/next labels"),
    ("accent", "paper", 4.5, "links"),
    ("accent", "surface", 4.5, "links in the header"),
    ("accent", "accent-soft", 4.5, "'1번 기사에 대하여' tags, notices"),
    ("ink", "accent-soft", 4.5, "notices"),
    ("on-accent", "accent", 4.5, "buttons (the comment form's 보내기)"),
    ("warn", "warn-soft", 4.5, "the preview banner"),
    ("ink", "warn-soft", 4.5, "error messages"),
    ("error", "paper", 4.5, "form errors"),
    ("ink", "code-bg", 4.5, "code blocks"),
    ("ink", "mark", 4.5, "search highlights"),
    ("field-border", "surface", 3.0, "form field outlines (non-text)"),
    ("accent", "paper", 3.0, "focus outline (non-text)"),
]


def custom_properties(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", block))


def schemes() -> dict[str, dict[str, str]]:
    light = custom_properties(re.search(r"^:root\s*\{(.*?)\}", CSS, re.S | re.M).group(1))
    dark_block = re.search(
        r"@media \(prefers-color-scheme: dark\)\s*\{\s*:root\s*\{(.*?)\}", CSS, re.S
    ).group(1)
    return {"light": light, "dark": {**light, **custom_properties(dark_block)}}


def luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_matches_wcag():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_dark_mode_changes_every_background():
    light, dark = schemes()["light"], schemes()["dark"]
    for name in ("paper", "surface", "ink", "accent"):
        assert dark[name] != light[name], name


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("text", "background", "minimum", "where"), PAIRS)
def test_text_colours_pass_wcag_aa(scheme, text, background, minimum, where):
    colours = schemes()[scheme]
    ratio = contrast(colours[text], colours[background])
    assert ratio >= minimum, f"{scheme}: {text} on {background} ({where}) is {ratio:.2f}:1"
