"""A model mixin both apps use; no models of its own."""

from django.db import models

UNKNOWN = object()


class RemembersLoadedValues(models.Model):
    """Keeps the values of `remembered_fields` as last loaded from or saved to the database.

    Whoever reacts to a save (columns.projections) can then tell what changed,
    e.g. a paragraph moved to another episode or a comment that was approved,
    without a query before every save. `stored_value` answers UNKNOWN for a
    row this process has neither loaded nor saved (treat it as changed).
    """

    remembered_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # After the save's signals, which compare with the values before it.
        self._remember()

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._remember()
        return instance

    def _remember(self) -> None:
        self.stored_values = {
            name: getattr(self, name) for name in self.remembered_fields if name in self.__dict__
        }

    def stored_value(self, name: str):
        return getattr(self, "stored_values", {}).get(name, UNKNOWN)
