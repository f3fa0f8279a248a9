"""Stops per care type over real HTTP, on both stores: an SEH stop leaves the admission beds offered.

The hospital zh-e offers an SEH and admission beds. A stop of its SEH shows on the board (reason,
expected end, whose), keeps it out of dispatch and matching, but a U1 dispatch lookup still lists it,
marked (LNAZ: an SEH stop never turns away a life-threatening patient); a stop of the whole hospital
still stops both.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from capacity.clock import utcnow
from capacity.model import CareType, ProviderOffer, Region

from ..http_helpers import Client, auth, iso, make_app, report, started, token
from ..regions import CARE_TYPES, tiny_region

ADMISSION = "admission_geriatrics"
AT_E = {"lat": "51.05", "lon": "5.78"}  # town E, where the hospital is


def hospital_region() -> Region:
    """The tiny region, its hospital zh-e offering admission beds beside its SEH."""
    base = tiny_region()
    zh = base.providers["zh-e"]
    offers = dict(zh.offers) | {ADMISSION: ProviderOffer(ADMISSION, 6)}
    care_types = dict(CARE_TYPES) | {
        ADMISSION: CareType(ADMISSION, "Opname geriatrie", frozenset({"hospital"}), "bed", 3)
    }
    providers = dict(base.providers) | {"zh-e": dataclasses.replace(zh, offers=offers)}
    return dataclasses.replace(base, providers=providers, care_types=care_types)


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, store_url: str, tmp_path: Path) -> Client:
    return await started(aiohttp_client, make_app(store_url, hospital_region()))


async def post(client: Client, path: str, body: Any, tok: str, expect: int = 200) -> Any:
    resp = await client.post(path, json=body, headers=auth(tok))
    assert resp.status == expect, await resp.text()
    return await resp.json()


async def board(client: Client, tok: str) -> dict[str, Any]:
    resp = await client.get("/api/v1/capacity", params={"provider": "zh-e"}, headers=auth(tok))
    assert resp.status == 200
    return {e["care_type"]: e for e in (await resp.json())["entries"]}


async def dispatch(client: Client, tok: str, care_type: str, **params: str) -> dict[str, Any]:
    resp = await client.get(
        "/api/v1/dispatch/options",
        params={"care_type": care_type, "include_excluded": "true", **AT_E, **params},
        headers=auth(tok),
    )
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def test_an_seh_stop_leaves_the_admission_beds_offered(client: Client) -> None:
    hospital = await token(client.app, "provider", "zh-e")
    ambulance = await token(client.app, "dispatch")
    await post(
        client,
        "/api/v1/capacity",
        {"updates": [report("zh-e", "seh", 2, 4), report("zh-e", ADMISSION, 3, 6)]},
        hospital,
    )
    until = utcnow() + timedelta(hours=2)
    stop = {"status": "stop", "care_type": "seh", "reason": "SEH vol, opnamestop", "until": iso(until)}
    stored = await post(client, "/api/v1/providers/zh-e/status", stop, hospital)
    assert (stored["care_type"], stored["status"], stored["reason"]) == ("seh", "stop", "SEH vol, opnamestop")

    rows = await board(client, hospital)
    assert rows["seh"]["stop"]["reason"] == "SEH vol, opnamestop"
    assert rows["seh"]["stop"]["care_type"] == "seh" and rows["seh"]["stop"]["until"] is not None
    assert rows["seh"]["free"] == 0
    assert rows[ADMISSION]["stop"] is None and rows[ADMISSION]["free"] == 3

    seh = await dispatch(client, ambulance, "seh")
    assert seh["options"] == []
    assert [(o["provider_id"], o["excluded"]) for o in seh["excluded"]] == [("zh-e", "stop")]
    assert "SEH vol, opnamestop" in seh["excluded"][0]["reason"]
    beds = await dispatch(client, ambulance, ADMISSION)
    assert [o["provider_id"] for o in beds["options"]] == ["zh-e"]

    resp = await client.get("/api/v1/providers", headers=auth(ambulance))
    zh = next(p for p in (await resp.json())["providers"] if p["id"] == "zh-e")
    assert zh["stop"] is None
    assert zh["care_types"]["seh"]["stop"]["reason"] == "SEH vol, opnamestop"
    assert zh["care_types"][ADMISSION]["stop"] is None

    # opening the SEH again lifts only that stop
    opened = await post(client, "/api/v1/providers/zh-e/status", {"status": "open", "care_type": "seh"}, hospital)
    assert (opened["care_type"], opened["status"]) == ("seh", "open")
    assert [o["provider_id"] for o in (await dispatch(client, ambulance, "seh"))["options"]] == ["zh-e"]


async def test_a_u1_lookup_still_lists_a_stopped_seh_marked(client: Client) -> None:
    hospital = await token(client.app, "provider", "zh-e")
    ambulance = await token(client.app, "dispatch")
    await post(client, "/api/v1/capacity", report("zh-e", "seh", 2, 4), hospital)
    stop = {"status": "stop", "care_type": "seh", "reason": "SEH vol"}
    await post(client, "/api/v1/providers/zh-e/status", stop, hospital)
    for urgency in ("U2", "U3"):
        assert (await dispatch(client, ambulance, "seh", urgency=urgency))["options"] == []
    u1 = await dispatch(client, ambulance, "seh", urgency="U1")
    [option] = u1["options"]
    assert option["provider_id"] == "zh-e" and option["free"] == 2
    assert option["stop"] == {"reason": "SEH vol", "until": None, "care_type": "seh", "applies": False}
    assert "SEH vol" in option["reason"] and "U1" in option["reason"]
    # a stop of the whole hospital does not turn a U1 away from its SEH either
    await post(client, "/api/v1/providers/zh-e/status", {"status": "open", "care_type": "seh"}, hospital)
    await post(client, "/api/v1/providers/zh-e/status", {"status": "stop", "reason": "stroomstoring"}, hospital)
    [option] = (await dispatch(client, ambulance, "seh", urgency="U1"))["options"]
    assert option["stop"]["care_type"] is None and option["stop"]["reason"] == "stroomstoring"


async def test_a_whole_provider_stop_still_stops_every_care_type(client: Client) -> None:
    hospital = await token(client.app, "provider", "zh-e")
    await post(
        client,
        "/api/v1/capacity",
        {"updates": [report("zh-e", "seh", 2, 4), report("zh-e", ADMISSION, 3, 6)]},
        hospital,
    )
    stop = {"status": "stop", "reason": "brand in de kelder", "until": iso(utcnow() + timedelta(hours=1))}
    stored = await post(client, "/api/v1/providers/zh-e/status", stop, hospital)
    assert stored["care_type"] is None
    rows = await board(client, hospital)
    assert {ct: (r["stop"]["reason"], r["stop"]["care_type"], r["free"]) for ct, r in rows.items()} == {
        "seh": ("brand in de kelder", None, 0),
        ADMISSION: ("brand in de kelder", None, 0),
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "stop", "care_type": "elv_hoog", "reason": "x"}, "care_type"),  # not offered by zh-e
        ({"status": "stop", "care_type": "nope", "reason": "x"}, "care_type"),
        ({"status": "stop", "care_type": "", "reason": "x"}, "care_type"),
        ({"status": "stop", "care_type": 7, "reason": "x"}, "care_type"),
        ({"status": "stop", "care_type": "seh", "reason": " "}, "reason"),
        ({"status": "stop", "care_type": "seh", "reason": "x", "until": "2000-01-01T00:00:00Z"}, "until"),
    ],
)
async def test_bad_input_is_a_4xx_naming_the_field_and_changes_nothing(
    client: Client, body: dict[str, Any], field: str
) -> None:
    hospital = await token(client.app, "provider", "zh-e")
    resp = await client.post("/api/v1/providers/zh-e/status", json=body, headers=auth(hospital))
    assert resp.status == 422, await resp.text()
    assert resp.content_type == "application/problem+json"
    assert (await resp.json())["field"] == field
    assert all(r["stop"] is None for r in (await board(client, hospital)).values())


async def test_a_provider_token_stops_only_its_own_care_types(client: Client) -> None:
    nursing_home = await token(client.app, "provider", "vvt-a")
    stop = {"status": "stop", "care_type": "seh", "reason": "x"}
    resp = await client.post("/api/v1/providers/zh-e/status", json=stop, headers=auth(nursing_home))
    assert resp.status == 403


async def test_matching_passes_over_a_stopped_seh_and_a_reserve_of_it_is_refused(client: Client) -> None:
    hospital = await token(client.app, "provider", "zh-e")
    nurse = await token(client.app, "triage")
    await post(client, "/api/v1/capacity", report("zh-e", "seh", 2, 4), hospital)
    body = {
        "patient_ref": "p-seh-1",
        "age": 84,
        "location": {"lat": 51.05, "lon": 5.78},
        "complaint": "dyspnoe",
        "answers": {"dys_copd_hartfalen": True},
    }
    before = await post(client, "/api/v1/requests", body, nurse, expect=201)
    assert ("zh-e", "seh") in {(p["provider_id"], p["care_type"]) for p in before["proposals"]}
    await post(
        client, "/api/v1/providers/zh-e/status", {"status": "stop", "care_type": "seh", "reason": "SEH vol"}, hospital
    )
    after = await post(client, "/api/v1/requests", body | {"patient_ref": "p-seh-2"}, nurse, expect=201)
    assert ("zh-e", "seh") not in {(p["provider_id"], p["care_type"]) for p in after["proposals"]}
    assert {(x["provider_id"], x["care_type"], x["excluded"]) for x in after["excluded"]} >= {("zh-e", "seh", "stop")}
    reserve = {"provider_id": "zh-e", "care_type": "seh"}
    resp = await client.post(f"/api/v1/requests/{before['id']}/reserve", json=reserve, headers=auth(nurse))
    assert resp.status == 409, await resp.text()
