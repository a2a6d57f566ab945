"""The one place where user text becomes HTML.

Every Markdown field and every reader comment goes through this module, and
every call to bleach stays here: bleach 6.4 is that library's final release,
so the day it is replaced, only this file changes. A strict
Content-Security-Policy on public pages (columns.middleware) is the second wall.
"""

from functools import partial
from urllib.parse import unquote

import bleach
import markdown
from bleach.html5lib_shim import Filter
from bleach.linkifier import LinkifyFilter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "b", "i", "del", "sup", "sub",
        "a", "blockquote", "q", "cite", "ul", "ol", "li", "code", "pre",
        "h2", "h3", "h4", "img",
    }
)  # fmt: skip


def media_image_source(src: str) -> bool:
    """True for an address inside this site's own media (MEDIA_URL), and nothing else.

    Other hosts would learn who reads what (and could change the picture
    after it was checked); `..` and backslashes could climb out of the folder.
    """
    prefix = settings.MEDIA_URL
    if not prefix.startswith(("/", "http:", "https:")):
        prefix = "/" + prefix
    decoded = unquote(src)
    return (
        src.startswith(prefix)
        and not src.startswith("//")
        and len(src) > len(prefix)
        and ".." not in decoded
        and "\\" not in decoded
        and not any(c.isspace() for c in decoded)
    )


def _image_attribute(tag: str, name: str, value: str) -> bool:
    if name == "src":
        return media_image_source(value)
    return name in ("alt", "title")


ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "ol": ["start"], "img": _image_attribute}


class _ImagesNeedSourceAndAlt(Filter):
    """Drop an `img` left without a media `src` or without a description (`alt`)."""

    def __iter__(self):
        for token in super().__iter__():
            if token.get("name") == "img" and token["type"] in ("EmptyTag", "StartTag"):
                attrs = token.get("data", {})
                src = attrs.get((None, "src"), "")
                alt = attrs.get((None, "alt"), "").strip()
                if not src or not alt:
                    continue
            yield token


ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

EDITORIAL_REL = "noopener"
READER_REL = "nofollow ugc noopener"

# Python-Markdown's inline patterns are quadratic in (opening brackets × text
# length): 1,000 unmatched "[" in 20,000 characters take seconds. These caps
# keep the worst save well under a second.
MAX_BRACKETS = 200


def validate_markdown_source(text: str) -> None:
    """Refuse Markdown that is too long or too bracket-heavy to render quickly."""
    if len(text) > settings.MARKDOWN_MAX_LENGTH:
        raise ValidationError(
            _("글이 너무 깁니다: %(limit)s자 이하로 줄여 주세요(지금 %(length)s자)."),
            code="markdown_too_long",
            params={"limit": f"{settings.MARKDOWN_MAX_LENGTH:,}", "length": f"{len(text):,}"},
        )
    if text.count("[") > MAX_BRACKETS:
        raise ValidationError(
            _("여는 대괄호 '['가 너무 많습니다(%(limit)s개 이하). 링크가 아니라면 줄여 주세요."),
            code="markdown_brackets",
            params={"limit": MAX_BRACKETS},
        )


def _set_rel(rel: str, attrs: dict, new: bool = False) -> dict:
    href = attrs.get((None, "href"), "")
    if href.startswith(("http:", "https:", "//")):
        attrs[(None, "rel")] = rel
    else:
        attrs.pop((None, "rel"), None)
    return attrs


def _cleaner(rel: str) -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[
            _ImagesNeedSourceAndAlt,
            partial(LinkifyFilter, callbacks=[partial(_set_rel, rel)], parse_email=False),
        ],
    )


_editorial_cleaner = _cleaner(EDITORIAL_REL)
_reader_cleaner = _cleaner(READER_REL)


def sanitize_html(html: str, *, rel: str = EDITORIAL_REL) -> str:
    """Reduce HTML to the allow-list; links get a fitting rel, script vectors go."""
    cleaner = _reader_cleaner if rel == READER_REL else _editorial_cleaner
    return cleaner.clean(html)


def render_markdown(text: str) -> str:
    """Markdown source → sanitized HTML. Called at save time only, never per request."""
    if not text:
        return ""
    try:
        validate_markdown_source(text)
    except ValidationError:
        # Saved without validation (code, shell): show it as plain paragraphs
        # rather than risk a slow render.
        return render_plain_text(text, rel=EDITORIAL_REL)
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    return sanitize_html(html)


def render_plain_text(text: str, *, rel: str = READER_REL) -> str:
    """Plain text (a reader's comment) → escaped paragraphs, line breaks kept, URLs linked."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    html = "".join(
        f"<p>{escape(p.strip(chr(10))).replace(chr(10), '<br>')}</p>" for p in paragraphs
    )
    return sanitize_html(html, rel=rel)


class MarkdownField(models.TextField):
    """Markdown source; its rendered twin is the `<name>_html` field next to it."""

    def __init__(self, *args, **kwargs):
        # NUL too: PostgreSQL cannot store it, so say so before the save fails.
        kwargs.setdefault(
            "validators", [validate_markdown_source, ProhibitNullCharactersValidator()]
        )
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("validators", None)
        return name, "django.db.models.TextField", args, kwargs
