"""The column's models: rules the database enforces, and what full_clean tells the editor."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Outlet, OutletDomain, SourceArticle
from columns.models import Commentary, Episode, Series, Volume
from tests.factories import make_episode, make_outlet, make_series

pytestmark = pytest.mark.django_db

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def all_messages(error: ValidationError) -> list[str]:
    return [message for messages in error.message_dict.values() for message in messages]


def assert_korean(error: ValidationError) -> None:
    messages = all_messages(error)
    assert messages
    for message in messages:
        assert HANGUL.search(message), message
        # The constraint's internal name is no message for an editor.
        assert "_positive" not in message and "_unique_" not in message, message


@pytest.fixture
def episode():
    return make_episode(articles=2, commentary=2)


# The database refuses what must never be stored ---------------------------------


def test_database_refuses_a_second_episode_with_the_same_number_in_a_series(episode):
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.create(series=episode.series, number=episode.number, headline="또 하나")


def test_the_same_number_is_fine_in_another_series(episode):
    other = make_series(title="다른 연재")
    Episode.objects.create(series=other, number=episode.number, headline="다른 연재의 글")


def test_database_refuses_two_articles_at_the_same_position_in_an_episode(episode):
    with pytest.raises(IntegrityError), transaction.atomic():
        SourceArticle.objects.create(
            episode=episode,
            position=1,
            headline="같은 자리",
            outlet=episode.articles.first().outlet,
            url="https://news.example.com/another",
        )


def test_database_refuses_the_same_canonical_url_twice_in_an_episode(episode):
    first = episode.articles.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        SourceArticle.objects.create(
            episode=episode, position=9, headline="두 번째", outlet=first.outlet, url=first.url
        )


def test_the_same_url_may_be_cited_by_another_episode(episode):
    first = episode.articles.first()
    other = make_episode(articles=0)
    SourceArticle.objects.create(
        episode=other, position=1, headline="다시 인용", outlet=first.outlet, url=first.url
    )


def test_database_refuses_two_commentary_paragraphs_at_the_same_position(episode):
    with pytest.raises(IntegrityError), transaction.atomic():
        Commentary.objects.create(episode=episode, position=1, body="같은 자리의 문단")


def test_database_refuses_a_published_episode_without_a_publish_time():
    series = make_series()
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.create(
            series=series, number=1, headline="시각 없음", status=Episode.Status.PUBLISHED
        )


def test_database_refuses_an_unknown_status():
    series = make_series()
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.create(series=series, number=1, headline="이상한 상태", status="hidden")


def test_database_refuses_episode_number_zero():
    series = make_series()
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.create(series=series, number=0, headline="영 번째")


@pytest.mark.parametrize("model", ["article", "commentary"])
def test_database_refuses_position_zero(episode, model):
    with pytest.raises(IntegrityError), transaction.atomic():
        if model == "article":
            SourceArticle.objects.create(
                episode=episode,
                position=0,
                headline="영 번",
                outlet=episode.articles.first().outlet,
                url="https://news.example.com/zero",
            )
        else:
            Commentary.objects.create(episode=episode, position=0, body="영 번 문단")


# full_clean says the same thing in Korean, before the database has to ----------


def test_full_clean_reports_a_duplicate_episode_number_in_korean(episode):
    duplicate = Episode(series=episode.series, number=episode.number, headline="또 하나")
    with pytest.raises(ValidationError) as info:
        duplicate.full_clean()
    assert_korean(info.value)


def test_full_clean_reports_episode_number_zero_on_the_number_field():
    candidate = Episode(series=make_series(), number=0, headline="영 번째")
    with pytest.raises(ValidationError) as info:
        candidate.full_clean()
    assert list(info.value.message_dict) == ["number"]
    assert_korean(info.value)


def test_full_clean_reports_an_unknown_status_in_korean():
    candidate = Episode(series=make_series(), number=1, headline="상태", status="hidden")
    with pytest.raises(ValidationError) as info:
        candidate.full_clean()
    assert list(info.value.message_dict) == ["status"]
    assert_korean(info.value)


def test_full_clean_reports_a_duplicate_article_position_in_korean(episode):
    duplicate = SourceArticle(
        episode=episode,
        position=1,
        headline="같은 자리",
        outlet=episode.articles.first().outlet,
        url="https://news.example.com/another",
    )
    with pytest.raises(ValidationError) as info:
        duplicate.full_clean()
    assert_korean(info.value)


def test_full_clean_reports_a_duplicate_url_with_the_editors_message(episode):
    first = episode.articles.first()
    duplicate = SourceArticle(
        episode=episode, position=9, headline="두 번째", outlet=first.outlet, url=first.url
    )
    with pytest.raises(ValidationError) as info:
        duplicate.full_clean()
    assert "이 회차에 같은 기사 주소가 이미 인용되어 있습니다." in all_messages(info.value)


def test_full_clean_reports_a_duplicate_commentary_position_in_korean(episode):
    duplicate = Commentary(episode=episode, position=1, body="같은 자리의 문단")
    with pytest.raises(ValidationError) as info:
        duplicate.full_clean()
    assert_korean(info.value)


@pytest.mark.parametrize("model", ["article", "commentary"])
def test_full_clean_reports_position_zero_on_the_position_field(episode, model):
    if model == "article":
        candidate = SourceArticle(
            episode=episode,
            position=0,
            headline="영 번",
            outlet=episode.articles.first().outlet,
            url="https://news.example.com/zero",
        )
    else:
        candidate = Commentary(episode=episode, position=0, body="영 번 문단")
    with pytest.raises(ValidationError) as info:
        candidate.full_clean()
    assert list(info.value.message_dict) == ["position"]
    assert_korean(info.value)


def test_full_clean_gives_a_published_episode_without_a_time_the_current_time():
    candidate = Episode(
        series=make_series(), number=1, headline="지금 발행", status=Episode.Status.PUBLISHED
    )
    before = timezone.now()
    candidate.full_clean()
    assert before <= candidate.publish_at <= timezone.now()
    candidate.save()
    assert candidate.is_published()


def test_full_clean_leaves_a_drafts_empty_publish_time_alone():
    candidate = Episode(series=make_series(), number=1, headline="초안")
    candidate.full_clean()
    assert candidate.publish_at is None


def test_full_clean_keeps_a_chosen_publish_time():
    when = timezone.now() + timedelta(days=3)
    candidate = Episode(
        series=make_series(),
        number=1,
        headline="예약",
        status=Episode.Status.PUBLISHED,
        publish_at=when,
    )
    candidate.full_clean()
    assert candidate.publish_at == when


# What the site asks of episodes ---------------------------------------------------


def test_published_excludes_drafts_and_episodes_scheduled_for_later():
    series = make_series()
    shown = make_episode(series, 1, articles=0)
    make_episode(series, 2, status=Episode.Status.DRAFT, articles=0)
    make_episode(series, 3, publish_at=timezone.now() + timedelta(minutes=1), articles=0)
    assert list(Episode.objects.published()) == [shown]


def test_published_answers_for_a_given_moment():
    later = timezone.now() + timedelta(days=2)
    scheduled = make_episode(publish_at=timezone.now() + timedelta(days=1), articles=0)
    assert not Episode.objects.published().exists()
    assert list(Episode.objects.published(now=later)) == [scheduled]


def test_is_published_and_is_scheduled_tell_the_three_states_apart():
    now = timezone.now()
    draft = make_episode(status=Episode.Status.DRAFT, articles=0)
    live = make_episode(publish_at=now - timedelta(minutes=1), articles=0)
    scheduled = make_episode(publish_at=now + timedelta(hours=1), articles=0)
    assert (draft.is_published(), draft.is_scheduled()) == (False, False)
    assert (live.is_published(), live.is_scheduled()) == (True, False)
    assert (scheduled.is_published(), scheduled.is_scheduled()) == (False, True)
    assert scheduled.is_published(now=now + timedelta(hours=2))


def test_a_draft_with_a_past_publish_time_is_still_not_published():
    draft = make_episode(
        status=Episode.Status.DRAFT, publish_at=timezone.now() - timedelta(days=1), articles=0
    )
    assert not draft.is_published()
    assert not Episode.objects.published().filter(pk=draft.pk).exists()


def test_episode_title_is_printed_the_way_the_column_prints_it():
    series = make_series(title="저녁의 기술 뉴스")
    episode = make_episode(series, 48, headline="바다 건너 데이터센터", articles=0)
    assert episode.title == "저녁의 기술 뉴스-48(바다 건너 데이터센터)"
    assert str(episode) == episode.title


def test_episode_address_is_its_series_and_number():
    series = make_series(slug="evening-tech")
    episode = make_episode(series, 48, articles=0)
    assert episode.get_absolute_url() == "/series/evening-tech/48/"
    assert series.get_absolute_url() == "/series/evening-tech/"


def test_series_slug_may_be_korean():
    series = Series(title="저녁 뉴스", slug="저녁-뉴스", author_name="바람지기")
    series.full_clean()
    series.save()
    assert series.get_absolute_url() == "/series/%EC%A0%80%EB%85%81-%EB%89%B4%EC%8A%A4/"


def test_each_model_names_itself_for_the_editor():
    series = make_series(title="저녁의 기술 뉴스")
    episode = make_episode(series, 3, headline="작은 칩", articles=1, commentary=1)
    article = episode.articles.get()
    paragraph = episode.commentary.get()
    outlet = make_outlet(name="가상경제", domain="econ.example.com")
    volume = Volume.objects.create(series=series, number=1, title="첫째 권")
    assert str(series) == "저녁의 기술 뉴스"
    assert str(episode) == "저녁의 기술 뉴스-3(작은 칩)"
    assert str(article) == "1. 가상 기사 제목 1"
    assert str(paragraph) == "1. 1번째 기사에 대한 생각을 적습니다."
    assert str(outlet) == "가상경제"
    assert str(OutletDomain.objects.get(outlet=outlet)) == "econ.example.com"
    assert str(volume) == "첫째 권"
    assert outlet.get_absolute_url() == f"/outlets/{outlet.slug}/"


def test_commentary_label_is_cut_to_forty_characters():
    paragraph = Commentary(position=2, body="가" * 100)
    assert str(paragraph) == "2. " + "가" * 40


# Markdown is rendered once, at save time ------------------------------------------


def test_markdown_fields_are_rendered_into_html_on_save():
    series = make_series(description="**매주** 씁니다.")
    episode = make_episode(
        series, intro="들어가며 *한마디*", closing="이상 [끝](https://example.com/end)", articles=1
    )
    article = episode.articles.get()
    paragraph = episode.commentary.get()
    assert series.description_html == "<p><strong>매주</strong> 씁니다.</p>"
    assert episode.intro_html == "<p>들어가며 <em>한마디</em></p>"
    assert '<a href="https://example.com/end" rel="noopener">끝</a>' in episode.closing_html
    article.summary = "내 말로 **정리**"
    article.save()
    assert article.summary_html == "<p>내 말로 <strong>정리</strong></p>"
    assert paragraph.body_html == "<p>1번째 기사에 대한 생각을 적습니다.</p>"


def test_rendered_html_follows_the_source_when_it_changes():
    episode = make_episode(intro="처음 문장", articles=1)
    article = episode.articles.get()
    paragraph = episode.commentary.get()
    series = episode.series

    episode.intro = "고친 **문장**"
    episode.closing = ""
    episode.save()
    article.summary = "> 새 인용"
    article.save()
    paragraph.body = "새 논평 _문단_"
    paragraph.save()
    series.description = "새 소개"
    series.save()

    episode.refresh_from_db()
    article.refresh_from_db()
    paragraph.refresh_from_db()
    series.refresh_from_db()
    assert episode.intro_html == "<p>고친 <strong>문장</strong></p>"
    assert episode.closing_html == ""
    assert "<blockquote>" in article.summary_html and "새 인용" in article.summary_html
    assert paragraph.body_html == "<p>새 논평 <em>문단</em></p>"
    assert series.description_html == "<p>새 소개</p>"


def test_rendered_html_cannot_be_set_by_hand():
    episode = make_episode(intro="평범한 문장", articles=0)
    episode.intro_html = "<script>alert(1)</script>"
    episode.save()
    episode.refresh_from_db()
    assert episode.intro_html == "<p>평범한 문장</p>"


# Commentary answers only its own episode's articles -------------------------------


def test_commentary_may_answer_an_article_of_its_own_episode(episode):
    paragraph = Commentary(
        episode=episode, position=5, source_article=episode.articles.last(), body="답합니다"
    )
    paragraph.full_clean()


def test_commentary_may_not_answer_an_article_from_another_episode(episode):
    stranger = make_episode(articles=1).articles.get()
    paragraph = Commentary(episode=episode, position=5, source_article=stranger, body="남의 기사")
    with pytest.raises(ValidationError) as info:
        paragraph.full_clean()
    assert list(info.value.message_dict) == ["source_article"]
    assert_korean(info.value)


def test_outlet_domain_is_stored_without_www_and_in_lower_case():
    outlet = Outlet.objects.create(name="가상방송", slug="virtual-tv")
    domain = OutletDomain(outlet=outlet, domain=" WWW.Virtual-TV.Example.com ")
    domain.full_clean()
    assert domain.domain == "virtual-tv.example.com"
