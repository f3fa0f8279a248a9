"""The receiving provider's "Mijn patiënten" in headless Chromium: one action per report, desktop and phone.

The real app on a free port; placements are made through the API as the triage staff would, and the
provider reports through the page. Screenshots land in test-artifacts/ (receiving-desktop.png,
receiving-phone.png, receiving-nurse.png).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect
from pytest_aiohttp import AiohttpClient, AiohttpServer

from ..browser_helpers import ARTIFACTS, chromium, new_page
from ..http_helpers import auth, report, token
from .test_board import Service, login, screenshot, start_service

AT_B = {"lat": 50.90, "lon": 5.72}
U2 = {
    "complaint": "dyspnoe",
    "answers": {"dys_ademt_niet": False, "dys_geen_zinnen": False, "dys_pijn_borst": False, "dys_copd_hartfalen": True},
}


@pytest.fixture
async def service(aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, tmp_path: Path) -> Service:
    return await start_service(aiohttp_server, aiohttp_client, f"sqlite:///{tmp_path}/zcc.db", arrival_alert_minutes=0)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as b:
        yield b


async def place(service: Service, nurse: str, ref: str) -> str:
    req = await service.post("/api/v1/requests", {"patient_ref": ref, "age": 86, "location": AT_B, **U2}, nurse)
    rid: str = req["id"]
    await service.post(f"/api/v1/requests/{rid}/reserve", {"provider_id": "vvt-a", "care_type": "elv_hoog"}, nurse)
    await service.post(f"/api/v1/requests/{rid}/confirm", None, nurse)
    return rid


async def free_units(service: Service, admin: str) -> int:
    resp = await service.client.get(
        "/api/v1/capacity", params={"provider": "vvt-a", "care_type": "elv_hoog"}, headers=auth(admin)
    )
    return int((await resp.json())["entries"][0]["available"])


@pytest.mark.browser
async def test_the_receiving_provider_reports_arrival_outcome_discharge_and_a_refusal_with_one_action_each(
    service: Service, browser: Browser
) -> None:
    admin, nurse = await token(service.app, "admin"), await token(service.app, "triage")
    vvt_a = await token(service.app, "provider", "vvt-a")
    await service.post("/api/v1/capacity", {"updates": [report("vvt-a", "elv_hoog", 3, 5)]}, admin)
    first = await place(service, nurse, "p-0001")
    second = await place(service, nurse, "p-0002")
    assert await free_units(service, admin) == 1

    async with new_page(browser) as (page, errors):
        await login(page, service.url, vvt_a)
        panel = page.locator("#receiving")
        await expect(panel).to_be_visible()
        await expect(panel.locator(".receiving-incoming h3")).to_have_text("Onderweg naar u (2)")
        one = page.locator(f'#receiving li.patient-card[data-request="{first}"]')
        await expect(one).to_contain_text("p-0001")
        await expect(one).not_to_contain_text("86")  # no more of the record than the provider needs (no age)
        await screenshot(page, "receiving-desktop.png")

        await one.get_by_role("button", name="Aangekomen").click()
        await expect(panel.locator(".receiving-current h3")).to_have_text("Aanwezig (1)")
        one = page.locator(f'#receiving li.patient-card[data-request="{first}"]')
        await expect(one).to_have_attribute("data-stage", "arrived")
        await one.get_by_role("button", name="Opgenomen").click()
        one = page.locator(f'#receiving li.patient-card[data-request="{first}"]')
        await expect(one).to_have_attribute("data-stage", "admitted")
        await one.get_by_label("Bestemming na ontslag").select_option("home_with_district_nursing")
        await expect(one.get_by_label("Vrije plekken na ontslag (leeg: één erbij)")).to_have_value("")
        await one.get_by_role("button", name="Ontslag").click()
        await expect(panel.locator(".receiving-ended")).to_contain_text("ontslagen")
        assert await free_units(service, admin) == 2  # the discharge gave the unit back

        two = page.locator(f'#receiving li.patient-card[data-request="{second}"]')
        await two.get_by_label("Reden van weigeren").select_option("care_need_too_high")
        await two.get_by_label("Toelichting (optioneel)").fill("zuurstof nodig")
        await two.get_by_role("button", name="Weiger aan de deur").click()
        await expect(panel.locator(".receiving-ended")).to_contain_text("geweigerd aan de deur")
        assert await free_units(service, admin) == 3
        await expect(page.locator("#rcv-status")).to_contain_text("Vastgelegd")
        await screenshot(page, "receiving-desktop-after.png")

        # a phone: the same panel, actions stacked full width
        await page.set_viewport_size({"width": 390, "height": 844})
        third = await place(service, nurse, "p-0003")
        await page.locator("#rcv-refresh").click()
        three = page.locator(f'#receiving li.patient-card[data-request="{third}"]')
        button = three.get_by_role("button", name="Aangekomen")
        await expect(button).to_be_visible()
        box = await button.bounding_box()
        assert box is not None and box["width"] > 250 and box["height"] >= 40  # thumb-sized, across the card
        await page.locator("#receiving").screenshot(path=str(ARTIFACTS / "receiving-phone.png"))
        await button.click()
        await expect(page.locator(f'#receiving li.patient-card[data-request="{third}"]')).to_have_attribute(
            "data-stage", "arrived"
        )
        assert errors == []

    # the triage staff see the refused request open again with the refusal, and who has not arrived
    await place(service, nurse, "p-0004")
    async with new_page(browser) as (page, errors):
        await login(page, service.url, nurse)
        row = page.locator(f'#req-body tr[data-request="{second}"]')
        await expect(row).to_contain_text("Geweigerd door")
        await expect(row).to_contain_text("zorgvraag te zwaar voor deze plek (zuurstof nodig)")
        await expect(page.locator("#arrival-alerts")).to_contain_text("Niet aangekomen? (1)")
        await expect(page.locator("#arrival-alerts")).to_contain_text("p-0004")
        await page.locator("#requests").screenshot(path=str(ARTIFACTS / "receiving-nurse.png"))
        # the coordinator's region figures: four placements at VVT-A (ELV hoog), one refused at the door
        figures = page.locator("#region-figures")
        await expect(figures).to_be_visible()
        row = figures.locator("tbody tr").first
        await expect(row.locator("th")).to_have_text("VVT")
        await expect(row.locator("td").nth(1)).to_have_text("4")
        await expect(row.locator("td").nth(4)).to_have_text("1")
        await figures.screenshot(path=str(ARTIFACTS / "region-figures.png"))
        assert errors == []
