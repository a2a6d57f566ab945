"""Writes that touch the column's content, shared by the admin, views and commands."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from columns.models import Episode


@transaction.atomic
def episode_publish(*, episode: Episode, when: datetime | None = None) -> Episode:
    """Publish now, or schedule for `when` (a future time stays invisible until then)."""
    episode.status = Episode.Status.PUBLISHED
    episode.publish_at = when or timezone.now()
    episode.save(update_fields=["status", "publish_at", "updated_at"])
    return episode


@transaction.atomic
def episode_unpublish(*, episode: Episode) -> Episode:
    """Back to draft: the episode disappears from every public surface at once."""
    episode.status = Episode.Status.DRAFT
    episode.save(update_fields=["status", "updated_at"])
    return episode
