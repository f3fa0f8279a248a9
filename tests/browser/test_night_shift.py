"""The board at 3 a.m., in headless Chromium: what a tired triagist relies on without thinking.

Ages right from the first second, a header (outage and 112) that never scrolls away, intake and board
side by side on a desk screen, "Bel 112" and no target time for a U1, filters that survive a reload and
the stream, a printable hand-over sheet for a confirmed placement, lists walked with the arrow keys.
Screenshots of each screen at 1920x1080, 1366x768 and phone size land in test-artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect
from pytest_aiohttp import AiohttpClient, AiohttpServer

from capacity.clock import utcnow

from ..browser_helpers import chromium
from ..http_helpers import report, token
from .pages import SIZES, Service, login, screenshot, sized_page, start
from .test_board import intake_u2_dyspnoe

pytestmark = pytest.mark.browser


@pytest.fixture
async def service(aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, tmp_path: Path) -> Service:
    return await start(aiohttp_server, aiohttp_client, f"sqlite:///{tmp_path}/zcc.db")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as b:
        yield b


def board_row(page: Page, provider: str, care_type: str):  # type: ignore[no-untyped-def]
    return page.locator(f'#board-body tr[data-provider="{provider}"][data-care-type="{care_type}"]')


async def box(page: Page, selector: str) -> dict[str, float]:
    found = await page.locator(selector).bounding_box()
    assert found is not None, selector
    return {"x": found["x"], "y": found["y"], "width": found["width"], "height": found["height"]}


async def intake_u1(page: Page, patient_ref: str) -> None:
    """Dyspnoe, cannot speak in full sentences: U1."""
    await page.get_by_label("Ingangsklacht").select_option("dyspnoe")
    await page.locator('li[data-question="dys_ademt_niet"]').get_by_label("Nee").check()
    await page.locator('li[data-question="dys_geen_zinnen"]').get_by_label("Ja").check()
    await page.get_by_label("Leeftijd (jaren)").fill("67")
    await page.get_by_label("Patiëntreferentie (pseudoniem)").fill(patient_ref)
    await page.get_by_label("Gemeente of woonplaats").select_option("c")
    await page.get_by_label("Patiëntreferentie (pseudoniem)").press("Enter")


@pytest.mark.parametrize("size", list(SIZES))
async def test_every_screen_at_every_size(service: Service, browser: Browser, size: str) -> None:
    nurse = await token(service.app, "triage", practitioner="AGB-01234567")
    admin = await token(service.app, "admin")
    twenty_ago = utcnow() - timedelta(minutes=20)
    await service.post(
        "/api/v1/capacity",
        {"updates": [report("vvt-a", "elv_hoog", 2, 5, at=twenty_ago), report("zh-e", "seh", 1, 4)]},
        admin,
    )
    await service.post(
        "/api/v1/providers/zh-e/status",
        {
            "status": "stop",
            "care_type": "seh",
            "reason": "SEH vol",
            "until": (utcnow() + timedelta(hours=2)).isoformat(),
        },
        admin,
    )
    async with sized_page(browser, size) as (page, errors):
        await page.goto(service.url)
        await expect(page.get_by_label("Bearer-token")).to_be_visible()
        await screenshot(page, f"login-{size}.png")
        await login(page, service.url, nurse)

        # the age is right at once, not "zojuist" until the next tick
        await expect(board_row(page, "vvt-a", "elv_hoog").locator(".age")).to_have_text("20 min geleden")
        await expect(board_row(page, "zh-e", "seh").locator(".status")).to_contain_text("Stop SEH vol")
        await expect(board_row(page, "zh-e", "seh").locator(".status")).to_contain_text("alleen SEH")
        await expect(board_row(page, "zh-e", "admission_geriatrics").locator(".status")).not_to_contain_text("Stop")
        if size != "phone":
            # intake and board side by side, both starting in the first screen
            intake, board = await box(page, "#intake"), await box(page, "#board")
            assert board["x"] >= intake["x"] + intake["width"], (intake, board)
            assert intake["y"] < 200 and board["y"] < 200
            assert board["width"] > 500 and intake["width"] > 500
        await screenshot(page, f"intake-{size}.png")
        await page.locator("#board").scroll_into_view_if_needed()
        await screenshot(page, f"board-{size}.png")
        await page.locator("#intake").scroll_into_view_if_needed()

        # U1: Bel 112 in the sticky header and the request, no target time
        await intake_u1(page, "p-u1-night")
        alert = page.locator("#alert-112")
        await expect(alert).to_contain_text("Bel 112 — U1 voor p-u1-night")
        await expect(page.locator("#req-target")).to_have_text("geen: Bel 112")
        await expect(page.locator("#request-view")).not_to_contain_text("binnen")
        await expect(page.locator("#target-left")).to_have_count(0)
        await screenshot(page, f"u1-{size}.png")
        # scrolled to the end of the work, the header with the alert is still in sight
        await page.locator("#trajectory").scroll_into_view_if_needed()
        head = await box(page, "#sticky-head")
        assert head["y"] == 0
        await expect(alert).to_be_in_viewport()
        await page.get_by_role("button", name="Nieuwe intake").click()
        await expect(alert).to_have_text("")

        # a U2 placed, and its hand-over sheet printed
        await page.locator("#intake").scroll_into_view_if_needed()
        await intake_u2_dyspnoe(page, "p-night-1")
        await expect(page.locator(".proposal").first).to_have_attribute("data-provider", "vvt-a")
        await screenshot(page, f"proposals-{size}.png")
        await page.get_by_role("button", name="Reserveer ELV hoog bij VVT-A").click()
        await page.get_by_role("button", name="Bevestig plaatsing").click()
        await expect(page.locator("#placed")).to_contain_text("Geplaatst: ELV hoog bij VVT-A")
        # (a function, not an assignment: Playwright would call an arrow function given as the expression)
        await page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")
        await page.get_by_role("button", name="Overdrachtsblad afdrukken").click()
        assert await page.evaluate("window.printed") == 1
        sheet = page.locator("#handover")
        await expect(sheet.locator("#ho-patient")).to_have_text("p-night-1")
        await expect(sheet.locator("#ho-urgency")).to_have_text("U2")
        await expect(sheet).to_contain_text("Kortademigheid")
        await expect(sheet).to_contain_text("ELV hoog")
        await expect(sheet.locator("#ho-place")).to_have_text("ELV hoog bij VVT-A")
        await expect(sheet.locator("#ho-address")).to_have_text("Zorgstraat 1, 6211 AB A-stad")
        await expect(sheet.locator("#ho-phone")).to_have_text("043-555 0100")
        on_paper = re.compile(r"^\d{1,2} [a-z]{3}\.? \d{4},? \d\d:\d\d$")  # with the day: "3 dec 2026, 13:52"
        await expect(sheet.locator("#ho-confirmed-at")).to_have_text(on_paper)
        await expect(sheet.locator("#ho-confirmed-by")).to_have_text("AGB-01234567 (triagist)")
        await expect(sheet).to_be_hidden()  # on screen: only on paper
        await screenshot(page, f"placed-{size}.png")
        await page.emulate_media(media="print")
        await expect(sheet).to_be_visible()
        await expect(page.locator("#app-view")).to_be_hidden()
        await screenshot(page, f"handover-print-{size}.png", full_page=True)
        await page.emulate_media(media="screen")

        # the open requests
        body = {"age": 80, "location": {"lat": 50.9, "lon": 5.72}, "complaint": "dyspnoe"}
        for ref in ("p-open-1", "p-open-2"):
            await service.post(
                "/api/v1/requests", body | {"patient_ref": ref, "answers": {"dys_copd_hartfalen": True}}, nurse
            )
        await page.get_by_role("button", name="Ververs", exact=True).click()
        await expect(page.locator("#req-body tr")).to_have_count(2)
        await page.locator("#requests").scroll_into_view_if_needed()
        await screenshot(page, f"requests-{size}.png")
        assert errors == []


async def test_filters_stay_put_across_a_reload_and_the_stream(service: Service, browser: Browser) -> None:
    nurse = await token(service.app, "triage")
    admin = await token(service.app, "admin")
    async with sized_page(browser, "1366x768") as (page, errors):
        await login(page, service.url, nurse)
        await page.get_by_label("Zorgsoort", exact=True).select_option("elv_hoog")
        await page.get_by_label("Soort aanbieder").select_option("vvt")
        rows = page.locator("#board-body tr[data-provider]")
        await expect(rows).to_have_count(2)
        await page.reload()
        await expect(page.locator("#conn")).to_have_attribute("data-state", "live")
        await expect(page.get_by_label("Zorgsoort", exact=True)).to_have_value("elv_hoog")
        await expect(page.get_by_label("Soort aanbieder")).to_have_value("vvt")
        await expect(rows).to_have_count(2)
        await service.post("/api/v1/capacity", report("vvt-a", "elv_hoog", 4, 5), admin)  # a stream update
        await service.post("/api/v1/capacity", report("zh-e", "seh", 1, 4), admin)
        await expect(board_row(page, "vvt-a", "elv_hoog").locator(".free")).to_have_text("4")
        await expect(page.get_by_label("Zorgsoort", exact=True)).to_have_value("elv_hoog")
        await expect(rows).to_have_count(2)
        assert errors == []


async def test_every_list_is_walked_with_the_arrow_keys(service: Service, browser: Browser) -> None:
    nurse = await token(service.app, "triage")
    admin = await token(service.app, "admin")
    await service.post(
        "/api/v1/capacity", {"updates": [report("vvt-a", "elv_hoog", 2, 5), report("vvt-c", "elv_hoog", 3, 10)]}, admin
    )
    body = {"age": 84, "location": {"lat": 50.85, "lon": 5.70}, "complaint": "dyspnoe"}
    for i in range(2):
        await service.post(
            "/api/v1/requests", body | {"patient_ref": f"p-k{i}", "answers": {"dys_copd_hartfalen": True}}, nurse
        )
    async with sized_page(browser, "1920x1080") as (page, errors):
        await login(page, service.url, nurse)
        focused = "() => document.activeElement?.dataset?.key || document.activeElement?.getAttribute('aria-label')"

        # the board: Tab enters it once (on its first row), the arrows walk the rows, Tab leaves it
        await page.get_by_label("Soort aanbieder").focus()
        await page.keyboard.press("Tab")  # the summary that folds the HAP group
        await page.keyboard.press("Tab")
        first = await page.evaluate(focused)
        assert first == "hap-b|hap_consult", first
        await page.keyboard.press("ArrowDown")
        assert await page.evaluate(focused) == "vvt-a|elv_hoog"
        await page.keyboard.press("ArrowDown")
        assert await page.evaluate(focused) == "vvt-c|elv_hoog"
        await page.keyboard.press("End")
        assert await page.evaluate(focused) == "zh-e|seh"
        await page.keyboard.press("Home")
        assert await page.evaluate(focused) == "hap-b|hap_consult"
        await page.keyboard.press("ArrowDown")
        # a stream update re-renders the board: the row keeps the focus
        await service.post("/api/v1/capacity", report("hap-b", "hap_consult", 2, 6), admin)
        await expect(board_row(page, "hap-b", "hap_consult").locator(".free")).to_have_text("2")
        assert await page.evaluate(focused) == "vvt-a|elv_hoog"
        await expect(board_row(page, "vvt-a", "elv_hoog")).to_be_focused()

        # the open requests: from one row's Open button to the next
        opens = page.locator("#req-body button", has_text="Open")
        await expect(opens).to_have_count(2)
        await opens.first.focus()
        await page.keyboard.press("ArrowDown")
        await expect(opens.nth(1)).to_be_focused()
        await page.keyboard.press("ArrowUp")
        await expect(opens.first).to_be_focused()

        # the batch optimisation's proposed assignments: from one Reserveer button to the next
        await page.get_by_role("button", name="Optimaliseer alle open aanvragen").click()
        assigned = page.locator("#optimize-table tbody tr button", has_text="Reserveer")
        await expect(assigned).to_have_count(2)
        await assigned.first.focus()
        await page.keyboard.press("ArrowDown")
        await expect(assigned.nth(1)).to_be_focused()

        # the proposals of a request: from one Reserveer button to the next
        await opens.first.focus()
        await page.keyboard.press("Enter")
        reserve = page.locator(".proposal button.reserve")
        await expect(reserve).to_have_count(2)
        await reserve.first.focus()
        await page.keyboard.press("ArrowDown")
        await expect(reserve.nth(1)).to_be_focused()
        assert errors == []
