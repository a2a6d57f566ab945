"""A local news site for link-check tests: 127.0.0.1, a free port, a thread.

It serves working pages, redirects of every kind, errors, a HEAD-refusing
endpoint, a slow page, Korean pages in EUC-KR, and redirects that point inside
a private network. It records every request and, per host, the most requests
it ever had in flight at once. Nothing here reaches beyond the machine.
"""

from __future__ import annotations

import gzip
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Original text for the fixtures (never the seed's): a made-up report.
ARTICLE_TEXT = (
    "가상일보 과학부 기자가 전합니다. 바닷물로 식히는 데이터센터가 남해안에 들어선다. "
    "운영사는 “전력 사용량을 지금보다 30% 줄이는 것이 목표”라고 밝혔다. "
    "지역 주민들은 어장에 미칠 영향을 걱정하며, 환경 조사를 먼저 공개하라고 요구했다."
)
EUC_KR_TEXT = "해저 케이블 공사는 내년 봄에 시작되며, 첫 서버는 가을에 가동될 예정이다."
# "똠" and "햏" exist in code page 949 but not in EUC-KR proper (KS X 1001).
CP949_TEXT = "똠방각하 햏자가 쓴 기사입니다."


def html_page(title: str, body: str, *, meta_charset: str | None = None) -> str:
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    return (
        f"<!doctype html><html><head>{meta}<title>{title}</title>"
        "<style>body { color: red }</style>"
        "<script>var quote = '이 문장은 스크립트 안에 있습니다';</script></head>"
        f"<body><nav>메뉴</nav><article><h1>{title}</h1><p>{body}</p></article>"
        "<footer>&copy; 가상일보</footer></body></html>"
    )


def citation_page(head: str, body: str = ARTICLE_TEXT) -> str:
    """A news page whose citation lives in `head` (Open Graph, JSON-LD, <title>…)."""
    return (
        f"<!doctype html><html><head>{head}</head>"
        f"<body><article><p>{body}</p></article></body></html>"
    )


#: Pages the citation lookup reads, by path: (head, charset of the bytes).
CITATION_PAGES = {
    "/citation/og": (
        '<meta charset="utf-8"><title>데이터센터, 바다로 간다 - 가상일보</title>'
        '<meta property="og:title" content="데이터센터, 바다로 간다">'
        '<meta property="og:site_name" content="가상일보">'
        '<meta property="article:published_time" content="2026-11-03T23:30:00+00:00">',
        "utf-8",
    ),
    "/citation/json-ld": (
        '<meta charset="utf-8"><script type="application/ld+json">'
        '{"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "사이트"},'
        ' {"@type": "NewsArticle", "headline": "해상 풍력 단지, 첫 전력 보내", '
        '"datePublished": "2026-10-21T09:00:00+09:00", '
        '"publisher": {"@type": "Organization", "name": "가상경제"}}]}</script>',
        "utf-8",
    ),
    "/citation/title-only": (
        '<meta charset="utf-8">'
        "<title>항만 자동화, 노동계와 첫 협의 &lt; 산업 &lt; 기사본문 - 가상넷</title>",
        "utf-8",
    ),
    "/citation/euc-kr": (
        '<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">'
        "<title>해저 케이블 공사 내년 봄 시작 | 가상일보</title>"
        '<meta name="og:site_name" content="가상일보">'
        '<meta name="pubdate" content="2026.09.14 08:10">',
        "euc-kr",
    ),
}


class LinkServer:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str]] = []  # (method, path, Host)
        self.peak_in_flight: Counter[str] = Counter()
        self.most_in_flight_overall = 0
        self._in_flight: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.release_slow = threading.Event()
        self.rendezvous = threading.Barrier(2, timeout=5)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> LinkServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self.release_slow.set()
        self.rendezvous.abort()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def paths(self, method: str | None = None) -> list[str]:
        return [p for m, p, _h in self.requests if method in (None, m)]

    # Bookkeeping. A request stops counting as in flight just *before* its
    # response is written, so a client that waited for the response can never
    # be seen overlapping its own previous request.
    def _enter(self, host: str) -> None:
        with self._lock:
            self._in_flight[host] += 1
            self.peak_in_flight[host] = max(self.peak_in_flight[host], self._in_flight[host])
            self.most_in_flight_overall = max(
                self.most_in_flight_overall, sum(self._in_flight.values())
            )

    def _leave(self, host: str) -> None:
        with self._lock:
            self._in_flight[host] -= 1

    def _handler_class(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "FakeNews/1.0"

            def log_message(self, format, *args):  # quiet tests
                pass

            def do_HEAD(self):
                self._serve(send_body=False)

            def do_GET(self):
                self._serve(send_body=True)

            def _serve(self, *, send_body: bool) -> None:
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
                with site._lock:
                    site.requests.append((self.command, self.path, self.headers.get("Host", "")))
                site._enter(host)
                try:
                    status, headers, body = site.route(self)
                finally:
                    site._leave(host)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if send_body:
                    self.wfile.write(body)

        return Handler

    def route(self, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        path = request.path.split("?", 1)[0]
        html = {"Content-Type": "text/html; charset=utf-8"}

        def page(text: str = ARTICLE_TEXT, title: str = "남해안 데이터센터") -> bytes:
            return html_page(title, text).encode("utf-8")

        def redirect(status: int, location: str):
            return status, {"Location": location}, b""

        if path in ("/ok", "/new", "/article"):
            return 200, html, page()
        if path == "/user-agent":
            return 200, html, page(request.headers.get("User-Agent", ""))
        if path == "/old":
            return redirect(301, "/new")
        if path == "/older":
            return redirect(308, self.url("/old"))
        if path == "/temporary":
            return redirect(302, "/ok")
        if path == "/loop-a":
            return redirect(302, "/loop-b")
        if path == "/loop-b":
            return redirect(302, "/loop-a")
        if path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            return redirect(302, f"/hop/{left - 1}") if left else (200, html, page())
        if path == "/to-private":
            return redirect(302, "http://10.0.0.1/admin")
        if path == "/to-metadata":
            return redirect(301, "http://169.254.169.254/latest/meta-data/")
        if path == "/to-internal-name":
            return redirect(302, "http://intranet.example.test/")
        if path == "/missing":
            return 404, html, page("없는 기사입니다.")
        if path == "/broken":
            return 500, html, page("서버 오류")
        if path == "/no-head":
            if request.command == "HEAD":
                return 405, {"Allow": "GET"}, b""
            return 200, html, page()
        if path == "/slow":
            self.release_slow.wait(timeout=5)
            return 200, html, page("늦게 온 답")
        if path == "/euc-kr":
            body = html_page("해저 케이블", EUC_KR_TEXT).encode("euc-kr")
            return 200, {"Content-Type": "text/html; charset=EUC-KR"}, body
        if path == "/euc-kr-meta":
            body = html_page("해저 케이블", EUC_KR_TEXT, meta_charset="euc-kr").encode("euc-kr")
            return 200, {"Content-Type": "text/html"}, body
        if path == "/cp949":
            body = html_page("이름들", CP949_TEXT, meta_charset="euc-kr").encode("cp949")
            return 200, {"Content-Type": "text/html"}, body
        if path == "/gzip":
            return 200, {**html, "Content-Encoding": "gzip"}, gzip.compress(page())
        if path == "/big":
            filler = "가" * 1_000_000  # 3 MB of UTF-8
            return 200, html, page(ARTICLE_TEXT + filler)
        if path == "/pdf":
            return 200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 not really"
        if path in CITATION_PAGES:
            head, charset = CITATION_PAGES[path]
            return 200, {"Content-Type": "text/html"}, citation_page(head).encode(charset)
        if path == "/citation/huge":
            # The page's only title comes after three megabytes of text.
            filler = "가" * 1_000_000
            late = '<meta property="og:title" content="너무 늦게 나온 제목">'
            return 200, html, citation_page("", filler + late).encode()
        if path == "/rendezvous":
            # Answers only once another host's request is in flight at the same time.
            try:
                self.rendezvous.wait()
            except threading.BrokenBarrierError:
                return 500, html, page("혼자 왔습니다")
            return 200, html, page()
        return 404, html, page("없는 기사입니다.")


def fake_resolver(table: dict[str, list[str]], calls: list[str] | None = None):
    """A DNS stand-in: names in `table` resolve to its addresses, others fail."""

    def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(table[host])

    return resolve


@contextmanager
def running() -> Iterator[LinkServer]:
    server = LinkServer().start()
    try:
        yield server
    finally:
        server.close()
