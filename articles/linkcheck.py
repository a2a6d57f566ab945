"""Asking a cited link whether it still answers, without ever reaching inside our network.

Standard library only (http.client, ssl, socket, threads). No database and no
settings: `articles.services` builds a :class:`LinkChecker` from the settings
at every run and writes down what it reports.

Safety comes first, by construction:

* Before every connection, the first one and every redirect, the host is
  resolved **once** and the request is refused when *any* of its addresses is
  not public (:func:`articles.urlrules.is_public_ip`: loopback, private,
  link-local, cloud metadata, …).
* The socket then connects to that exact vetted address (:class:`_PinnedHTTPConnection`)
  while the request still carries the right ``Host`` header and TLS name, so a
  second DNS answer (DNS rebinding) never gets a say.
* Tests may allow loopback (``allow_loopback``); private and metadata
  addresses stay refused regardless.

Politeness: a clear User-Agent, ``HEAD`` first (``GET`` only where ``HEAD`` is
refused, or when the page's text is wanted), a timeout on every request, a
bounded number of hosts at once and never two requests at the same time to one
host.
"""

from __future__ import annotations

import enum
import http.client
import ipaddress
import logging
import queue
import socket
import ssl
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit

import idna
from django.core.exceptions import ValidationError

from articles.urlrules import canonicalize_url, is_public_ip

__all__ = [
    "CheckResult",
    "LinkChecker",
    "Outcome",
    "Resolver",
    "UnsafeAddress",
    "system_resolver",
    "vetted_addresses",
]

logger = logging.getLogger(__name__)

#: ``resolver(host, port)`` → the host's IP addresses as text, like getaddrinfo's.
Resolver = Callable[[str, int], list[str]]

#: HEAD answers that often mean "not HEAD", not "no page": ask again with GET.
HEAD_REFUSED = frozenset({400, 403, 405, 406, 501})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})

_LOOPBACK_V4 = ipaddress.ip_network("127.0.0.0/8")
_LOOPBACK_V6 = ipaddress.ip_address("::1")
_CHUNK = 64 * 1024


class Outcome(enum.StrEnum):
    """What a check concluded; the values are `articles.models.LinkHealth.Result`'s."""

    OK = "ok"
    MOVED = "moved"  # works, but a permanent redirect points at another address
    HTTP_ERROR = "http_error"
    UNREACHABLE = "unreachable"
    REDIRECTS = "redirects"
    REFUSED = "refused"


class UnsafeAddress(Exception):
    """The host resolves to an address the checker must never connect to."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} → {address}")
        self.host = host
        self.address = address


class _Refused(Exception):
    """A URL the checker will not request (scheme, credentials, malformed)."""


@dataclass
class CheckResult:
    url: str
    outcome: Outcome
    status: int | None = None
    detail: str = ""
    final_url: str = ""
    redirects: list[tuple[int, str]] = field(default_factory=list)
    moved_to: str = ""
    # Only when the page was fetched with GET and its text was wanted:
    body: bytes | None = None
    content_type: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.OK, Outcome.MOVED)


# Addresses ------------------------------------------------------------------


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the system's order, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _is_loopback(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if address.version == 4:
        return address in _LOOPBACK_V4
    return address == _LOOPBACK_V6


def vetted_addresses(
    host: str, port: int, *, allow_loopback: bool = False, resolver: Resolver = system_resolver
) -> list[str]:
    """Resolve `host` once; return its addresses if every one of them may be contacted.

    Raises :class:`UnsafeAddress` when any address is not public (loopback
    passes only with `allow_loopback`), ``OSError`` when the name does not
    resolve. An IP literal is judged as it is, without DNS.
    """
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = [ipaddress.ip_address(a) for a in resolver(host, port)]
    if not addresses:
        raise OSError(f"{host}: no address")
    for address in addresses:
        if is_public_ip(address):
            continue
        if allow_loopback and _is_loopback(address):
            continue
        raise UnsafeAddress(host, str(address))
    return [str(a) for a in addresses]


# Connections ----------------------------------------------------------------


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Talks to `host` (Host header) over a socket to one already vetted address."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.vetted_address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.vetted_address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to one vetted address, with SNI and certificate checked against `host`."""

    def __init__(
        self, host: str, port: int, *, address: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self.vetted_address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.vetted_address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class _Target:
    scheme: str
    host: str  # ASCII, no brackets
    port: int
    path: str  # request target: path and query, ASCII

    @property
    def host_key(self) -> str:
        return self.host


def _target(url: str) -> _Target:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise _Refused(f"http(s) 주소가 아닙니다: {scheme or '(없음)'}")
    if parts.username is not None or parts.password is not None:
        raise _Refused("주소에 사용자 정보(@)가 있습니다.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise _Refused("포트가 올바르지 않습니다.") from None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise _Refused("호스트가 없습니다.")
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (UnicodeError, ValueError):
            raise _Refused("국제화 도메인을 해석할 수 없습니다.") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    # The request line must be ASCII; keep what is already percent-encoded.
    path = quote(path, safe="/?&=%:@!$'()*+,;~-._")
    return _Target(scheme, host, port, path)


def _canonical_or_raw(url: str) -> str:
    try:
        return canonicalize_url(url)
    except ValidationError:
        return url


# The checker ----------------------------------------------------------------


@dataclass
class _Response:
    status: int
    location: str | None
    content_type: str
    body: bytes | None


class _HostSlots:
    """One lock per host: at most one request in flight to any host."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, host: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        with lock:
            yield


@dataclass
class LinkChecker:
    timeout: float = 10.0
    max_redirects: int = 5
    user_agent: str = "NewsColumnLinkCheck/1.0"
    allow_loopback: bool = False
    max_body_bytes: int = 2_000_000
    resolver: Resolver = system_resolver
    ssl_context: ssl.SSLContext = field(default_factory=ssl.create_default_context)
    _slots: _HostSlots = field(default_factory=_HostSlots, repr=False)

    def check(self, url: str, *, want_body: bool = False) -> CheckResult:
        """Follow `url` to its final answer. Never raises for anything the network does.

        ``HEAD`` first, ``GET`` where ``HEAD`` is refused; with `want_body`,
        ``GET`` straight away and keep up to `max_body_bytes` of a 2xx page.
        """
        method = "GET" if want_body else "HEAD"
        current = url
        seen = {url}
        redirects: list[tuple[int, str]] = []

        def failed(outcome: Outcome, detail: str, status: int | None = None) -> CheckResult:
            return CheckResult(
                url, outcome, status, detail[:300], final_url=current, redirects=redirects
            )

        for _hop in range(self.max_redirects + 1):
            try:
                response = self._request(method, current, want_body=want_body)
                if method == "HEAD" and response.status in HEAD_REFUSED:
                    response = self._request("GET", current, want_body=want_body)
            except UnsafeAddress as error:
                return failed(Outcome.REFUSED, f"공개되지 않은 주소로 연결하지 않습니다: {error}")
            except _Refused as error:
                return failed(Outcome.REFUSED, str(error))
            except TimeoutError:
                return failed(Outcome.UNREACHABLE, f"시간 초과({self.timeout:g}초)")
            except ssl.SSLError as error:
                return failed(Outcome.UNREACHABLE, f"TLS 오류: {error}")
            except socket.gaierror:
                return failed(Outcome.UNREACHABLE, "주소를 찾을 수 없습니다(DNS).")
            except (OSError, http.client.HTTPException) as error:
                return failed(Outcome.UNREACHABLE, f"연결 실패: {type(error).__name__} {error}")

            if response.status in REDIRECTS and response.location:
                following = urljoin(current, response.location.strip())
                redirects.append((response.status, following))
                if following in seen:
                    current = following
                    return failed(Outcome.REDIRECTS, "리디렉션이 제자리를 돕니다.", response.status)
                seen.add(following)
                current = following
                continue

            if response.status >= 400 or response.status in REDIRECTS:
                return failed(Outcome.HTTP_ERROR, "", response.status)
            moved_to = ""
            if redirects and all(status in PERMANENT_REDIRECTS for status, _ in redirects):
                if _canonical_or_raw(current) != _canonical_or_raw(url):
                    moved_to = current
            return CheckResult(
                url,
                Outcome.MOVED if moved_to else Outcome.OK,
                response.status,
                final_url=current,
                redirects=redirects,
                moved_to=moved_to,
                body=response.body,
                content_type=response.content_type,
            )
        return failed(Outcome.REDIRECTS, f"리디렉션이 {self.max_redirects}번을 넘습니다.")

    def check_many(
        self, jobs: Iterable[tuple[str, bool]], *, concurrency: int
    ) -> Iterator[tuple[str, CheckResult]]:
        """Check ``(url, want_body)`` jobs; yield ``(url, result)`` as each one finishes.

        Up to `concurrency` hosts at once, each host's URLs one after another
        (and the per-host lock also covers redirects onto another host). The
        caller's thread only receives results: it may write to the database.
        """
        by_host: dict[str, list[tuple[str, bool]]] = defaultdict(list)
        for url, want_body in jobs:
            try:
                key = _target(url).host_key
            except _Refused:
                key = ""
            by_host[key].append((url, want_body))
        total = sum(len(v) for v in by_host.values())
        results: queue.SimpleQueue[tuple[str, CheckResult]] = queue.SimpleQueue()

        def run(host_jobs: list[tuple[str, bool]]) -> None:
            for url, want_body in host_jobs:
                try:
                    result = self.check(url, want_body=want_body)
                except Exception as error:  # a bug must not hang the caller
                    logger.exception("Link check of %s failed unexpectedly", url)
                    result = CheckResult(url, Outcome.UNREACHABLE, detail=f"검사 오류: {error!r}")
                results.put((url, result))

        with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="linkcheck") as pool:
            for host_jobs in by_host.values():
                pool.submit(run, host_jobs)
            for _ in range(total):
                yield results.get()

    def _request(self, method: str, url: str, *, want_body: bool) -> _Response:
        target = _target(url)
        with self._slots.hold(target.host_key):
            addresses = vetted_addresses(
                target.host,
                target.port,
                allow_loopback=self.allow_loopback,
                resolver=self.resolver,
            )
            deadline = time.monotonic() + self.timeout
            last_error: OSError | None = None
            for address in addresses:
                connection = self._connection(target, address)
                try:
                    connection.connect()
                except (TimeoutError, ssl.SSLError):
                    connection.close()
                    raise
                except OSError as error:
                    connection.close()
                    last_error = error
                    continue
                try:
                    return self._exchange(connection, method, target, want_body, deadline)
                finally:
                    connection.close()
            raise last_error or OSError(f"{target.host}: no address")

    def _connection(self, target: _Target, address: str) -> http.client.HTTPConnection:
        if target.scheme == "https":
            return _PinnedHTTPSConnection(
                target.host,
                target.port,
                address=address,
                timeout=self.timeout,
                context=self.ssl_context,
            )
        return _PinnedHTTPConnection(
            target.host, target.port, address=address, timeout=self.timeout
        )

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        method: str,
        target: _Target,
        want_body: bool,
        deadline: float,
    ) -> _Response:
        connection.request(
            method,
            target.path,
            headers={
                "User-Agent": self.user_agent.encode("ascii", "replace").decode(),
                "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
                "Accept-Language": "ko,en;q=0.5",
                "Accept-Encoding": "gzip, identity",
                "Connection": "close",
            },
        )
        response = connection.getresponse()
        body = None
        if method == "GET" and want_body and 200 <= response.status < 300:
            body = self._read_body(response, deadline)
        return _Response(
            response.status,
            response.getheader("Location"),
            response.getheader("Content-Type", ""),
            body,
        )

    def _read_body(self, response: http.client.HTTPResponse, deadline: float) -> bytes:
        """At most `max_body_bytes` of the (decompressed) body, within the request's time."""
        gzipped = (response.getheader("Content-Encoding") or "").lower() in ("gzip", "x-gzip")
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
        chunks: list[bytes] = []
        size = 0
        while size < self.max_body_bytes:
            if time.monotonic() > deadline:
                raise TimeoutError
            chunk = response.read1(_CHUNK)
            if not chunk:
                break
            if inflate is not None:
                try:
                    chunk = inflate.decompress(chunk, self.max_body_bytes - size)
                except zlib.error:
                    break  # keep what decoded; the text is only for quote checks
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)[: self.max_body_bytes]
