# Written by hand: today's summaries become quotes (their paragraphs in quote marks) and
# the editor's own words (the rest).

from django.db import migrations

BATCH = 500


def summaries_to_quotes(apps, schema_editor):
    """Each summary paragraph wholly in “…”, "…" or 「…」 becomes a quote, in order.

    The outer marks go, spacing is squashed; the other paragraphs stay as the
    summary, re-rendered (a historical model has no save() of its own). The
    episodes touched are refreshed when `migrate` ends (columns.projections).
    """
    from articles.quotes import split_summary
    from common.markup import render_markdown

    SourceArticle = apps.get_model("articles", "SourceArticle")
    SourceQuote = apps.get_model("articles", "SourceQuote")
    quotes = []
    articles = SourceArticle.objects.exclude(summary="").only("pk", "episode_id", "summary")
    for article in articles.order_by("pk").iterator(chunk_size=BATCH):
        found, rest = split_summary(article.summary)
        if not found:
            continue
        quotes += [
            SourceQuote(article_id=article.pk, position=position, text=text)
            for position, text in enumerate(found, start=1)
        ]
        article.summary = rest
        article.summary_html = render_markdown(rest)
        article.save(update_fields=["summary", "summary_html"])
        if len(quotes) >= BATCH:
            SourceQuote.objects.bulk_create(quotes)
            quotes = []
    SourceQuote.objects.bulk_create(quotes)


def quotes_to_summaries(apps, schema_editor):
    """The reverse: the quotes as “…” paragraphs, before what the summary says."""
    from articles.quotes import join_summary
    from common.markup import render_markdown

    SourceArticle = apps.get_model("articles", "SourceArticle")
    SourceQuote = apps.get_model("articles", "SourceQuote")
    by_article: dict[int, list[str]] = {}
    for article_id, text in (
        SourceQuote.objects.order_by("article_id", "position")
        .values_list("article_id", "text")
        .iterator(chunk_size=BATCH)
    ):
        by_article.setdefault(article_id, []).append(text)
    ids = sorted(by_article)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for article in SourceArticle.objects.filter(pk__in=chunk).only(
            "pk", "episode_id", "summary"
        ):
            article.summary = join_summary(by_article[article.pk], article.summary)
            article.summary_html = render_markdown(article.summary)
            article.save(update_fields=["summary", "summary_html"])
    SourceQuote.objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0005_source_quote"),
    ]

    operations = [
        migrations.RunPython(summaries_to_quotes, quotes_to_summaries, elidable=True),
    ]
