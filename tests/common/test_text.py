"""common.text.fold's fast path folds exactly as the character table does."""

import re

import pytest

from common import text
from common.text import FOLD_TABLE, fold, fold_composed


def _characters_of_the_fast_path() -> list[str]:
    """Every character the fast path's class admits, read from the pattern itself."""
    admitted = re.compile(text._FOLDS_AS_CASEFOLD.pattern[:-1])  # the class, without `*`
    return [chr(c) for c in range(0x30000) if admitted.fullmatch(chr(c))]


def test_every_character_of_the_fast_path_folds_as_the_table_does():
    characters = _characters_of_the_fast_path()
    assert len(characters) > 11_000  # printable ASCII and every Hangul syllable
    differing = [c for c in characters if fold_composed(c) != c.translate(FOLD_TABLE)]
    assert differing == []


@pytest.mark.parametrize(
    "written",
    [
        "생성형 AI가 “도서관”을 바꾼다 — 2026년 · 서울",
        "ＡＩ 반도체…",  # full-width letters and an ellipsis: NFKC changes them
        "Straße의 ﬁle",  # ß casefolds to ss; ﬁ is a ligature
        "줄\t바꿈\n과\u200b보이지 않는 글자",  # tab, newline, zero-width space
        "",
    ],
)
def test_fold_agrees_with_the_table_on_mixed_text(written):
    assert fold(written) == written.translate(FOLD_TABLE)
    assert fold_composed(written) == written.translate(FOLD_TABLE)


def test_the_fast_path_is_taken_for_plain_korean_prose():
    assert text._FOLDS_AS_CASEFOLD.fullmatch("생성형 AI가 “도서관”을 바꾼다 — 2026년 · 서울")
    assert not text._FOLDS_AS_CASEFOLD.fullmatch("ＡＩ")
