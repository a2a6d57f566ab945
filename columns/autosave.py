"""Autosave: an editor's unsaved episode form, kept on the server while they type.

The change page's script (static/columns/admin-autosave.js) posts the form's
fields every `AUTOSAVE_INTERVAL_SECONDS`; they are kept as that editor's
`Autosave` row, never applied to the episode and never shown to readers.
Reopening the page offers an autosave newer than the episode's last save; a
successful save of the episode forgets the editor's autosave.

An episode that was never saved has no row to hang its autosave on: the add
page's form is kept as the editor's one autosave *without* an episode, offered
whenever that editor opens the add page again, and forgotten when an episode is
added from it.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from columns import revisions
from columns.models import Autosave, Episode

# Fields the page manages itself: never kept, never restored.
SKIPPED_FIELDS = {"csrfmiddlewaretoken", "based_on_version", "_save", "_continue", "_addanother"}
MAX_FIELDS = 2_000
MAX_VALUE_LENGTH = 100_000


def autosave_store(*, episode: Episode | None, user, data: dict[str, list[str]]) -> Autosave:
    """Keep (replace) this editor's autosave of the episode, or of the new one (`None`)."""
    row, _created = Autosave.objects.update_or_create(
        episode=episode, user=user, defaults={"data": data, "saved_at": timezone.now()}
    )
    return row


def autosave_forget(*, episode: Episode | None, user) -> None:
    """The editor saved for real: their autosave of that form is no longer needed."""
    Autosave.objects.filter(episode=episode, user=user).delete()


def offer(*, episode_id: int, user) -> dict | None:
    """The editor's autosave newer than the episode's last save, ready for the page (2 queries)."""
    saved = Episode.objects.filter(pk=episode_id).values_list("updated_at", flat=True).first()
    row = Autosave.objects.filter(episode_id=episode_id, user=user).first()
    if saved is None or row is None or row.saved_at <= saved:
        return None
    return _offered(row)


def offer_new(*, user) -> dict | None:
    """The editor's autosave of an episode they never saved, however old (one query)."""
    row = Autosave.objects.filter(episode__isnull=True, user=user).first()
    return _offered(row) if row is not None else None


def _offered(row: Autosave) -> dict:
    return {
        "saved_at": date_format(timezone.localtime(row.saved_at), "Y년 n월 j일 H:i:s"),
        "data": row.data,
        "is_new_episode": row.episode_id is None,
    }


@require_POST
def autosave_view(request, object_id: int | None = None):
    """Staff only (admin_view), CSRF-checked: store the posted form as the editor's autosave.

    Without `object_id` it is the add page's form: the editor needs the right
    to add episodes, and the form is kept without an episode.
    """
    episode_admin = admin.site._registry[Episode]
    if object_id is None:
        episode = None
        if not episode_admin.has_add_permission(request):
            raise PermissionDenied
    else:
        episode = get_object_or_404(Episode, pk=object_id)
        if not episode_admin.has_change_permission(request, episode):
            raise PermissionDenied
        if _already_saved_by(request.user, episode, request.POST.get("based_on_version", "")):
            return JsonResponse(
                {"saved_at": "", "message": _("이미 저장한 양식이라 자동 저장하지 않았습니다.")}
            )
    data: dict[str, list[str]] = {}
    for name in request.POST:
        if name in SKIPPED_FIELDS:
            continue
        values = request.POST.getlist(name)
        if len(data) >= MAX_FIELDS or any(len(v) > MAX_VALUE_LENGTH for v in values):
            return JsonResponse(
                {"error": _("양식이 너무 커서 자동 저장하지 못했습니다.")}, status=400
            )
        data[name] = values
    row = autosave_store(episode=episode, user=request.user, data=data)
    saved_at = date_format(timezone.localtime(row.saved_at), "H:i:s")
    return JsonResponse(
        {"saved_at": saved_at, "message": _("%(time)s에 자동 저장했습니다.") % {"time": saved_at}}
    )


def _already_saved_by(user, episode: Episode, based_on: str) -> bool:
    """A late autosave of the form this editor has just saved: nothing to keep.

    An older form whose newer save was someone else's is still kept: that
    editor's text is exactly what must not be lost.
    """
    if not based_on.isdigit() or int(based_on) >= episode.edit_version:
        return False
    latest = revisions.latest_revision(episode_id=episode.pk)
    return latest is not None and latest.revision.user_id == user.pk
