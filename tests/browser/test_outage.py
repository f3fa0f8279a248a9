"""The triage board with the store stopped: the 112 advice and the triage still shown, marked "niet vastgelegd",
reservations held back, and each triage recorded once, with its own key, when the store is back.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect
from pytest_aiohttp import AiohttpClient, AiohttpServer

from capacity.store import open_stores

from ..browser_helpers import chromium, new_page
from ..http_helpers import REAL_DEADLINES, report, token
from ..redis_server import RedisServer
from .test_board import intake_u2_dyspnoe, login, screenshot, start_service

expect.set_options(timeout=10_000)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as b:
        yield b


async def intake_u1_chest_pain(page: Page, patient_ref: str) -> float:
    """Chest pain with the first question 'nee' and pob_acs_nu 'ja' (U1); seconds from submit to the 112 banner."""
    await page.get_by_label("Ingangsklacht").select_option("pijn_op_de_borst")
    await page.locator('li[data-question="pob_ademt_niet"]').get_by_label("Nee").check()
    await page.locator('li[data-question="pob_acs_nu"]').get_by_label("Ja").check()
    await page.get_by_label("Leeftijd (jaren)").fill("58")
    await page.get_by_label("Patiëntreferentie (pseudoniem)").fill(patient_ref)
    await page.get_by_label("Coördinaten").check()
    await page.get_by_label("Breedtegraad (lat)").fill("50.85")
    await page.get_by_label("Lengtegraad (lon)").fill("5.70")
    t0 = time.monotonic()
    await page.get_by_role("button", name="Triageer en zoek een plek").click()
    await expect(page.locator("#banner-112")).to_be_visible()
    return time.monotonic() - t0


@pytest.mark.browser
async def test_with_the_store_stopped_the_page_shows_the_112_advice_unrecorded_and_records_it_once_later(
    aiohttp_server: AiohttpServer,
    aiohttp_client: AiohttpClient,
    redis_url: str,
    redis_server: RedisServer,
    browser: Browser,
) -> None:
    service = await start_service(aiohttp_server, aiohttp_client, redis_url, redis_socket_timeout=0.3, **REAL_DEADLINES)
    nurse, admin = await token(service.app, "triage"), await token(service.app, "admin")
    await service.post("/api/v1/capacity", report("vvt-a", "elv_hoog", 3, 5), admin)
    async with new_page(browser) as (page, errors):
        await login(page, service.url, nurse)
        conn = page.locator("#conn")
        redis_server.stop()
        try:
            await expect(conn).to_have_attribute("data-state", "degraded", timeout=15_000)
            took = await intake_u1_chest_pain(page, "p-borst")
            print(f"\nthe page showed 'Bel 112' {1000 * took:.0f} ms after the click, with the store stopped")
            await expect(page.locator("#req-urgency")).to_have_text("U1")
            notice = page.locator("#unrecorded")
            await expect(notice).to_contain_text("Niet vastgelegd")
            await expect(page.locator("#req-record")).to_be_disabled()
            await expect(page.locator("#req-record-hint")).to_have_text("Kan zodra de opslag terug is.")
            row = page.locator('#req-body tr.unrecorded-row:has-text("p-borst")')
            await expect(row.locator(".tag-unrecorded")).to_have_text("niet vastgelegd")
            await expect(row.get_by_role("button", name="Leg de aanvraag van p-borst nu vast")).to_be_disabled()

            # A U2: its proposals from the board in memory, marked degraded, and no reservation until recorded.
            await page.get_by_role("button", name="Nieuwe intake").click()
            await intake_u2_dyspnoe(page, "p-adem")
            await expect(page.locator("#unrecorded")).to_contain_text("Niet vastgelegd")
            await expect(page.locator("#degraded-reasons")).to_contain_text("zorgplan kon niet worden gelezen")
            await expect(page.locator("#proposals-degraded")).to_contain_text("gedegradeerd")
            reserve = page.get_by_role("button", name="Reserveer ELV hoog bij VVT-A")
            await expect(reserve).to_be_disabled()
            await expect(page.locator("#req-body tr.unrecorded-row")).to_have_count(2)
            await screenshot(page, "outage-unrecorded.png")
        finally:
            redis_server.start()

        await expect(conn).to_have_attribute("data-state", "live", timeout=20_000)
        # Offered once the store is back: the U1 from the list, the U2 from its panel.
        record_u1 = page.get_by_role("button", name="Leg de aanvraag van p-borst nu vast")
        await expect(record_u1).to_be_enabled()
        await record_u1.click()
        await expect(page.locator('#req-body tr.unrecorded-row:has-text("p-borst")')).to_have_count(0)
        await page.locator("#req-record").click()
        await expect(page.locator("#request-status")).to_have_text("Vastgelegd: de aanvraag staat nu in zcc.")
        await expect(page.locator("#unrecorded")).to_have_count(0)
        await expect(reserve).to_be_enabled()
        await expect(page.locator('#req-body tr:has-text("p-adem")')).to_have_count(1)
        await expect(page.locator("#req-body tr.unrecorded-row")).to_have_count(0)
        assert await page.evaluate("sessionStorage.getItem('zcc.unrecorded')") is None
        await reserve.click()
        await expect(page.locator("#hold")).to_contain_text("Gereserveerd")
        await screenshot(page, "outage-recorded.png")
        assert errors == []

    stores = open_stores(redis_url, "tiny")
    await stores.backend.open()
    try:
        bodies = [d.body for d in await stores.records.list_requests(open_only=False)]
    finally:
        await stores.backend.close()
    for ref in ("p-borst", "p-adem"):
        assert sum(1 for b in bodies if f'"patient_ref":"{ref}"' in b) == 1, ref
