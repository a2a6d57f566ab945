"""Background jobs of the column (Huey): moderator notifications leave the reader's request."""

from huey.contrib.djhuey import db_task

from columns import services
from columns.models import Comment
from common.jobs import with_backoff

# Retried after 2, 4, 8, 16 and 32 minutes while the mail server refuses.
_retry, _backing_off = with_backoff(retries=5, first_delay=120)


@db_task(**_retry, context=True)
@_backing_off
def notify_moderators(comment_id: int) -> bool:
    """Mail moderators about one pending comment; an SMTP error retries the job later."""
    comment = Comment.objects.select_related("episode__series").filter(pk=comment_id).first()
    if comment is None or comment.status != Comment.Status.PENDING:
        return False  # deleted or already handled before the job ran
    return services.notify_moderators(comment=comment, raise_errors=True)
