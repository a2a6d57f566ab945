"""Where a cold page's time goes: per-request CPU time, queries and a profile, in-process.

    DATABASE_URL=sqlite:///var/prof/bench.sqlite3 bench/profile_pages.py [--build] [--profile NAME]

wrk figures on a shared machine are noisy; the CPU time one process spends on
one request (time.process_time) is much steadier. This script serves the
bench targets (bench/build_archive.py's URLs) through Django's WSGI handler,
every middleware included and the page cache off, exactly as the cold
gunicorn server of bench/run.py does, and prints for each one:

- CPU ms per request, and that as a ratio to the floor view (the episode
  page's bytes from memory through the same middleware): an estimate of
  bench/run.py's "req/s ÷ floor" that needs no wrk;
- wall ms per request (includes waiting on the database server on PostgreSQL);
- the number of SQL queries and the time Django measured in them.

`--search` adds issue 14's search targets (bench/build_archive.py's
`search*` URLs) and `--query Q` (repeatable) a search for Q. Every target
also shows its slowest request (`max ms`, wall).

`--build` migrates the database and builds the 2,000-episode archive first
(once; the URLs are kept beside a SQLite file in var/prof/urls.json, or in
the file `--urls` names). `--profile NAME` prints a cProfile summary of that
target (e.g. `--profile episode`). Never run it against a database in service:
`--build` writes a whole archive into it.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "profile-pages-" + "x" * 50)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")
os.environ["DJANGO_PAGE_CACHE"] = "false"
FLOOR_FILE = ROOT / "var" / "prof" / "floor.html"
os.environ["BENCH_FLOOR_FILE"] = str(FLOOR_FILE)  # written below, from the episode page

TARGETS = (
    "episode",
    "episode_citing_again",
    "series_first",
    "series_last",
    "keyword",
    "feed",
)
SEARCH_TARGETS = (
    "search",
    "search_terms",
    "search_particle",
    "search_short",
    "search_number",
)


def environ_for(url: str) -> dict:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": unquote(parts.path).encode().decode("latin-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def serve(app, url: str) -> bytes:
    status_line = []

    def start_response(status, headers, exc_info=None):
        status_line.append(status)

    body = b"".join(app(environ_for(url), start_response))
    if not status_line[0].startswith("200"):
        raise SystemExit(f"{url}: {status_line[0]}")
    return body


def measure(app, url: str, repeat: int) -> dict:
    from django.db import connection, reset_queries

    serve(app, url)  # warm: templates compiled, connection open
    cpu0, wall0 = time.process_time(), time.perf_counter()
    slowest = 0.0
    for _ in range(repeat):
        started = time.perf_counter()
        serve(app, url)
        slowest = max(slowest, time.perf_counter() - started)
    cpu = (time.process_time() - cpu0) / repeat
    wall = (time.perf_counter() - wall0) / repeat
    connection.force_debug_cursor = True
    reset_queries()
    serve(app, url)
    queries = connection.queries
    connection.force_debug_cursor = False
    return {
        "cpu_ms": cpu * 1000,
        "wall_ms": wall * 1000,
        "max_ms": slowest * 1000,
        "queries": len(queries),
        "sql_ms": sum(float(q["time"]) for q in queries) * 1000,
        "sql": [f"{float(q['time']) * 1000:5.1f} ms  {q['sql']}" for q in queries],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", action="store_true", help="migrate and build the archive")
    parser.add_argument("--episodes", type=int, default=2000)
    parser.add_argument(
        "--search-episodes", type=int, default=0, help="episodes search runs over (bench/run.py's)"
    )
    parser.add_argument("--urls", type=Path, default=ROOT / "var" / "prof" / "urls.json")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument(
        "--profile", choices=TARGETS + SEARCH_TARGETS, help="print a cProfile of this target"
    )
    parser.add_argument("--sql", action="store_true", help="print each target's queries")
    parser.add_argument("--search", action="store_true", help="measure the search targets too")
    parser.add_argument("--query", action="append", default=[], help="measure a search for this")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command

    if args.build:
        from bench.build_archive import build

        call_command("migrate", verbosity=0)
        args.urls.parent.mkdir(parents=True, exist_ok=True)
        args.urls.write_text(json.dumps(build(args.episodes, args.search_episodes)))
    urls = json.loads(args.urls.read_text())
    app = WSGIHandler()
    FLOOR_FILE.parent.mkdir(parents=True, exist_ok=True)
    FLOOR_FILE.write_bytes(serve(app, urls["episode"]))

    floor = measure(app, "/__bench__/floor/", args.repeat * 5)
    print(f"load average {os.getloadavg()[0]:.2f}; database {django.db.connection.vendor}")
    print(
        f"{'target':22} {'cpu ms':>7} {'÷floor':>7} {'wall ms':>8} {'max ms':>7} "
        f"{'queries':>7} {'sql ms':>7}"
    )
    print(f"{'floor':22} {floor['cpu_ms']:7.2f} {1:7.3f} {floor['wall_ms']:8.2f}")
    targets = {name: urls[name] for name in TARGETS}
    if args.search:
        targets.update({name: urls[name] for name in SEARCH_TARGETS})
    for q in args.query:
        targets[f"q={q}"] = f"/search/?{urlencode({'q': q})}"
    for name, url in targets.items():
        result = measure(app, url, args.repeat)
        ratio = floor["cpu_ms"] / result["cpu_ms"]
        print(
            f"{name:22} {result['cpu_ms']:7.2f} {ratio:7.3f} {result['wall_ms']:8.2f} "
            f"{result['max_ms']:7.2f} {result['queries']:7d} {result['sql_ms']:7.2f}"
        )
        if args.sql:
            for sql in result["sql"]:
                print("    ", sql[:200])
    if args.profile:
        url = urls[args.profile]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            serve(app, url)
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(45)
        stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
