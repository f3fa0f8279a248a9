"""The PDOK geocoder against a local aiohttp server answering in Locatieserver's format: hits, cache, failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer

from coordinator.places.geocoder import GeocodeHit, GeocoderUnavailable, PdokGeocoder, parse_pdok

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def pdok_answer(*docs: dict[str, Any]) -> dict[str, Any]:
    """A Locatieserver ``free`` answer (Solr envelope) with these documents."""
    return {"response": {"numFound": len(docs), "start": 0, "maxScore": 9.5, "numFoundExact": True, "docs": list(docs)}}


TEGELSEWEG = {
    "type": "adres",
    "weergavenaam": "Tegelseweg 210, 5912BL Venlo",
    "id": "adr-test",
    "centroide_ll": "POINT(6.16593 51.35744)",
    "centroide_rd": "POINT(209000.0 374000.0)",
    "postcode": "5912BL",
    "score": 9.5,
}


class FakePdok:
    """A local Locatieserver: answers with ``reply`` and records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[dict[str, str]] = []
        self.reply: Handler = self.found

    async def found(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(pdok_answer(TEGELSEWEG))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.asked.append(dict(request.query))
        return await self.reply(request)


@pytest.fixture
async def pdok(aiohttp_server: AiohttpServer) -> AsyncIterator[tuple[FakePdok, str]]:
    fake = FakePdok()
    app = web.Application()
    app.router.add_get("/bzk/locatieserver/search/v3_1/free", fake.handle)
    server = await aiohttp_server(app)
    yield fake, str(server.make_url("/bzk/locatieserver/search/v3_1/free"))


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def test_an_address_is_found_and_asked_once(pdok: tuple[FakePdok, str], session: aiohttp.ClientSession) -> None:
    fake, url = pdok
    geocoder = PdokGeocoder(session, url, timeout=1.0)
    hit = await geocoder.geocode("Tegelseweg 210, Venlo")
    assert hit == GeocodeHit(51.35744, 6.16593, "Tegelseweg 210, 5912BL Venlo", "5912BL")
    assert fake.asked[0]["q"] == "Tegelseweg 210, Venlo" and fake.asked[0]["fq"] == "type:adres"
    assert set(fake.asked[0]) == {"q", "fq", "rows", "fl"}, "Locatieserver 3.1 refuses unknown parameters"
    assert await geocoder.geocode("  tegelseweg 210,   venlo ") == hit
    assert len(fake.asked) == 1 and geocoder.lookups == 1, "the second lookup comes from the cache"


async def test_no_such_address_is_none(pdok: tuple[FakePdok, str], session: aiohttp.ClientSession) -> None:
    fake, url = pdok

    async def nothing(request: web.Request) -> web.StreamResponse:
        return web.json_response(pdok_answer())

    fake.reply = nothing
    assert await PdokGeocoder(session, url).geocode("Nergensstraat 1") is None


async def test_a_slow_answer_is_unavailable_within_the_timeout(
    pdok: tuple[FakePdok, str], session: aiohttp.ClientSession
) -> None:
    fake, url = pdok
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.json_response(pdok_answer(TEGELSEWEG))

    fake.reply = slow
    geocoder = PdokGeocoder(session, url, timeout=0.2)
    try:
        with pytest.raises(GeocoderUnavailable, match="in time"):
            await asyncio.wait_for(geocoder.geocode("Tegelseweg 210, Venlo"), 5)
    finally:
        release.set()


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (500, "{}", "HTTP 500"),
        (503, "overloaded", "HTTP 503"),
        (200, "<html>not json</html>", "no JSON"),
        (200, '{"docs": []}', "unexpected answer"),
        (200, '{"response": {"docs": [{"weergavenaam": "x"}]}}', "unexpected answer"),
        (200, '{"response": {"docs": [{"centroide_ll": "POINT(abc)"}]}}', "unexpected answer"),
        (200, '{"response": {"docs": "none"}}', "unexpected answer"),
    ],
)
async def test_failing_and_malformed_answers_are_unavailable(
    pdok: tuple[FakePdok, str], session: aiohttp.ClientSession, status: int, body: str, words: str
) -> None:
    fake, url = pdok

    async def broken(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, text=body, content_type="application/json")

    fake.reply = broken
    geocoder = PdokGeocoder(session, url)
    with pytest.raises(GeocoderUnavailable, match=words):
        await geocoder.geocode("Tegelseweg 210, Venlo")
    # A failure is not cached: the next lookup asks again.
    fake.reply = fake.found
    assert (await geocoder.geocode("Tegelseweg 210, Venlo")) is not None


async def test_an_unreachable_service_is_unavailable(session: aiohttp.ClientSession, unused_tcp_port: int) -> None:
    geocoder = PdokGeocoder(session, f"http://127.0.0.1:{unused_tcp_port}/free", timeout=1.0)
    with pytest.raises(GeocoderUnavailable, match="cannot be reached"):
        await geocoder.geocode("Tegelseweg 210, Venlo")


def test_parse_pdok_reads_lon_then_lat() -> None:
    hit = parse_pdok(pdok_answer({"centroide_ll": "POINT(5.7 50.85)", "weergavenaam": "Markt 1, Maastricht"}))
    assert hit is not None and (hit.lat, hit.lon, hit.postcode) == (50.85, 5.7, None)
