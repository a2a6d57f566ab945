"""User text becomes HTML in one place (columns.markup), and no script survives it."""

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from columns.models import Commentary, Episode
from common.markup import MAX_BRACKETS, render_markdown, render_plain_text
from tests.factories import make_episode, make_series

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HANGUL = re.compile(r"[\uac00-\ud7a3]")


class _Tags(HTMLParser):
    """Every start tag and its attributes, entities decoded the way a browser would."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(fragment: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(fragment)
    parser.close()
    return parser.tags


SAFE_HREF = re.compile(r"^(https?://|mailto:|//|#|/)", re.IGNORECASE)
FORBIDDEN_TAGS = {
    "script", "style", "iframe", "object", "embed", "form", "input", "svg", "math", "img",
    "base", "meta", "link", "button", "textarea", "details", "noscript", "template",
}  # fmt: skip


def assert_no_active_content(output: str) -> None:
    """No tag, attribute or link target in the HTML that could run or load anything."""
    for raw_tag in ("<script", "<iframe", "<svg", "<math", "<img", "<style", "<object", "<form"):
        assert raw_tag not in output.lower(), (raw_tag, output)
    for tag, attrs in tags_of(output):
        assert tag not in FORBIDDEN_TAGS, (tag, output)
        for name, value in attrs.items():
            assert not name.startswith("on"), (name, output)
            assert name != "style", output
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                cleaned = re.sub(r"[\x00-\x20]", "", value or "")
                assert SAFE_HREF.match(cleaned) or ":" not in cleaned, (name, value, output)
                assert not cleaned.lower().startswith("data:"), (name, value, output)


def assert_harmless(output: str) -> None:
    """Rendered Markdown: not even the words of an attack survive, escaped or not."""
    assert_no_active_content(output)
    lowered = output.lower()
    decoded = html.unescape(lowered)
    for needle in ("<script", "javascript:", "vbscript:", "onerror", "onload", "<iframe"):
        assert needle not in lowered, (needle, output)
        assert needle not in decoded, (needle, output)
    assert "style=" not in lowered, output
    assert 'href="data:' not in decoded, output


VECTORS = [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param("[x](javascript:alert(1))", id="javascript-link"),
    pytest.param("[x](JaVaScRiPt:alert(1))", id="mixed-case"),
    pytest.param("[x](jav&#x61;script:alert(1))", id="hex-entity"),
    pytest.param("[x](&#106;avascript:alert(1))", id="decimal-entity"),
    pytest.param("[x](java\tscript:alert(1))", id="tab-inside"),
    pytest.param("[x](java\x00script:alert(1))", id="nul-inside"),
    pytest.param("[x](\x01javascript:alert(1))", id="control-before"),
    pytest.param("[x](<javascript:alert(1)>)", id="angle-link"),
    pytest.param("[x][1]\n\n[1]: javascript:alert(1)", id="reference-link"),
    pytest.param("![i](javascript:alert(1))", id="image-javascript"),
    pytest.param("<img src=x onerror=alert(1)>", id="img-onerror"),
    pytest.param("<svg><script>alert(1)</script></svg>", id="svg-script"),
    pytest.param("<svg onload=alert(1)>", id="svg-onload"),
    pytest.param(
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        id="mathml-mutation",
    ),
    pytest.param(
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">', id="noscript-mutation"
    ),
    pytest.param(
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
        id="data-href",
    ),
    pytest.param("[x](data:text/html;base64,PHNjcmlwdD4=)", id="data-link"),
    pytest.param('<iframe src="https://evil.example.com"></iframe>', id="iframe"),
    pytest.param('<object data="movie.swf"></object><embed src="x.swf">', id="object-embed"),
    pytest.param('<form action="https://evil.example.com"><input name=a></form>', id="form"),
    pytest.param('<p style="background:url(javascript:alert(1))">x</p>', id="style-attribute"),
    pytest.param("<style>body{display:none}</style>", id="style-tag"),
    pytest.param("[x](vbscript:msgbox(1))", id="vbscript-link"),
    pytest.param('<a href="vbscript:msgbox(1)">x</a>', id="vbscript-href"),
    pytest.param('<a href="  javascript:alert(1)">x</a>', id="spaces-before-scheme"),
    pytest.param('<a href="javascript&colon;alert(1)">x</a>', id="named-colon-entity"),
    pytest.param('<a href="https://ok.example.com" onclick="alert(1)">x</a>', id="onclick"),
    pytest.param('<details open ontoggle="alert(1)">x</details>', id="details-ontoggle"),
    pytest.param('<base href="https://evil.example.com">', id="base"),
    pytest.param('<meta http-equiv="refresh" content="0;url=https://evil.example.com">', id="meta"),
    pytest.param("<!-- <script>alert(1)</script> -->", id="comment"),
]


@pytest.mark.parametrize("source", VECTORS)
def test_render_markdown_leaves_no_way_to_run_script(source):
    assert_harmless(render_markdown(source))


@pytest.mark.parametrize("source", VECTORS)
def test_render_plain_text_leaves_no_way_to_run_script(source):
    # A reader's text is shown, escaped, word for word: only active content must go.
    assert_no_active_content(render_plain_text(source))


# PostgreSQL cannot store NUL at all; full_clean refuses it (tested below).
STORABLE_VECTORS = [v for v in VECTORS if "\x00" not in v.values[0]]


@pytest.mark.django_db
@pytest.mark.parametrize("source", STORABLE_VECTORS)
def test_stored_html_of_every_markdown_field_is_harmless(source):
    series = make_series(description=source)
    episode = make_episode(series, intro=source, closing=source, articles=1, commentary=0)
    article = episode.articles.get()
    article.summary = source
    article.save()
    paragraph = Commentary.objects.create(episode=episode, position=1, body=source)
    for stored in (
        series.description_html,
        episode.intro_html,
        episode.closing_html,
        article.summary_html,
        paragraph.body_html,
    ):
        assert_harmless(stored)


def test_a_javascript_link_keeps_its_text_but_loses_its_target():
    assert render_markdown("[기사 보기](javascript:alert(1))") == "<p><a>기사 보기</a></p>"


def test_ordinary_markdown_still_renders():
    out = render_markdown("## 소제목\n\n> “인용문”\n\n1. 하나\n2. 둘\n\n**굵게** *기울임* `코드`")
    assert "<h2>소제목</h2>" in out
    assert "<blockquote>" in out and "“인용문”" in out
    assert "<ol>" in out and "<li>하나</li>" in out
    assert "<strong>굵게</strong>" in out and "<em>기울임</em>" in out
    assert "<code>코드</code>" in out


# Links ---------------------------------------------------------------------------


def test_editorial_links_get_rel_noopener():
    out = render_markdown("[원문](https://news.example.com/a/1)")
    assert out == '<p><a href="https://news.example.com/a/1" rel="noopener">원문</a></p>'


def test_editorial_bare_addresses_become_links_with_rel_noopener():
    out = render_markdown("출처: https://news.example.com/a/2")
    assert '<a href="https://news.example.com/a/2" rel="noopener">' in out


def test_an_editors_own_rel_is_replaced():
    out = render_markdown('<a href="https://news.example.com/" rel="opener author">x</a>')
    assert 'rel="noopener"' in out and "opener author" not in out


def test_reader_links_get_nofollow_ugc_noopener():
    out = render_plain_text("이 기사 보세요 https://news.example.com/a/3")
    assert '<a href="https://news.example.com/a/3" rel="nofollow ugc noopener">' in out


def test_reader_text_is_escaped_not_interpreted():
    out = render_plain_text(
        '<b>굵게</b> & <a href="https://evil.example.com" onclick="x()">링크</a>'
    )
    assert "<b>" not in out and "&lt;b&gt;굵게&lt;/b&gt;" in out
    assert "&amp;" in out
    assert "&lt;a href=&quot;" in out and "&gt;링크&lt;/a&gt;" in out
    # Only the visible address became a link, with the reader's rel.
    assert [attrs for tag, attrs in tags_of(out) if tag == "a"] == [
        {"href": "https://evil.example.com", "rel": "nofollow ugc noopener"}
    ]


def test_reader_markdown_is_not_rendered():
    out = render_plain_text("**굵게** [x](https://news.example.com/)")
    assert "<strong>" not in out and "**굵게**" in out


def test_reader_paragraphs_and_line_breaks_are_kept():
    out = render_plain_text("첫 줄\n둘째 줄\r\n\r\n새 문단\n\n\n\n")
    assert out == "<p>첫 줄<br>둘째 줄</p><p>새 문단</p>"


# Markdown that would take too long to render ----------------------------------------


@pytest.mark.django_db
def test_too_long_markdown_is_refused_by_full_clean_on_its_field(settings):
    settings.MARKDOWN_MAX_LENGTH = 500
    episode = Episode(series=make_series(), number=1, headline="긴 글", intro="가" * 501)
    with pytest.raises(ValidationError) as info:
        episode.full_clean()
    assert list(info.value.message_dict) == ["intro"]
    message = info.value.message_dict["intro"][0]
    assert HANGUL.search(message) and "500" in message


@pytest.mark.django_db
def test_markdown_at_the_length_limit_is_accepted(settings):
    settings.MARKDOWN_MAX_LENGTH = 500
    episode = Episode(series=make_series(), number=1, headline="딱 맞는 글", intro="가" * 500)
    episode.full_clean()


@pytest.mark.django_db
def test_bracket_heavy_markdown_is_refused_by_full_clean_on_its_field():
    episode = make_episode(articles=0)
    paragraph = Commentary(episode=episode, position=1, body="[" * (MAX_BRACKETS + 1))
    with pytest.raises(ValidationError) as info:
        paragraph.full_clean()
    assert list(info.value.message_dict) == ["body"]
    message = info.value.message_dict["body"][0]
    assert HANGUL.search(message) and str(MAX_BRACKETS) in message


@pytest.mark.django_db
def test_bracket_count_at_the_limit_is_accepted():
    episode = make_episode(articles=0)
    paragraph = Commentary(episode=episode, position=1, body="[" * MAX_BRACKETS)
    paragraph.full_clean()


@pytest.mark.django_db
def test_a_nul_character_in_markdown_is_refused_by_full_clean_before_the_database_sees_it():
    episode = make_episode(articles=0)
    paragraph = Commentary(episode=episode, position=1, body="붙여 넣은\x00글")
    with pytest.raises(ValidationError) as info:
        paragraph.full_clean()
    assert list(info.value.message_dict) == ["body"]
    assert HANGUL.search(info.value.message_dict["body"][0])


def test_the_default_length_limit_is_generous_for_an_episode():
    assert settings.MARKDOWN_MAX_LENGTH >= 10_000


def test_too_long_markdown_saved_anyway_becomes_escaped_plain_paragraphs():
    source = "**굵게** <script>x</script>\n\n" + "가" * settings.MARKDOWN_MAX_LENGTH
    out = render_markdown(source)
    # Not run through Markdown: no <strong>, the text is escaped and split into paragraphs.
    assert "<strong>" not in out
    assert out.startswith("<p>**굵게** &lt;script&gt;x&lt;/script&gt;</p><p>가")
    assert out.count("<p>") == 2
    assert_no_active_content(out)


def test_bracket_heavy_markdown_saved_anyway_becomes_escaped_plain_paragraphs():
    source = "[" * (MAX_BRACKETS * 5) + " *기울임* https://news.example.com/x"
    out = render_markdown(source)
    assert "<em>" not in out and "*기울임*" in out
    assert out.startswith("<p>[[[")
    # Plain text keeps the editor's link rel, not the reader's.
    assert 'rel="noopener"' in out and "nofollow" not in out


@pytest.mark.django_db
def test_bracket_heavy_markdown_stored_without_validation_is_stored_as_plain_text():
    episode = make_episode(articles=0, intro="[" * (MAX_BRACKETS + 1) + "<img src=x onerror=1>")
    assert episode.intro_html.startswith("<p>[[[")
    assert "&lt;img src=x onerror=1&gt;" in episode.intro_html


# One door to bleach -------------------------------------------------------------------


def test_bleach_is_imported_only_by_common_markup():
    importers = []
    for package in ("columns", "articles", "common", "config"):
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"^\s*(import bleach|from bleach\b)", text, re.MULTILINE):
                importers.append(path.relative_to(PROJECT_ROOT).as_posix())
    assert importers == ["common/markup.py"]


# --- Images: only the site's own media, always described ---------------------------


def test_an_image_from_the_sites_own_media_with_alt_text_is_kept():
    output = render_markdown("![한강의 저녁 노을](/media/covers/episodes/abc.jpg)")
    assert tags_of(output) == [
        ("p", {}),
        ("img", {"alt": "한강의 저녁 노을", "src": "/media/covers/episodes/abc.jpg"}),
    ]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("![추적 픽셀](https://tracker.example.com/pixel.gif)", id="other-host"),
        pytest.param("![상대 주소](//tracker.example.com/media/a.jpg)", id="protocol-relative"),
        pytest.param("![위로](/media/../var/db.sqlite3)", id="climbs-out"),
        pytest.param("![위로](/media/%2e%2e/secret.png)", id="climbs-out-encoded"),
        pytest.param("![정적](/static/css/site.css)", id="not-media"),
        pytest.param("![](/media/covers/episodes/abc.jpg)", id="no-alt"),
        pytest.param('<img src="/media/a.jpg">', id="html-no-alt"),
        pytest.param('<img alt="주소 없음">', id="no-src"),
        pytest.param('<img src="data:image/png;base64,AAAA" alt="데이터">', id="data-uri"),
    ],
)
def test_an_image_from_elsewhere_or_without_alt_text_is_removed(source):
    assert "<img" not in render_markdown(source)


def test_an_allowed_image_keeps_no_event_handler_or_style():
    output = render_markdown(
        '<img src="/media/a.jpg" alt="그림" onerror="alert(1)" style="x" width="9000">'
    )
    assert tags_of(output) == [("p", {}), ("img", {"src": "/media/a.jpg", "alt": "그림"})]


def test_readers_cannot_show_images_at_all():
    output = render_plain_text('<img src="/media/a.jpg" alt="그림">')
    assert "<img" not in output and "&lt;img" in output
