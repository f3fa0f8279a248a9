"""What the browser tests of issue 14 share: a region with addresses and phones, pages at a screen size, screenshots."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page, expect
from pytest_aiohttp import AiohttpClient, AiohttpServer

from capacity.model import CareType, Contact, ProviderOffer, Region
from coordinator.keys import ROUTING

from ..browser_helpers import ARTIFACTS
from ..http_helpers import auth, make_app
from ..regions import CARE_TYPES, tiny_region

__all__ = ["SIZES", "Service", "care_region", "login", "screenshot", "sized_page", "start"]

#: The screens the page must work on: a desk at 1920x1080 and 1366x768, a phone on the ward.
SIZES: dict[str, dict[str, Any]] = {
    "1920x1080": {"viewport": {"width": 1920, "height": 1080}},
    "1366x768": {"viewport": {"width": 1366, "height": 768}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}

ADMISSION = "admission_geriatrics"


def care_region() -> Region:
    """The tiny region with an address and a desk phone per provider, and admission beds beside zh-e's SEH."""
    base = tiny_region()
    providers = {}
    for i, (pid, p) in enumerate(base.providers.items()):
        offers = dict(p.offers)
        if pid == "zh-e":
            offers[ADMISSION] = ProviderOffer(ADMISSION, 6)
        providers[pid] = dataclasses.replace(
            p,
            offers=offers,
            address=f"Zorgstraat {i + 1}, 6211 AB {p.location.upper()}-stad",
            contact=Contact(f"043-555 01{i:02d}", "Coördinator", fictitious=True),
        )
    care_types = dict(CARE_TYPES) | {
        ADMISSION: CareType(ADMISSION, "Opname geriatrie", frozenset({"hospital"}), "bed", 3)
    }
    return dataclasses.replace(base, providers=providers, care_types=care_types)


@dataclasses.dataclass
class Service:
    """The running service: its app, an API client on the same server, and the page's URL."""

    app: web.Application
    client: TestClient[web.Request, None]
    url: str

    async def post(self, path: str, body: Any, tok: str) -> Any:
        resp = await self.client.post(path, json=body, headers=auth(tok))
        assert resp.status in (200, 201), await resp.text()
        return await resp.json()

    async def get(self, path: str, tok: str, **params: str) -> Any:
        resp = await self.client.get(path, params=params, headers=auth(tok))
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def start(aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, store_url: str) -> Service:
    """The real app on a free 127.0.0.1 port, once its travel matrix is built."""
    app = make_app(store_url, care_region())
    server = await aiohttp_server(app, host="127.0.0.1")
    await asyncio.wait_for(app[ROUTING].ready.wait(), 10)
    client: TestClient[web.Request, None] = await aiohttp_client(server)
    return Service(app, client, str(server.make_url("/")))


@asynccontextmanager
async def sized_page(browser: Browser, size: str) -> AsyncIterator[tuple[Page, list[str]]]:
    """A fresh page at one of SIZES, in Dutch and Amsterdam time, and the script errors it raised."""
    context = await browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam", **SIZES[size])
    page = await context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on(
        "console",
        lambda msg: (
            errors.append(f"console: {msg.text}") if msg.type == "error" and "Content Security" in msg.text else None
        ),
    )
    try:
        yield page, errors
    finally:
        await context.close()


async def login(page: Page, url: str, tok: str) -> None:
    """Log in by hand and wait for the live board."""
    await page.goto(url)
    await page.get_by_label("Bearer-token").fill(tok)
    await page.get_by_role("button", name="Inloggen").click()
    await expect(page.locator("#conn")).to_have_attribute("data-state", "live")


async def screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    """A screenshot in test-artifacts/ (the viewport, as the person sees it, unless ``full_page``)."""
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)
