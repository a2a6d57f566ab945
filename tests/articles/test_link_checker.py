"""The link checker against a local site: statuses, redirects, timeouts, politeness,
and the address guard that keeps cited links from reaching inside our network."""

import pytest

from articles.linkcheck import LinkChecker, Outcome, UnsafeAddress, vetted_addresses
from tests import linkserver


def checker(**options) -> LinkChecker:
    options.setdefault("allow_loopback", True)
    options.setdefault("timeout", 5.0)
    return LinkChecker(**options)


# Statuses ----------------------------------------------------------------------


def test_a_working_page_is_ok_after_a_single_head_request(site):
    result = checker().check(site.url("/ok"))
    assert (result.outcome, result.status, result.final_url) == (Outcome.OK, 200, site.url("/ok"))
    assert site.requests == [("HEAD", "/ok", f"127.0.0.1:{site.port}")]


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/broken", 500)])
def test_an_error_answer_is_a_failed_check_with_its_status(site, path, status):
    result = checker().check(site.url(path))
    assert (result.outcome, result.status, result.ok) == (Outcome.HTTP_ERROR, status, False)


def test_a_server_that_refuses_head_is_asked_again_with_get(site):
    result = checker().check(site.url("/no-head"))
    assert (result.outcome, result.status) == (Outcome.OK, 200)
    assert site.requests[0][:2] == ("HEAD", "/no-head")
    assert site.requests[1][:2] == ("GET", "/no-head")


def test_when_the_text_is_wanted_the_page_is_fetched_once_with_get(site):
    result = checker().check(site.url("/ok"), want_body=True)
    assert site.paths() == ["/ok"] and site.paths("GET") == ["/ok"]
    assert "데이터센터" in result.body.decode("utf-8")
    assert result.content_type.startswith("text/html")


def test_a_page_is_read_only_up_to_the_byte_cap(site):
    result = checker(max_body_bytes=10_000).check(site.url("/big"), want_body=True)
    assert result.ok and len(result.body) == 10_000


def test_a_gzip_page_is_unpacked(site):
    result = checker().check(site.url("/gzip"), want_body=True)
    assert "데이터센터" in result.body.decode("utf-8")


def test_the_user_agent_says_who_is_asking(site):
    result = checker(user_agent="NewsColumnLinkCheck/1.0 (+https://column.example.com)").check(
        site.url("/user-agent"), want_body=True
    )
    assert b"NewsColumnLinkCheck/1.0 (+https://column.example.com)" in result.body


def test_a_slow_server_runs_into_the_timeout(site):
    result = checker(timeout=0.2).check(site.url("/slow"))
    assert result.outcome == Outcome.UNREACHABLE
    assert "시간 초과" in result.detail


def test_a_closed_port_is_unreachable(site):
    port = site.port
    site.close()
    result = checker().check(f"http://127.0.0.1:{port}/ok")
    assert result.outcome == Outcome.UNREACHABLE


# Redirects ---------------------------------------------------------------------


def test_a_permanent_redirect_to_another_address_is_reported_as_a_move(site):
    result = checker().check(site.url("/old"))
    assert (result.outcome, result.status) == (Outcome.MOVED, 200)
    assert result.moved_to == site.url("/new") == result.final_url
    assert result.redirects == [(301, site.url("/new"))]
    assert result.ok


def test_a_chain_of_permanent_redirects_is_recorded_hop_by_hop(site):
    result = checker().check(site.url("/older"))
    assert result.redirects == [(308, site.url("/old")), (301, site.url("/new"))]
    assert result.moved_to == site.url("/new")


def test_a_temporary_redirect_is_followed_without_suggesting_a_move(site):
    result = checker().check(site.url("/temporary"))
    assert (result.outcome, result.final_url, result.moved_to) == (
        Outcome.OK,
        site.url("/ok"),
        "",
    )
    assert result.redirects == [(302, site.url("/ok"))]


def test_a_redirect_loop_is_caught(site):
    result = checker().check(site.url("/loop-a"))
    assert result.outcome == Outcome.REDIRECTS
    assert site.paths() == ["/loop-a", "/loop-b"]


def test_redirects_stop_at_the_limit(site):
    result = checker(max_redirects=3).check(site.url("/hop/10"))
    assert result.outcome == Outcome.REDIRECTS
    assert len(result.redirects) == 4 and len(site.requests) == 4
    assert checker(max_redirects=3).check(site.url("/hop/3")).outcome == Outcome.OK


# The address guard -------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "address"), [("/to-private", "10.0.0.1"), ("/to-metadata", "169.254.169.254")]
)
def test_a_redirect_into_a_private_network_is_refused_even_with_loopback_allowed(
    site, path, address
):
    result = checker(allow_loopback=True).check(site.url(path))
    assert result.outcome == Outcome.REFUSED
    assert address in result.detail
    assert not result.ok


def test_loopback_is_refused_unless_the_checker_allows_it(site):
    result = checker(allow_loopback=False).check(site.url("/ok"))
    assert result.outcome == Outcome.REFUSED
    assert site.requests == []


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.0.10",
        "169.254.169.254",  # cloud metadata
        "100.100.100.200",  # Alibaba metadata
        "168.63.129.16",  # Azure host agent (public space, still refused)
        "0.0.0.0",  # noqa: S104 - an address to refuse, not to bind
        "fd00:ec2::254",
        "fe80::1",
        "::ffff:10.0.0.1",
    ],
)
def test_private_and_metadata_addresses_stay_refused_when_loopback_is_allowed(address):
    with pytest.raises(UnsafeAddress):
        vetted_addresses(address, 80, allow_loopback=True)


def test_loopback_addresses_pass_only_when_allowed():
    assert vetted_addresses("127.0.0.1", 80, allow_loopback=True) == ["127.0.0.1"]
    assert vetted_addresses("::1", 80, allow_loopback=True) == ["::1"]
    with pytest.raises(UnsafeAddress):
        vetted_addresses("127.0.0.1", 80, allow_loopback=False)


def test_a_hostname_resolving_to_a_private_address_is_refused():
    resolver = linkserver.fake_resolver({"intranet.example.test": ["10.1.2.3"]})
    with pytest.raises(UnsafeAddress) as refused:
        vetted_addresses("intranet.example.test", 80, allow_loopback=True, resolver=resolver)
    assert refused.value.address == "10.1.2.3"


def test_a_hostname_is_refused_when_any_one_of_its_addresses_is_private():
    resolver = linkserver.fake_resolver({"mixed.example.test": ["203.0.114.7", "192.168.1.1"]})
    with pytest.raises(UnsafeAddress):
        vetted_addresses("mixed.example.test", 443, resolver=resolver)


def test_a_public_hostname_passes_the_guard():
    resolver = linkserver.fake_resolver({"news.example.test": ["203.0.114.7", "2001:4860::8"]})
    assert vetted_addresses("news.example.test", 443, resolver=resolver) == [
        "203.0.114.7",
        "2001:4860::8",
    ]


def test_a_redirect_to_a_hostname_is_resolved_and_vetted_again(site):
    calls = []
    resolver = linkserver.fake_resolver({"intranet.example.test": ["10.1.2.3"]}, calls)
    result = checker(resolver=resolver).check(site.url("/to-internal-name"))
    assert result.outcome == Outcome.REFUSED
    assert calls == ["intranet.example.test"]
    assert "10.1.2.3" in result.detail


def test_the_connection_goes_to_the_vetted_address_without_a_second_lookup(site):
    # DNS rebinding: the first answer is harmless, any later one is not.
    answers = iter([["127.0.0.1"], ["10.0.0.1"], ["10.0.0.1"]])
    calls = []

    def rebinding(host, port):
        calls.append(host)
        return next(answers)

    result = checker(resolver=rebinding).check(site.url("/ok", host="news.rebind.test"))
    assert (result.outcome, calls) == (Outcome.OK, ["news.rebind.test"])
    # ... and the site was still asked for by its own name.
    assert site.requests == [("HEAD", "/ok", f"news.rebind.test:{site.port}")]


def test_a_name_that_does_not_resolve_is_unreachable():
    result = checker(resolver=linkserver.fake_resolver({})).check("https://gone.example.test/")
    assert result.outcome == Outcome.UNREACHABLE
    assert "DNS" in result.detail


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/file", "http://user:secret@127.0.0.1/", "file:///etc/passwd", "http:///x"],
)
def test_addresses_the_checker_will_not_request_are_refused(url):
    assert checker().check(url).outcome == Outcome.REFUSED


# Politeness --------------------------------------------------------------------


def test_hosts_are_checked_in_parallel_but_each_host_one_request_at_a_time(site):
    resolver = linkserver.fake_resolver({"a.test": ["127.0.0.1"], "b.test": ["127.0.0.1"]})
    jobs = [(site.url(path, host), False) for host in ("a.test", "b.test") for path in (
        "/ok", "/temporary", "/rendezvous", "/no-head", "/missing", "/article"
    )]  # fmt: skip

    results = dict(checker(resolver=resolver).check_many(jobs, concurrency=4))

    assert set(results) == {url for url, _ in jobs}
    # /rendezvous answers only when the other host's one is in flight too.
    assert results[site.url("/rendezvous", "a.test")].outcome == Outcome.OK
    assert results[site.url("/rendezvous", "b.test")].outcome == Outcome.OK
    assert site.peak_in_flight == {"a.test": 1, "b.test": 1}
    assert site.most_in_flight_overall == 2


def test_with_a_concurrency_of_one_hosts_wait_for_each_other(site):
    resolver = linkserver.fake_resolver({"a.test": ["127.0.0.1"], "b.test": ["127.0.0.1"]})
    jobs = [(site.url("/ok", host), False) for host in ("a.test", "b.test")]
    results = dict(checker(resolver=resolver).check_many(jobs, concurrency=1))
    assert all(r.ok for r in results.values())
    assert site.most_in_flight_overall == 1
