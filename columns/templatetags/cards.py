"""`{% load cards %}{% episode_card episode %}`: one episode in a public list."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from columns.projections import body

register = template.Library()


@register.simple_tag
def episode_card(episode) -> SafeString:
    # Stored or drawn, from includes/episode_card.html (autoescaped there).
    return mark_safe(body.card_html(episode))  # noqa: S308
