"""Particle list against a morphological analyser, on tests/search_queries.py.

    .venv/bin/python bench/compare_particles.py list
    <a Python with kiwipiepy>/bin/python bench/compare_particles.py kiwi

For each method: how many queries give back the word the reader meant (among
the stems tried, for the list; the leading nouns, for the analyser), the time
to get ready (import, model load), the time per query and the memory the
process reached. docs/search.md records the figures.
"""

import os
import resource
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.search_queries import STACKED, WHOLE_WORDS, WITH_PARTICLE  # noqa: E402

QUERIES = WITH_PARTICLE + STACKED
started = 0.0


def fold(text: str) -> str:
    """common.text.fold for these queries (no spaces or odd characters in them)."""
    return unicodedata.normalize("NFKC", text).casefold()


def list_method():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")
    import django

    django.setup()  # not counted: every request already pays it
    global started
    started = time.perf_counter()
    from columns.search import without_particles

    return lambda typed: without_particles(fold(typed))


# Nouns, foreign words, numbers and noun suffixes: the word a reader looks for.
# Not XSN: the plural 들 is one, and readers who type `기자들` mean `기자`.
NOUN_TAGS = {"NNG", "NNP", "NNB", "NR", "NP", "SL", "SN", "SH", "XPN"}


def kiwi_method():
    from kiwipiepy import Kiwi

    kiwi = Kiwi()
    kiwi.tokenize("준비")  # the model loads lazily

    def stems(typed: str) -> tuple[str, ...]:
        tokens = kiwi.tokenize(typed)
        end = 0
        for token in tokens:
            if token.tag not in NOUN_TAGS:
                break
            end = token.start + token.len
        return (fold(typed[:end]),) if end else ()

    return stems


def main() -> None:
    global started
    method = sys.argv[1] if len(sys.argv) > 1 else "list"
    started = time.perf_counter()
    stems = {"list": list_method, "kiwi": kiwi_method}[method]()
    ready = time.perf_counter() - started
    found = [typed for typed, meant in QUERIES if meant in stems(typed)]
    missed = [typed for typed, meant in QUERIES if meant not in stems(typed)]
    # A whole word the analyser would cut if asked unconditionally.
    cut_whole = [w for w in WHOLE_WORDS if stems(w) and stems(w)[0] != fold(w)]
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        for typed, _meant in QUERIES:
            stems(typed)
    per_query_us = (time.perf_counter() - started) / (rounds * len(QUERIES)) * 1e6
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"method: {method}")
    print(f"recall: {len(found)}/{len(QUERIES)} ({len(found) / len(QUERIES):.0%})")
    print(f"missed: {' '.join(missed) or '-'}")
    print(f"whole words cut if stripped unconditionally: {' '.join(cut_whole) or '-'}")
    print(f"ready in: {ready * 1000:.0f} ms")
    print(f"per query: {per_query_us:.1f} µs")
    print(f"peak memory of the process: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
