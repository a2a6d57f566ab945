"""Moving a column in and out: brunch-style plain-text posts and the JSON export document.

Importing is two steps, so that bad input changes nothing:

1. *Parse* (`text.parse_text`, `document.parse_document`): every file becomes the
   plain dataclasses of `format` (`EpisodeData` …), each part remembering where it
   came from. No database access.
2. *Write* (`writer.import_episodes`, `writer.import_paths`): all of them in episode
   order, in one transaction and one `projections.batch()`, through the models' own
   validation. Any problem raises `format.ImportProblem` (file, line or JSON path, the
   reason in Korean) and rolls back the whole run: all or nothing.

`export` writes episodes back out in either form. The formats: docs/export-format.md.
"""
