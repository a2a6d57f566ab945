"""Validation and canonical form of cited news-article URLs.

Pure Python: no models, no settings, no database. Every rejection is a
``django.core.exceptions.ValidationError`` with a Korean message and one of
these codes:

``invalid``        the value is not a ``str``
``empty``          the value is the empty string
``too_long``       more than :data:`MAX_URL_LENGTH` characters (raw or canonical)
``invisible``      whitespace, control, format (zero-width, bidi) or filler characters
``backslash``      a backslash anywhere
``scheme``         no literal ``http://`` / ``https://`` at the start
``userinfo``       ``@`` in the authority (``user:pass@host``)
``host``           empty host (``https:///x``, ``http://:80/``)
``port``           port not 1..65535 written in ASCII digits
``malformed_host`` a host no browser would accept, or that we refuse to guess about
``private_host``   a host that is not on the public internet (private IP, localhost, …)

The URL is judged on the raw text, the way a browser (WHATWG URL standard) would
read it, and is never "repaired": ``//host/x`` or ``host/x`` are errors, not
guesses. In particular IPv4 hosts are parsed with the WHATWG IPv4 parser, so
``http://2130706433/``, ``http://0177.1/`` and ``http://0x7f.0.0.1/`` are all
seen as 127.0.0.1 and refused.

A host *name* can still resolve to a private address (``127.0.0.1.nip.io``);
whoever fetches the URL must resolve it and check every address with
:func:`is_public_ip`.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from ipaddress import IPv4Address, IPv6Address
from urllib.parse import unquote_plus

import idna
from django.core.exceptions import ValidationError

__all__ = [
    "MAX_URL_LENGTH",
    "METADATA_ADDRESSES",
    "RESERVED_NAME_SUFFIXES",
    "TRACKING_PARAMETERS",
    "TRACKING_PREFIXES",
    "canonicalize_url",
    "is_public_ip",
]

MAX_URL_LENGTH = 2048

#: Query parameters that only identify a click, a campaign or a mailing and never
#: select content. Compared case-insensitively with the percent-decoded name.
TRACKING_PARAMETERS = frozenset(
    {
        # Ad-click identifiers
        "fbclid",  # Facebook / Meta
        "gclid",  # Google Ads
        "gclsrc",  # Google Ads (source of gclid)
        "dclid",  # Google Display & Video 360
        "gbraid",  # Google Ads (iOS, app → web)
        "wbraid",  # Google Ads (iOS, web → app)
        "msclkid",  # Microsoft Advertising
        "yclid",  # Yandex Direct
        "ysclid",  # Yandex search
        "twclid",  # X / Twitter ads
        "ttclid",  # TikTok ads
        "li_fat_id",  # LinkedIn
        "igshid",  # Instagram share
        "igsh",  # Instagram share (newer form)
        "srsltid",  # Google Merchant Center
        # Analytics cross-domain linkers
        "_ga",
        "_gl",
        # Mailing-list and marketing-automation tags
        "mc_cid",  # Mailchimp campaign
        "mc_eid",  # Mailchimp subscriber
        "mkt_tok",  # Marketo
        "_hsenc",  # HubSpot
        "_hsmi",  # HubSpot
        "__hssc",  # HubSpot
        "__hstc",  # HubSpot
        "__hsfp",  # HubSpot
        "oly_anon_id",  # Omeda
        "oly_enc_id",  # Omeda
        "vero_id",  # Vero
        "vero_conv",  # Vero
        # Social embeds
        "ref_src",  # X / Twitter embed ("twsrc^tfw")
        "__twitter_impression",
    }
)

#: Name prefixes of tracking parameters (``utm_source``, ``UTM_Medium`` …).
TRACKING_PREFIXES = ("utm_",)

#: Host names that never name a public web site: the name itself or anything
#: under it is refused. ``example.com`` / ``example.org`` are ordinary names
#: and stay allowed (test fixtures use them).
RESERVED_NAME_SUFFIXES = (
    "localhost",  # RFC 6761
    "localdomain",  # common resolver default
    "local",  # mDNS, RFC 6762
    "internal",  # private-use TLD (ICANN 2024), GCP metadata.google.internal
    "intranet",
    "lan",
    "home",
    "corp",
    "private",
    "home.arpa",  # RFC 8375
    "arpa",  # infrastructure only (in-addr.arpa, ip6.arpa, …)
    "test",  # RFC 6761
    "invalid",  # RFC 6761
    "onion",  # RFC 7686: only reachable through Tor
    "alt",  # RFC 9476: non-DNS namespaces
)

# Messages ------------------------------------------------------------------

_MESSAGES = {
    "invalid": "주소는 문자열이어야 합니다.",
    "empty": "주소를 입력해 주세요.",
    "too_long": "주소가 너무 깁니다: %(length)d자입니다(최대 %(limit)d자).",
    "whitespace": (
        "주소에 공백 문자(%(char)s)가 들어 있습니다. 띄어쓰기·탭·줄바꿈 없이 주소만 입력해 주세요."
    ),
    "invisible": (
        "주소에 보이지 않는 문자(%(char)s)가 들어 있습니다. "
        "복사하면서 섞여 들어간 문자를 지우고 다시 입력해 주세요."
    ),
    "backslash": "주소에 역슬래시(\\)를 쓸 수 없습니다. 경로는 슬래시(/)로 구분해 주세요.",
    "no_scheme": "주소는 http:// 또는 https://로 시작하는 전체 주소여야 합니다.",
    "scheme": "http 또는 https 주소만 인용할 수 있습니다.",
    "userinfo": "주소에 사용자 정보(아이디·비밀번호)를 넣을 수 없습니다.",
    "host": "주소에 호스트(도메인 이름)가 없습니다.",
    "port": "포트 번호가 올바르지 않습니다: 1부터 65535 사이의 숫자여야 합니다.",
    "malformed_host": "호스트 이름의 형식이 올바르지 않습니다: %(reason)s",
    "private_ip": ("공개 인터넷 주소가 아닙니다: 사설·루프백·링크로컬 주소는 인용할 수 없습니다."),
    "reserved_name": (
        "공개 인터넷 주소가 아닙니다: 내부망 전용 이름(%(name)s)은 인용할 수 없습니다."
    ),
    "single_label": (
        "공개 인터넷 주소가 아닙니다: 점(.)이 없는 호스트 이름(%(name)s)은 내부망 이름입니다."
    ),
}

# Reasons for "malformed_host" (passed as a parameter, so "%" needs no escaping).
_R_PERCENT = "호스트에 퍼센트 인코딩(%)을 쓸 수 없습니다."
_R_BRACKET = "대괄호는 IPv6 주소를 감쌀 때만 쓸 수 있습니다."
_R_IPV6 = "IPv6 주소로 해석할 수 없습니다."
_R_ZONE = "IPv6 영역 식별자(%25…)는 쓸 수 없습니다."
_R_IPV4 = "숫자로 끝나는 호스트는 IPv4 주소여야 하는데, IPv4 주소로 해석할 수 없습니다."
_R_IDNA = "국제화 도메인(IDN)을 퓨니코드로 바꿀 수 없습니다."
_R_EMPTY_LABEL = "빈 이름표가 있습니다(점이 연달아 있거나 점으로 시작합니다)."
_R_LABEL_LONG = "점 사이의 이름표 하나가 63자를 넘습니다."
_R_NAME_LONG = "호스트 이름 전체가 253자를 넘습니다."
_R_HYPHEN = "이름표는 하이픈(-)으로 시작하거나 끝날 수 없습니다."
_R_CHARS = "영문자·숫자·하이픈 외의 문자가 있습니다."
_R_PUNYCODE = "퓨니코드(xn--) 이름표가 올바르지 않습니다."


def _fail(key: str, code: str | None = None, **params: object) -> ValidationError:
    return ValidationError(_MESSAGES[key], code=code or key, params=params or None)


def _malformed(reason: str) -> ValidationError:
    return _fail("malformed_host", reason=reason)


# Character checks ----------------------------------------------------------

# Default-ignorable or blank-looking code points that are not Cf/Cc/Z*.
_FILLERS = frozenset(
    "\u034f"  # combining grapheme joiner
    "\u115f\u1160"  # Hangul choseong / jungseong fillers
    "\u17b4\u17b5"  # Khmer inherent vowels
    "\u180b\u180c\u180d\u180f"  # Mongolian free variation selectors
    "\u2800"  # Braille pattern blank
    "\u3164"  # Hangul filler
    "\uffa0"  # halfwidth Hangul filler
)
# Cc control, Cf format, Cs surrogate, Co private use, Cn unassigned/noncharacter.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}".rstrip()


def _is_variation_selector(cp: int) -> bool:
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def _check_characters(raw: str) -> None:
    for ch in raw:
        if ch.isspace() or unicodedata.category(ch) in ("Zs", "Zl", "Zp"):
            raise _fail("whitespace", code="invisible", char=_describe(ch))
        if (
            unicodedata.category(ch) in _INVISIBLE_CATEGORIES
            or ch in _FILLERS
            or _is_variation_selector(ord(ch))
        ):
            raise _fail("invisible", char=_describe(ch))
    if "\\" in raw:
        raise _fail("backslash")


# IP addresses --------------------------------------------------------------


def _nets(*cidrs: str) -> tuple:
    return tuple(ipaddress.ip_network(c) for c in cidrs)


# Everything that is not globally routable unicast (IANA special-purpose registry).
_IPV4_NON_PUBLIC = _nets(
    "0.0.0.0/8",  # "this network", 0.0.0.0 unspecified
    "10.0.0.0/8",  # private
    "100.64.0.0/10",  # carrier-grade NAT (Alibaba metadata 100.100.100.200)
    "127.0.0.0/8",  # loopback
    "169.254.0.0/16",  # link-local (cloud metadata 169.254.169.254)
    "172.16.0.0/12",  # private
    "192.0.0.0/24",  # IETF protocol assignments (Oracle metadata 192.0.0.192)
    "192.0.2.0/24",  # documentation TEST-NET-1
    "192.88.99.0/24",  # deprecated 6to4 relay anycast
    "192.168.0.0/16",  # private
    "198.18.0.0/15",  # benchmarking
    "198.51.100.0/24",  # documentation TEST-NET-2
    "203.0.113.0/24",  # documentation TEST-NET-3
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, 255.255.255.255 broadcast
)

# Global unicast is 2000::/3 only; what follows are the holes inside it, plus
# (for documentation) the well-known non-public blocks outside it.
_IPV6_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
_IPV6_NON_PUBLIC = _nets(
    "::/128",  # unspecified
    "::1/128",  # loopback
    "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215)
    "100::/64",  # discard-only
    "2001::/23",  # IETF protocol assignments (Teredo is judged before this)
    "2001:db8::/32",  # documentation
    "3fff::/20",  # documentation (RFC 9637)
    "5f00::/16",  # SRv6 SIDs
    "fc00::/7",  # unique local (AWS metadata fd00:ec2::254)
    "fe80::/10",  # link-local
    "fec0::/10",  # deprecated site-local
    "ff00::/8",  # multicast
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT, RFC 2765

#: Cloud metadata / host-agent endpoints, refused even where they are not
#: already inside a non-public block (168.63.129.16 is Azure's, in public space).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, …
        "169.254.170.2",  # AWS ECS task metadata
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
        "168.63.129.16",  # Azure WireServer / host agent
        "fd00:ec2::254",  # AWS IMDS over IPv6
    )
)


def is_public_ip(address: IPv4Address | IPv6Address | str) -> bool:
    """True only for a globally routable unicast address.

    IPv6 forms that carry an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``,
    IPv4-compatible ``::a.b.c.d``, SIIT ``::ffff:0:a.b.c.d``, NAT64
    ``64:ff9b::/96``, 6to4 ``2002::/16``, Teredo ``2001::/32``) are judged by the
    embedded IPv4 address (Teredo: both server and client must be public).
    An IPv6 address with a zone id (``fe80::1%eth0``) is never public.

    A ``str`` is parsed with :func:`ipaddress.ip_address` (``ValueError`` if it
    is not an address), which suits ``socket.getaddrinfo`` results.
    """
    if isinstance(address, str):
        address = ipaddress.ip_address(address)
    if isinstance(address, IPv4Address):
        if address in METADATA_ADDRESSES:
            return False
        return not any(address in net for net in _IPV4_NON_PUBLIC)
    if not isinstance(address, IPv6Address):
        raise TypeError(f"IPv4Address or IPv6Address expected, got {type(address).__name__}")

    if address.scope_id:
        return False
    if address in METADATA_ADDRESSES:
        return False
    as_int = int(address)
    if address.ipv4_mapped is not None:
        return is_public_ip(address.ipv4_mapped)
    if address in _IPV4_TRANSLATED or address in _NAT64:
        return is_public_ip(IPv4Address(as_int & 0xFFFFFFFF))
    if as_int >> 32 == 0:  # ::/96, IPv4-compatible (deprecated); also :: and ::1
        if as_int <= 1:
            return False
        return is_public_ip(IPv4Address(as_int))
    if address.sixtofour is not None:
        return is_public_ip(address.sixtofour)
    if address.teredo is not None:
        server, client = address.teredo
        return is_public_ip(server) and is_public_ip(client)
    if address not in _IPV6_GLOBAL_UNICAST:
        return False
    return not any(address in net for net in _IPV6_NON_PUBLIC)


# WHATWG IPv4 parsing -------------------------------------------------------

_DEC = re.compile(r"[0-9]+")
_HEX = re.compile(r"[0-9A-Fa-f]*")
_OCT = re.compile(r"[0-7]*")


def _parse_ipv4_number(text: str) -> int | None:
    """WHATWG "IPv4 number parser": decimal, ``0x`` hex or ``0``-prefixed octal."""
    if not text:
        return None
    if text[:2] in ("0x", "0X"):
        digits, pattern, radix = text[2:], _HEX, 16
    elif len(text) >= 2 and text[0] == "0":
        digits, pattern, radix = text[1:], _OCT, 8
    else:
        digits, pattern, radix = text, _DEC, 10
    if not digits:
        return 0
    if not pattern.fullmatch(digits):
        return None
    return int(digits, radix)


def _ends_in_number(host: str) -> bool:
    """WHATWG "ends in a number checker"."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    last = parts[-1]
    if last and _DEC.fullmatch(last):
        return True
    return _parse_ipv4_number(last) is not None


def _parse_ipv4(host: str) -> IPv4Address | None:
    """WHATWG "IPv4 parser"; ``None`` where a browser would reject the URL."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if len(parts) > 4:
        return None
    numbers = []
    for part in parts:
        number = _parse_ipv4_number(part)
        if number is None:
            return None
        numbers.append(number)
    if any(n > 255 for n in numbers[:-1]):
        return None
    if numbers[-1] >= 256 ** (5 - len(numbers)):
        return None
    value = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        value += n * 256 ** (3 - i)
    return IPv4Address(value)


# Hosts ---------------------------------------------------------------------

_LDH_LABEL = re.compile(r"[a-z0-9-]+")


def _canonical_ip(ip: IPv4Address | IPv6Address) -> str:
    if not is_public_ip(ip):
        raise _fail("private_ip", code="private_host")
    return f"[{ip.compressed}]" if ip.version == 6 else str(ip)


def _canonical_host(host: str) -> str:
    """Validate the host part of the authority and return its canonical text."""
    if "%" in host:
        raise _malformed(_R_ZONE if host.startswith("[") else _R_PERCENT)
    if host.startswith("["):
        if not host.endswith("]"):
            raise _malformed(_R_BRACKET)
        try:
            ip6 = IPv6Address(host[1:-1])
        except ValueError:
            raise _malformed(_R_IPV6) from None
        return _canonical_ip(ip6)
    if "[" in host or "]" in host:
        raise _malformed(_R_BRACKET)

    if host.isascii():
        ascii_host = host.lower()
    else:
        try:
            ascii_host = idna.encode(host, uts46=True).decode("ascii")
        except (UnicodeError, ValueError):  # idna.IDNAError is a UnicodeError
            raise _malformed(_R_IDNA) from None

    # Browsers read anything whose last label looks numeric as IPv4.
    if _ends_in_number(ascii_host):
        ip4 = _parse_ipv4(ascii_host)
        if ip4 is None:
            raise _malformed(_R_IPV4)
        return _canonical_ip(ip4)

    name = ascii_host[:-1] if ascii_host.endswith(".") else ascii_host
    labels = name.split(".")
    if any(not label for label in labels):
        raise _malformed(_R_EMPTY_LABEL)
    if len(name) > 253:
        raise _malformed(_R_NAME_LONG)
    for label in labels:
        if len(label) > 63:
            raise _malformed(_R_LABEL_LONG)
        if not _LDH_LABEL.fullmatch(label):
            raise _malformed(_R_CHARS)
        if label.startswith("-") or label.endswith("-"):
            raise _malformed(_R_HYPHEN)
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except (UnicodeError, ValueError):
                raise _malformed(_R_PUNYCODE) from None

    for suffix in RESERVED_NAME_SUFFIXES:
        if name == suffix or name.endswith("." + suffix):
            raise _fail("reserved_name", code="private_host", name=name)
    if len(labels) < 2:
        raise _fail("single_label", code="private_host", name=name)
    return name


def _canonical_port(port: str, scheme: str) -> str:
    if not port.isascii() or not _DEC.fullmatch(port):
        raise _fail("port")
    number = int(port)
    if not 1 <= number <= 65535:
        raise _fail("port")
    if number == {"http": 80, "https": 443}[scheme]:
        return ""
    return f":{number}"


# Query ---------------------------------------------------------------------


def _is_tracking(piece: str) -> bool:
    name = unquote_plus(piece.partition("=")[0], errors="replace").lower()
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def _canonical_query(query: str) -> str:
    """Drop tracking parameters and empty pieces; keep the rest byte-for-byte."""
    kept = [piece for piece in query.split("&") if piece and not _is_tracking(piece)]
    return "?" + "&".join(kept) if kept else ""


# Public entry point --------------------------------------------------------

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*(?=:)")
_AUTHORITY_END = re.compile(r"[/?#]")


def canonicalize_url(raw: str) -> str:
    """Validate a cited article URL and return its canonical form.

    Canonical form: lower-case scheme and host, IDN host in punycode, no
    trailing dot, default port dropped, fragment dropped, path untouched (``/``
    if empty), tracking parameters removed from the query (others unchanged, in
    order), no empty query. Raises ``ValidationError`` (and nothing else) when
    the value is not an acceptable public http(s) URL.
    """
    if not isinstance(raw, str):
        raise _fail("invalid")
    if not raw:
        raise _fail("empty")
    if len(raw) > MAX_URL_LENGTH:
        raise _fail("too_long", length=len(raw), limit=MAX_URL_LENGTH)
    _check_characters(raw)

    match = _SCHEME.match(raw)
    if match is None:
        raise _fail("no_scheme", code="scheme")
    scheme = match.group().lower()
    if scheme not in ("http", "https"):
        raise _fail("scheme")
    rest = raw[match.end() :]
    if not rest.startswith("://"):
        raise _fail("no_scheme", code="scheme")
    rest = rest[3:]

    end = _AUTHORITY_END.search(rest)
    authority, tail = (rest[: end.start()], rest[end.start() :]) if end else (rest, "")
    if "@" in authority:
        raise _fail("userinfo")

    if authority.startswith("["):
        close = authority.find("]")
        if close == -1:
            raise _malformed(_R_BRACKET)
        host, after = authority[: close + 1], authority[close + 1 :]
        if after and not after.startswith(":"):
            raise _malformed(_R_BRACKET)
    else:
        host, colon, port_text = authority.partition(":")
        after = colon + port_text
    if not host:
        raise _fail("host")
    canonical_host = _canonical_host(host)
    port = _canonical_port(after[1:], scheme) if after else ""

    tail = tail.partition("#")[0]
    path, question, query = tail.partition("?")
    canonical = f"{scheme}://{canonical_host}{port}{path or '/'}"
    if question:
        canonical += _canonical_query(query)
    if len(canonical) > MAX_URL_LENGTH:
        raise _fail("too_long", length=len(canonical), limit=MAX_URL_LENGTH)
    return canonical
