"""The page speaks Dutch from the catalogue: labels, reasons and event descriptions, never raw ids; and it gives
the same urgency as the API for the same answers ("Kwetsbare oudere" on the page, flags.frail_elderly in the API).
A screenshot of the request and the trajectory lands in test-artifacts/dutch-labels.png."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from ..browser_helpers import new_page
from ..http_helpers import report, token
from .test_board import Service, browser, intake_u2_dyspnoe, login, screenshot, service

__all__ = ["browser", "service"]  # the fixtures, shared with the board's tests

DYSPNOE = ("dys_ademt_niet", "dys_geen_zinnen", "dys_pijn_borst", "dys_copd_hartfalen", "dys_koorts_oudere")
RAW_IDS = re.compile(r"\b(dys_\w+|frail_elderly|second_contact_24h|status: \w+|placement|elv_hoog|vvt-a)\b")


async def intake_all_no_frail(page: Page, patient_ref: str) -> None:
    """Dyspnoe with every question 'nee' (U4 by default) for a frail elderly patient of 84."""
    await page.get_by_label("Ingangsklacht").select_option("dyspnoe")
    for qid in (*DYSPNOE, "dys_toenemend"):
        question = page.locator(f'li[data-question="{qid}"]')
        await expect(question).to_be_visible()
        await question.get_by_label("Nee").check()
    await page.get_by_label("Leeftijd (jaren)").fill("84")
    await page.get_by_label("Patiëntreferentie (pseudoniem)").fill(patient_ref)
    await page.get_by_label("Coördinaten").check()
    await page.get_by_label("Breedtegraad (lat)").fill("50.85")
    await page.get_by_label("Lengtegraad (lon)").fill("5.70")
    await page.get_by_label("Kwetsbare oudere").check()
    await page.get_by_role("button", name="Triageer en zoek een plek").click()


@pytest.mark.browser
async def test_the_page_shows_dutch_labels_not_ids_and_the_api_agrees_on_urgency(
    service: Service, browser: Browser
) -> None:
    admin = await token(service.app, "admin")
    await service.post("/api/v1/capacity", report("vvt-a", "elv_hoog", 2, 5), admin)
    async with new_page(browser) as (page, errors):
        await login(page, service.url, admin)
        await intake_all_no_frail(page, "p-frail-page")
        await expect(page.locator("#req-urgency")).to_have_text("U3")
        view = page.locator("#request-view")
        await expect(view).to_contain_text("Kwetsbare oudere")
        await expect(view).to_contain_text("U4 → U3")
        api = await service.post(
            "/api/v1/requests",
            {
                "patient_ref": "p-frail-api",
                "age": 84,
                "location": {"lat": 50.85, "lon": 5.70},
                "complaint": "dyspnoe",
                "answers": {q: False for q in (*DYSPNOE, "dys_toenemend")},
                "flags": {"frail_elderly": True},
            },
            admin,
        )
        assert api["urgency"] == "U3"  # the same answers give the same urgency through the API

        await page.locator("#req-new").click()
        await intake_u2_dyspnoe(page, "p-dutch")
        await expect(view).to_contain_text("Toenemende benauwdheid")  # the question in words
        first = page.locator(".proposal").first
        await expect(first.locator(".reasons")).to_contain_text("plek")
        await first.get_by_role("button", name="Reserveer ELV hoog bij VVT-A").press("Enter")
        await expect(page.locator("#hold-confirm")).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(page.locator("#req-status")).to_have_text("geplaatst")

        await page.locator("#traj-ref").fill("p-dutch")
        await page.get_by_role("button", name="Toon traject").click()
        events = page.locator("#traj-view .events")
        await expect(events).to_contain_text("Plek gereserveerd")
        await expect(events).to_contain_text("geplaatst: ELV hoog bij VVT-A")
        await expect(events).to_contain_text("Triage")
        shown = await view.inner_text() + "\n" + await page.locator("#traj-view").inner_text()
        assert RAW_IDS.findall(shown) == [], shown
        await page.locator("#request-view").scroll_into_view_if_needed()
        await screenshot(page, "dutch-labels.png")
        assert errors == []
