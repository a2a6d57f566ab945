"""The episode's stored body (columns.rendering): rendered whenever what it shows
changes, however the change is made, and never served out of date."""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.utils import timezone
from taggit.models import Tag

from articles.models import LinkHealth, SourceArticle
from columns.models import Comment, Commentary, Episode, RenderedEpisode, Volume
from columns.projections import body as rendering
from tests.factories import make_episode, make_outlet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    # The page must be fresh because the body is, not because the cache was bumped.
    settings.PAGE_CACHE_ENABLED = False


def stored(episode: Episode) -> RenderedEpisode:
    return RenderedEpisode.objects.get(episode=episode)


def page(episode: Episode) -> str:
    response = Client().get(episode.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_episode_is_stored_with_its_parts_keywords_and_citations():
    episode = make_episode(articles=2, keywords=("반도체", "전력망"))
    row = stored(episode)
    assert "가상 기사 제목 1" in row.body_html and "가상 기사 제목 2" in row.body_html
    assert "1번째 기사에 대한 생각을 적습니다." in row.body_html
    assert row.keyword_names == ["반도체", "전력망"]
    assert [c["position"] for c in row.citations] == [1, 2]
    assert row.citations[0]["url"] == f"https://news.example.com/article/{episode.number}-1"
    assert row.version == rendering.body_version()


def test_editing_an_article_shows_at_once():
    episode = make_episode()
    article = episode.articles.get(position=2)
    article.headline = "고쳐 쓴 기사 제목"
    article.save()
    html = page(episode)
    assert "고쳐 쓴 기사 제목" in html and "가상 기사 제목 2" not in html


def test_adding_and_deleting_parts_shows_at_once():
    episode = make_episode(articles=1)
    outlet = make_outlet("새소식일보")
    added = SourceArticle.objects.create(
        episode=episode,
        position=2,
        headline="새로 붙인 기사",
        outlet=outlet,
        url="https://news.example.com/added",
    )
    Commentary.objects.create(episode=episode, position=9, body="덧붙인 논평 문단입니다.")
    html = page(episode)
    assert "새로 붙인 기사" in html and "-새소식일보-" in html and "덧붙인 논평 문단입니다." in html

    added.delete()
    episode.commentary.get(position=9).delete()
    html = page(episode)
    assert "새로 붙인 기사" not in html and "덧붙인 논평 문단입니다." not in html


def test_keywords_added_removed_and_cleared_show_at_once():
    episode = make_episode(keywords=("반도체",))
    episode.keywords.add("데이터센터")
    assert stored(episode).keyword_names == ["반도체", "데이터센터"]
    assert "#데이터센터" in page(episode)
    episode.keywords.remove("반도체")
    assert stored(episode).keyword_names == ["데이터센터"]
    episode.keywords.clear()
    assert stored(episode).keyword_names == [] and 'class="keywords"' not in page(episode)


def test_renaming_an_outlet_a_keyword_or_a_pen_name_reaches_every_episode_showing_it():
    first, second = make_episode(keywords=("반도체",)), make_episode(keywords=("반도체",))
    outlet = first.articles.first().outlet
    SourceArticle.objects.filter(pk=second.articles.first().pk).update(outlet=outlet)
    second.articles.first().save()  # an editor's save after the move

    outlet.name = "이름바꾼일보"
    outlet.save()
    tag = Tag.objects.get(name="반도체")
    tag.name = "시스템반도체"
    tag.save()
    series = first.series
    series.author_name = "새필명"
    series.save()

    for episode in (first, second):
        html = page(episode)
        assert "-이름바꾼일보-" in html and "#시스템반도체" in html
    assert "새필명의 논평" in page(first)
    assert stored(second).keyword_names == ["시스템반도체"]


def test_deleting_a_keyword_removes_it_from_the_episodes_that_carried_it():
    episode = make_episode(keywords=("사라질말", "남을말"))
    Tag.objects.get(name="사라질말").delete()
    assert stored(episode).keyword_names == ["남을말"]
    assert "#사라질말" not in page(episode)


def test_saving_a_series_or_outlet_without_a_visible_change_renders_nothing(monkeypatch):
    episode = make_episode()
    rendered = []
    monkeypatch.setattr(
        rendering, "store_bodies", lambda loaded: rendered.extend(p.episode for p in loaded)
    )
    episode.series.description = "설명만 바꿉니다."
    episode.series.save()
    episode.articles.first().outlet.save()
    assert rendered == []
    episode.series.author_name = "다른필명"
    episode.series.save()
    assert rendered == [episode]


def test_a_link_that_starts_failing_or_recovers_changes_the_stored_body():
    episode = make_episode(articles=1)
    article = episode.articles.get()
    health = LinkHealth.objects.create(
        article=article,
        url=article.url,
        result="unreachable",
        consecutive_failures=1,
        checked_at=timezone.now(),
    )
    assert "web.archive.org" not in stored(episode).body_html
    health.consecutive_failures = 2
    health.save()
    assert "web.archive.org" in stored(episode).body_html
    health.delete()
    assert "web.archive.org" not in stored(episode).body_html


def test_an_out_of_date_body_is_rendered_again_on_its_next_view():
    episode = make_episode()
    # A row from another release's templates.
    RenderedEpisode.objects.filter(episode=episode).update(
        body_html="<p>옛 본문</p>", version="old", keyword_names=[], citations=[]
    )
    html = page(episode)
    assert "옛 본문" not in html and "가상 기사 제목 1" in html
    assert '"citation"' in html and "가상 기사 제목 1" in html.split("application/ld+json")[1]
    row = stored(episode)
    assert row.version == rendering.body_version() and row.keyword_names


def test_an_episode_without_a_stored_rendering_gets_one_on_its_first_view():
    episode = make_episode()  # e.g. written before renderings were stored
    RenderedEpisode.objects.filter(episode=episode).delete()
    assert "가상 기사 제목 1" in page(episode)
    assert stored(episode).version == rendering.body_version()


def test_deleting_an_episode_deletes_its_rendering_and_renders_nothing_on_the_way():
    episode = make_episode()
    Comment.objects.create(episode=episode, name="독자", body="댓글", status="approved")
    LinkHealth.objects.create(
        article=episode.articles.first(),
        url=episode.articles.first().url,
        result="unreachable",
        consecutive_failures=5,
        checked_at=timezone.now(),
    )
    episode.delete()
    assert not RenderedEpisode.objects.exists()
    another = make_episode()
    Episode.objects.filter(pk=another.pk).delete()  # a queryset delete, as the admin's action
    assert not RenderedEpisode.objects.exists()


def test_the_body_version_follows_the_templates_settings_it_depends_on(settings, monkeypatch):
    seen = {rendering.body_version()}
    settings.LINKCHECK_ARCHIVE_AFTER_FAILURES = 7
    seen.add(rendering.body_version())
    settings.SITE_NAME = "다른 이름의 사이트"  # og:site_name, JSON-LD publisher
    seen.add(rendering.body_version())
    settings.SITE_URL = "https://elsewhere.example"  # absolute addresses
    seen.add(rendering.body_version())
    settings.SECRET_KEY = "another-secret-" + "k" * 40  # signs the share cards' names
    seen.add(rendering.body_version())
    from columns import sharecards

    monkeypatch.setattr(sharecards, "CARD_FORMAT", sharecards.CARD_FORMAT + 1)  # card addresses
    rendering.body_version.cache_clear()
    seen.add(rendering.body_version())
    assert len(seen) == 6


def test_a_failed_write_leaves_the_stored_body_as_it_was():
    episode = make_episode()
    before = stored(episode).body_html
    article = episode.articles.get(position=1)
    article.headline = "저장되지 않을 제목"
    article.position = 2  # taken: the database refuses the save
    with pytest.raises(IntegrityError), transaction.atomic():
        article.save()
    assert stored(episode).body_html == before


def test_the_cited_elsewhere_place_is_invisible_when_nothing_else_cites_the_article():
    episode = make_episode(articles=1)
    html = page(episode)
    assert "<!--cited-elsewhere:1-->" in stored(episode).body_html
    assert "이 기사를 인용한 다른 화" not in html


def test_comments_appear_when_approved_and_go_when_removed_or_rejected():
    episode = make_episode()
    comment = Comment.objects.create(episode=episode, name="늦은독자", body="기다린 댓글입니다.")
    assert "기다린 댓글입니다." not in page(episode)  # pending

    comment.status = Comment.Status.APPROVED
    comment.save()
    html = page(episode)
    assert "기다린 댓글입니다." in html and '댓글 <span class="count">1</span>' in html

    comment.status = Comment.Status.REJECTED
    comment.save()
    assert "기다린 댓글입니다." not in page(episode)

    comment.status = Comment.Status.APPROVED
    comment.save()
    comment.delete()
    html = page(episode)
    assert "기다린 댓글입니다." not in html and '댓글 <span class="count">0</span>' in html


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks are PostgreSQL's (SQLite writes one at a time)",
)
@pytest.mark.django_db(transaction=True)
def test_two_readers_commenting_at_the_same_moment_both_get_through(monkeypatch):
    # Both comments are inserted before either transaction renders the episode:
    # the second render waits for the first one's lock, then sees both comments.
    episode = make_episode()
    both_inserted = threading.Barrier(2, timeout=10)
    render = rendering.store_comment_lists

    def render_after_both_inserted(episode_ids):
        both_inserted.wait()
        render(episode_ids)

    monkeypatch.setattr(rendering, "store_comment_lists", render_after_both_inserted)
    errors = []

    def comment(i):
        try:
            with transaction.atomic():
                Comment.objects.create(
                    episode=episode, name=f"동시{i}", body=f"같은 순간 {i}", status="approved"
                )
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=comment, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Comment.objects.filter(episode=episode).count() == 2
    comments_html = stored(episode).comments_html
    assert "같은 순간 0" in comments_html and "같은 순간 1" in comments_html


# --- Cards: each episode's card in the public lists, stored beside its body ----------


def listed(url: str) -> str:
    response = Client().get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_lists_show_the_stored_card_of_each_episode():
    episode = make_episode(headline="카드로 남은 제목")
    assert "카드로 남은 제목" in stored(episode).card_html
    # What the lists read is the stored copy, not a card drawn per reader.
    RenderedEpisode.objects.filter(episode=episode).update(
        card_html=stored(episode).card_html.replace("카드로 남은 제목", "저장된 카드에서 읽음")
    )
    for url in ("/", episode.series.get_absolute_url()):
        assert "저장된 카드에서 읽음" in listed(url)


def test_an_out_of_date_card_is_drawn_for_the_reader_and_stored_again():
    episode = make_episode(headline="다시 그리는 카드")
    RenderedEpisode.objects.filter(episode=episode).update(card_html="낡은 카드", version="old")
    html = listed(episode.series.get_absolute_url())
    assert "다시 그리는 카드" in html and "낡은 카드" not in html
    row = stored(episode)
    assert row.version == rendering.body_version() and "다시 그리는 카드" in row.card_html


def test_a_card_follows_its_headline_and_its_series_title_and_address():
    episode = make_episode(headline="처음 제목")
    episode.headline = "고친 제목"
    episode.save()
    series = episode.series
    series.title = "새 연재 이름"
    series.save()
    assert "고친 제목" in stored(episode).card_html and "새 연재 이름" in stored(episode).card_html
    series.slug = "new-series-address"  # the address alone
    series.save()
    assert 'href="/series/new-series-address/' in stored(episode).card_html
    assert "/series/new-series-address/" in listed("/")


# --- The page's head, header and JSON-LD, stored beside the body --------------------


def test_the_page_reads_its_head_header_and_json_ld_as_stored():
    episode = make_episode(headline="저장해 둔 머리")
    row = stored(episode)
    assert "저장해 둔 머리" in row.head_html  # og:title
    assert "저장해 둔 머리" in row.header_html  # <h1>
    assert "저장해 둔 머리" in row.json_ld_html
    RenderedEpisode.objects.filter(episode=episode).update(
        head_html='<meta property="og:title" content="저장본의 머리">',
        header_html="<header>저장본의 제목</header>",
        json_ld_html='<script type="application/ld+json">{"headline": "저장본"}</script>',
    )
    html = page(episode)
    assert "저장본의 머리" in html and "저장본의 제목" in html and '"headline": "저장본"' in html


def test_stored_addresses_are_on_each_readers_host_unless_the_site_url_is_set(settings):
    episode = make_episode()
    path = episode.get_absolute_url()
    for host in ("column.example", "other.example"):
        settings.ALLOWED_HOSTS = ["column.example", "other.example"]
        html = Client(HTTP_HOST=host).get(path).content.decode()
        assert f'<meta property="og:url" content="http://{host}{path}">' in html
        assert f'"url": "http://{host}{path}"' in html  # JSON-LD
        assert rendering.STORED_ORIGIN not in html
    settings.SITE_URL = "https://news.example"  # a new fingerprint: stored again on view
    html = Client(HTTP_HOST="other.example").get(path).content.decode()
    assert f'<link rel="canonical" href="https://news.example{path}">' in html
    assert "https://news.example" in stored(episode).head_html


def test_renaming_or_deleting_a_volume_changes_the_header_of_its_episodes():
    episode = make_episode()
    volume = Volume.objects.create(series=episode.series, number=1, title="첫째 권")
    episode.volume = volume
    episode.volume_position = 1
    episode.save()
    assert "첫째 권" in stored(episode).header_html
    volume.title = "고친 권 이름"
    volume.save()
    assert "고친 권 이름" in page(episode)
    volume.delete()
    assert "고친 권 이름" not in page(episode) and "crumb-volume" not in stored(episode).header_html
