"""Where the patient is, over real HTTP on the shipped Limburg region: full postcodes, place names, addresses."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient, AiohttpServer

from capacity.model import Region
from capacity.region import load_region
from coordinator.keys import STORES

from ..http_helpers import Client, auth, make_app, report, started, token

U3_FALL = {
    "complaint": "dyspnoe",
    "answers": {"dys_ademt_niet": False, "dys_geen_zinnen": False, "dys_pijn_borst": False, "dys_copd_hartfalen": True},
}
TABLE = "\n".join(
    [
        "postcode,lat,lon,place,municipality",
        "5801,51.5258,5.9750,Venray,venray",
        "5812,51.5050,5.9450,Heide,venray",
        "5975,51.3600,5.9600,Heide,peel-en-maas",
        "5912,51.3570,6.1620,Venlo,venlo",
        "6229,50.8330,5.7100,Maastricht,maastricht",
    ]
)


@pytest.fixture(scope="module")
def limburg() -> Region:
    return load_region()


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, tmp_path: Path, limburg: Region) -> Client:
    table = tmp_path / "pc4.csv"
    table.write_text(TABLE + "\n", encoding="utf-8")
    return await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", limburg, postcodes_path=table))


async def dispatch(client: Client, tok: str, **params: str) -> tuple[int, dict[str, Any]]:
    resp = await client.get("/api/v1/dispatch/options", headers=auth(tok), params={"care_type": "seh", **params})
    return resp.status, await resp.json()


async def test_a_full_postcode_is_resolved_to_its_pc4_and_the_answer_says_so(client: Client) -> None:
    tok = await token(client.app, "dispatch")
    for written in ("5801 AB", "5801AB", "5801ab"):
        status, body = await dispatch(client, tok, postcode=written)
        assert status == 200, body
        where = body["location"]
        assert where["postcode"] == "5801" and where["place"] == "Venray"
        assert where["resolution"]["code"] == "postcode_to_pc4"
        assert where["resolution"]["params"] == {"postcode": "5801 AB", "pc4": "5801"}
        assert "5801 AB" in where["resolution"]["text"] and "postcodegebied 5801" in where["resolution"]["text"]
    status, body = await dispatch(client, tok, postcode="5801")
    assert body["location"]["resolution"]["code"] == "pc4"


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"postcode": "9999 ZZ"}, "postcode", "not in this region's postcode table"),
        ({"postcode": "12AB"}, "postcode", "pattern"),
        ({"place": "Venraij"}, "place", "did you mean Venray"),
        ({"place": "Heide"}, "place", "ambiguous"),
        ({"place": "Atlantis"}, "place", "unknown place"),
        ({"address": "Tegelseweg 210, Venlo"}, "address", "not configured"),
        ({"lat": "50.85"}, "lon", "give both lat and lon"),
        ({}, "lat", "say where the patient is"),
    ],
)
async def test_an_unusable_location_is_a_4xx_naming_the_field(
    client: Client, params: dict[str, str], field: str, words: str
) -> None:
    status, body = await dispatch(client, await token(client.app, "dispatch"), **params)
    assert status == 422 and body["field"] == field and words in body["detail"], body


async def test_a_place_name_is_found_without_case_or_accents(client: Client, limburg: Region) -> None:
    tok = await token(client.app, "dispatch")
    for written in ("Venray", "VENRAY", " venray "):
        status, body = await dispatch(client, tok, place=written)
        assert status == 200, body
        assert body["location"]["place"] == "Venray" and body["location"]["snapped_to"]["id"] == "venray"
        assert body["location"]["resolution"]["code"] == "place"
    status, body = await dispatch(client, tok, place="sint odilienberg")
    assert status == 200 and body["location"]["snapped_to"]["id"] == "roerdalen"
    status, body = await dispatch(client, tok, place="Heide (peel-en-maas)")
    assert status == 200 and body["location"]["lat"] == 51.36
    status, body = await dispatch(client, tok, place="Heide")
    assert "Heide (peel-en-maas)" in body["detail"] and "Heide (venray)" in body["detail"]


async def test_from_venray_the_nearest_seh_is_venlo(client: Client) -> None:
    admin = await token(client.app, "admin")
    seh = [
        report(pid, "seh", 3, 10)
        for pid in ("zh-maastricht", "zh-heerlen", "zh-sittard-geleen", "zh-roermond", "zh-venlo", "zh-weert")
    ]
    resp = await client.post("/api/v1/capacity", json={"updates": seh}, headers=auth(admin))
    assert resp.status == 200, await resp.text()
    status, body = await dispatch(client, admin, place="Venray", limit="6")
    assert status == 200
    first = body["options"][0]
    assert first["provider_id"] == "zh-venlo" and first["provider_name"] == "VieCuri Medisch Centrum Venlo"
    assert 18 <= first["travel_minutes"] <= 30


async def test_intake_takes_a_full_postcode_and_a_place(client: Client) -> None:
    tok = await token(client.app, "triage")
    body = {"patient_ref": "p-42", "age": 81, "location": {"postcode": "5912 BL"}, **U3_FALL}
    resp = await client.post("/api/v1/requests", json=body, headers=auth(tok))
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    assert created["location"]["postcode"] == "5912"
    assert created["location"]["resolution"]["code"] == "postcode_to_pc4"
    body["location"] = {"place": "Weert"}
    resp = await client.post("/api/v1/requests", json=body, headers=auth(tok))
    assert resp.status == 201 and (await resp.json())["location"]["place"] == "Weert"
    body["location"] = {"place": "Wert"}
    resp = await client.post("/api/v1/requests", json=body, headers=auth(tok))
    problem = await resp.json()
    assert resp.status == 422 and problem["field"] == "location.place" and "did you mean Weert" in problem["detail"]


async def test_providers_carry_address_and_contact(client: Client) -> None:
    tok = await token(client.app, "dispatch")
    resp = await client.get("/api/v1/providers", headers=auth(tok))
    providers = {p["id"]: p for p in (await resp.json())["providers"]}
    mumc = providers["zh-maastricht"]
    assert mumc["name"] == "Maastricht UMC+" and mumc["address"].startswith("P. Debyelaan 25")
    assert mumc["contact"]["phone"].startswith("088 000") and mumc["contact"]["fictitious"] is True
    assert mumc["location"]["kind"] == "site"
    assert providers["vvt-venlo-2"]["address"] is None and providers["vvt-venlo-2"]["contact"]["desk"]


# -- geocoding by address, against a local server answering as PDOK Locatieserver does


class Pdok:
    """A local Locatieserver whose answer a test sets: a hit, an error status, or nothing."""

    def __init__(self) -> None:
        self.status = 200
        self.asked = 0

    async def free(self, request: web.Request) -> web.Response:
        self.asked += 1
        if self.status != 200:
            return web.Response(status=self.status, text="kapot")
        doc = {
            "type": "adres",
            "weergavenaam": "Tegelseweg 210, 5912BL Venlo",
            "centroide_ll": "POINT(6.1659 51.3574)",
            "postcode": "5912BL",
        }
        return web.json_response({"response": {"numFound": 1, "start": 0, "docs": [doc]}})


@pytest.fixture
async def geocoded(
    aiohttp_client: AiohttpClient, aiohttp_server: AiohttpServer, tmp_path: Path, limburg: Region
) -> AsyncIterator[tuple[Client, Pdok]]:
    pdok = Pdok()
    server_app = web.Application()
    server_app.router.add_get("/free", pdok.free)
    server = await aiohttp_server(server_app)
    table = tmp_path / "pc4.csv"
    table.write_text(TABLE + "\n", encoding="utf-8")
    app = make_app(
        f"sqlite:///{tmp_path}/z.db",
        limburg,
        postcodes_path=table,
        geocoder_url=str(server.make_url("/free")),
        geocoder_timeout_seconds=0.5,
    )
    yield await started(aiohttp_client, app), pdok


async def test_an_address_is_geocoded_and_falls_back_to_its_postcode(geocoded: tuple[Client, Pdok]) -> None:
    client, pdok = geocoded
    tok = await token(client.app, "triage")
    status, body = await dispatch(client, tok, address="Tegelseweg 210, 5912 BL Venlo")
    assert status == 200, body
    assert (body["location"]["lat"], body["location"]["lon"]) == (51.3574, 6.1659)
    assert body["location"]["resolution"]["code"] == "address" and "PDOK" in body["location"]["resolution"]["text"]
    pdok.status = 500
    status, body = await dispatch(client, tok, address="Markt 1, 5801 AA Venray")
    assert status == 200, body
    assert body["location"]["resolution"]["code"] == "address_pc4_fallback"
    assert "postcodegebied 5801" in body["location"]["resolution"]["text"]
    assert (body["location"]["lat"], body["location"]["lon"]) == (51.5258, 5.975)
    status, body = await dispatch(client, tok, address="Markt 1, Venray")
    assert status == 200 and body["location"]["resolution"]["code"] == "address_place_fallback"
    status, body = await dispatch(client, tok, address="Markt 1")
    assert status == 503, body


async def test_an_address_is_never_stored_with_the_request(geocoded: tuple[Client, Pdok]) -> None:
    client, _ = geocoded
    tok = await token(client.app, "triage")
    address = "Tegelseweg 210, 5912 BL Venlo"
    body = {"patient_ref": "p-43", "age": 79, "location": {"address": address}, **U3_FALL}
    resp = await client.post("/api/v1/requests", json=body, headers=auth(tok))
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    assert created["location"]["resolution"]["code"] == "address"
    assert "Tegelseweg" not in json.dumps(created)
    stored = await client.app[STORES].records.get_request(created["id"])
    assert stored is not None and "Tegelseweg" not in json.dumps(stored, default=str)
    trail = await client.app[STORES].records.get_trajectory("p-43")
    assert "Tegelseweg" not in json.dumps(trail, default=str)
