# The search document carries the keywords a result card lists ([name, slug],
# in the page's order: by TaggedItem id), filled here for the documents that
# exist; columns.projections.search_documents writes them from now on.

from django.db import migrations, models


def fill_keywords(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    EpisodeSearchDocument = apps.get_model("columns", "EpisodeSearchDocument")
    episode_type = ContentType.objects.filter(app_label="columns", model="episode").first()
    if episode_type is None:
        return
    keywords: dict[int, list[list[str]]] = {}
    for object_id, name, slug in (
        TaggedItem.objects.filter(content_type=episode_type)
        .order_by("pk")
        .values_list("object_id", "tag__name", "tag__slug")
        .iterator(chunk_size=2000)
    ):
        keywords.setdefault(object_id, []).append([name, slug])
    documents = list(EpisodeSearchDocument.objects.filter(episode_id__in=keywords))
    for document in documents:
        document.keywords = keywords[document.episode_id]
    EpisodeSearchDocument.objects.bulk_update(documents, ["keywords"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("columns", "0011_rendered_episode_feed_entries"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="episodesearchdocument",
            name="keywords",
            field=models.JSONField(blank=True, db_default=[], default=list),
        ),
        migrations.RunPython(fill_keywords, migrations.RunPython.noop),
    ]
