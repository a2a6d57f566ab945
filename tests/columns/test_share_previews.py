"""Share previews (KakaoTalk, Facebook, X), canonical links and schema.org JSON-LD."""

import json
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import SourceQuote
from articles.textfragments import text_fragment_url
from columns.models import Episode
from tests.factories import make_episode, make_series

pytestmark = pytest.mark.django_db


class HeadReader(HTMLParser):
    """Meta properties, link rels and <script> blocks of a page."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.links: dict[str, list[str]] = {}
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None
        self._script_text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta.setdefault(key, []).append(attrs.get("content", ""))
        elif tag == "link":
            self.links.setdefault(attrs.get("rel", ""), []).append(attrs.get("href", ""))
        elif tag == "script":
            self._script, self._script_text = attrs, []

    def handle_data(self, data):
        if self._script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._script_text)))
            self._script = None

    def one(self, key: str) -> str:
        values = self.meta.get(key, [])
        assert len(values) == 1, (key, values)
        return values[0]

    def json_ld(self) -> list[dict]:
        return [
            json.loads(text)
            for attrs, text in self.scripts
            if attrs.get("type") == "application/ld+json"
        ]


def page(client, url: str) -> HeadReader:
    response = client.get(url)
    assert response.status_code == 200, url
    return HeadReader(response.content.decode())


@pytest.fixture
def episode():
    series = make_series(title="저녁의 기술 뉴스", slug="evening", author_name="바람지기")
    return make_episode(
        series,
        48,
        headline="바다 건너 데이터센터",
        subtitle="전기와 물을 찾아 떠나는 서버들",
        keywords=("데이터센터", "전력"),
        publish_at=datetime(2025, 10, 7, 11, 30, tzinfo=UTC),
    )


def public_pages(episode) -> list[str]:
    return [
        reverse("columns:home"),
        reverse("columns:series_list"),
        episode.series.get_absolute_url(),
        episode.get_absolute_url(),
        reverse("columns:keyword", args=[episode.keywords.first().slug]),
        episode.articles.first().outlet.get_absolute_url(),
        reverse("columns:search") + "?q=데이터",
    ]


def test_every_public_page_has_canonical_description_open_graph_and_twitter_tags(client, episode):
    for url in public_pages(episode):
        head = page(client, url)
        canonical = head.links["canonical"]
        assert len(canonical) == 1 and canonical[0].startswith("http://testserver/"), url
        assert head.one("og:url") == canonical[0]
        assert head.one("description"), url
        assert head.one("og:description"), url
        assert head.one("og:title"), url
        assert head.one("og:site_name") == "뉴스가 있는 저녁"
        assert head.one("twitter:card") == "summary_large_image"
        assert head.one("twitter:title") == head.one("og:title")
        assert head.one("twitter:description") == head.one("og:description")


def test_an_episode_preview_is_an_article_described_by_its_subtitle(client, episode):
    head = page(client, episode.get_absolute_url())
    assert head.one("og:type") == "article"
    assert head.one("og:title") == "저녁의 기술 뉴스-48(바다 건너 데이터센터)"
    assert head.one("og:description") == "전기와 물을 찾아 떠나는 서버들"
    assert head.one("description") == "전기와 물을 찾아 떠나는 서버들"
    published = datetime.fromisoformat(head.one("article:published_time"))
    assert published == datetime(2025, 10, 7, 11, 30, tzinfo=UTC)
    assert head.one("article:section") == "저녁의 기술 뉴스"
    assert sorted(head.meta["article:tag"]) == ["데이터센터", "전력"]
    assert head.links["canonical"] == ["http://testserver/series/evening/48/"]


def test_an_episode_without_subtitle_is_described_by_its_headline(client):
    episode = make_episode(headline="부제 없는 글", subtitle="")
    assert page(client, episode.get_absolute_url()).one("og:description") == "부제 없는 글"


def test_other_pages_are_websites_with_their_own_titles(client, episode):
    head = page(client, episode.series.get_absolute_url())
    assert head.one("og:type") == "website"
    assert head.one("og:title") == "저녁의 기술 뉴스"
    keyword = page(client, reverse("columns:keyword", args=[episode.keywords.first().slug]))
    assert keyword.one("og:title").startswith("키워드 #")


def test_canonical_urls_use_site_url_when_set(client, episode, settings):
    settings.SITE_URL = "https://column.example.com"
    head = page(client, episode.get_absolute_url() + "?utm_source=kakao")
    assert head.links["canonical"] == ["https://column.example.com/series/evening/48/"]


def test_canonical_url_keeps_a_page_number_but_no_other_parameters(client):
    series = make_series()
    for number in range(1, 23):
        make_episode(series, number, articles=0, keywords=())
    head = page(client, series.get_absolute_url() + "?page=2&fbclid=abc")
    assert head.links["canonical"] == [f"http://testserver{series.get_absolute_url()}?page=2"]
    first = page(client, series.get_absolute_url() + "?page=1")
    assert first.links["canonical"] == [f"http://testserver{series.get_absolute_url()}"]


def test_quotes_in_titles_cannot_break_out_of_meta_attributes(client):
    episode = make_episode(headline='따옴표 " 와 <꺾쇠>', subtitle='"><script>alert(1)</script>')
    response = client.get(episode.get_absolute_url())
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    head = HeadReader(html)
    assert head.one("og:description") == '"><script>alert(1)</script>'


# --- JSON-LD -----------------------------------------------------------------------


def test_episode_page_carries_schema_org_article_data(client, episode):
    (data,) = page(client, episode.get_absolute_url()).json_ld()
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "저녁의 기술 뉴스-48(바다 건너 데이터센터)"
    assert data["description"] == "전기와 물을 찾아 떠나는 서버들"
    assert data["author"] == {"@type": "Person", "name": "바람지기"}
    assert datetime.fromisoformat(data["datePublished"]) == episode.publish_at
    assert datetime.fromisoformat(data["dateModified"]) >= episode.publish_at
    assert data["url"] == "http://testserver/series/evening/48/"
    assert data["isPartOf"] == {
        "@type": "CreativeWorkSeries",
        "name": "저녁의 기술 뉴스",
        "url": "http://testserver/series/evening/",
    }
    assert data["position"] == 48
    assert sorted(data["keywords"]) == ["데이터센터", "전력"]
    assert data["publisher"]["name"] == "뉴스가 있는 저녁"


def test_json_ld_cites_every_source_article_with_outlet_url_and_its_quotes(client, episode):
    (data,) = page(client, episode.get_absolute_url()).json_ld()
    articles = list(episode.articles.select_related("outlet").order_by("position"))
    assert data["citation"] == [
        {
            "@type": "NewsArticle",
            "headline": a.headline,
            "url": a.url,
            "publisher": {"@type": "Organization", "name": a.outlet.name},
            "hasPart": [
                {"@type": "Quotation", "text": q.text, "url": text_fragment_url(a.url, q.text)}
                for q in a.quotes.all()
            ],
        }
        for a in articles
    ]
    assert data["citation"][0]["hasPart"][0]["url"].startswith(f"{articles[0].url}#:~:text=")


def test_json_ld_leaves_out_quotations_of_an_article_without_quotes(client, episode):
    SourceQuote.objects.filter(article__episode=episode, article__position=2).delete()
    (data,) = page(client, episode.get_absolute_url()).json_ld()
    assert "hasPart" not in data["citation"][1] and "hasPart" in data["citation"][0]


@pytest.mark.parametrize(
    "headline",
    [
        "</script><script>alert(1)</script>",
        "</SCRIPT >&lt;b&gt;",
        "<!-- <script> -->",
        "a & b < c > d \u2028 e",
    ],
)
def test_a_title_cannot_break_out_of_the_json_ld_block(client, headline):
    episode = make_episode(headline=headline)
    article = episode.articles.get(position=1)
    article.headline = headline
    article.save()
    html = client.get(episode.get_absolute_url()).content.decode()
    head = HeadReader(html)
    # Exactly one script element on the page, and it is the data block.
    assert [attrs.get("type") for attrs, _text in head.scripts] == ["application/ld+json"]
    (data,) = head.json_ld()
    assert data["alternativeHeadline"] == headline
    assert data["citation"][0]["headline"] == headline
    block = html[html.index('<script type="application/ld+json">') :]
    block = block[: block.index("</script>")]
    assert "<" not in block.removeprefix('<script type="application/ld+json">')


def test_pages_send_no_inline_executable_scripts(client, episode):
    for url in public_pages(episode):
        head = page(client, url)
        for attrs, _text in head.scripts:
            assert attrs.get("type") == "application/ld+json" or attrs.get("src"), url


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_json_ld_and_previews_never_mention_unpublished_episodes(client, episode, state):
    hidden = make_episode(
        episode.series,
        49,
        headline="아직 공개되지 않은 다음 화",
        status=Episode.Status.DRAFT if state == "draft" else Episode.Status.PUBLISHED,
        publish_at=None if state == "draft" else timezone.now() + timedelta(days=1),
    )
    html = client.get(episode.get_absolute_url()).content.decode()
    assert "아직 공개되지 않은 다음 화" not in html
    series_head = client.get(episode.series.get_absolute_url()).content.decode()
    assert "아직 공개되지 않은 다음 화" not in series_head
    assert client.get(hidden.get_absolute_url()).status_code == 404


def test_a_staff_preview_of_a_draft_asks_not_to_be_indexed(client, staff):
    draft = make_episode(status=Episode.Status.DRAFT)
    client.force_login(staff)
    head = page(client, draft.get_absolute_url())
    assert head.one("robots") == "noindex"
    (data,) = head.json_ld()
    assert "datePublished" not in data


def test_a_published_episode_may_be_indexed(client, episode):
    assert "robots" not in page(client, episode.get_absolute_url()).meta
