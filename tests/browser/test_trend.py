"""The 24-hour trend on the triage board in headless Chromium: a line per care type, broken where nothing was fresh."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from capacity.clock import to_ms, utcnow
from capacity.store.interop import Sample
from coordinator.keys import CONNECTORS

from ..browser_helpers import new_page
from ..http_helpers import token
from .test_board import Service, browser, login, screenshot, service

__all__ = ["browser", "service"]  # the fixtures, used by name

HOUR = 3_600_000


@pytest.mark.browser
async def test_the_board_shows_a_24_hour_trend_with_gaps(service: Service, browser: Browser) -> None:
    start = (to_ms(utcnow()) // HOUR) * HOUR - 20 * HOUR
    history = service.app[CONNECTORS].stores.history
    # vvt-a's elv_hoog: fresh from 20 to 12 hours ago, nothing fresh for 4 hours, fresh again from 8 hours ago.
    await history.record(
        [
            (("vvt-a", "elv_hoog"), Sample(start, 1, 4, 0, 5, start + 8 * HOUR)),
            (("vvt-a", "elv_hoog"), Sample(start + 12 * HOUR, 2, 1, 0, 5, start + 30 * HOUR)),
        ]
    )
    async with new_page(browser) as (page, errors):
        await login(page, service.url, await token(service.app, "triage"))
        trend = page.locator('#board-body table[data-care-type="elv_hoog"] caption svg.ct-trend')
        await expect(trend).to_have_count(1)
        await expect(trend.locator("polyline")).to_have_count(2)  # two fresh stretches, a gap between
        await expect(trend).to_have_attribute("aria-label", re.compile(r"uur zonder actuele melding"))
        await screenshot(page, "board-trend.png")
        assert not errors, errors
