"""End to end in headless Chromium: the editor writes, the reader reads and comments,
a moderator approves. Screenshots land in test-artifacts/ for a human to look at."""

import os
import shutil
from pathlib import Path

import pytest

from articles.models import Outlet, OutletDomain
from columns.models import Comment, Episode, Series

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(
            "CI must run the browser tests: install Debian's chromium (.ci/run does)."
        )
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )


@pytest.fixture
def browser(settings):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # test makes between page actions are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # The live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # The live server's request threads must not keep database connections
    # open past the test, or the test database cannot be dropped.
    from django.db import connections

    database = connections.settings["default"]
    kept_age, database["CONN_MAX_AGE"] = database["CONN_MAX_AGE"], 0
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        )  # fmt: skip
        yield browser
        # Inside Playwright's loop the ORM keeps connections apart from the
        # test's own; close them here, in that same context.
        connections.close_all()
        browser.close()
    database["CONN_MAX_AGE"] = kept_age


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#content-main")


def test_editor_writes_and_publishes_an_episode_and_a_reader_reads_it(
    live_server, browser, django_user_model
):
    django_user_model.objects.create_superuser("editor", "e@example.com", "correct-horse-battery")
    series = Series.objects.create(
        title="저녁의 기술 뉴스", slug="저녁-기술", author_name="바람지기"
    )
    outlet = Outlet.objects.create(name="가상경제신문", slug="가상경제")
    OutletDomain.objects.create(outlet=outlet, domain="economy.example.com")

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server.url, "editor", "correct-horse-battery")
    page.goto(f"{live_server.url}/admin/columns/episode/add/")
    # The series field is an admin autocomplete: type and pick, as an editor does.
    page.click("#id_series + .select2 .select2-selection")
    page.fill(".select2-search__field", "저녁")
    page.click(".select2-results__option:has-text('저녁의 기술 뉴스')")
    page.fill("#id_number", "12")
    page.fill("#id_headline", "반도체 다음의 질문")
    page.fill("#id_subtitle", "공장을 지은 다음에 남는 일들")
    page.fill("#id_keywords", "반도체, 데이터센터")
    page.fill("#id_intro", "안녕하세요. 오늘은 세 기사를 골랐습니다.")
    page.fill("#id_closing", "이상 오늘의 저녁 뉴스였습니다.")
    page.select_option("#id_status", "published")
    for i in range(3):
        page.fill(f"#id_articles-{i}-position", str(i + 1))
        page.fill(f"#id_articles-{i}-headline", f"가상 기사 {i + 1}: 공장과 전력")
        page.fill(
            f"#id_articles-{i}-url",
            f"https://www.economy.example.com/news/{i + 1}?utm_source=share&id={i + 1}",
        )
        page.fill(f"#id_articles-{i}-summary", f"“인용문 {i + 1}: 전력이 먼저다.”")
        page.fill(f"#id_commentary-{i}-position", str(i + 1))
        page.fill(f"#id_commentary-{i}-body", f"{i + 1}번 기사에 대한 저의 생각입니다.")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    episode = Episode.objects.get(series=series, number=12)
    assert episode.is_published()
    assert episode.articles.get(position=1).url == ("https://www.economy.example.com/news/1?id=1")
    assert all(a.outlet_id == outlet.pk for a in episode.articles.all())

    reader = browser.new_page(viewport={"width": 390, "height": 844})
    reader.goto(live_server.url + episode.get_absolute_url())
    assert reader.inner_text("h1") == "저녁의 기술 뉴스-12(반도체 다음의 질문)"
    assert reader.locator(".source-article").count() == 3
    assert "가상경제신문" in reader.inner_text(".references")
    reader.screenshot(path=str(ARTIFACTS / "episode-phone.png"), full_page=True)
    desktop = browser.new_page(viewport={"width": 1280, "height": 900})
    desktop.goto(live_server.url + episode.get_absolute_url())
    desktop.screenshot(path=str(ARTIFACTS / "episode-desktop.png"), full_page=True)
    # Nothing on the page broke the strict CSP or threw.
    errors = []
    desktop.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    desktop.reload()
    assert errors == []


def test_a_reader_comments_a_moderator_approves_and_the_reader_sees_it(
    live_server, browser, django_user_model
):
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from tests.factories import make_episode

    call_command("setup_roles", stdout=open(os.devnull, "w"))
    moderator = django_user_model.objects.create_user(
        "moderator", "m@example.com", "correct-horse-battery", is_staff=True
    )
    moderator.groups.add(Group.objects.get(name="moderators"))
    episode = make_episode()

    reader = browser.new_page(viewport={"width": 390, "height": 844})
    reader.goto(live_server.url + episode.get_absolute_url())
    reader.fill("#id_name", "저녁독자")
    reader.fill("#id_body", "세 번째 기사 이야기에 공감합니다.\n다음 화도 기다릴게요.")
    reader.click(".comment-form button[type=submit]")
    reader.wait_for_selector(".message")
    assert "운영진이 확인한 뒤에 공개됩니다" in reader.inner_text(".messages")
    assert "공감합니다" not in reader.inner_text("#comments")
    comment = Comment.objects.get()
    assert comment.status == "pending"

    staff = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(staff, live_server.url, "moderator", "correct-horse-battery")
    staff.goto(f"{live_server.url}/admin/columns/comment/")
    staff.check(f"input[name=_selected_action][value='{comment.pk}']")
    staff.select_option("select[name=action]", "approve")
    staff.click("button[name=index]")
    staff.wait_for_selector(".messagelist .success")
    staff.screenshot(path=str(ARTIFACTS / "moderation-queue.png"), full_page=True)

    reader.reload()
    assert "세 번째 기사 이야기에 공감합니다." in reader.inner_text("#comments")
    reader.screenshot(path=str(ARTIFACTS / "episode-with-comment-phone.png"), full_page=True)


def test_a_reader_searches_one_series_from_its_page_and_finds_one_search_box_there(
    live_server, browser
):
    from tests.factories import make_series
    from tests.factories_search import make_searchable_episode

    series = make_series("밤의 기술 수첩", slug="night-notes")
    make_searchable_episode(series, 7, headline="도서관이 AI를 만날 때", articles=0)
    make_searchable_episode(headline="다른 연재의 도서관 이야기", articles=0)

    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(live_server.url + series.get_absolute_url())
    # The header's box and the series' box: two search landmarks with different names.
    assert page.get_by_role("search", name="사이트 검색").count() == 1
    page.get_by_role("search", name="이 연재에서 검색").get_by_role("searchbox").fill("도서관을")
    page.get_by_role("search", name="이 연재에서 검색").get_by_role("button").click()
    page.wait_for_selector(".search-summary")
    assert page.locator(".search-result-title").all_inner_texts() == ["7화 도서관이 AI를 만날 때"]
    # The search page has one search box: its own.
    assert page.get_by_role("search").count() == 1
    assert page.get_by_role("searchbox").input_value() == "도서관을"
    page.screenshot(path=str(ARTIFACTS / "search-in-series-phone.png"), full_page=True)
