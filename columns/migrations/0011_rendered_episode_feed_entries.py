# The feed's copy of the body gives way to the whole feed entries
# (columns.projections.feed_entries). Stored renderings are derived data:
# the new rendering format makes every row render again on its next read.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("columns", "0010_rendered_episode_cards_and_page_parts"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="renderedepisode",
            name="feed_html",
        ),
        migrations.AddField(
            model_name="renderedepisode",
            name="feed_atom_entry",
            field=models.TextField(blank=True, db_default=""),
        ),
        migrations.AddField(
            model_name="renderedepisode",
            name="feed_rss_item",
            field=models.TextField(blank=True, db_default=""),
        ),
    ]
