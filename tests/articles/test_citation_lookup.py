"""Filling in a citation from a pasted URL: what `citation_lookup` reads from real-looking pages."""

import socket
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from articles import services
from articles.services import citation_lookup
from tests import linkserver
from tests.factories import make_outlet

pytestmark = pytest.mark.django_db


HOST = "news.example.com"  # resolved to the local test server by a stand-in DNS


@pytest.fixture
def site(settings, monkeypatch):
    monkeypatch.setattr(
        services, "system_resolver", linkserver.fake_resolver({HOST: ["127.0.0.1"]})
    )
    settings.LINKCHECK_ALLOW_LOOPBACK = True
    settings.CITATION_TIMEOUT = 0.5
    settings.CITATION_MAX_BODY_BYTES = 200_000
    settings.TIME_ZONE = "Asia/Seoul"
    with linkserver.running() as server:
        yield server


def test_it_reads_headline_outlet_and_day_from_open_graph(site):
    found = citation_lookup(site.url(host=HOST, path="/citation/og?utm_source=feed"))

    assert found["url"] == site.url(
        host=HOST, path="/citation/og"
    )  # canonical: the tracking tail is gone
    assert found["headline"] == "데이터센터, 바다로 간다"
    assert found["outlet"] == "가상일보"
    # 23:30 UTC on the 3rd is the morning of the 4th in Seoul.
    assert found["published_on"] == date(2026, 11, 4)
    assert found["message"] == ""


def test_it_reads_a_page_that_has_only_json_ld(site):
    found = citation_lookup(site.url(host=HOST, path="/citation/json-ld"))

    assert found["headline"] == "해상 풍력 단지, 첫 전력 보내"
    assert found["outlet"] == "가상경제"
    assert found["published_on"] == date(2026, 10, 21)


def test_it_takes_the_headline_from_the_title_without_the_site_name(site):
    found = citation_lookup(site.url(host=HOST, path="/citation/title-only"))

    assert found["headline"] == "항만 자동화, 노동계와 첫 협의"
    assert found["published_on"] is None


def test_it_reads_a_page_served_in_euc_kr(site):
    found = citation_lookup(site.url(host=HOST, path="/citation/euc-kr"))

    assert found["headline"] == "해저 케이블 공사 내년 봄 시작"
    assert found["outlet"] == "가상일보"
    assert found["published_on"] == date(2026, 9, 14)


def test_an_outlet_already_known_for_the_domain_gives_its_own_name(site):
    make_outlet(name="우리가 아는 이름", domain=HOST)

    assert citation_lookup(site.url(host=HOST, path="/citation/og"))["outlet"] == "우리가 아는 이름"


def test_a_redirect_to_a_private_address_is_refused_without_connecting(site, monkeypatch):
    connected = []
    real_connect = socket.create_connection

    def recording_connect(address, *args, **kwargs):
        connected.append(address[0])
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recording_connect)

    with pytest.raises(ValidationError) as refused:
        citation_lookup(site.url(host=HOST, path="/to-private"))

    assert "공개되지 않은 주소" in refused.value.messages[0]
    assert connected == ["127.0.0.1"]  # the test server only; never 10.0.0.1


def test_a_url_the_rules_refuse_raises_before_any_request(site):
    with pytest.raises(ValidationError):
        citation_lookup("javascript:alert(1)")
    assert site.requests == []


def test_a_slow_page_fills_nothing_and_says_it_timed_out(site):
    found = citation_lookup(site.url(host=HOST, path="/slow"))

    assert (found["headline"], found["outlet"], found["published_on"]) == ("", "", None)
    assert "시간 초과" in found["message"]


def test_a_huge_page_is_read_only_up_to_the_cap(site):
    found = citation_lookup(site.url(host=HOST, path="/citation/huge"))

    # The title sits after 3 MB; only the first 200 KB were read.
    assert found["headline"] == ""
    assert "찾지 못해" in found["message"]


def test_a_response_that_is_not_a_web_page_fills_nothing_and_says_so(site):
    found = citation_lookup(site.url(host=HOST, path="/pdf"))

    assert found["headline"] == ""
    assert "웹 페이지가 아니라서" in found["message"]


def test_a_missing_page_fills_nothing_and_says_so(site):
    found = citation_lookup(site.url(host=HOST, path="/missing"))

    assert found["headline"] == ""
    assert "404" in found["message"]
