"""Tags for share previews, canonical links and structured data (`{% load seo %}`)."""

from django import template
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from columns import seo, sharecards
from columns.models import Episode, Series
from common.text import html_to_text

register = template.Library()

DESCRIPTION_LENGTH = 160


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """This page's address without query strings, except a page number past the first."""
    request = context.get("request")
    if request is None:
        return ""
    path = request.path
    page = request.GET.get("page", "")
    if page.isdigit() and int(page) > 1:
        path = f"{path}?page={int(page)}"
    return seo.absolute_url(path, request)


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str) -> str:
    return seo.absolute_url(path, context.get("request"))


@register.filter
def description(value: str) -> str:
    """Stored HTML or plain text as a short one-line description (autoescaped on output)."""
    return Truncator(html_to_text(value or "")).chars(DESCRIPTION_LENGTH)


@register.simple_tag(takes_context=True)
def episode_json_ld(context, episode: Episode) -> SafeString:
    return seo.json_ld_script(seo.episode_structured_data(episode, context.get("request")))


@register.simple_tag(takes_context=True)
def share_image(context, subject=None) -> dict:
    """The page's share card as `og:image` wants it: absolute URL, size, type, alt (no query).

    `subject` is the page's episode or series; any other page shows the site's card.
    """
    if isinstance(subject, Episode):
        card = sharecards.episode_card(subject)
    elif isinstance(subject, Series):
        card = sharecards.series_card(subject)
    else:
        card = sharecards.site_card()
    return {
        "url": seo.absolute_url(card.path, context.get("request")),
        "width": card.width,
        "height": card.height,
        "type": card.mime,
        "alt": card.alt,
    }
