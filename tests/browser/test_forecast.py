"""The forecast on the triage board in headless Chromium: a line per care type, from the real service."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from ..browser_helpers import new_page
from ..http_helpers import report, token
from .test_board import Service, browser, login, screenshot, service

__all__ = ["browser", "service"]  # the fixtures, used by name


@pytest.mark.browser
async def test_the_board_shows_the_chance_of_full_per_care_type(service: Service, browser: Browser) -> None:
    admin = await token(service.app, "admin")
    # elv_hoog: no bed free anywhere (and beds free up only by day); seh: all four places free.
    bodies = [report("vvt-a", "elv_hoog", 0, 5), report("vvt-c", "elv_hoog", 0, 10), report("zh-e", "seh", 4, 4)]
    await service.post("/api/v1/capacity", {"updates": bodies}, admin)
    async with new_page(browser) as (page, errors):
        await login(page, service.url, await token(service.app, "ops"))
        elv = page.locator('#board-body table[data-care-type="elv_hoog"] caption .ct-forecast')
        seh = page.locator('#board-body table[data-care-type="seh"] caption .ct-forecast')
        await expect(elv).to_have_text(re.compile(r"^kans vol (om \d\d:00: \d+ %|komende 8 uur: < 1 %)$"))
        await expect(seh).to_have_text(re.compile(r"^kans vol (om \d\d:00: \d+ %|komende 8 uur: < 1 %)$"))
        # Full now (and a bed frees up only by day, seen at the provider's next report): a high chance.
        match = re.search(r"(\d+) %$", await elv.text_content() or "")
        assert match is not None and int(match.group(1)) >= 50
        await expect(elv).to_have_class(re.compile("ct-forecast-high"))
        await expect(elv).to_have_attribute("title", re.compile("standaard vraagmodel"))
        # The line survives the board re-rendering its tables (a filter change).
        await page.get_by_label("Zorgsoort", exact=True).select_option("elv_hoog")
        await expect(elv).to_have_text(re.compile(r"kans vol"))
        await screenshot(page, "board-forecast.png")
        assert not errors, errors


@pytest.mark.browser
async def test_a_provider_token_sees_the_board_without_a_forecast(service: Service, browser: Browser) -> None:
    admin = await token(service.app, "admin")
    await service.post("/api/v1/capacity", {"updates": [report("zh-e", "seh", 4, 4)]}, admin)
    async with new_page(browser) as (page, _errors):
        await login(page, service.url, await token(service.app, "provider", "zh-e"))
        await expect(page.locator('#board-body table[data-care-type="seh"]')).to_be_visible()
        await expect(page.locator(".ct-forecast")).to_have_count(0)
