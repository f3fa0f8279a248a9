"""The dispatch lookup over real HTTP: ranking, exclusions, bad input, postcodes, reloads, across the border."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_aiohttp import AiohttpClient

from capacity.clock import utcnow
from capacity.model import Hours, Location, Provider, ProviderOffer, Region, Road
from coordinator.keys import ROUTING

from ..eventually import eventually
from ..http_helpers import Client, auth, iso, make_app, report, started, token
from ..regions import CARE_TYPES, line_region

A = {"lat": "50.85", "lon": "5.70"}  # exactly at town A


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, tmp_path: Path) -> Client:
    return await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", line_region()))


async def options(client: Client, tok: str, **params: str) -> tuple[int, dict[str, Any]]:
    resp = await client.get("/api/v1/dispatch/options", headers=auth(tok), params={"care_type": "elv_hoog", **params})
    return resp.status, await resp.json()


async def post(client: Client, tok: str, *bodies: dict[str, Any]) -> None:
    resp = await client.post("/api/v1/capacity", json={"updates": list(bodies)}, headers=auth(tok))
    assert resp.status == 200, await resp.text()


async def test_nearest_full_place_gives_way_to_the_second(client: Client) -> None:
    admin, dispatch = await token(client.app, "admin"), await token(client.app, "dispatch")
    await post(
        client,
        admin,
        report("vvt-a", "elv_hoog", 0, 6),
        report("vvt-b", "elv_hoog", 3, 6),
        report("vvt-c", "elv_hoog", 5, 6),
    )
    status, body = await options(client, dispatch, **A, limit="2", include_excluded="true")
    assert status == 200
    assert [o["provider_id"] for o in body["options"]] == ["vvt-b", "vvt-c"]
    first = body["options"][0]
    assert first["travel_minutes"] == 10.0 and first["free"] == 3 and first["stale"] is False
    assert first["reason"].startswith("10 min, 3 free, updated")
    assert {"provider_id", "care_type", "travel_minutes", "available", "stale", "score", "reason"} <= set(first)
    excluded = {o["provider_id"]: o["excluded"] for o in body["excluded"]}
    assert excluded["vvt-a"] == "full"
    assert body["location"]["snapped_to"]["id"] == "a" and body["cross_region"] is False


async def test_stopped_and_stale_places_are_left_out_with_the_reason(client: Client) -> None:
    admin, triage = await token(client.app, "admin"), await token(client.app, "triage")
    old = utcnow() - timedelta(minutes=90)
    await post(
        client,
        admin,
        report("vvt-a", "elv_hoog", 4, 6, at=old, minutes=60),
        report("vvt-b", "elv_hoog", 4, 6),
        report("vvt-c", "elv_hoog", 2, 6),
    )
    until = utcnow() + timedelta(hours=3)
    resp = await client.post(
        "/api/v1/providers/vvt-b/status",
        json={"status": "stop", "reason": "norovirus", "until": iso(until)},
        headers=auth(admin),
    )
    assert resp.status == 200
    status, body = await options(client, triage, **A, include_excluded="true")
    assert status == 200
    assert [o["provider_id"] for o in body["options"]] == ["vvt-c"]
    why = {o["provider_id"]: o for o in body["excluded"]}
    assert why["vvt-a"]["excluded"] == "stale" and why["vvt-a"]["stale"] is True
    assert why["vvt-b"]["excluded"] == "stop" and "norovirus" in why["vvt-b"]["reason"]
    _, body = await options(client, triage, **A)
    assert "excluded" not in body


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"lon": "5.70"}, "lat", "lat and lon"),
        ({"lat": "north", "lon": "5.70"}, "lat", "number"),
        ({"lat": "95", "lon": "5.70"}, "lat", "less than or equal"),
        ({**A, "care_type": "warp_drive"}, "care_type", "unknown care type"),
        ({**A, "limit": "0"}, "limit", "greater than or equal"),
        ({**A, "include_excluded": "maybe"}, "include_excluded", "boolean"),
        ({"lat": "52.37", "lon": "4.90"}, "lat", "km from the nearest place"),
        ({"postcode": "12AB"}, "postcode", "pattern"),
        ({"postcode": "9999"}, "postcode", "not in this region"),
        ({**A, "colour": "red"}, "colour", "unknown field"),
    ],
)
async def test_bad_queries_name_the_field(client: Client, params: dict[str, str], field: str, words: str) -> None:
    dispatch = await token(client.app, "dispatch")
    query = {"care_type": "elv_hoog", **params}
    resp = await client.get("/api/v1/dispatch/options", headers=auth(dispatch), params=query)
    assert resp.status == 422 and resp.content_type == "application/problem+json"
    problem = await resp.json()
    assert problem["field"] == field and words in problem["detail"], problem


async def test_only_dispatch_triage_and_admin_may_ask(client: Client) -> None:
    for role, expected in (("dispatch", 200), ("triage", 200), ("admin", 200), ("ops", 403)):
        status, _ = await options(client, await token(client.app, role), **A)
        assert status == expected, role
    status, _ = await options(client, await token(client.app, "provider", "vvt-a"), **A)
    assert status == 403
    assert (await client.get("/api/v1/dispatch/options", params={**A, "care_type": "seh"})).status == 401


async def test_postcode_instead_of_coordinates(aiohttp_client: AiohttpClient, tmp_path: Path) -> None:
    table = tmp_path / "pc.csv"
    table.write_text("postcode,lat,lon,place\n6211,50.9,5.72,B-stad\n")
    client = await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", line_region(), postcodes_path=table))
    admin = await token(client.app, "admin")
    await post(client, admin, report("vvt-b", "elv_hoog", 3, 6))
    status, body = await options(client, admin, postcode="6211")
    assert status == 200 and body["options"][0]["provider_id"] == "vvt-b"
    assert body["options"][0]["travel_minutes"] == 0.0
    assert body["location"]["place"] == "B-stad"


def _line_yaml(ab_minutes: float) -> dict[str, Any]:
    r = line_region()
    return {
        "region": {"id": r.id, "name": r.name, "timezone": r.timezone},
        "locations": [
            {"id": loc.id, "name": loc.name, "lat": loc.lat, "lon": loc.lon, "population": 1000}
            for loc in r.locations.values()
        ],
        "roads": [
            {"from": rd.a, "to": rd.b, "minutes": ab_minutes if (rd.a, rd.b) == ("a", "b") else rd.minutes}
            for rd in r.roads
        ],
        "providers": [
            {
                "id": p.id,
                "name": p.name,
                "kind": p.kind,
                "location": p.location,
                "hours": "24/7",
                "care_types": {"elv_hoog": 6},
            }
            for p in r.providers.values()
        ],
    }


async def test_routing_is_rebuilt_when_the_region_file_changes(
    aiohttp_client: AiohttpClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from capacity.region import load_care_types, load_region

    path = tmp_path / "line.yaml"
    path.write_text(yaml.safe_dump(_line_yaml(10)))
    region = load_region(path, load_care_types())
    app = make_app(f"sqlite:///{tmp_path}/z.db", region, config_path=path, reload_seconds=0.1)
    client = await started(aiohttp_client, app)
    admin = await token(client.app, "admin")
    await post(client, admin, report("vvt-b", "elv_hoog", 3, 6))
    _, body = await options(client, admin, **A)
    assert body["options"][0]["travel_minutes"] == 10.0
    path.write_text(yaml.safe_dump(_line_yaml(25)))
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))

    async def a_to_b_takes_25_minutes() -> None:
        _, body = await options(client, admin, **A)
        assert body["options"][0]["travel_minutes"] == 25.0

    await eventually(a_to_b_takes_25_minutes, what="the dispatch answer from the rebuilt routing")
    builds = client.app[ROUTING].builds
    # a broken file is read, refused with a logged error, and the last good routing keeps serving
    caplog.set_level(logging.ERROR, logger="coordinator.reload")
    path.write_text("region: {id: line}\nlocations: []\n")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))

    def refused() -> None:
        assert any(
            r.name == "coordinator.reload" and r.getMessage().startswith("region file changed but is invalid")
            for r in caplog.records
        ), [r.getMessage() for r in caplog.records]

    await eventually(refused, what="the log record that the broken region file was refused")
    assert client.app[ROUTING].builds == builds
    await a_to_b_takes_25_minutes()


def _neighbour() -> Region:
    """One town X just north of E, with a VVT offering elv_hoog, joined to E by a 6-minute border road."""
    loc = Location("x", "X", 51.10, 5.80, 5000)
    prov = Provider("vvt-x", "VVT X", "vvt", "x", {"elv_hoog": ProviderOffer("elv_hoog", 4)}, Hours())
    return Region(
        "nb", "Buurregio", "Europe/Amsterdam", {"x": loc}, (), {"vvt-x": prov}, CARE_TYPES, (Road("x", "line:e", 6.0),)
    )


async def test_places_across_the_border_when_nothing_is_free_at_home(
    aiohttp_client: AiohttpClient, redis_url: str
) -> None:
    base = line_region()
    home = Region(
        base.id,
        base.name,
        base.timezone,
        base.locations,
        base.roads,
        base.providers,
        base.care_types,
        (Road("e", "nb:x", 6.0),),
    )
    neighbour = _neighbour()
    client = await started(
        aiohttp_client, make_app(redis_url, home, neighbour_poll_seconds=0.1, neighbours=(neighbour,))
    )
    nb = await aiohttp_client(make_app(redis_url, neighbour))  # the neighbour's own service on the same Redis
    admin, nb_admin = await token(client.app, "admin"), await token(nb.app, "admin")
    await post(client, admin, *(report(f"vvt-{n}", "elv_hoog", 0, 6) for n in "abcde"))
    await post(nb, nb_admin, report("vvt-x", "elv_hoog", 2, 4))

    async def a_neighbour_offers_a_place() -> dict[str, Any]:
        status, body = await options(client, admin, **A)
        assert status == 200 and body["options"], body
        return body

    body = await eventually(a_neighbour_offers_a_place, what="the neighbour's report through the neighbour poll")
    assert body["cross_region"] is True
    opt = body["options"][0]
    assert (opt["provider_id"], opt["region"], opt["cross_region"]) == ("vvt-x", "nb", True)
    assert opt["travel_minutes"] == 46.0 and "across the border (Buurregio)" in opt["reason"]
    # as soon as a place is free at home, the home region comes first again
    await post(client, admin, report("vvt-e", "elv_hoog", 1, 6))
    _, body = await options(client, admin, **A)
    assert body["cross_region"] is False and body["options"][0]["provider_id"] == "vvt-e"
