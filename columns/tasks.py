"""Background jobs of the column (Huey): moderator notifications leave the reader's request."""

from huey.contrib.djhuey import db_task

from columns import services
from columns.models import Comment


@db_task(retries=5, retry_delay=120)
def notify_moderators(comment_id: int) -> bool:
    """Mail moderators about one pending comment; an SMTP error retries the job later."""
    comment = Comment.objects.select_related("episode__series").filter(pk=comment_id).first()
    if comment is None or comment.status != Comment.Status.PENDING:
        return False  # deleted or already handled before the job ran
    return services.notify_moderators(comment=comment, raise_errors=True)
