"""End to end in headless Chromium: the editor writes, the reader reads and comments,
a moderator approves. Screenshots land in test-artifacts/ for a human to look at."""

import os
import shutil
from pathlib import Path

import pytest

from articles.models import Outlet, OutletDomain
from columns.models import Comment, Episode, Series

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

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
        # Positions are hidden now: the desk numbers rows by their place on the page.
        page.fill(f"#id_articles-{i}-headline", f"가상 기사 {i + 1}: 공장과 전력")
        page.fill(
            f"#id_articles-{i}-url",
            f"https://www.economy.example.com/news/{i + 1}?utm_source=share&id={i + 1}",
        )
        page.fill(f"#id_articles-{i}-quotes", f"“인용문 {i + 1}: 전력이 먼저다.”")
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
    assert reader.locator(".source-article blockquote").count() == 3
    # Typed in quote marks, kept without them; the page draws the marks (CSS, not text).
    assert reader.inner_text("#article-1 blockquote") == "인용문 1: 전력이 먼저다."
    drawn = (
        "getComputedStyle(document.querySelector('#article-1 blockquote p'), '::before').content"
    )
    assert reader.evaluate(drawn) in ("open-quote", '"“"')
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


def test_the_columnist_writes_a_whole_episode_on_one_page_with_one_save(
    live_server, browser, django_user_model, settings, monkeypatch
):
    """Paste three URLs and watch the rows fill in, reorder, tie commentary, save once."""
    from articles import services as article_services
    from tests import linkserver

    hosts = ["daily.example.com", "econ.example.com", "net.example.com"]
    resolver = linkserver.fake_resolver({host: ["127.0.0.1"] for host in hosts})
    monkeypatch.setattr(article_services, "system_resolver", resolver)
    settings.LINKCHECK_ALLOW_LOOPBACK = True
    django_user_model.objects.create_superuser("columnist", "c@example.com", "correct-horse-9")
    series = Series.objects.create(title="밤의 과학 편지", slug="밤-과학", author_name="별지기")
    Episode.objects.create(series=series, number=6, headline="지난 편지", status="draft")

    with linkserver.running() as site:
        paths = ["/citation/og", "/citation/json-ld", "/citation/euc-kr"]
        urls = [site.url(host=h, path=p) for h, p in zip(hosts, paths, strict=True)]
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = []
        page.on(
            "console",
            # The admin has no favicon (as before this desk); anything else is an error.
            lambda m: (
                errors.append(f"{m.text} {m.location.get('url')}")
                if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico")
                else None
            ),
        )
        missing = []
        page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
        log_in(page, live_server.url, "columnist", "correct-horse-9")
        page.goto(f"{live_server.url}/admin/columns/episode/add/")

        touched = 0  # inputs touched beyond the texts themselves

        def touch(action, *args):
            nonlocal touched
            touched += 1
            action(*args)

        # The series and the number are already right: nothing to pick, nothing to type.
        assert page.input_value("#id_number") == "7"
        page.fill("#id_headline", "바다 밑의 서버들")
        page.fill("#id_keywords", "데이터센터, 해저 케이블")
        page.fill("#id_intro", "오늘은 바다와 전기에 관한 세 기사입니다.")
        page.fill("#id_closing", "다음 편지에서 또 만나요.")
        for i, url in enumerate(urls):
            touch(page.fill, f"#id_articles-{i}-url", url)
            page.dispatch_event(f"#id_articles-{i}-url", "change")
        for i in range(3):
            page.wait_for_function(
                f"document.querySelector('#id_articles-{i}-headline').value !== ''"
            )
            # Quotes: a paragraph each, quote marks optional; the summary in my own words.
            page.fill(
                f"#id_articles-{i}-quotes",
                f"“{i + 1}번 기사에서 옮긴 문장입니다.”\n\n{i + 1}번 기사의 둘째 문장, 그대로.",
            )
            page.fill(f"#id_articles-{i}-summary", f"{i + 1}번 기사를 내 말로 줄였습니다.")
        assert page.input_value("#id_articles-0-headline") == "데이터센터, 바다로 간다"
        assert page.input_value("#id_articles-0-outlet_name") == "가상일보"
        assert page.input_value("#id_articles-1-published_on") == "2026-10-21"
        assert page.input_value("#id_articles-2-headline") == "해저 케이블 공사 내년 봄 시작"

        # The EUC-KR article goes up to second place with its ▲ button.
        touch(page.click, "#articles-2 .desk-move button[aria-label='위로']")
        second = page.locator("#id_commentary-0-article_number option[value='2']")
        assert "해저 케이블 공사" in second.inner_text()

        for i, number in enumerate(["1", "2", "3"]):
            touch(page.select_option, f"#id_commentary-{i}-article_number", number)
            page.fill(f"#id_commentary-{i}-body", f"{number}번 기사를 읽고 든 생각을 적습니다.")
        touch(page.select_option, "#id_status", "published")
        # The Markdown preview, before the first save, rendered by the server.
        page.fill("#id_intro", "오늘은 **바다와 전기**에 관한 세 기사입니다.")
        touch(page.click, "#id_intro ~ .desk-preview-button")
        page.wait_for_selector("#id_intro ~ .desk-preview strong")
        assert page.inner_text("#id_intro ~ .desk-preview strong") == "바다와 전기"
        # Leaving now would ask first.
        leaving = "() => { const e = new Event('beforeunload', {cancelable: true});"
        leaving += " window.dispatchEvent(e); return e.defaultPrevented; }"
        assert page.evaluate(leaving) is True
        page.screenshot(path=str(ARTIFACTS / "desk-desktop.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(ARTIFACTS / "desk-phone.png"), full_page=True)
        touch(page.click, "input[name=_save]")
        page.wait_for_selector(".messagelist .success")

    # 3 URLs + 1 reorder + 3 article choices + status + preview + save.
    # Pinned: a higher count means the desk got harder to use.
    assert touched == 10
    assert (errors, missing) == ([], [])
    episode = Episode.objects.get(series=series, number=7)
    assert episode.is_published()
    saved = list(episode.articles.order_by("position"))
    assert [a.headline for a in saved] == [
        "데이터센터, 바다로 간다",
        "해저 케이블 공사 내년 봄 시작",
        "해상 풍력 단지, 첫 전력 보내",
    ]
    assert [a.outlet.name for a in saved] == ["가상일보", "가상일보", "가상경제"]
    assert [c.source_article for c in episode.commentary.order_by("position")] == saved
    # The EUC-KR article (typed third) moved to second place with its quotes.
    assert [[q.text for q in a.quotes.all()] for a in saved] == [
        ["1번 기사에서 옮긴 문장입니다.", "1번 기사의 둘째 문장, 그대로."],
        ["3번 기사에서 옮긴 문장입니다.", "3번 기사의 둘째 문장, 그대로."],
        ["2번 기사에서 옮긴 문장입니다.", "2번 기사의 둘째 문장, 그대로."],
    ]
    assert [a.summary for a in saved][1] == "3번 기사를 내 말로 줄였습니다."

    for name, width, height in (("phone", 390, 844), ("desktop", 1280, 900)):
        reader = browser.new_page(viewport={"width": width, "height": height})
        reader.goto(live_server.url + episode.get_absolute_url())
        assert reader.locator(".source-article").count() == 3
        assert "2번 기사에 대하여" in reader.inner_text(".commentary")
        assert reader.locator(".source-article figure.quote").count() == 6
        assert "3번 기사를 내 말로 줄였습니다." in reader.inner_text("#article-2 .summary")
        link = reader.get_attribute("#article-2-quote-1 a.quote-source", "href")
        assert link.startswith(saved[1].url + "#:~:text=")
        reader.screenshot(path=str(ARTIFACTS / f"desk-published-{name}.png"), full_page=True)


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
