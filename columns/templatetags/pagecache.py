from django import template
from django.utils.html import format_html

from columns.pagecache import CSRF_PLACEHOLDER

register = template.Library()


@register.simple_tag
def csrf_field():
    """The CSRF hidden input, filled per request so a cached page never shares a token."""
    return format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', CSRF_PLACEHOLDER
    )
