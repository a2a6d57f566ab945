"""The schema in code and in migrations agree, and migrating creates no content."""

import pytest
from django.core.management import call_command

from articles.models import Outlet, OutletDomain, SourceArticle
from columns.models import Commentary, Episode, Series, Volume


@pytest.mark.django_db
def test_there_are_no_model_changes_without_a_migration(capsys):
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=1)
    except SystemExit:
        pytest.fail(f"makemigrations would write new migrations:\n{capsys.readouterr().out}")


@pytest.mark.django_db
def test_a_freshly_migrated_database_holds_no_content():
    # Demo content comes from `manage.py load_demo`, never from a data migration.
    for model in (Series, Volume, Episode, Commentary, SourceArticle, Outlet, OutletDomain):
        assert model.objects.count() == 0, model.__name__
