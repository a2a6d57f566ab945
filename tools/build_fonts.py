"""Build the site's Korean web font and the share-card font from the `pretendard` npm package.

    make fonts        # npm install pretendard@1.3.9 into var/fonts-build, then this script

Pretendard (OFL-1.1) is subset with fontTools' pyftsubset to what the pages
print: Basic Latin and Latin-1, general punctuation, the symbols the column
uses, Hangul compatibility jamo and the 2,350 syllables of KS X 1001 (the
syllables of everyday Korean text; a rarer one falls back to the next font in
the stack). One WOFF2 per weight the stylesheet uses (400, 600, 700, 800).

The share cards (columns/sharecards.py) draw editors' headlines, so their font
keeps every one of the 11,172 Hangul syllables (one OTF, bold).

The outputs are committed; this script only has to run when the font or the
character set changes. Needs fonttools and brotli (the dev extra).
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "var" / "fonts-build" / "node_modules" / "pretendard" / "dist"
WEB_FONTS = ROOT / "static" / "fonts"
CARD_FONTS = ROOT / "columns" / "fonts"
WEIGHTS = {400: "Regular", 600: "SemiBold", 700: "Bold", 800: "ExtraBold"}

LATIN = ",".join(
    [
        "U+0020-007E", "U+00A0-00FF",  # Basic Latin, Latin-1
        "U+2010-2027", "U+2030-205E",  # dashes, curly quotes, ellipsis, primes
        "U+20A9", "U+2190-2193", "U+2460-2473",  # won sign, arrows, circled numbers
        "U+3000-303F", "U+FF01-FF5E", "U+FFE6",  # CJK punctuation, full-width forms
    ]
)  # fmt: skip
JAMO = "U+3131-318E"


def ks_x_1001_syllables() -> str:
    """The 2,350 Hangul syllables of KS X 1001 (EUC-KR rows 0xB0-0xC8)."""
    syllables = []
    for lead in range(0xB0, 0xC9):
        for trail in range(0xA1, 0xFF):
            try:
                syllables.append(bytes([lead, trail]).decode("euc-kr"))
            except UnicodeDecodeError:
                continue
    return "".join(syllables)


def subset(source: Path, output: Path, *, unicodes: str, text: str = "", flavor: str = "") -> None:
    command = [
        sys.executable, "-m", "fontTools.subset", str(source),
        f"--unicodes={unicodes}", f"--output-file={output}",
        "--layout-features=kern,liga,calt,ccmp,locl,mark,mkmk",
        "--no-hinting",
    ]  # fmt: skip
    if text:
        command.append(f"--text={text}")
    if flavor:
        command += [f"--flavor={flavor}", "--desubroutinize"]  # compresses better in WOFF2
    subprocess.run(command, check=True)  # noqa: S603 - our own interpreter and arguments


def main() -> None:
    static = PACKAGE / "public" / "static"
    if not static.is_dir():
        sys.exit(f"{static} is missing: run `make fonts` (it installs the npm package first).")
    WEB_FONTS.mkdir(parents=True, exist_ok=True)
    CARD_FONTS.mkdir(parents=True, exist_ok=True)
    syllables = ks_x_1001_syllables()
    for weight, name in WEIGHTS.items():
        subset(
            static / f"Pretendard-{name}.otf",
            WEB_FONTS / f"pretendard-{weight}.woff2",
            unicodes=f"{LATIN},{JAMO}",
            text=syllables,
            flavor="woff2",
        )
    subset(
        static / "Pretendard-Bold.otf",
        CARD_FONTS / "Pretendard-Bold-hangul.otf",
        unicodes=f"{LATIN},{JAMO},U+AC00-D7A3",
    )
    license_text = (PACKAGE / "LICENSE.txt").read_text(encoding="utf-8")
    for folder in (WEB_FONTS, CARD_FONTS):
        (folder / "LICENSE-Pretendard.txt").write_text(license_text, encoding="utf-8")
    for path in sorted([*WEB_FONTS.glob("*.woff2"), *CARD_FONTS.glob("*.otf")]):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
