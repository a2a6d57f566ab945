from django import template

from newsletter import services

register = template.Library()


@register.inclusion_tag("admin/includes/subscriber_counts.html", takes_context=True)
def subscriber_counts(context):
    """Subscribers per series and status for the admin index (one query; staff who may see them)."""
    user = context["request"].user
    if not user.has_perm("newsletter.view_subscriber"):
        return {"show": False}
    return {"show": True, "rows": services.subscriber_counts()}
