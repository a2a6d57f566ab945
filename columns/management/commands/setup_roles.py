from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

# (app_label, model) → actions. Editors write the column and may also moderate;
# moderators handle reader comments and nothing else.
EDITOR_MODELS = {
    ("columns", "series"): ("add", "change", "delete", "view"),
    ("columns", "volume"): ("add", "change", "delete", "view"),
    ("columns", "episode"): ("add", "change", "delete", "view"),
    ("columns", "commentary"): ("add", "change", "delete", "view"),
    ("articles", "sourcearticle"): ("add", "change", "delete", "view"),
    ("articles", "outlet"): ("add", "change", "delete", "view"),
    ("articles", "outletdomain"): ("add", "change", "delete", "view"),
    ("taggit", "tag"): ("add", "change", "delete", "view"),
    ("taggit", "taggeditem"): ("add", "change", "delete", "view"),
    ("columns", "comment"): ("change", "view"),
    # Newsletter: see subscribers and reports, export, delete an address on request.
    ("newsletter", "subscriber"): ("change", "delete", "view"),
    ("newsletter", "delivery"): ("view",),
    ("newsletter", "episodemailingreport"): ("view",),
    # Corrections are made from the episode form; removing one only marks it.
    ("columns", "correction"): ("change", "view"),
}
MODERATOR_MODELS = {
    ("columns", "comment"): ("change", "view"),
}
ROLES = {"editors": EDITOR_MODELS, "moderators": MODERATOR_MODELS}


def permissions_for(models: dict) -> list[Permission]:
    wanted = [
        (app, f"{action}_{model}") for (app, model), actions in models.items() for action in actions
    ]
    found = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.filter(
            content_type__app_label__in={app for app, _ in wanted},
            codename__in={code for _, code in wanted},
        ).select_related("content_type")
    }
    return [found[key] for key in wanted if key in found]


class Command(BaseCommand):
    help = "Create or refresh the editors and moderators groups with their permissions."

    def handle(self, *args, **options):
        for name, models in ROLES.items():
            group, created = Group.objects.get_or_create(name=name)
            group.permissions.set(permissions_for(models))
            verb = "created" if created else "updated"
            self.stdout.write(f"{name}: {verb} with {group.permissions.count()} permissions")
