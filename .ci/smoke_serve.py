#!/usr/bin/env python3
"""CI smoke test of the README's production command, `make serve`.

Starts `make serve PORT=<free port>` from the checkout in its own process
group, waits for it to answer, fetches every public page type (found through
/sitemap.xml), the feeds, robots.txt, the admin login, the hashed stylesheets
and a missing page, and checks status codes, the viewport tag on HTML pages
and that no traceback or debug page shows anywhere. Then stops the whole
process group and exits non-zero with the list of failures and the tail of
the server's log.

Standard library only: it runs before anything is installed for it.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# collectstatic's output (`make clean` removes it too). A manifest left there by
# an earlier run (tests/config/test_multi_server.py collects into it) would hide a
# `make serve` that no longer collects with production settings.
STATIC_ROOT = ROOT / "var" / "static"
START_TIMEOUT = 180  # seconds: install, migrate, demo, collectstatic, gunicorn
STOP_TIMEOUT = 10  # seconds between SIGTERM and SIGKILL
FETCH_TIMEOUT = 30
LOG_TAIL_LINES = 80

# None of these may appear in any response: a traceback, Django's production
# 500 text (when the project's template is missing), or the debug pages.
FORBIDDEN = ("Traceback", "Server Error (500)", "DEBUG = True", "You're seeing this error")
VIEWPORT = '<meta name="viewport"'
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# ManifestStaticFilesStorage names: site.a70b075318be.css
HASHED_STATIC = re.compile(r"^/static/.+\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
ONE_YEAR = 365 * 24 * 60 * 60
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
PAGE_TYPES = {
    "series": re.compile(r"^/series/[^/]+/$"),
    "episode": re.compile(r"^/series/[^/]+/\d+/$"),
    "keyword": re.compile(r"^/keywords/[^/]+/$"),
    "outlet": re.compile(r"^/outlets/[^/]+/$"),
}

failures: list[str] = []


def fail(message: str) -> None:
    failures.append(message)
    print(f"  FAIL {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report a redirect as it is: each address must answer for itself."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body
        self.text = body.decode("utf-8", errors="replace")

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


def fetch(url: str, **headers) -> Response | None:
    # Only ever http://127.0.0.1:<port>/…, the server this script started.
    request = urllib.request.Request(url, headers={"User-Agent": "smoke-serve", **headers})  # noqa: S310
    try:
        with OPENER.open(request, timeout=FETCH_TIMEOUT) as answer:
            return Response(answer.status, answer.headers, answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, error.headers, error.read())
    except OSError as error:
        fail(f"{url}: no answer ({error})")
        return None


def check(base: str, path: str, *, status: int = 200, kind: str = "html", **headers):
    """Fetch base+path and check what every response must satisfy; the response or None."""
    url = base + path
    response = fetch(url, **headers)
    if response is None:
        return None
    label = urllib.parse.unquote(path)
    problems = []
    if response.status != status:
        problems.append(f"status {response.status}, expected {status}")
    for marker in FORBIDDEN:
        if marker in response.text:
            problems.append(f"contains {marker!r}")
    if kind == "html":
        if not response.content_type.startswith("text/html"):
            problems.append(f"Content-Type {response.content_type!r}, expected text/html")
        if VIEWPORT not in response.text:
            problems.append(f"no {VIEWPORT}> tag")
    elif kind == "xml":
        if "xml" not in response.content_type:
            problems.append(f"Content-Type {response.content_type!r}, expected XML")
        if not response.text.lstrip().startswith("<?xml"):
            problems.append("body is not an XML document")
    elif kind == "text":
        if not response.content_type.startswith("text/plain"):
            problems.append(f"Content-Type {response.content_type!r}, expected text/plain")
    elif kind == "css":
        if not response.content_type.startswith("text/css"):
            problems.append(f"Content-Type {response.content_type!r}, expected text/css")
    elif kind in ("image", "font"):
        if not response.content_type.startswith(kind if kind == "image" else "font/"):
            problems.append(f"Content-Type {response.content_type!r}, expected {kind}")
    if problems:
        for problem in problems:
            fail(f"{label}: {problem}")
    else:
        print(f"  ok   {response.status} {label}", flush=True)
    return response


def discover(base: str) -> dict[str, list[str]]:
    """The site's own addresses by page type, from its sitemap."""
    found: dict[str, list[str]] = {name: [] for name in PAGE_TYPES}
    sitemap = check(base, "/sitemap.xml", kind="xml")
    if sitemap is None or sitemap.status != 200:
        return found
    try:
        root = ET.fromstring(sitemap.body)  # noqa: S314 (our own server's sitemap)
    except ET.ParseError as error:
        fail(f"/sitemap.xml: not XML ({error})")
        return found
    for loc in root.iter(f"{SITEMAP_NS}loc"):
        path = urllib.parse.urlsplit((loc.text or "").strip()).path
        for name, pattern in PAGE_TYPES.items():
            if pattern.match(path):
                found[name].append(path)
    for name, paths in found.items():
        if not paths:
            fail(f"/sitemap.xml lists no {name} page")
    return found


def search_word(episode_html: str) -> str | None:
    """The longest Korean word of the episode's headline.

    The <h1> is the title, `시리즈-24(헤드라인)`: the word is taken from the
    headline in brackets, so that it does not match every episode of the series.
    """
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", episode_html, re.S)
    text = re.sub(r"<[^>]+>", " ", heading.group(1)) if heading else ""
    bracketed = re.search(r"\(([^()]*)\)\s*$", text.strip())
    text = bracketed.group(1) if bracketed else text
    words = re.findall(r"[\uac00-\ud7a3]{2,}", text)
    return max(words, key=len) if words else None


def stylesheets(home_html: str) -> list[str]:
    links = re.findall(r"<link\b[^>]*>", home_html)
    hrefs = []
    for link in links:
        if re.search(r"""rel=["']?stylesheet""", link):
            href = re.search(r"""href=["']([^"']+)["']""", link)
            if href:
                hrefs.append(urllib.parse.urlsplit(href.group(1)).path)
    return hrefs


def check_static(base: str, path: str) -> None:
    if not HASHED_STATIC.match(path):
        fail(f"stylesheet {path}: not a hashed /static/ address (collectstatic manifest)")
    response = check(base, path, kind="css", **{"Accept-Encoding": "gzip"})
    if response is None or response.status != 200:
        return
    cache_control = response.headers.get("Cache-Control", "")
    max_age = re.search(r"max-age=(\d+)", cache_control)
    if not max_age or int(max_age.group(1)) < ONE_YEAR:
        fail(f"{path}: Cache-Control {cache_control!r}, expected a far-future max-age")
    if response.headers.get("Content-Encoding") not in ("gzip", "br"):
        fail(f"{path}: not served compressed to a client that accepts gzip")
    # The web font the stylesheet names: hashed by the manifest, far-future cached.
    plain = fetch(base + path)  # the compressed answer above is not text
    for url in re.findall(r"url\(\"?([^\")]+\.woff2)\"?\)", plain.text if plain else "")[:1]:
        font_path = urllib.parse.urljoin(path, url)
        if not HASHED_STATIC.match(font_path):
            fail(f"{font_path}: the font is not a hashed /static/ address")
        font = check(base, font_path, kind="font")
        font_cache = font.headers.get("Cache-Control", "") if font is not None else ""
        font_age = re.search(r"max-age=(\d+)", font_cache)
        if font is not None and (not font_age or int(font_age.group(1)) < ONE_YEAR):
            fail(f"{font_path}: Cache-Control {font_cache!r}, expected a far-future max-age")


def check_share_card(base: str, html: str, label: str) -> None:
    """The page's og:image: an absolute address on this server answering with a picture."""
    found = re.search(r'<meta property="og:image" content="([^"]+)"', html)
    if not found:
        fail(f"{label}: no og:image")
        return
    card = urllib.parse.urlsplit(found.group(1))
    check(base, card.path, kind="image")


def smoke(base: str) -> None:
    home = check(base, "/")
    check(base, "/series/")
    pages = discover(base)

    for name in ("series", "keyword", "outlet"):
        if pages[name]:
            check(base, pages[name][0])
    episode = check(base, pages["episode"][0]) if pages["episode"] else None
    if episode is not None:
        check_share_card(base, episode.text, pages["episode"][0])
    if home is not None:
        check_share_card(base, home.text, "/")
    check(base, "/favicon.ico", status=301, kind="none")
    # Uploaded media (the demo episode's cover) served by the app under gunicorn.
    media = re.search(r'<img src="(/media/[^"]+)"', home.text) if home is not None else None
    if media is None:
        fail("/: no cover picture from /media/ in the episode list")
    else:
        check(base, media.group(1), kind="image")

    if pages["series"]:
        series = pages["series"][0]
        check(base, series + "feed/", kind="xml")
        check(base, series + "feed/atom/", kind="xml")
    check(base, "/feed/", kind="xml")
    check(base, "/feed/atom/", kind="xml")

    word = search_word(episode.text) if episode is not None else None
    if word is None:
        fail("no Korean word found in the episode's headline to search for")
    else:
        found = check(base, "/search/?q=" + urllib.parse.quote(word))
        if found is not None and f'href="{pages["episode"][0]}"' not in found.text:
            fail(f"/search/?q={word}: does not list {urllib.parse.unquote(pages['episode'][0])}")

    robots = check(base, "/robots.txt", kind="text")
    if robots is not None and "sitemap" not in robots.text.lower():
        fail("/robots.txt: does not point to the sitemap")
    check(base, "/admin/login/")

    if home is not None:
        sheets = stylesheets(home.text)
        if not sheets:
            fail("/: links no stylesheet")
        for path in sheets:
            check_static(base, path)

    missing = check(base, "/no-such-page/", status=404)
    if missing is not None and not HANGUL.search(re.sub(r"<[^>]+>", " ", missing.text)):
        fail("/no-such-page/: the 404 page has no Korean text")


def wait_until_up(base: str, server: subprocess.Popen) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            fail(f"`make serve` exited with status {server.returncode} before answering")
            return False
        try:
            with OPENER.open(base + "/", timeout=5):
                return True
        except urllib.error.HTTPError:
            return True  # it answers; the checks will judge the status
        except OSError:
            time.sleep(0.5)
    fail(f"`make serve` did not answer on {base} within {START_TIMEOUT} s")
    return False


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def stop(server: subprocess.Popen, port: int) -> None:
    """SIGTERM to the whole group (make, the shell, gunicorn and its workers), then SIGKILL."""
    group = server.pid  # start_new_session: the group is led by make
    try:
        os.killpg(group, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None and not answers(port):
            break
        time.sleep(0.2)
    try:
        os.killpg(group, signal.SIGKILL)  # whatever is left, if anything
    except ProcessLookupError:
        pass
    try:
        server.wait(timeout=5)
    except subprocess.TimeoutExpired:
        fail("`make serve` did not exit after SIGKILL")
    deadline = time.monotonic() + 5
    while answers(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    if answers(port):
        fail(f"something still answers on port {port} after stopping `make serve`")


def tail(path: Path, lines: int) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def main() -> int:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_fd, log_name = tempfile.mkstemp(prefix="smoke-serve-", suffix=".log")
    log_path = Path(log_name)
    if STATIC_ROOT.exists():
        print("== removing var/static/: `make serve` must build it", flush=True)
        shutil.rmtree(STATIC_ROOT)
    print(f"== make serve PORT={port} (log: {log_path})", flush=True)
    with os.fdopen(log_fd, "wb") as log:
        # The README's command, as a developer types it (make from PATH).
        server = subprocess.Popen(  # noqa: S603
            ["make", "serve", f"PORT={port}"],  # noqa: S607
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            started = time.monotonic()
            if wait_until_up(base, server):
                print(f"  up after {time.monotonic() - started:.0f} s", flush=True)
                smoke(base)
        finally:
            stop(server, port)

    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    if "Traceback" in log_text:
        fail("the server log contains a traceback")

    if failures:
        print(f"\n`make serve` smoke test FAILED ({len(failures)}):", file=sys.stderr)
        for failure in failures:
            print(f"  - {failure}", file=sys.stderr)
        print(f"\n--- last {LOG_TAIL_LINES} lines of {log_path} ---", file=sys.stderr)
        print(tail(log_path, LOG_TAIL_LINES), file=sys.stderr)
        return 1
    print("`make serve` smoke test passed.")
    log_path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
