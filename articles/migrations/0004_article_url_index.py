"""An index for looking articles up by URL across the archive ("이 기사를 인용한 다른 화").

PostgreSQL gets a hash index: a B-tree row is limited to about 2.7 KB, and a
2,048-character URL with Korean in its path can be longer than that in UTF-8.
SQLite has no such limit.
"""

from django.db import migrations

INDEX = "article_url_lookup"


def create(apps, schema_editor):
    method = "USING hash " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON articles_sourcearticle {method}(url)"
    )


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_link_health")]

    operations = [migrations.RunPython(create, drop)]
