"""SQLite only: an FTS5 trigram index over the search documents.

PostgreSQL answers `LIKE '%…%'` from its pg_trgm index (migration 0003).
SQLite had no index for a substring, so every search read every document.
An FTS5 table with the trigram tokenizer (SQLite 3.34 and later) finds the
documents holding a string of three characters or more from its index, and
`case_sensitive 1` makes that an exact substring test on the folded text,
the same test `instr()` makes. columns.search uses it; docs/search.md has the
figures.

The table stores no text of its own (`content=`): it indexes the document's
folded columns (the whole document, and the short columns a search ranks by),
keyed by the document's primary key (the episode id), and the three triggers
below keep it in step with every insert, update and delete, however the row is
written. Django rebuilds a SQLite table to alter it, which drops its triggers:
a later migration altering EpisodeSearchDocument must create them again
(tests/columns/test_search_trigrams.py fails when they are missing).
"""

import sqlite3

from django.db import migrations

# Keep in step with columns.search.TRIGRAM_TABLE.
TRIGRAM_TABLE = "columns_search_trigrams"
DOCUMENTS = "columns_episodesearchdocument"
COLUMNS = ("folded_document", "folded_headline", "folded_keywords", "folded_lead")
NAMES = ", ".join(COLUMNS)
NEW = ", ".join(f"new.{column}" for column in COLUMNS)
OLD = ", ".join(f"old.{column}" for column in COLUMNS)
INSERT_NEW = f"INSERT INTO {TRIGRAM_TABLE}(rowid, {NAMES}) VALUES (new.episode_id, {NEW});"
DELETE_OLD = (
    f"INSERT INTO {TRIGRAM_TABLE}({TRIGRAM_TABLE}, rowid, {NAMES}) "
    f"VALUES ('delete', old.episode_id, {OLD});"
)

CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TRIGRAM_TABLE} USING fts5({NAMES}, "
    f"content='{DOCUMENTS}', content_rowid='episode_id', tokenize='trigram case_sensitive 1')",
    # The FTS5 manual's triggers for an external-content table.
    f"CREATE TRIGGER IF NOT EXISTS {TRIGRAM_TABLE}_insert AFTER INSERT ON {DOCUMENTS} "
    f"BEGIN {INSERT_NEW} END",
    f"CREATE TRIGGER IF NOT EXISTS {TRIGRAM_TABLE}_delete AFTER DELETE ON {DOCUMENTS} "
    f"BEGIN {DELETE_OLD} END",
    f"CREATE TRIGGER IF NOT EXISTS {TRIGRAM_TABLE}_update AFTER UPDATE ON {DOCUMENTS} "
    f"BEGIN {DELETE_OLD} {INSERT_NEW} END",
    # Index the documents already written.
    f"INSERT INTO {TRIGRAM_TABLE}({TRIGRAM_TABLE}) VALUES ('rebuild')",
]
DROP = [
    f"DROP TRIGGER IF EXISTS {TRIGRAM_TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {TRIGRAM_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {TRIGRAM_TABLE}_update",
    f"DROP TABLE IF EXISTS {TRIGRAM_TABLE}",
]


def create_trigram_table(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        if sqlite3.sqlite_version_info < (3, 34):
            raise RuntimeError(
                f"SQLite {sqlite3.sqlite_version} has no trigram tokenizer: search needs "
                "SQLite 3.34 or later, built with FTS5 (Python 3.11 on Debian 12 has 3.40)."
            )
        for statement in CREATE:
            schema_editor.execute(statement)


def drop_trigram_table(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("columns", "0012_search_document_keywords"),
    ]

    operations = [
        migrations.RunPython(create_trigram_table, drop_trigram_table, elidable=False),
    ]
