"""`{% cover_picture owner sizes=… eager=… %}`: a cover in the sizes that fit (`{% load covers %}`).

Reads only the renditions recorded on the row (columns.images); never makes one.
"""

from django import template

from columns import images

register = template.Library()


@register.inclusion_tag("includes/cover_picture.html")
def cover_picture(owner, *, sizes: str = "100vw", eager: bool = False, css_class: str = "cover"):
    return {
        "picture": images.picture_sources(owner.cover_renditions) if owner.cover else None,
        "alt": owner.cover_alt,
        "sizes": sizes,
        "eager": eager,
        "css_class": css_class,
    }
