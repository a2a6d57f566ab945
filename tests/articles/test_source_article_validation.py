"""A cited article's address, as the editor saves it: refused in Korean, or stored canonical."""

import re

import pytest
from django.core.exceptions import ValidationError

from articles.models import Outlet, OutletDomain, SourceArticle
from tests.factories import make_episode, make_outlet

pytestmark = pytest.mark.django_db

HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.fixture
def episode():
    return make_episode(articles=0)


@pytest.fixture
def outlet():
    return make_outlet(name="가상일보", domain="news.example.com")


def article(episode, url, *, outlet=None, position=1) -> SourceArticle:
    return SourceArticle(
        episode=episode,
        position=position,
        headline="가상 기사 제목",
        outlet=outlet,
        url=url,
        summary="“인용문입니다.”",
    )


def url_error(candidate: SourceArticle) -> list[str]:
    """full_clean's messages, asserting they are about the address and nothing else."""
    with pytest.raises(ValidationError) as info:
        candidate.full_clean()
    errors = info.value.message_dict
    assert list(errors) == ["url"], errors
    for message in errors["url"]:
        assert HANGUL.search(message), message
    return errors["url"]


BAD_URLS = [
    # not http(s), or not a whole address
    pytest.param("ftp://example.com/x", id="ftp"),
    pytest.param("javascript:alert(1)", id="javascript"),
    pytest.param("data:text/html,hi", id="data"),
    pytest.param("file:///etc/passwd", id="file"),
    pytest.param("mailto:desk@example.com", id="mailto"),
    pytest.param("https:example.com/x", id="scheme-without-slashes"),
    pytest.param("https:/example.com/x", id="scheme-one-slash"),
    pytest.param("//example.com/x", id="scheme-relative"),
    pytest.param("example.com/x", id="no-scheme"),
    pytest.param("", id="empty"),
    pytest.param("https://", id="no-host"),
    pytest.param("https:///x", id="empty-host"),
    # credentials in the address
    pytest.param("https://user:secret@example.com/", id="user-and-password"),
    pytest.param("https://user@example.com/", id="user"),
    pytest.param("https://example.com@evil.example.org/", id="host-looking-user"),
    # ports
    pytest.param("https://example.com:0/", id="port-0"),
    pytest.param("https://example.com:65536/", id="port-too-big"),
    pytest.param("https://example.com:abc/", id="port-letters"),
    pytest.param("https://example.com:-1/", id="port-negative"),
    pytest.param("https://example.com:８０/", id="port-fullwidth-digits"),
    # names that only mean something inside a network
    pytest.param("http://localhost/", id="localhost"),
    pytest.param("http://LOCALHOST./", id="localhost-dot"),
    pytest.param("http://app.localhost/", id="under-localhost"),
    pytest.param("http://printer.local/", id="mdns-local"),
    pytest.param("http://metadata.google.internal/", id="internal"),
    pytest.param("http://intranet/", id="no-dot-intranet"),
    pytest.param("http://newsroom/", id="no-dot-name"),
    # loopback and private addresses, however they are written
    pytest.param("http://127.0.0.1/", id="loopback"),
    pytest.param("http://2130706433/", id="loopback-decimal"),
    pytest.param("http://0177.0.0.1/", id="loopback-octal"),
    pytest.param("http://0x7f.0.0.1/", id="loopback-hex-octet"),
    pytest.param("http://0x7f000001/", id="loopback-hex"),
    pytest.param("http://127.1/", id="loopback-short"),
    pytest.param("http://0.0.0.0/", id="unspecified"),
    pytest.param("http://10.0.0.1/", id="private-10"),
    pytest.param("http://172.16.5.4/", id="private-172"),
    pytest.param("http://192.168.0.1/", id="private-192"),
    pytest.param("http://[::1]/", id="ipv6-loopback"),
    pytest.param("http://[fe80::1]/", id="ipv6-link-local"),
    pytest.param("http://[fd00:ec2::254]/", id="ipv6-unique-local-metadata"),
    pytest.param("http://[::ffff:127.0.0.1]/", id="ipv4-mapped-loopback"),
    pytest.param("http://[::ffff:7f00:1]/", id="ipv4-mapped-loopback-hex"),
    pytest.param("http://[::ffff:169.254.169.254]/", id="ipv4-mapped-metadata"),
    pytest.param("http://169.254.169.254/latest/meta-data/", id="cloud-metadata"),
    pytest.param("http://100.64.0.1/", id="cgnat"),
    pytest.param("http://100.100.100.200/", id="cgnat-metadata"),
    # characters that hide in copied text
    pytest.param(" https://example.com/", id="leading-space"),
    pytest.param("https://example.com/ ", id="trailing-space"),
    pytest.param("https://example.com/a b", id="inner-space"),
    pytest.param("https://example.com/\tx", id="tab"),
    pytest.param("https://example.com/x\n", id="newline"),
    pytest.param("https://example.com/\x00", id="nul"),
    pytest.param("https://example.com/\x7f", id="delete"),
    pytest.param("https://exa\u200bmple.com/", id="zero-width-in-host"),
    pytest.param("https://example.com/\u200b", id="zero-width-in-path"),
    pytest.param("\ufeffhttps://example.com/", id="byte-order-mark"),
    pytest.param("https://example.com/\u202e", id="bidi-override"),
    pytest.param("https://example.com\u3000/", id="ideographic-space"),
    # backslashes browsers read as slashes
    pytest.param("https://example.com\\evil.example.org/", id="backslash-in-host"),
    pytest.param("https://example.com/a\\b", id="backslash-in-path"),
    # too long
    pytest.param("https://example.com/" + "a" * 2100, id="over-2048"),
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_bad_address_is_refused_on_the_url_field_only(episode, outlet, url):
    url_error(article(episode, url, outlet=outlet))


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.1/", "//example.com/x", "https://user@example.com/", "https://x/" + "a" * 2100],
)
def test_a_bad_address_with_no_outlet_chosen_still_gets_only_the_url_error(episode, url):
    url_error(article(episode, url))


def test_an_overlong_address_is_refused_once_and_says_the_limit(episode, outlet):
    messages = url_error(article(episode, "https://example.com/" + "a" * 2100, outlet=outlet))
    assert len(messages) == 1
    assert "2048" in messages[0]


def test_a_refused_address_is_never_saved(episode, outlet):
    candidate = article(episode, "http://169.254.169.254/latest/meta-data/", outlet=outlet)
    url_error(candidate)
    assert not SourceArticle.objects.exists()


LONG_PATH = "/2025/10/07/" + "-".join(["sovereign-ai-datacenter-plans"] * 48)

GOOD_URLS = [
    pytest.param(
        "https://news.example.com/article/1", "https://news.example.com/article/1", id="already"
    ),
    pytest.param(
        "HTTPS://News.Example.COM/Article/Case",
        "https://news.example.com/Article/Case",
        id="case-of-scheme-and-host-only",
    ),
    pytest.param(
        "http://news.example.com:80/a", "http://news.example.com/a", id="default-http-port"
    ),
    pytest.param(
        "https://news.example.com:443/a", "https://news.example.com/a", id="default-https-port"
    ),
    pytest.param(
        "https://news.example.com:8443/a", "https://news.example.com:8443/a", id="other-port"
    ),
    pytest.param("https://news.example.com", "https://news.example.com/", id="empty-path"),
    pytest.param(
        "https://news.example.com/a#comments", "https://news.example.com/a", id="fragment"
    ),
    pytest.param(
        "https://news.example.com/view?b=2&utm_source=kakao&a=1&UTM_Campaign=x&c=3",
        "https://news.example.com/view?b=2&a=1&c=3",
        id="utm-removed-others-kept-in-order",
    ),
    pytest.param(
        "https://news.example.com/view?utm_medium=share",
        "https://news.example.com/view",
        id="only-utm",
    ),
    pytest.param(
        "https://news.example.com/view?fbclid=abc&id=9",
        "https://news.example.com/view?id=9",
        id="click-id",
    ),
    pytest.param(
        "https://news.example.com/q?x=%EA%B0%80",
        "https://news.example.com/q?x=%EA%B0%80",
        id="percent-encoding-kept",
    ),
    pytest.param(
        "https://한국일보.한국/기사/1",
        "https://xn--3e0bm80ac2h5no.xn--3e0b707e/기사/1",
        id="korean-domain-to-punycode",
    ),
    pytest.param("https://news.example.com./a", "https://news.example.com/a", id="trailing-dot"),
    pytest.param(
        "https://[2606:4700:4700::1111]/dns",
        "https://[2606:4700:4700::1111]/dns",
        id="public-ipv6",
    ),
    pytest.param(
        "https://news.example.com" + LONG_PATH + "?id=1&utm_source=x",
        "https://news.example.com" + LONG_PATH + "?id=1",
        id="long-legitimate-address",
    ),
]


@pytest.mark.parametrize(("raw", "canonical"), GOOD_URLS)
def test_a_good_address_is_stored_in_canonical_form(episode, outlet, raw, canonical):
    candidate = article(episode, raw, outlet=outlet)
    candidate.full_clean()
    candidate.save()
    candidate.refresh_from_db()
    assert candidate.url == canonical


def test_an_address_of_1500_characters_is_accepted(episode, outlet):
    # URLField's default max_length of 200 would refuse this real-world shape.
    prefix, suffix = "https://news.example.com/articles/", "?id=7"
    raw = prefix + "a" * (1500 - len(prefix) - len(suffix)) + suffix
    assert len(raw) == 1500
    candidate = article(episode, raw, outlet=outlet)
    candidate.full_clean()
    candidate.save()
    assert SourceArticle.objects.get().url == raw


def test_the_long_legitimate_address_in_the_table_is_really_long():
    assert len(GOOD_URLS[-1].values[0]) > 1400


# The outlet comes from the address when the editor leaves it empty -------------------


def test_outlet_left_empty_is_found_from_the_domain(episode, outlet):
    candidate = article(episode, "https://news.example.com/article/5")
    candidate.full_clean()
    assert candidate.outlet == outlet


def test_outlet_is_found_through_a_www_prefix(episode):
    zdnet = make_outlet(name="가상넷", domain="zdnet.example.co.kr")
    candidate = article(episode, "https://WWW.zdnet.example.co.kr/view/?no=1&utm_source=x")
    candidate.full_clean()
    assert candidate.outlet == zdnet
    assert candidate.url == "https://www.zdnet.example.co.kr/view/?no=1"


def test_outlet_is_found_through_a_mobile_subdomain(episode, outlet):
    candidate = article(episode, "https://m.news.example.com/article/5")
    candidate.full_clean()
    assert candidate.outlet == outlet


def test_the_most_specific_outlet_domain_wins(episode, outlet):
    sports = make_outlet(name="가상스포츠", domain="sports.news.example.com")
    candidate = article(episode, "https://sports.news.example.com/match/1")
    candidate.full_clean()
    assert candidate.outlet == sports


def test_outlet_with_a_korean_domain_is_found_from_a_korean_address(episode):
    outlet = Outlet.objects.create(name="가상한국일보", slug="virtual-hankook")
    domain = OutletDomain(outlet=outlet, domain="한국일보.한국")
    domain.full_clean()
    domain.save()
    candidate = article(episode, "https://www.한국일보.한국/기사/1")
    candidate.full_clean()
    assert candidate.outlet == outlet


def test_a_chosen_outlet_is_kept_even_if_the_domain_belongs_to_another(episode, outlet):
    syndicator = make_outlet(name="가상통신", domain="wire.example.com")
    candidate = article(episode, "https://news.example.com/article/5", outlet=syndicator)
    candidate.full_clean()
    assert candidate.outlet == syndicator


def test_unknown_domain_with_no_outlet_gets_a_clear_korean_error_on_outlet(episode, outlet):
    candidate = article(episode, "https://unknown-paper.example.net/a/1")
    with pytest.raises(ValidationError) as info:
        candidate.full_clean()
    errors = info.value.message_dict
    assert list(errors) == ["outlet"]
    assert HANGUL.search(errors["outlet"][0])
    assert "unknown-paper.example.net" in errors["outlet"][0]


# The same article cited twice ------------------------------------------------------


@pytest.mark.parametrize(
    "again",
    [
        "https://news.example.com/article/7?id=3",
        "https://news.example.com/article/7?id=3&utm_source=kakao&utm_medium=share",
        "https://news.example.com/article/7?utm_campaign=x&id=3#comments",
        "https://NEWS.Example.com/article/7?id=3",
        "https://news.example.com:443/article/7?id=3",
    ],
)
def test_the_same_article_cited_twice_in_an_episode_is_refused(episode, outlet, again):
    first = article(episode, "https://news.example.com/article/7?id=3&utm_source=x")
    first.full_clean()
    first.save()
    second = article(episode, again, position=2)
    with pytest.raises(ValidationError) as info:
        second.full_clean()
    messages = [m for ms in info.value.message_dict.values() for m in ms]
    assert "이 회차에 같은 기사 주소가 이미 인용되어 있습니다." in messages


def test_a_different_article_on_the_same_site_is_fine(episode, outlet):
    first = article(episode, "https://news.example.com/article/7?id=3")
    first.full_clean()
    first.save()
    second = article(episode, "https://news.example.com/article/7?id=4", position=2)
    second.full_clean()


def test_a_long_url_with_korean_in_its_path_can_be_stored_on_every_database():
    # 2,000 distinct Hangul syllables are about 6 KB in UTF-8: more than a
    # PostgreSQL B-tree row may hold, so uniqueness is enforced on a hash.
    episode = make_episode(articles=1)
    path = "".join(chr(0xAC00 + (i * 7919) % 11172) for i in range(2000))
    article = SourceArticle(
        episode=episode,
        position=2,
        headline="긴 주소의 기사",
        outlet=episode.articles.get().outlet,
        url=f"https://news.example.com/{path}",
    )
    article.full_clean()
    article.save()
    twin = SourceArticle(
        episode=episode, position=3, headline="같은 기사", outlet=article.outlet, url=article.url
    )
    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    assert "이 회차에 같은 기사 주소가 이미 인용되어 있습니다." in str(refused.value)
