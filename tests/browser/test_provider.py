"""Capacity by hand in headless Chromium: a nursing home posts, confirms and stops its own care types.

The real page against the real service, on a desk screen and a phone. Every flow is counted in the
person's actions (a tap, a key press that commits): posting changed numbers, confirming them unchanged
and stopping a care type each take at most three. The keyboard-only run never touches the mouse.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect
from pytest_aiohttp import AiohttpClient, AiohttpServer

from capacity.clock import utcnow

from ..browser_helpers import chromium
from ..http_helpers import report, token
from .pages import Service, login, screenshot, sized_page, start

pytestmark = pytest.mark.browser


@pytest.fixture
async def service(aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, tmp_path: Path) -> Service:
    return await start(aiohttp_server, aiohttp_client, f"sqlite:///{tmp_path}/zcc.db")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as b:
        yield b


async def entry(service: Service, tok: str, care_type: str) -> dict[str, object]:
    body = await service.get("/api/v1/capacity", tok, provider="vvt-a", care_type=care_type)
    found: dict[str, object] = body["entries"][0]
    return found


def when(value: object) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def care(page: Page, care_type: str):  # type: ignore[no-untyped-def]
    return page.locator(f'#provider fieldset.pc-type[data-care-type="{care_type}"]')


@pytest.mark.parametrize("size", ["1920x1080", "1366x768", "phone"])
async def test_a_nursing_home_posts_confirms_and_stops_by_hand(service: Service, browser: Browser, size: str) -> None:
    home = await token(service.app, "provider", "vvt-a")
    earlier = utcnow() - timedelta(minutes=25)
    await service.post("/api/v1/capacity", report("vvt-a", "elv_hoog", 2, 5, at=earlier), home)
    async with sized_page(browser, size) as (page, errors):
        await login(page, service.url, home)
        # its own form, not the intake (a provider may not triage)
        await expect(page.get_by_role("heading", name="Capaciteit doorgeven")).to_be_visible()
        await expect(page.locator("#intake")).to_be_hidden()
        await expect(page.locator("#provider form.pc-form")).to_have_count(1)
        hoog, laag = care(page, "elv_hoog"), care(page, "elv_laag")
        free = hoog.get_by_label("Vrij", exact=True)
        await expect(free).to_have_value("2")  # today's numbers, prefilled
        await expect(hoog.get_by_label("Totaal in gebruik", exact=True)).to_have_value("5")
        await expect(laag.locator(".pc-last")).to_have_text("Nog nooit doorgegeven")
        await screenshot(page, f"provider-{size}.png")

        # 1. nothing changed: one action, the same numbers with a fresh reported_at
        await page.get_by_role("button", name="Klopt nog").click()
        await expect(page.locator('#provider [data-role="status"]')).to_contain_text("de aantallen kloppen nog")
        again = await entry(service, home, "elv_hoog")
        assert (again["available"], again["total"]) == (2, 5)
        assert when(again["reported_at"]) > earlier + timedelta(minutes=20)
        assert (await entry(service, home, "elv_laag"))["reported_at"] is None  # never reported: nothing to confirm

        # 2. one more free bed: + and Verstuur, two actions
        await hoog.get_by_role("button", name="Eén meer vrij: ELV hoog").click()
        await page.get_by_role("button", name="Verstuur").click()
        await expect(page.locator('#provider [data-role="status"]')).to_contain_text("Doorgegeven om")
        got = await entry(service, home, "elv_hoog")
        assert (got["available"], got["total"]) == (3, 5)
        await expect(hoog.locator(".pc-last")).to_contain_text("3 van 5 vrij")
        assert (await entry(service, home, "elv_laag"))["reported_at"] is None  # untouched: not posted

        # 3. stop ELV hoog: open, reason, stop, three actions; ELV laag stays offered
        await hoog.get_by_text("Stop melden voor ELV hoog").click()
        await hoog.get_by_text("Personeelstekort").click()
        await hoog.get_by_role("button", name="Zet stop op ELV hoog").click()
        await expect(hoog.locator(".stop-line")).to_contain_text("Stop Personeelstekort · verwacht tot")
        providers = await service.get("/api/v1/providers", home)
        vvt_a = next(p for p in providers["providers"] if p["id"] == "vvt-a")
        stop = vvt_a["care_types"]["elv_hoog"]["stop"]
        assert stop["reason"] == "Personeelstekort" and stop["care_type"] == "elv_hoog"
        assert timedelta(hours=3, minutes=55) < when(stop["until"]) - utcnow() <= timedelta(hours=4)
        assert vvt_a["care_types"]["elv_laag"]["stop"] is None and vvt_a["stop"] is None
        row = page.locator('#board-body tr[data-provider="vvt-a"][data-care-type="elv_hoog"]')
        await expect(row.locator(".status")).to_contain_text("Stop Personeelstekort")
        await expect(row.locator(".status")).to_contain_text("alleen ELV hoog")
        await hoog.scroll_into_view_if_needed()
        await screenshot(page, f"provider-stop-{size}.png")

        # and open it again: one action
        await hoog.get_by_role("button", name="Heropen ELV hoog").click()
        await expect(hoog.get_by_text("Stop melden voor ELV hoog")).to_be_visible()
        await expect(row.locator(".status")).to_have_text("open")
        assert errors == []


async def test_errors_stand_in_dutch_beside_the_field(service: Service, browser: Browser) -> None:
    home = await token(service.app, "provider", "vvt-a")
    await service.post("/api/v1/capacity", report("vvt-a", "elv_hoog", 2, 5), home)
    async with sized_page(browser, "phone") as (page, errors):
        await login(page, service.url, home)
        hoog = care(page, "elv_hoog")
        free = hoog.get_by_label("Vrij", exact=True)
        await free.fill("9")  # more free than in use: caught in the page, nothing is posted
        await page.get_by_role("button", name="Verstuur").click()
        await expect(hoog.locator("#pc-vvt-a-elv_hoog-available-err")).to_have_text(
            "Vrij kan niet meer zijn dan het totaal."
        )
        await expect(free).to_have_attribute("aria-invalid", "true")
        await expect(free).to_be_focused()
        await expect(page.locator('#provider [data-role="error"]')).to_have_text("Controleer de gemarkeerde velden.")
        await expect(page.get_by_role("button", name="Klopt nog")).to_be_disabled()  # numbers changed: Verstuur
        await free.fill("")
        await page.get_by_role("button", name="Verstuur").click()
        await expect(hoog.locator("#pc-vvt-a-elv_hoog-available-err")).to_have_text(
            "Geef een heel getal van 0 of meer."
        )
        assert (await entry(service, home, "elv_hoog"))["available"] == 2

        # a refusal the page cannot foresee: the API's field (updates[0].total) is put beside that input
        async def refuse(route) -> None:  # type: ignore[no-untyped-def]
            await route.fulfill(
                status=422,
                content_type="application/problem+json",
                body='{"type": "about:blank", "title": "Invalid input", "status": 422, '
                '"detail": "totaal lager dan het aantal gereserveerde plekken", "field": "updates[0].total"}',
            )

        await page.route("**/api/v1/capacity", refuse)
        await free.fill("1")
        await page.get_by_role("button", name="Verstuur").click()
        total_err = hoog.locator("#pc-vvt-a-elv_hoog-total-err")
        await expect(total_err).to_have_text("Niet geaccepteerd: totaal lager dan het aantal gereserveerde plekken")
        await expect(hoog.get_by_label("Totaal in gebruik", exact=True)).to_be_focused()
        await page.unroute("**/api/v1/capacity")

        # a stop without a reason is refused beside the reason
        await hoog.get_by_text("Stop melden voor ELV hoog").click()
        await hoog.get_by_role("button", name="Zet stop op ELV hoog").click()
        await expect(hoog.locator("#pc-vvt-a-elv_hoog-stop-err")).to_have_text(
            "Kies een reden, of vul bij ‘Anders’ een toelichting in."
        )
        await hoog.get_by_text("Anders", exact=True).click()
        await hoog.get_by_role("button", name="Zet stop op ELV hoog").click()
        await expect(hoog.get_by_label("Toelichting")).to_be_focused()
        await hoog.scroll_into_view_if_needed()
        await screenshot(page, "provider-errors-phone.png")
        assert errors == []


async def test_the_whole_flow_works_with_the_keyboard_alone(service: Service, browser: Browser) -> None:
    home = await token(service.app, "provider", "vvt-a")
    await service.post("/api/v1/capacity", report("vvt-a", "elv_hoog", 2, 5), home)
    async with sized_page(browser, "1366x768") as (page, errors):
        await page.goto(service.url)
        await page.get_by_label("Bearer-token").focus()
        await page.keyboard.type(home)
        await page.keyboard.press("Enter")
        await expect(page.locator("#conn")).to_have_attribute("data-state", "live")
        hoog = care(page, "elv_hoog")
        await expect(hoog.get_by_label("Vrij", exact=True)).to_have_value("2")

        async def tab_to(name: str, limit: int = 40) -> None:
            for _ in range(limit):
                await page.keyboard.press("Tab")
                label = await page.evaluate(
                    "() => { const el = document.activeElement; return (el.getAttribute('aria-label') || "
                    "(el.labels && el.labels[0] ? el.labels[0].textContent : '') || el.textContent || '').trim() }"
                )
                if label == name:
                    return
            raise AssertionError(f"Tab never reached {name!r}")

        # Tab from the top of the page to the + of ELV hoog; Space twice, Enter in the field posts
        await tab_to("Eén meer vrij: ELV hoog")
        await page.keyboard.press("Space")
        await page.keyboard.press("Shift+Tab")  # the number field itself
        await page.keyboard.press("ArrowUp")
        await page.keyboard.press("Enter")
        await expect(page.locator('#provider [data-role="status"]')).to_contain_text("Doorgegeven om")
        assert (await entry(service, home, "elv_hoog"))["available"] == 4

        # a stop: the disclosure, a reason (arrow keys move through the radios), the button
        await tab_to("Stop melden voor ELV hoog")
        await page.keyboard.press("Enter")
        await page.keyboard.press("Tab")
        await page.keyboard.press("Space")  # the first reason: Vol
        await tab_to("Zet stop op ELV hoog")
        await page.keyboard.press("Enter")
        await expect(hoog.locator(".stop-line")).to_contain_text("Stop Vol")
        await expect(
            page.locator('#board-body tr[data-provider="vvt-a"][data-care-type="elv_hoog"] .status')
        ).to_contain_text(re.compile("Stop Vol"))
        await tab_to("Heropen ELV hoog")
        await page.keyboard.press("Enter")
        await expect(hoog.get_by_text("Stop melden voor ELV hoog")).to_be_visible()
        assert errors == []
