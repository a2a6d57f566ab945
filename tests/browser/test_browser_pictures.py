"""Covers, the web font and dark mode in headless Chromium, with axe-core's accessibility check.

Screenshots of an episode with and without a cover, light and dark, on a phone
and a desktop land in test-artifacts/. axe-core (npm package `axe-core`,
vendored as tests/vendor/axe.min.js, MPL-2.0) runs in each page; serious or
critical violations fail the test.
"""

from pathlib import Path

import pytest

from columns.models import Volume
from tests import images as files
from tests.browser import test_browser
from tests.browser.test_browser import ARTIFACTS
from tests.factories import make_episode, make_series

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = test_browser.browser  # the same headless Chromium fixture

AXE = (Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js").read_text(encoding="utf-8")
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def episodes():
    series = make_series(
        title="저녁의 기술 뉴스",
        slug="evening-tech",
        author_name="바람지기",
        description="하루의 기술 뉴스 세 꼭지를 골라 읽고 생각을 덧붙입니다.",
    )
    volume = Volume.objects.create(series=series, number=2, title="전력과 반도체의 계절")
    plain = make_episode(
        series,
        23,
        headline="전력망이 먼저 묻는 질문",
        subtitle="변전소 앞에 줄 선 데이터센터들",
        volume=volume,
        volume_position=8,
    )
    covered = make_episode(series, 24, headline="바다 위의 서버 농장", volume=volume)
    covered.cover = files.upload(files.encoded(files.picture(1800, 1200), "JPEG"))
    covered.cover_alt = "푸른 바다 위에 노란 띠가 지나가는 추상 그림"
    covered.save()
    return {"without-cover": plain, "with-cover": covered}


def serious_violations(page) -> list[str]:
    page.add_script_tag(content=AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", sorted(VIEWPORTS))
def test_episode_pages_look_right_and_pass_axe_in_both_schemes(
    live_server,
    browser,
    episodes,
    scheme,
    device,
):
    for kind, episode in episodes.items():
        # bypass_csp: only so that axe can be injected; the page is served as always.
        context = browser.new_context(
            viewport=VIEWPORTS[device], color_scheme=scheme, bypass_csp=True
        )
        page = context.new_page()
        page.goto(live_server.url + episode.get_absolute_url())
        page.evaluate("async () => await document.fonts.ready")
        page.screenshot(
            path=str(ARTIFACTS / f"episode-{kind}-{device}-{scheme}.png"), full_page=True
        )
        assert serious_violations(page) == [], (kind, device, scheme)

        # The headline is drawn in the shipped font, in one weight.
        loaded = page.evaluate(
            "() => [...document.fonts].filter(f => f.family.includes('Pretendard')"
            " && f.status === 'loaded').map(f => f.weight)"
        )
        assert "700" in loaded, loaded
        assert page.evaluate("() => document.fonts.check('700 2rem Pretendard', '뉴스-24(')")
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert (background == "rgb(22, 24, 28)") == (scheme == "dark"), background

        if kind == "with-cover":
            cover = page.locator(".episode-cover img")
            assert cover.get_attribute("alt") == episode.cover_alt
            assert page.evaluate(
                "() => { const i = document.querySelector('.episode-cover img');"
                " return i.complete && i.naturalWidth > 0 && i.currentSrc.endsWith('.webp'); }"
            )
        else:
            # "8번째 글" is never a line of its own: it ends its volume title's line.
            assert page.evaluate(
                "() => { const t = document.querySelector('.crumb-volume-title');"
                " const p = document.querySelector('.crumb-position');"
                " const r = document.createRange(); r.selectNodeContents(t);"
                " const lines = r.getClientRects(), last = lines[lines.length - 1];"
                " const rects = p.getClientRects();"
                " return rects.length === 1 && Math.abs(rects[0].top - last.top) < 4; }"
            )
        context.close()


def test_home_and_series_pages_pass_axe_in_dark_mode_on_a_phone(
    live_server,
    browser,
    episodes,
):
    context = browser.new_context(viewport=VIEWPORTS["phone"], color_scheme="dark", bypass_csp=True)
    page = context.new_page()
    for name, path in (("home", "/"), ("series", episodes["with-cover"].series.get_absolute_url())):
        page.goto(live_server.url + path)
        page.screenshot(path=str(ARTIFACTS / f"{name}-phone-dark.png"), full_page=True)
        assert serious_violations(page) == [], name
    assert "전력과 반도체의 계절" in page.inner_text(".volumes")
    context.close()
