# Search documents now hold the series title (issue 14: `시리즈명 48` narrows to that series).

from django.db import migrations


def rebuild_search_documents(apps, schema_editor):
    """Mark every episode's search document for a rebuild when `migrate` ends.

    The documents are derived data: columns.projections rebuilds them with the
    final models once migrations are done, so this step only names the episodes.
    """
    from columns import projections

    Episode = apps.get_model("columns", "Episode")
    projections.changed_after_migrate(
        Episode.objects.values_list("pk", flat=True), parts={projections.SEARCH}
    )


class Migration(migrations.Migration):
    dependencies = [
        ('columns', '0007_revisions_corrections_autosave'),
    ]

    operations = [
        migrations.RunPython(rebuild_search_documents, migrations.RunPython.noop, elidable=True),
    ]
