"""Rules for cited article URLs (articles.urlrules): no database needed."""

import ipaddress
import random
import re

import idna
import pytest
from django.core.exceptions import ValidationError

from articles.urlrules import (
    MAX_URL_LENGTH,
    TRACKING_PARAMETERS,
    TRACKING_PREFIXES,
    canonicalize_url,
    is_public_ip,
)

HANGUL = re.compile(r"[\uac00-\ud7a3]")

KOREAN_HOST = "한국일보.한국"
KOREAN_HOST_ASCII = "xn--3e0bm80ac2h5no.xn--3e0b707e"  # checked against idna below


def _error(raw):
    with pytest.raises(ValidationError) as info:
        canonicalize_url(raw)
    return info.value


# Accepted URLs and their canonical form -------------------------------------

GOOD = [
    # the two examples from the spec
    (
        "https://www.ZDNET.co.kr/view/?no=20251007&utm_source=x&page=2#top",
        "https://www.zdnet.co.kr/view/?no=20251007&page=2",
    ),
    (
        "HTTP://Example.COM:80/A%2Fb?x=%EA%B0%80&utm_medium=m",
        "http://example.com/A%2Fb?x=%EA%B0%80",
    ),
    # scheme and host case
    ("https://example.com/x", "https://example.com/x"),
    ("HtTpS://EXAMPLE.ORG/Path/CASE", "https://example.org/Path/CASE"),
    # ports
    ("https://example.com:8443/x", "https://example.com:8443/x"),
    ("https://example.com:443/x", "https://example.com/x"),
    ("http://example.com:443/x", "http://example.com:443/x"),
    ("https://example.com:80/x", "https://example.com:80/x"),
    ("https://example.com:0443/x", "https://example.com/x"),
    ("http://example.com:08080/", "http://example.com:8080/"),
    ("http://example.com:1/", "http://example.com:1/"),
    ("http://example.com:65535/", "http://example.com:65535/"),
    # empty path, empty query, fragments
    ("https://example.com", "https://example.com/"),
    ("https://example.com?", "https://example.com/"),
    ("https://example.com/?", "https://example.com/"),
    ("https://example.com/?&&", "https://example.com/"),
    ("https://example.com/#", "https://example.com/"),
    ("https://example.com#top", "https://example.com/"),
    ("https://example.com?a=1", "https://example.com/?a=1"),
    ("https://example.com/a#frag?utm_source=x", "https://example.com/a"),
    ("https://example.com/a?b=1#c?d=2", "https://example.com/a?b=1"),
    # trailing dot
    ("https://example.com./", "https://example.com/"),
    ("https://EXAMPLE.org./A", "https://example.org/A"),
    # path is kept byte for byte
    ("https://example.com/a/../b/%7e/%7E/", "https://example.com/a/../b/%7e/%7E/"),
    ("https://example.com/%zz/%/", "https://example.com/%zz/%/"),
    ("https://example.com/기사/뉴스?", "https://example.com/기사/뉴스"),
    ("https://example.com/@user/post", "https://example.com/@user/post"),
    ("https://example.com//double//slash", "https://example.com//double//slash"),
    ("https://example.com/a:b;c=d", "https://example.com/a:b;c=d"),
    # query: tracking removed, everything else untouched and in order
    (
        "https://n.news.naver.com/mnews/article/001/0012345678?sid=101&fbclid=IwAR0x",
        "https://n.news.naver.com/mnews/article/001/0012345678?sid=101",
    ),
    ("https://example.com/?UTM_Source=x&a=%41", "https://example.com/?a=%41"),
    ("https://example.com/?%75tm_source=x&a=b", "https://example.com/?a=b"),
    ("https://example.com/?utm_source&a=b", "https://example.com/?a=b"),
    ("https://example.com/?utm_=1&utm_campaign=a&b", "https://example.com/?b"),
    ("https://example.com/?a=b+c&FbClId=1", "https://example.com/?a=b+c"),
    ("https://example.com/?x=2&x=1&gclid=z", "https://example.com/?x=2&x=1"),
    ("https://example.com/?a=1&&b=2", "https://example.com/?a=1&b=2"),
    ("https://example.com/?a=1;utm_source=x", "https://example.com/?a=1;utm_source=x"),
    ("https://example.com/?q=한국어&_ga=1.2", "https://example.com/?q=한국어"),
    ("https://example.com/?q=%zz&mc_cid=1&mc_eid=2", "https://example.com/?q=%zz"),
    ("https://example.com/?utm_source=a&utm_medium=b", "https://example.com/"),
    ("https://example.com/?source=utm_x&ref=home", "https://example.com/?source=utm_x&ref=home"),
    ("https://example.com/?a==b&=c", "https://example.com/?a==b&=c"),
    ("https://example.com/?ref_src=twsrc%5Etfw&id=7", "https://example.com/?id=7"),
    # host names
    ("https://ex-ample.co.kr/", "https://ex-ample.co.kr/"),
    ("https://a1.b2.example.com/", "https://a1.b2.example.com/"),
    ("https://ab--cd.example.com/", "https://ab--cd.example.com/"),
    ("https://" + "a" * 63 + ".com/", "https://" + "a" * 63 + ".com/"),
    ("https://example.localhost.com/", "https://example.localhost.com/"),
    ("https://localnews.kr/", "https://localnews.kr/"),
    # IDN
    (f"https://{KOREAN_HOST}/기사", f"https://{KOREAN_HOST_ASCII}/기사"),
    (f"https://{KOREAN_HOST_ASCII}/", f"https://{KOREAN_HOST_ASCII}/"),
    ("https://XN--3E0BM80AC2H5NO.XN--3E0B707E/", f"https://{KOREAN_HOST_ASCII}/"),
    ("https://뉴스.example.com/", "https://" + idna.encode("뉴스.example.com").decode() + "/"),
    ("https://example。com/", "https://example.com/"),
    ("https://ＥＸＡＭＰＬＥ．ｃｏｍ/", "https://example.com/"),
    ("https://ß.de/", "https://xn--zca.de/"),
    # public IP literals
    ("http://1.1.1.1/", "http://1.1.1.1/"),
    ("http://8.8.8.8/", "http://8.8.8.8/"),
    ("http://8.8.8.8./", "http://8.8.8.8/"),
    ("http://0x8.0x8.0x8.0x8/", "http://8.8.8.8/"),
    ("http://010.010.010.010/", "http://8.8.8.8/"),
    ("http://134744072/", "http://8.8.8.8/"),
    ("http://0x08080808/", "http://8.8.8.8/"),
    ("http://8.526344/", "http://8.8.8.8/"),
    ("http://8.8.2056/", "http://8.8.8.8/"),
    ("http://８.８.８.８/", "http://8.8.8.8/"),
    ("https://1.1.1.1:8443/dns", "https://1.1.1.1:8443/dns"),
    ("http://[2001:4860:4860::8888]/", "http://[2001:4860:4860::8888]/"),
    ("http://[2001:4860:4860:0:0:0:0:8888]:8080/", "http://[2001:4860:4860::8888]:8080/"),
    ("http://[2606:4700:4700::1111]:80/x", "http://[2606:4700:4700::1111]/x"),
    ("https://[2606:4700:4700:0000::1111]:443?", "https://[2606:4700:4700::1111]/"),
    ("http://[::ffff:8.8.8.8]/", "http://[::ffff:808:808]/"),
]


@pytest.mark.parametrize(("raw", "expected"), GOOD)
def test_good_urls_canonicalize(raw, expected):
    assert canonicalize_url(raw) == expected


@pytest.mark.parametrize("expected", sorted({expected for _, expected in GOOD}))
def test_canonical_form_is_a_fixed_point(expected):
    assert canonicalize_url(expected) == expected


def test_korean_host_punycode_matches_idna():
    assert idna.encode(KOREAN_HOST, uts46=True).decode("ascii") == KOREAN_HOST_ASCII


def test_url_of_exactly_max_length_is_accepted():
    raw = "https://example.com/" + "a" * (MAX_URL_LENGTH - len("https://example.com/"))
    assert len(raw) == MAX_URL_LENGTH
    assert canonicalize_url(raw) == raw


# Rejected URLs and their error code ------------------------------------------

LONG_NAME = ".".join(["a" * 63] * 4) + ".com"  # 259 characters

BAD = [
    # empty / too long
    ("", "empty"),
    ("https://example.com/" + "a" * (MAX_URL_LENGTH - 19), "too_long"),
    ("x" * 100_000, "too_long"),
    # whitespace anywhere
    (" ", "invisible"),
    ("   ", "invisible"),
    (" https://example.com/", "invisible"),
    ("https://example.com/ ", "invisible"),
    ("https://exa mple.com/", "invisible"),
    ("https://example.com/a b", "invisible"),
    ("https://example.com/\t", "invisible"),
    ("ht\ttp://example.com/", "invisible"),
    ("\nhttps://example.com/", "invisible"),
    ("https://example.com/\r\n", "invisible"),
    ("https://example.com/a\u00a0b", "invisible"),  # NBSP
    ("https://example.com/\u3000", "invisible"),  # ideographic space
    ("https://example.com/\u2028", "invisible"),  # line separator
    ("https://example.com/\u202f", "invisible"),  # narrow NBSP
    ("https://example.com/\x0b", "invisible"),
    ("https://example.com/\x1f", "invisible"),
    # control, format and filler characters
    ("https://example.com/\x00", "invisible"),
    ("https://example.com/\x7f", "invisible"),
    ("https://example.com/\x85", "invisible"),
    ("https://exam\u200bple.com/", "invisible"),  # zero-width space
    ("\ufeffhttps://example.com/", "invisible"),  # BOM
    ("https://example.com/\u200d", "invisible"),  # zero-width joiner
    ("https://example.com/\u202e", "invisible"),  # right-to-left override
    ("https://example.com/\u2066x\u2069", "invisible"),  # bidi isolates
    ("https://example.com/\u00ad", "invisible"),  # soft hyphen
    ("https://example.com/\u3164", "invisible"),  # Hangul filler
    ("https://example.com/\uffa0", "invisible"),  # halfwidth Hangul filler
    ("https://example.com/\u2800", "invisible"),  # Braille blank
    ("https://\u115f.com/", "invisible"),
    ("https://example.com/\u1160", "invisible"),
    ("https://example.com/\ufe0f", "invisible"),  # variation selector
    ("https://example.com/\ud800", "invisible"),  # lone surrogate
    ("https://example.com/\ue000", "invisible"),  # private use
    ("https://example.com/\uffff", "invisible"),  # noncharacter
    # backslash
    ("https://example.com\\@evil.com/", "backslash"),
    ("https:\\\\example.com/", "backslash"),
    ("https://example.com/a\\b", "backslash"),
    ("\\", "backslash"),
    # scheme
    ("//example.com/x", "scheme"),
    ("example.com/x", "scheme"),
    ("www.example.com", "scheme"),
    ("example.com:8080/x", "scheme"),
    ("ftp://example.com/", "scheme"),
    ("file:///etc/passwd", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("JavaScript://example.com/%0aalert(1)", "scheme"),
    ("data:text/html,<script>", "scheme"),
    ("mailto:desk@example.com", "scheme"),
    ("ws://example.com/", "scheme"),
    ("httpx://example.com/", "scheme"),
    ("http:/example.com/x", "scheme"),
    ("http:example.com/x", "scheme"),
    ("https:example.com", "scheme"),
    ("https//example.com", "scheme"),
    ("http;//example.com", "scheme"),
    ("1http://example.com", "scheme"),
    ("://example.com", "scheme"),
    ("http", "scheme"),
    ("https:", "scheme"),
    ("[", "scheme"),
    ("%", "scheme"),
    ("%68ttp://example.com/", "scheme"),
    ("한국일보.한국/기사", "scheme"),
    ("ｈｔｔｐ://example.com/", "scheme"),
    # user info
    ("https://user:pass@example.com/", "userinfo"),
    ("https://user@example.com/", "userinfo"),
    ("https://@example.com/", "userinfo"),
    ("https://:@example.com/", "userinfo"),
    ("https://example.com@evil.com/", "userinfo"),
    ("http://a@b@c/", "userinfo"),
    ("http://[::1]@example.com/", "userinfo"),
    # host missing
    ("https:///x", "host"),
    ("http://", "host"),
    ("https://", "host"),
    ("http://:80/", "host"),
    ("http://:/", "host"),
    ("https://?a=1", "host"),
    ("https://#x", "host"),
    ("http:////example.com/", "host"),
    # port
    ("https://example.com:/", "port"),
    ("https://example.com:", "port"),
    ("https://example.com:0/", "port"),
    ("https://example.com:00/", "port"),
    ("https://example.com:65536/", "port"),
    ("https://example.com:99999/", "port"),
    ("https://example.com:abc/", "port"),
    ("https://example.com:80:80/", "port"),
    ("https://example.com:-1/", "port"),
    ("https://example.com:+80/", "port"),
    ("https://example.com:1e3/", "port"),
    ("https://example.com:0x50/", "port"),
    ("https://example.com:８０/", "port"),  # full-width digits
    ("https://example.com:٨٠/", "port"),  # Arabic-Indic digits
    ("https://example.com:" + "9" * 1000 + "/", "port"),
    ("http://[2001:4860:4860::8888]:0/", "port"),
    ("http://[2001:4860:4860::8888]:/", "port"),
    # not public: reserved names
    ("http://localhost/", "private_host"),
    ("http://LOCALHOST:8000/", "private_host"),
    ("http://localhost./", "private_host"),
    ("http://foo.localhost/", "private_host"),
    ("http://printer.local/", "private_host"),
    ("http://metadata.google.internal/computeMetadata/v1/", "private_host"),
    ("http://wiki.intranet/", "private_host"),
    ("http://wiki.corp/", "private_host"),
    ("http://router.lan/", "private_host"),
    ("http://nas.home.arpa/", "private_host"),
    ("http://1.0.0.127.in-addr.arpa/", "private_host"),
    ("http://example.test/", "private_host"),
    ("http://example.invalid/", "private_host"),
    ("http://db.localdomain/", "private_host"),
    ("http://duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion/", "private_host"),
    # not public: single-label names
    ("http://intranet/", "private_host"),
    ("http://com/", "private_host"),
    ("http://intranet./", "private_host"),
    ("http://뉴스/", "private_host"),
    # not public: IPv4 literals in every notation a browser accepts
    ("http://127.0.0.1/", "private_host"),
    ("http://127.0.0.1./", "private_host"),
    ("http://127.1/", "private_host"),
    ("http://127.0.1/", "private_host"),
    ("http://2130706433/", "private_host"),
    ("http://0177.0.0.1/", "private_host"),
    ("http://0177.1/", "private_host"),
    ("http://017700000001/", "private_host"),
    ("http://0x7f.0.0.1/", "private_host"),
    ("http://0X7F.1/", "private_host"),
    ("http://0x7f000001/", "private_host"),
    ("http://0x7f.0x0.0x0.0x1/", "private_host"),
    ("http://127.0x0.01/", "private_host"),
    ("http://１２７.０.０.１/", "private_host"),
    ("http://127。0。0。1/", "private_host"),
    ("http://０ｘ７ｆ.1/", "private_host"),
    ("http://0/", "private_host"),
    ("http://0x/", "private_host"),
    ("http://0.0.0.0/", "private_host"),
    ("http://10.1/", "private_host"),
    ("http://10.0.0.1/", "private_host"),
    ("http://167772161/", "private_host"),
    ("http://012.0.0.1/", "private_host"),
    ("http://0xa.0.0.1/", "private_host"),
    ("http://172.16.0.1/", "private_host"),
    ("http://172.31.255.255/", "private_host"),
    ("http://192.168.1.1/", "private_host"),
    ("http://192.168.257/", "private_host"),
    ("http://3232235777/", "private_host"),
    ("http://0xc0.0xa8.1.1/", "private_host"),
    ("http://169.254.169.254/latest/meta-data", "private_host"),
    ("http://169.254.43518/", "private_host"),
    ("http://100.64.0.1/", "private_host"),
    ("http://100.100.100.200/", "private_host"),
    ("http://168.63.129.16/", "private_host"),
    ("http://192.0.0.192/", "private_host"),
    ("http://192.0.2.1/", "private_host"),
    ("http://198.51.100.7/", "private_host"),
    ("http://203.0.113.9/", "private_host"),
    ("http://198.18.0.1/", "private_host"),
    ("http://198.19.255.255/", "private_host"),
    ("http://224.0.0.1/", "private_host"),
    ("http://239.255.255.250/", "private_host"),
    ("http://240.0.0.1/", "private_host"),
    ("http://255.255.255.255/", "private_host"),
    ("http://4294967295/", "private_host"),
    # not public: IPv6 literals
    ("http://[::1]/", "private_host"),
    ("http://[::]/", "private_host"),
    ("http://[0:0:0:0:0:0:0:1]:8080/", "private_host"),
    ("http://[::ffff:127.0.0.1]/", "private_host"),
    ("http://[::ffff:7f00:1]/", "private_host"),
    ("http://[::FFFF:7F00:1]/", "private_host"),
    ("http://[::ffff:a00:1]/", "private_host"),
    ("http://[::ffff:169.254.169.254]/", "private_host"),
    ("http://[::127.0.0.1]/", "private_host"),
    ("http://[::ffff:0:7f00:1]/", "private_host"),
    ("http://[64:ff9b::7f00:1]/", "private_host"),
    ("http://[64:ff9b::a9fe:a9fe]/", "private_host"),
    ("http://[2002:7f00:1::]/", "private_host"),
    ("http://[2002:a9fe:a9fe::1]/", "private_host"),
    ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "private_host"),  # Teredo → 127.0.0.1
    ("http://[fe80::1]/", "private_host"),
    ("http://[fd00:ec2::254]/", "private_host"),
    ("http://[FD00:EC2::254]/", "private_host"),
    ("http://[fc00::1]/", "private_host"),
    ("http://[ff02::1]/", "private_host"),
    ("http://[2001:db8::1]/", "private_host"),
    ("https://[::ffff:7f00:1]:443/", "private_host"),
    # malformed host names
    ("http://a..b.com/", "malformed_host"),
    ("http://.example.com/", "malformed_host"),
    ("http://./", "malformed_host"),
    ("http://../", "malformed_host"),
    ("http://example.com../", "malformed_host"),
    ("http://-example.com/", "malformed_host"),
    ("http://example-.com/", "malformed_host"),
    ("http://www.-x.com/", "malformed_host"),
    ("http://exa_mple.com/", "malformed_host"),
    ("http://ex<ample.com/", "malformed_host"),
    ("http://ex'ample.com/", "malformed_host"),
    ("http://*.example.com/", "malformed_host"),
    ("http://ex!ample.com/", "malformed_host"),
    ("http://" + "a" * 64 + ".com/", "malformed_host"),
    ("http://" + LONG_NAME + "/", "malformed_host"),
    ("http://" + "가" * 64 + ".com/", "malformed_host"),
    ("http://xn--zz.com/", "malformed_host"),
    ("http://xn--.com/", "malformed_host"),
    ("http://xn--abc-.com/", "malformed_host"),
    ("http://%31%32%37.0.0.1/", "malformed_host"),
    ("http://exa%6dple.com/", "malformed_host"),
    ("http://☃.com/", "malformed_host"),
    ("http://\u0301abc.com/", "malformed_host"),
    ("http://exa＠mple.com/", "malformed_host"),
    ("http://example.com／x", "malformed_host"),
    ("http://℀.com/", "malformed_host"),
    ("http://ab--c.한국/", "malformed_host"),
    # malformed IPv4 (what a browser refuses, because the last label is numeric)
    ("http://example.123/", "malformed_host"),
    ("http://example.123./", "malformed_host"),
    ("http://example.0x/", "malformed_host"),
    ("http://example.0x1f/", "malformed_host"),
    ("http://1.2.3.4.5/", "malformed_host"),
    ("http://256.1.1.1/", "malformed_host"),
    ("http://1.2.3.256/", "malformed_host"),
    ("http://1.2.65536/", "malformed_host"),
    ("http://1.2.3.0x100/", "malformed_host"),
    ("http://4294967296/", "malformed_host"),
    ("http://0x100000000/", "malformed_host"),
    ("http://08.0.0.1/", "malformed_host"),
    ("http://0xg.1/", "malformed_host"),
    ("http://1.2.3.4../", "malformed_host"),
    ("http://1..2/", "malformed_host"),
    ("http://" + "9" * 2000 + "/", "malformed_host"),
    # malformed IPv6 / brackets
    ("http://[", "malformed_host"),
    ("http://[/", "malformed_host"),
    ("http://[::1", "malformed_host"),
    ("http://[::1/", "malformed_host"),
    ("http://[]/", "malformed_host"),
    ("http://[::1]x/", "malformed_host"),
    ("http://[::1]]/", "malformed_host"),
    ("http://[::1][::2]/", "malformed_host"),
    ("http://]/", "malformed_host"),
    ("http://ex[ample.com/", "malformed_host"),
    ("http://[example.com]/", "malformed_host"),
    ("http://[1::2::3]/", "malformed_host"),
    ("http://[::ffff:127.0.0.01]/", "malformed_host"),
    ("http://[12345::]/", "malformed_host"),
    ("http://[8.8.8.8]/", "malformed_host"),
    ("http://[fe80::1%25eth0]/", "malformed_host"),
    ("http://[fe80::1%eth0]/", "malformed_host"),
    ("http://[2001:4860:4860::8888%251]/", "malformed_host"),
]


@pytest.mark.parametrize(("raw", "code"), BAD)
def test_bad_urls_are_rejected_with_code(raw, code):
    error = _error(raw)
    assert error.code == code
    (message,) = error.messages
    assert HANGUL.search(message), message


@pytest.mark.parametrize("value", [None, 42, b"https://example.com/", ["https://example.com/"]])
def test_non_strings_are_rejected(value):
    error = _error(value)
    assert error.code == "invalid"


def test_canonical_result_longer_than_limit_is_rejected():
    # A Korean host gets longer in punycode; the canonical form must still fit.
    prefix = f"https://{KOREAN_HOST}/"
    raw = prefix + "a" * (MAX_URL_LENGTH - len(prefix))
    assert len(raw) == MAX_URL_LENGTH
    assert _error(raw).code == "too_long"


# Messages --------------------------------------------------------------------


def test_messages_are_korean_and_distinct_per_reason():
    samples = {
        "invalid": None,
        "empty": "",
        "too_long": "https://example.com/" + "a" * MAX_URL_LENGTH,
        "invisible": "https://example.com/\u200b",
        "backslash": "https://example.com\\x",
        "scheme": "ftp://example.com/",
        "userinfo": "https://user:pass@example.com/",
        "host": "https:///x",
        "port": "https://example.com:0/",
        "private_host": "http://127.0.0.1/",
        "malformed_host": "http://a..b.com/",
    }
    messages = {}
    for code, raw in samples.items():
        error = _error(raw)
        assert error.code == code
        (messages[code],) = error.messages
        assert HANGUL.search(messages[code]), messages[code]
    assert len(set(messages.values())) == len(messages)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("ftp://example.com/", "http 또는 https 주소만 인용할 수 있습니다."),
        ("https://u:p@example.com/", "주소에 사용자 정보(아이디·비밀번호)를 넣을 수 없습니다."),
        ("http://10.0.0.1/", "공개 인터넷 주소가 아닙니다: 사설·루프백·링크로컬 주소는"),
        ("http://printer.local/", "printer.local"),
        ("http://intranet/", "intranet"),
        ("https://example.com/\u200b", "U+200B"),
        ("https://example.com/\u3000", "U+3000"),
        ("https://example.com/" + "a" * 3000, "3020자"),
        ("http://[fe80::1%25eth0]/", "%25"),
        ("http://%31.com/", "퍼센트"),
    ],
)
def test_messages_say_what_is_wrong(raw, fragment):
    (message,) = _error(raw).messages
    assert fragment in message


# Tracking parameters ---------------------------------------------------------


def test_tracking_constants():
    assert isinstance(TRACKING_PARAMETERS, frozenset)
    assert TRACKING_PREFIXES == ("utm_",)
    assert {"fbclid", "gclid", "msclkid", "_ga", "mc_eid"} <= TRACKING_PARAMETERS
    assert all(name == name.lower() for name in TRACKING_PARAMETERS)


@pytest.mark.parametrize("name", sorted(TRACKING_PARAMETERS))
def test_every_tracking_parameter_is_removed(name):
    raw = f"https://example.com/a?id=1&{name}=x&{name.upper()}=y&page=2"
    assert canonicalize_url(raw) == "https://example.com/a?id=1&page=2"


# is_public_ip ----------------------------------------------------------------

PUBLIC = [
    "1.1.1.1",
    "8.8.8.8",
    "223.130.195.95",
    "100.63.255.255",  # just below carrier-grade NAT
    "100.128.0.0",  # just above
    "172.15.255.255",
    "172.32.0.0",
    "198.17.255.255",
    "198.20.0.0",
    "169.253.255.255",
    "223.255.255.255",
    "2001:4860:4860::8888",
    "2606:4700:4700::1111",
    "2400:cb00::1",
    "::ffff:8.8.8.8",  # IPv4-mapped
    "::8.8.8.8",  # IPv4-compatible
    "::ffff:0:808:808",  # SIIT IPv4-translated
    "64:ff9b::808:808",  # NAT64
    "2002:808:808::1",  # 6to4
    "2001:0:4136:e378:8000:63bf:f7f7:f7f7",  # Teredo 65.54.227.120 / 8.8.8.8
]

NOT_PUBLIC = [
    "0.0.0.0",  # noqa: S104 (an address under test, not a bind)
    "0.1.2.3",
    "10.0.0.1",
    "10.255.255.255",
    "100.64.0.1",
    "100.127.255.255",
    "100.100.100.200",  # Alibaba metadata
    "127.0.0.1",
    "127.255.255.254",
    "169.254.0.1",
    "169.254.169.254",  # cloud metadata
    "169.254.170.2",
    "172.16.0.1",
    "172.31.255.255",
    "168.63.129.16",  # Azure host agent
    "192.0.0.192",  # Oracle metadata
    "192.0.2.1",
    "192.88.99.1",
    "192.168.0.1",
    "198.18.0.1",
    "198.19.255.255",
    "198.51.100.1",
    "203.0.113.1",
    "224.0.0.1",
    "239.255.255.255",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::2",  # IPv4-compatible 0.0.0.2
    "::127.0.0.1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:0.0.0.0",
    "::ffff:0:7f00:1",
    "64:ff9b::7f00:1",
    "64:ff9b::c0a8:101",
    "64:ff9b:1::808:808",  # local-use NAT64
    "2002:7f00:1::1",
    "2002:c0a8:101::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo client 192.0.2.45
    "2001:0:7f00:1:8000:63bf:f7f7:f7f7",  # Teredo server 127.0.0.1
    "2001:2::1",  # benchmarking
    "2001:10::1",  # ORCHID
    "2001:db8::1",
    "3fff::1",
    "100::1",
    "5f00::1",
    "4000::1",  # outside 2000::/3
    "fc00::1",
    "fd00::1",
    "fd00:ec2::254",  # AWS metadata
    "fe80::1",
    "febf::1",
    "fec0::1",
    "ff02::1",
    "ff0e::1",
    "fe80::1%eth0",
    "2001:4860:4860::8888%eth0",
]


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses(text):
    assert is_public_ip(ipaddress.ip_address(text)) is True
    assert is_public_ip(text) is True


@pytest.mark.parametrize("text", NOT_PUBLIC)
def test_non_public_addresses(text):
    assert is_public_ip(ipaddress.ip_address(text)) is False
    assert is_public_ip(text) is False


def test_is_public_ip_bad_arguments():
    with pytest.raises(ValueError):
        is_public_ip("example.com")
    with pytest.raises(TypeError):
        is_public_ip(2130706433)


# Fuzz ------------------------------------------------------------------------

PREFIXES = [
    "",
    "http://",
    "https://",
    "HTTPS://",
    "http:",
    "http:/",
    "//",
    "https://[",
    "http://0x",
    "http://127.",
    "https://user@",
    "https://example.com",
    "https://example.com:",
    "https://한국일보.한국",
    "javascript:",
]
ATOMS = [
    *"abcxyzXYZ0189",
    *":/?#[]@%.&=-_~+!$'()*,;\\",
    *" \t\n\r\x00\x7f\u00a0\u3000\u200b\ufeff\u202e\u3164\u2800\u115f\u1160",
    *"한국가ß İﬀ℀／＠：。．ｘ０１\u0301\ud800\uffff\ue000",
    "example",
    "com",
    "co.kr",
    "xn--3e0b707e",
    "xn--",
    "localhost",
    "utm_source=",
    "fbclid",
    "0x7f",
    "0177",
    "2130706433",
    "::1",
    "::ffff:",
    "8.8.8.8",
    "a" * 64,
    "9" * 12,
    "%25",
    "%7e",
    ":443",
    ":80",
    ":65536",
]


HOSTS = [
    "example.com",
    "EXAMPLE.com.",
    "www.zdnet.co.kr",
    "한국일보.한국",
    "뉴스.example.com",
    "ＥＸＡＭＰＬＥ。ｃｏｍ",
    "8.8.8.8",
    "0x8.0x8.0x8.0x8",
    "134744072",
    "[2001:4860:4860::8888]",
    "[::ffff:8.8.8.8]",
    "127.0.0.1",
    "0x7f.1",
    "[::1]",
    "localhost",
    "intranet",
    "a..b.com",
    "xn--3e0b707e.com",
    "xn--zz.com",
]
PORTS = ["", ":", ":80", ":443", ":8443", ":0", ":65536", ":080"]
TAIL_ATOMS = [
    *"abcXYZ019/?#&=%+;:@~-._!$'()*,",
    "utm_source=x",
    "UTM_Medium=y",
    "fbclid=1",
    "%5F%67a=1",
    "a=1",
    "기사",
    "%EA%B0%80",
    "&&",
]


def _nasty_strings(count, seed=1234):
    """Half free-form garbage, half URL-shaped strings that often succeed."""
    rng = random.Random(seed)
    for _ in range(count):
        if rng.random() < 0.5:
            pieces = [rng.choice(PREFIXES)]
            pieces += [rng.choice(ATOMS) for _ in range(rng.randint(0, 25))]
        else:
            pieces = [rng.choice(["http://", "https://", "HTTP://"])]
            pieces += [rng.choice(HOSTS), rng.choice(PORTS), rng.choice(["/", "/", "?", "#", ""])]
            pieces += [rng.choice(TAIL_ATOMS) for _ in range(rng.randint(0, 15))]
            if rng.random() < 0.2:  # sprinkle one nasty atom anywhere
                at = rng.randrange(len(pieces) + 1)
                pieces.insert(at, rng.choice(ATOMS))
        yield "".join(pieces)


def test_fuzz_only_validation_errors_and_idempotent():
    accepted = rejected = 0
    for raw in _nasty_strings(5000):
        try:
            result = canonicalize_url(raw)
        except ValidationError as error:
            assert error.code, raw
            assert HANGUL.search(error.messages[0]), raw
            rejected += 1
            continue
        accepted += 1
        assert result.startswith(("http://", "https://")), (raw, result)
        assert len(result) <= MAX_URL_LENGTH
        assert "#" not in result
        assert canonicalize_url(result) == result, (raw, result)
    assert rejected > 1000
    assert accepted > 500  # the generator does reach the success path
