"""In headless Chromium: an editor types, the page autosaves, the tab is lost, the text is back."""

import time

import pytest

from columns.models import Autosave, Episode
from tests.browser.test_browser import ARTIFACTS, browser, log_in  # noqa: F401  (the fixture)
from tests.factories import make_episode, make_series

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def chief(django_user_model, settings):
    """A superuser whose admin forms autosave every half second."""
    settings.AUTOSAVE_INTERVAL_SECONDS = 0.5
    return django_user_model.objects.create_superuser("chief", "c@example.com", PASSWORD)


def open_as_chief(browser, live_server):  # noqa: F811  (the fixture, imported above)
    context = browser.new_context(viewport={"width": 1280, "height": 1100})
    page = context.new_page()
    log_in(page, live_server.url, "chief", PASSWORD)
    return context, page


def wait_for_status(page, text: str) -> None:
    page.wait_for_function(
        f"document.getElementById('autosave-status').textContent.includes('{text}')",
        timeout=10_000,
    )


def wait_for_autosaved(field: str, value: str, **lookup) -> None:
    """Wait until the server holds `value` for `field`: typing into two fields may
    autosave twice, and the status line already says "saved" after the first."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        autosave = Autosave.objects.filter(**lookup).first()
        if autosave and autosave.data.get(field) == [value]:
            return
        time.sleep(0.1)
    held = autosave.data.get(field) if autosave else None
    raise AssertionError(f"{field} was not autosaved as {value!r}; the server holds {held!r}")


def test_typed_text_is_autosaved_and_offered_back_after_a_reload(
    live_server,
    browser,  # noqa: F811  (the fixture, imported above)
    chief,
):
    episode = make_episode(closing="저장해 둔 맺음말입니다.")
    context, page = open_as_chief(browser, live_server)

    page.goto(f"{live_server.url}/admin/columns/episode/{episode.pk}/change/")
    page.fill("#id_closing", "브라우저가 꺼지기 직전에 쓴 맺음말")
    wait_for_status(page, "자동 저장했습니다")
    assert Autosave.objects.get(episode=episode).data["closing"] == [
        "브라우저가 꺼지기 직전에 쓴 맺음말"
    ]

    page.reload()  # the unsaved form is gone from the tab
    assert page.input_value("#id_closing") == "저장해 둔 맺음말입니다."
    page.wait_for_selector("#autosave-offer")
    page.screenshot(path=str(ARTIFACTS / "autosave-offer.png"), full_page=False)
    page.click("#autosave-restore")

    assert page.input_value("#id_closing") == "브라우저가 꺼지기 직전에 쓴 맺음말"
    assert Episode.objects.get(pk=episode.pk).closing == "저장해 둔 맺음말입니다."
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    assert Episode.objects.get(pk=episode.pk).closing == "브라우저가 꺼지기 직전에 쓴 맺음말"
    assert not Autosave.objects.filter(episode=episode).exists()
    context.close()


def test_text_typed_after_the_session_expired_is_kept_in_the_browser_and_offered(
    live_server,
    browser,  # noqa: F811  (the fixture, imported above)
    chief,
):
    episode = make_episode(closing="세션이 끝나기 전 맺음말.")
    context, page = open_as_chief(browser, live_server)
    change_page = f"{live_server.url}/admin/columns/episode/{episode.pk}/change/"
    page.goto(change_page)

    context.clear_cookies()  # the session is gone while the editor keeps typing
    page.fill("#id_closing", "세션이 끝난 뒤에 쓴 맺음말")
    wait_for_status(page, "자동 저장하지 못했습니다")
    assert not Autosave.objects.exists()

    log_in(page, live_server.url, "chief", PASSWORD)
    page.goto(change_page)
    page.wait_for_selector("#autosave-browser-offer")
    page.click("#autosave-browser-offer button")
    assert page.input_value("#id_closing") == "세션이 끝난 뒤에 쓴 맺음말"
    context.close()


def test_a_new_episode_never_saved_is_autosaved_and_offered_back(
    live_server,
    browser,  # noqa: F811  (the fixture, imported above)
    chief,
):
    make_series(slug="new-draft")
    context, page = open_as_chief(browser, live_server)

    add_page = f"{live_server.url}/admin/columns/episode/add/"
    page.goto(add_page)
    page.fill("#id_headline", "아직 한 번도 저장하지 않은 회차")
    page.fill("#id_closing", "탭이 닫히기 전에 쓴 맺음말")
    wait_for_status(page, "자동 저장했습니다")
    wait_for_autosaved("closing", "탭이 닫히기 전에 쓴 맺음말", episode__isnull=True)
    assert Autosave.objects.get(episode__isnull=True).data["headline"] == [
        "아직 한 번도 저장하지 않은 회차"
    ]

    page.goto(add_page)  # a fresh, empty add page
    assert page.input_value("#id_headline") == ""
    page.wait_for_selector("#autosave-offer")
    page.click("#autosave-restore")
    assert page.input_value("#id_headline") == "아직 한 번도 저장하지 않은 회차"
    assert page.input_value("#id_closing") == "탭이 닫히기 전에 쓴 맺음말"
    assert not Episode.objects.exists()
    context.close()
