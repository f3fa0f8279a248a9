"""The triage board in headless Chromium, driving the real page against the real service.

Each test starts the real app (tests/http_helpers.make_app) on a free port of 127.0.0.1; the page is
served by that server and talks to it, and the tests change the world through the same API a provider
or a colleague would use. Screenshots of the board and the intake land in test-artifacts/.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Locator, Page, expect
from pytest_aiohttp import AiohttpClient, AiohttpServer

from capacity.clock import utcnow
from coordinator.keys import CAPACITY, ROUTING, STORES

from ..browser_helpers import ARTIFACTS, chromium, new_page
from ..http_helpers import REAL_DEADLINES, auth, iso, make_app, report, token
from ..redis_server import RedisServer
from ..regions import tiny_region

expect.set_options(timeout=10_000)


@dataclass
class Service:
    """The running service: its app, an API client on the same server, and the page's URL."""

    app: web.Application
    client: TestClient[web.Request, None]
    url: str

    async def post(self, path: str, body: Any, tok: str) -> Any:
        resp = await self.client.post(path, json=body, headers=auth(tok))
        assert resp.status in (200, 201), await resp.text()
        return await resp.json()


async def start_service(
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, store_url: str, **settings: Any
) -> Service:
    app = make_app(store_url, tiny_region(), **settings)
    server = await aiohttp_server(app, host="127.0.0.1")
    await asyncio.wait_for(app[ROUTING].ready.wait(), 10)
    client: TestClient[web.Request, None] = await aiohttp_client(server)
    return Service(app, client, str(server.make_url("/")))


@pytest.fixture
async def service(aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, tmp_path: Path) -> Service:
    return await start_service(aiohttp_server, aiohttp_client, f"sqlite:///{tmp_path}/zcc.db")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as b:
        yield b


async def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / name), full_page=True)


async def login(page: Page, url: str, tok: str) -> None:
    await page.goto(url)
    await page.get_by_label("Bearer-token").fill(tok)
    await page.get_by_role("button", name="Inloggen").click()
    await expect(page.locator("#conn")).to_have_attribute("data-state", "live")


def board_row(page: Page, provider: str, care_type: str) -> Locator:
    return page.locator(f'#board-body tr[data-provider="{provider}"][data-care-type="{care_type}"]')


async def intake_u2_dyspnoe(page: Page, patient_ref: str) -> None:
    """Dyspnoe, the first three questions 'nee' and COPD/hartfalen 'ja', age 84 at lat 50.85 lon 5.70: U2."""
    await page.get_by_label("Ingangsklacht").select_option("dyspnoe")
    for qid in ("dys_ademt_niet", "dys_geen_zinnen", "dys_pijn_borst"):
        question = page.locator(f'li[data-question="{qid}"]')
        await expect(question).to_be_visible()
        # keyboard only: focus the radio and press Space, as a triagist without a mouse would
        await question.get_by_label("Nee").focus()
        await page.keyboard.press("Space")
    decisive = page.locator('li[data-question="dys_copd_hartfalen"]')
    await expect(decisive).to_be_visible()
    await expect(page.locator('li[data-question="dys_koorts_oudere"]')).to_be_hidden()
    await decisive.get_by_label("Ja").focus()
    await page.keyboard.press("Space")
    await expect(page.locator("#in-question-note")).to_contain_text("beslist")
    await page.get_by_label("Leeftijd (jaren)").fill("84")
    await page.get_by_label("Patiëntreferentie (pseudoniem)").fill(patient_ref)
    await page.get_by_label("Coördinaten").check()
    await page.get_by_label("Breedtegraad (lat)").fill("50.85")
    await page.get_by_label("Lengtegraad (lon)").fill("5.70")
    await page.get_by_label("Kwetsbare oudere").check()
    await page.get_by_role("button", name="Triageer en zoek een plek").press("Enter")
    await expect(page.locator("#req-urgency")).to_have_text("U2")


@pytest.mark.browser
async def test_login_shows_the_board_and_it_changes_live_without_a_reload(service: Service, browser: Browser) -> None:
    nurse = await token(service.app, "triage")
    prov = await token(service.app, "provider", "vvt-a")
    admin = await token(service.app, "admin")
    await service.post(
        "/api/v1/capacity", {"updates": [report("zh-e", "seh", 2, 4), report("vvt-c", "elv_hoog", 0, 10)]}, admin
    )
    async with new_page(browser) as (page, errors):
        await login(page, service.url, nurse)
        # the token is kept in this tab's sessionStorage, never in the URL
        assert nurse not in page.url
        assert await page.evaluate("sessionStorage.getItem('zcc.token')") == nurse
        row = board_row(page, "vvt-a", "elv_hoog")
        await expect(row.locator(".status")).to_have_text("verouderd")  # never reported: unknown, greyed
        await expect(row).to_have_class(re.compile(r"\bis-stale\b"))
        await expect(board_row(page, "zh-e", "seh").locator(".free")).to_have_text("2")
        await expect(board_row(page, "vvt-c", "elv_hoog").locator(".status")).to_have_text("vol")

        await page.evaluate("window.sameDocument = true")
        await service.post("/api/v1/capacity", report("vvt-a", "elv_hoog", 3, 5), prov)
        await expect(row.locator(".free")).to_have_text("3")
        await expect(row.locator(".total")).to_have_text("5")
        await expect(row.locator(".status")).to_have_text("open")
        await expect(row.locator(".age")).to_have_text("zojuist")
        await expect(page.locator('table[data-care-type="elv_hoog"] .ct-sum')).to_have_text(re.compile(r"^\s*3 vrij$"))
        assert await page.evaluate("window.sameDocument") is True, "the page was reloaded"

        # a stop shows in red with its reason and expected end
        until = utcnow() + timedelta(hours=3)
        await service.post(
            "/api/v1/providers/vvt-a/status",
            {"status": "stop", "reason": "norovirus-uitbraak", "until": iso(until)},
            prov,
        )
        await expect(row.locator(".status")).to_contain_text("Stop norovirus-uitbraak")
        await expect(row.locator(".status")).to_contain_text("verwacht tot")
        await expect(row).to_have_class(re.compile(r"\bst-stop\b"))
        await expect(row.locator(".free")).to_have_text("0")
        await expect(page.locator('table[data-care-type="elv_hoog"] .ct-sum')).to_have_text(re.compile(r"^\s*0 vrij$"))
        await expect(page.locator("tr.flash")).to_have_count(0)  # the change highlight has faded
        await screenshot(page, "board.png")

        # the map: markers coloured for the chosen care type, focusable, Enter shows the entries
        await page.get_by_label("Zorgsoort", exact=True).select_option("seh")
        await expect(page.locator("#board-body tr[data-provider]")).to_have_count(1)
        await expect(page.locator('.marker[data-provider="zh-e"]')).to_have_class(re.compile(r"\bst-free\b"))
        await expect(page.locator('.marker[data-provider="vvt-a"]')).to_have_class(re.compile(r"\bst-none\b"))
        await page.locator('.marker[data-provider="zh-e"]').focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#map-detail h3")).to_have_text("ZH-E")
        await expect(page.locator('#map-detail tr[data-care-type="seh"]')).to_contain_text("SEH")
        await page.get_by_label("Soort aanbieder").select_option("vvt")
        await expect(page.locator("#board-body")).to_contain_text("Geen capaciteit bij deze filters")
        assert errors == []


_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  let visible = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  if (el.classList.contains("marker") && el.querySelector(".ring")) {  // the SVG map's marker: its ring
    visible = getComputedStyle(el.querySelector(".ring")).stroke !== "none"
      && getComputedStyle(el.querySelector(".ring")).stroke !== "transparent"
      && getComputedStyle(el.querySelector(".ring")).stroke !== "rgba(0, 0, 0, 0)";
  }
  const labelled = el.getAttribute("aria-label") || (el.labels && el.labels.length ? el.labels[0].textContent : "")
    || el.textContent;
  return {key: el.id || el.dataset.provider || labelled.trim().slice(0, 40), tag: el.tagName,
          name: (labelled || "").trim(), visible};
}"""


@pytest.mark.browser
async def test_keyboard_reaches_every_control_in_order_with_a_visible_focus(service: Service, browser: Browser) -> None:
    nurse = await token(service.app, "triage")
    async with new_page(browser) as (page, errors):
        await login(page, service.url, nurse)
        await expect(page.locator("#main")).to_be_focused()  # after logging in, focus goes to the work
        # a reload logs in again from sessionStorage; Tab then starts at the top of the page
        await page.reload()
        await expect(page.locator("#conn")).to_have_attribute("data-state", "live")
        await expect(page.locator(".marker")).to_have_count(4)
        stops: list[dict[str, Any]] = []
        for _ in range(80):
            await page.keyboard.press("Tab")
            focused = await page.evaluate(_FOCUSED)
            if focused is None or (stops and focused["key"] == stops[0]["key"]):
                break
            stops.append(focused)
        keys = [s["key"] for s in stops]
        assert keys[0] == "Direct naar de inhoud", keys
        for control in ("in-complaint", "in-age", "in-ref", "in-submit", "req-optimize", "traj-ref", "f-care", "zh-e"):
            assert control in keys, (control, keys)
        assert keys.index("in-complaint") < keys.index("in-age") < keys.index("in-submit") < keys.index("f-care")
        assert [s for s in stops if not s["name"]] == [], "a control without a name"
        assert [s["key"] for s in stops if not s["visible"]] == [], "a control without a visible focus"
        # Enter on the skip link moves focus to the content
        await page.locator(".skip-link").focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#main")).to_be_focused()

        # U1 (cannot speak in full sentences): an unmissable "Bel 112", and nothing to place
        await page.get_by_label("Ingangsklacht").select_option("dyspnoe")
        await page.locator('li[data-question="dys_ademt_niet"]').get_by_label("Nee").check()
        await page.locator('li[data-question="dys_geen_zinnen"]').get_by_label("Ja").check()
        await page.get_by_label("Leeftijd (jaren)").fill("67")
        await page.get_by_label("Patiëntreferentie (pseudoniem)").fill("p-u1")
        await page.get_by_label("Gemeente of woonplaats").select_option("c")
        await page.get_by_label("Patiëntreferentie (pseudoniem)").press("Enter")
        banner = page.get_by_role("alert").filter(has_text="Bel 112")
        await expect(banner).to_be_visible()
        await expect(banner).to_contain_text("U1")
        await expect(page.locator("#req-status")).to_have_text("doorgezet naar 112")
        await expect(page.locator("#proposals")).to_have_count(0)
        assert errors == []


@pytest.mark.browser
async def test_a_full_intake_ends_in_a_confirmed_place(service: Service, browser: Browser) -> None:
    nurse = await token(service.app, "triage")
    admin = await token(service.app, "admin")
    await service.post("/api/v1/capacity", report("vvt-a", "elv_hoog", 2, 5), admin)
    async with new_page(browser) as (page, errors):
        await login(page, service.url, nurse)
        await intake_u2_dyspnoe(page, "p-browser-1")
        view = page.locator("#request-view")
        await expect(view.locator("#banner-112")).to_have_count(0)
        await expect(view).to_contain_text("binnen 60 min")
        await expect(view.locator("#req-care-types")).to_contain_text("ELV hoog")
        first = page.locator(".proposal").first
        await expect(first).to_have_attribute("data-provider", "vvt-a")
        await expect(first.locator(".reasons li").first).not_to_be_empty()
        await expect(first).to_contain_text("nu 2 vrij")

        await first.get_by_role("button", name="Reserveer ELV hoog bij VVT-A").press("Enter")
        countdown = page.locator("#hold-countdown")
        await expect(countdown).to_have_text(re.compile(r"^1[45]:\d\d$"))
        shown = await countdown.text_content()
        await expect(countdown).not_to_have_text(shown or "")  # it counts down
        await expect(page.locator("#hold-confirm")).to_be_focused()
        await expect(board_row(page, "vvt-a", "elv_hoog").locator(".held")).to_have_text("1")
        await expect(board_row(page, "vvt-a", "elv_hoog").locator(".free")).to_have_text("1")
        queued = page.locator("#req-body tr").filter(has_text="p-browser-1")
        await expect(queued).to_contain_text("ELV hoog bij VVT-A")
        await expect(page.locator("#traj-state")).to_contain_text(
            re.compile("Traject van p-browser-1|Geen toegang|Geen traject")
        )
        await screenshot(page, "intake.png")

        await page.keyboard.press("Enter")  # on "Bevestig plaatsing"
        await expect(page.locator("#placed")).to_contain_text("Geplaatst: ELV hoog bij VVT-A")
        await expect(page.locator("#placed")).to_be_focused()
        await expect(page.locator("#req-status")).to_have_text("geplaatst")
        row = board_row(page, "vvt-a", "elv_hoog")
        await expect(row.locator(".held")).to_have_text("0")
        await expect(row.locator(".free")).to_have_text("1")
        await expect(page.locator("#req-body tr").filter(has_text="p-browser-1")).to_have_count(0)

        # logging out forgets the token and leaves no patient data in the page
        await page.get_by_role("button", name="Uitloggen").click()
        await expect(page.get_by_label("Bearer-token")).to_be_focused()
        assert await page.evaluate("sessionStorage.getItem('zcc.token')") is None
        assert "p-browser-1" not in await page.content()
        assert errors == []
    stored = [json.loads(d.body) for d in await service.app[STORES].records.list_requests(open_only=False)]
    assert [(r["patient_ref"], r["status"], r["placement"]["provider_id"]) for r in stored] == [
        ("p-browser-1", "placed", "vvt-a")
    ]


@pytest.mark.browser
async def test_a_place_taken_meanwhile_is_a_409_and_the_proposals_refresh(service: Service, browser: Browser) -> None:
    nurse = await token(service.app, "triage")
    colleague = await token(service.app, "triage")
    admin = await token(service.app, "admin")
    await service.post(
        "/api/v1/capacity", {"updates": [report("vvt-a", "elv_hoog", 1, 5), report("vvt-c", "elv_hoog", 2, 10)]}, admin
    )
    async with new_page(browser) as (page, errors):
        await login(page, service.url, nurse)
        await intake_u2_dyspnoe(page, "p-race-1")
        await expect(page.locator(".proposal").first).to_have_attribute("data-provider", "vvt-a")
        mine = (await page.locator("#req-id").text_content() or "").strip()

        # a colleague takes the last vvt-a place through the API, before this page reserves it
        other = await service.post(
            "/api/v1/requests",
            {
                "patient_ref": "p-race-2",
                "age": 80,
                "location": {"lat": 50.85, "lon": 5.70},
                "complaint": "dyspnoe",
                "answers": {
                    "dys_ademt_niet": False,
                    "dys_geen_zinnen": False,
                    "dys_pijn_borst": False,
                    "dys_copd_hartfalen": True,
                },
            },
            colleague,
        )
        await service.post(
            f"/api/v1/requests/{other['id']}/reserve", {"provider_id": "vvt-a", "care_type": "elv_hoog"}, colleague
        )

        await page.locator('.proposal[data-provider="vvt-a"] button.reserve').click()
        await expect(page.locator("#request-error")).to_contain_text("zojuist door een ander genomen")
        await expect(page.locator(".proposal").first).to_have_attribute("data-provider", "vvt-c")
        await expect(page.locator('.proposal[data-provider="vvt-a"]')).to_have_class(re.compile(r"\bgone\b"))
        await expect(page.locator("#req-status")).to_have_text("open: wacht op een plek")
        await expect(page.locator(".proposal").first.locator("button.reserve")).to_be_focused()
        await screenshot(page, "intake-409.png")
        got = await (await service.client.get(f"/api/v1/requests/{mine}", headers=auth(nurse))).json()
        assert (got["status"], got["hold"]) == ("open", None)

        await page.keyboard.press("Enter")  # reserve the refreshed first proposal, vvt-c
        await expect(page.locator("#hold")).to_contain_text("ELV hoog bij VVT-C")
        await expect(board_row(page, "vvt-c", "elv_hoog").locator(".held")).to_have_text("1")

        # and gives it back
        await page.get_by_role("button", name="Geef de plek vrij").click()
        await expect(page.locator("#req-status")).to_have_text("open: wacht op een plek")
        await expect(page.locator("#request-status")).to_contain_text("vrijgegeven")
        await expect(board_row(page, "vvt-c", "elv_hoog").locator(".held")).to_have_text("0")
        assert errors == []


@pytest.mark.browser
@pytest.mark.redis
async def test_the_marker_shows_a_degraded_store_and_a_lost_stream(
    aiohttp_server: AiohttpServer,
    aiohttp_client: AiohttpClient,
    redis_url: str,
    redis_server: RedisServer,
    browser: Browser,
) -> None:
    service = await start_service(aiohttp_server, aiohttp_client, redis_url, redis_socket_timeout=0.3, **REAL_DEADLINES)
    nurse = await token(service.app, "triage")
    async with new_page(browser) as (page, errors):
        await login(page, service.url, nurse)
        conn, banner = page.locator("#conn"), page.locator("#degraded-banner")
        await expect(banner).to_have_text("")
        redis_server.stop()
        try:
            await expect(conn).to_have_attribute("data-state", "degraded", timeout=15_000)
            await expect(conn).to_have_text("Storing: opslag onbereikbaar")
            await expect(banner).to_contain_text("laatst bekende stand")
            await screenshot(page, "board-degraded.png")
        finally:
            redis_server.start()
        await expect(conn).to_have_attribute("data-state", "live", timeout=20_000)
        await expect(banner).to_have_text("")

        # the stream itself is lost (the server ends it) and cannot come back while the route fails
        await page.route("**/api/v1/capacity/stream", lambda route: route.abort())
        service.app[CAPACITY].view.close_subscribers()
        await expect(conn).to_have_attribute("data-state", "lost")
        await expect(conn).to_contain_text("Verbinding verbroken")
        await expect(banner).to_contain_text("niet bijgewerkt")
        await page.unroute("**/api/v1/capacity/stream")
        await page.get_by_role("button", name="Opnieuw verbinden").click()
        await expect(conn).to_have_attribute("data-state", "live")
        await expect(banner).to_have_text("")
        assert errors == []


@pytest.mark.browser
async def test_open_requests_turn_red_when_overdue_and_optimise_proposes_before_any_hold(
    service: Service, browser: Browser
) -> None:
    nurse = await token(service.app, "triage")
    admin = await token(service.app, "admin")
    await service.post(
        "/api/v1/capacity", {"updates": [report("vvt-a", "elv_hoog", 1, 5), report("vvt-c", "elv_hoog", 1, 10)]}, admin
    )
    body = {
        "age": 84,
        "location": {"lat": 50.85, "lon": 5.70},
        "complaint": "dyspnoe",
        "answers": {
            "dys_ademt_niet": False,
            "dys_geen_zinnen": False,
            "dys_pijn_borst": False,
            "dys_copd_hartfalen": True,
        },
    }
    ids = [(await service.post("/api/v1/requests", body | {"patient_ref": f"p-q{i}"}, nurse))["id"] for i in range(3)]
    async with new_page(browser) as (page, errors):
        await page.clock.install()  # the page's own clock, so an hour can pass in a moment
        await login(page, service.url, nurse)
        rows = page.locator("#req-body tr")
        await expect(rows).to_have_count(3)
        await expect(rows.first).to_contain_text("0 van 60 min")
        await expect(page.locator("#req-body tr.overdue")).to_have_count(0)
        await page.clock.fast_forward("01:01:00")
        await expect(page.locator("#req-body tr.overdue")).to_have_count(3)
        await expect(rows.first.locator(".wait")).to_contain_text("te laat")

        await page.get_by_role("button", name="Optimaliseer alle open aanvragen").click()
        proposal = page.locator("#optimize-table tbody tr")
        await expect(proposal).to_have_count(2)  # two places for three requests
        await expect(page.locator("#optimize-view")).to_contain_text("Er is nog niets gereserveerd")
        await expect(page.locator("#optimize-view")).to_contain_text("Zonder plek (1)")
        for pid in ("vvt-a", "vvt-c"):  # shown, not held
            resp = await service.client.get(
                "/api/v1/capacity", params={"provider": pid, "care_type": "elv_hoog"}, headers=auth(nurse)
            )
            assert (await resp.json())["entries"][0]["held"] == 0
        await screenshot(page, "requests.png")

        chosen = await proposal.first.get_attribute("data-request")
        assert chosen in ids
        await proposal.first.get_by_role("button", name=re.compile("^Reserveer")).click()
        await expect(proposal.first).to_contain_text("gereserveerd")
        await expect(page.locator(f'#req-body tr[data-request="{chosen}"]')).to_contain_text("ELV hoog bij")
        assert errors == []


# -- the page's own routes, over plain HTTP (no browser) ------------------------------------------


async def test_the_page_is_served_without_auth_and_with_a_strict_csp(service: Service) -> None:
    page = await service.client.get("/")
    assert page.status == 200 and page.content_type == "text/html"
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert '<script type="module" src="/static/app.js">' in await page.text()
    app_js = await service.client.get("/static/app.js")
    assert app_js.status == 200 and app_js.content_type == "text/javascript"
    assert "nothing to vendor" in await app_js.text()
    css = await service.client.get("/static/app.css")
    assert css.status == 200 and css.content_type == "text/css"
    for path in ("/static/nope.js", "/static/app.py", "/static/..%2Fhandlers%2Fweb.py"):
        resp = await service.client.get(path)
        assert resp.status == 404, path


async def test_region_map_needs_a_token_and_gives_locations_and_roads(service: Service) -> None:
    assert (await service.client.get("/api/v1/region/map")).status == 401
    reader = await token(service.app, "dispatch")
    resp = await service.client.get("/api/v1/region/map", headers=auth(reader))
    assert resp.status == 200
    data = await resp.json()
    assert data["region"] == {"id": "tiny", "name": "Tiny"}
    assert data["locations"][0] == {
        "id": "a",
        "name": "A",
        "lat": 50.85,
        "lon": 5.70,
        "kind": "town",
        "population": 10_000,
    }
    assert data["base_map"] == {"tiles": None, "attribution": ""}
    assert [(r["from"], r["to"], r["minutes"]) for r in data["roads"]] == [
        ("a", "b", 10.0),
        ("b", "c", 10.0),
        ("c", "d", 10.0),
        ("d", "e", 10.0),
    ]
    assert {"id": "elv_hoog", "name": "ELV hoog", "kinds": ["vvt"], "unit": "bed"} in data["care_types"]
