"""검색 조사 떼기: the particle list recovers the word a reader meant."""

import pytest

from columns.search import PARTICLES, without_particles
from tests.search_queries import STACKED, WHOLE_WORDS, WITH_PARTICLE


@pytest.mark.parametrize(("typed", "meant"), WITH_PARTICLE + STACKED)
def test_the_word_a_reader_meant_is_among_the_stems_tried(typed, meant):
    from common.text import fold

    assert meant in without_particles(fold(typed))


def test_the_longest_stem_is_tried_first():
    assert without_particles("도서관에서도") == ("도서관에서", "도서관")


@pytest.mark.parametrize("word", WHOLE_WORDS)
def test_a_stem_is_never_empty_or_a_particle_itself(word):
    for stem in without_particles(word):
        assert stem and stem not in PARTICLES


def test_words_without_a_korean_ending_have_nothing_to_cut():
    assert without_particles("ai") == ()
    assert without_particles("48") == ()
    assert without_particles("%") == ()
