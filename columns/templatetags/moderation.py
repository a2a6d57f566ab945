from django import template

from columns.models import Comment

register = template.Library()


@register.inclusion_tag("admin/includes/pending_comments.html", takes_context=True)
def pending_comments(context):
    """The queue's length for the admin index (one query; only for users who may moderate)."""
    user = context["request"].user
    if not user.has_perm("columns.change_comment"):
        return {"show": False}
    return {"show": True, "count": Comment.objects.pending().count()}
