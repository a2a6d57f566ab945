"""Settings for `make bench`: production settings plus the floor view.

Production settings and URLs know nothing of benchmarks; bench/run.py starts
its servers with DJANGO_SETTINGS_MODULE=bench.settings.
"""

from config.env import env_str
from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# The file the floor view serves (bench/floor.py): the episode page's bytes.
BENCH_FLOOR_FILE = env_str("BENCH_FLOOR_FILE")
PAGE_CACHE_EXCLUDED_PREFIXES = (*PAGE_CACHE_EXCLUDED_PREFIXES, "/__bench__/")  # noqa: F405
