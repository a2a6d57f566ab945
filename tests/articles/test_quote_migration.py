"""The migration that made quotes their own rows: today's summaries split, and joined back.

Run with Django's MigrationExecutor on the test database (SQLite or PostgreSQL,
whichever the suite runs on): `articles` is taken back to before quotes
existed, rows are written with the models of that time, and the migrations run
forward and backward over them.
"""

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("articles", "0004_cited_url_hashed")
AFTER = ("articles", "0006_quotes_from_summaries")

SUMMARIES = [
    # Two quotes (curly, then corner brackets) around the editor's own paragraph.
    "“첫 인용문은 원문 그대로다.”\n\n기사는 두 가지를 짚는다. **굵은 말**도 있다.\n\n"
    "「둘째 인용문은 낫표로 묶었다.」",
    # A quote holding quote marks; straight quotes; prose that merely contains a quotation.
    '“그는 “빨리 하자”고 말했다.”\n\n"곧은 따옴표 인용문"\n\n그는 “짧은 말”이라고 했다.',
    # Nothing in quote marks: all of it stays the summary.
    "내 말로만 쓴 요약입니다.",
    "",
]


def _nodes(executor, articles_node):
    """Every app at its latest migration, but `articles` at `articles_node`."""
    leaves = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "articles"]
    return [*leaves, articles_node]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state(_nodes(executor, target)).apps


@pytest.fixture
def back_before_quotes():
    """`articles` before SourceQuote existed; everything migrated forward again afterwards."""
    apps = _migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)


def _old_rows(apps) -> list[int]:
    Series = apps.get_model("columns", "Series")
    Episode = apps.get_model("columns", "Episode")
    Outlet = apps.get_model("articles", "Outlet")
    SourceArticle = apps.get_model("articles", "SourceArticle")
    series = Series.objects.create(title="옮겨 갈 연재", slug="migrating", author_name="이사꾼")
    episode = Episode.objects.create(
        series=series,
        number=1,
        headline="인용문이 요약 안에 있던 시절",
        status="published",
        publish_at=timezone.now() - timezone.timedelta(days=1),
    )
    outlet = Outlet.objects.create(name="옛날신문", slug="old-news")
    ids = []
    for position, summary in enumerate(SUMMARIES, start=1):
        article = SourceArticle.objects.create(
            episode=episode,
            position=position,
            headline=f"옛 기사 {position}",
            outlet=outlet,
            url=f"https://old-news.example.com/{position}",
            summary=summary,
            summary_html=f"<p>{summary}</p>" if summary else "",
        )
        ids.append(article.pk)
    return ids


def test_summaries_become_quotes_and_the_editors_words_and_back_again(back_before_quotes):
    ids = _old_rows(back_before_quotes)

    apps = _migrate(AFTER)

    SourceArticle = apps.get_model("articles", "SourceArticle")
    SourceQuote = apps.get_model("articles", "SourceQuote")
    quotes = {
        pk: list(
            SourceQuote.objects.filter(article_id=pk)
            .order_by("position")
            .values_list("position", "text")
        )
        for pk in ids
    }
    assert quotes == {
        ids[0]: [(1, "첫 인용문은 원문 그대로다."), (2, "둘째 인용문은 낫표로 묶었다.")],
        ids[1]: [(1, "그는 “빨리 하자”고 말했다."), (2, "곧은 따옴표 인용문")],
        ids[2]: [],
        ids[3]: [],
    }
    articles = {a.pk: a for a in SourceArticle.objects.filter(pk__in=ids)}
    assert [articles[pk].summary for pk in ids] == [
        "기사는 두 가지를 짚는다. **굵은 말**도 있다.",
        "그는 “짧은 말”이라고 했다.",
        "내 말로만 쓴 요약입니다.",
        "",
    ]
    # The summary's HTML is rendered again from what is left of it.
    assert articles[ids[0]].summary_html == (
        "<p>기사는 두 가지를 짚는다. <strong>굵은 말</strong>도 있다.</p>"
    )

    # When migrate ends, the episode's stored page is made again, quotes as quotations.
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    Episode = apps.get_model("columns", "Episode")
    page = Client().get(f"/series/migrating/{Episode.objects.get().number}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<blockquote" in html and "<p>첫 인용문은 원문 그대로다.</p>" in html
    assert "https://old-news.example.com/1#:~:text=" in html

    apps = _migrate(BEFORE)

    SourceArticle = apps.get_model("articles", "SourceArticle")
    restored = dict(SourceArticle.objects.filter(pk__in=ids).values_list("pk", "summary"))
    assert [restored[pk] for pk in ids] == [
        "“첫 인용문은 원문 그대로다.”\n\n“둘째 인용문은 낫표로 묶었다.”\n\n"
        "기사는 두 가지를 짚는다. **굵은 말**도 있다.",
        "“그는 “빨리 하자”고 말했다.”\n\n“곧은 따옴표 인용문”\n\n그는 “짧은 말”이라고 했다.",
        "내 말로만 쓴 요약입니다.",
        "",
    ]
    assert "<p>“첫 인용문은" in SourceArticle.objects.get(pk=ids[0]).summary_html
    assert "articles_sourcequote" not in connection.introspection.table_names()
