"""Addresses and descriptions for machines: canonical URLs, JSON-LD, robots.txt.

Share previews (Open Graph, Twitter cards) are drawn by
templates/includes/share_meta.html with the tags in columns.templatetags.seo.
"""

import json
import re
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from columns import sharecards
from columns.models import Episode

# Inside <script> the HTML parser ends the element at `</script>` whatever the
# JSON means; escaping <, > and & makes that sequence impossible. Applied with
# str.replace: str.translate with a mapping looks up every character of the
# payload in Python (0.1 ms for one episode's JSON-LD; replace is 20× faster).
_JSON_SCRIPT_ESCAPES = (
    ("<", "\\u003C"),
    (">", "\\u003E"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)
_SPACES = re.compile(r"\s+")


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    """`path` on this site as a full address: settings.SITE_URL when set, else the request's."""
    if settings.SITE_URL:
        return settings.SITE_URL + path
    if request is None:
        return path
    return request.build_absolute_uri(path)


def site_origin(request: HttpRequest) -> str:
    """This site's scheme and host, without a slash: settings.SITE_URL, else the request's."""
    return settings.SITE_URL or request.build_absolute_uri("/").rstrip("/")


def json_ld_script(data: dict[str, Any]) -> SafeString:
    """A `<script type="application/ld+json">` data block no text inside can break out of."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    for char, escaped in _JSON_SCRIPT_ESCAPES:
        payload = payload.replace(char, escaped)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(payload),  # noqa: S308 - JSON, escaped above
    )


def episode_structured_data(episode: Episode, request: HttpRequest | None = None) -> dict:
    """schema.org data for one episode: its row, series and rendering (keywords, citations)."""
    url = absolute_url(episode.get_absolute_url(), request)
    published = timezone.localtime(episode.publish_at) if episode.publish_at else None
    # Readers are told of a change only through a correction (정정); quiet fixes keep the date.
    modified = timezone.localtime(episode.corrected_at) if episode.corrected_at else published
    if published and modified and modified < published:
        modified = published  # corrected before a scheduled time: it changed when it appeared
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "@id": url,
        "url": url,
        "mainEntityOfPage": url,
        "headline": episode.title,
        "alternativeHeadline": episode.headline,
        "description": episode.subtitle or episode.headline,
        "inLanguage": "ko",
        "author": {"@type": "Person", "name": episode.series.author_name},
        "publisher": {
            "@type": "Organization",
            "name": settings.SITE_NAME,
            "url": absolute_url(reverse("columns:home"), request),
        },
        "isPartOf": {
            "@type": "CreativeWorkSeries",
            "name": episode.series.title,
            "url": absolute_url(episode.series.get_absolute_url(), request),
        },
        "position": episode.number,
        "keywords": episode.rendered.keyword_names,
        "citation": [_citation(cited) for cited in episode.rendered.citations],
    }
    card = sharecards.episode_card(episode)
    data["image"] = {
        "@type": "ImageObject",
        "url": absolute_url(card.path, request),
        "width": card.width,
        "height": card.height,
        "caption": card.alt,
    }
    if published:
        data["datePublished"] = published.isoformat()
        data["dateModified"] = modified.isoformat()
    return data


def _citation(cited: dict[str, Any]) -> dict[str, Any]:
    """A cited article, with the passages quoted from it as its parts (schema.org Quotation).

    Each quotation's `url` is the article's address with a text fragment, the
    same link the page gives readers (articles.textfragments), made when the
    body was stored (columns.projections.body).
    """
    data: dict[str, Any] = {
        "@type": "NewsArticle",
        "headline": cited["headline"],
        "url": cited["url"],
        "publisher": {"@type": "Organization", "name": cited["outlet"]},
    }
    quotes = cited.get("quotes") or []
    if quotes:
        data["hasPart"] = [
            {"@type": "Quotation", "text": quote["text"], "url": quote["url"]} for quote in quotes
        ]
    return data


@require_GET
@cache_control(max_age=60 * 60, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",  # endless combinations of queries; the pages say noindex too
        "",
        f"Sitemap: {absolute_url(reverse('sitemap'), request)}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
