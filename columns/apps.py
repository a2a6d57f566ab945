from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ColumnsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "columns"
    verbose_name = _("연재")

    def ready(self):
        from columns.projections import triggers

        triggers.connect()
