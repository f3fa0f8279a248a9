"""The request lifecycle over real HTTP: triage, proposals, reserve, confirm, release, cancel, expiry, optimise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from capacity.clock import utcnow
from coordinator.keys import STORES

from ..eventually import eventually
from ..http_helpers import Client, auth, make_app, report, started, token
from ..regions import tiny_region

AT_A = {"lat": 50.85, "lon": 5.70}
U2_DYSPNOE = {
    "complaint": "dyspnoe",
    "answers": {"dys_ademt_niet": False, "dys_geen_zinnen": False, "dys_pijn_borst": False, "dys_copd_hartfalen": True},
}  # U2: hap_visit, seh, elv_hoog


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, tmp_path: Path) -> Client:
    return await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))


def new_request(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"patient_ref": "p-7f3a", "age": 84, "location": AT_A, **U2_DYSPNOE}
    body.update(over)
    return body


async def create(client: Client, tok: str, **over: Any) -> dict[str, Any]:
    resp = await client.post("/api/v1/requests", json=new_request(**over), headers=auth(tok))
    assert resp.status == 201, await resp.text()
    data: dict[str, Any] = await resp.json()
    return data


async def entry(client: Client, tok: str, pid: str, ct: str) -> dict[str, Any]:
    resp = await client.get("/api/v1/capacity", headers=auth(tok), params={"provider": pid, "care_type": ct})
    data: dict[str, Any] = (await resp.json())["entries"][0]
    return data


async def act(client: Client, tok: str, rid: str, action: str, body: Any = None, **headers: str) -> tuple[int, Any]:
    resp = await client.post(f"/api/v1/requests/{rid}/{action}", json=body, headers=auth(tok, **headers))
    return resp.status, await resp.json()


async def fill(client: Client, *reports: dict[str, Any]) -> None:
    admin = await token(client.app, "admin")
    resp = await client.post("/api/v1/capacity", json={"updates": list(reports)}, headers=auth(admin))
    assert resp.status == 200


async def test_a_request_is_triaged_and_gets_ranked_proposals_with_reasons(client: Client) -> None:
    nurse = await token(client.app, "triage")
    await fill(
        client, report("vvt-a", "elv_hoog", 2, 5), report("vvt-c", "elv_hoog", 5, 10), report("zh-e", "seh", 3, 4)
    )
    req = await create(client, nurse)
    assert (req["status"], req["urgency"], req["target_minutes"], req["escalate_112"]) == ("open", "U2", 60, False)
    assert req["care_types"] == ["hap_visit", "seh", "elv_hoog"]
    assert req["id"].startswith("req-")
    first = req["proposals"][0]
    assert {"provider_id", "care_type", "travel_minutes", "score", "reasons"} <= set(first)
    assert (first["provider_id"], first["care_type"], first["travel_minutes"]) == ("vvt-a", "elv_hoog", 0.0)
    assert all(isinstance(r, str) and r for r in first["reasons"])
    assert {(p["provider_id"], p["care_type"]) for p in req["proposals"]} == {
        ("vvt-a", "elv_hoog"),
        ("vvt-c", "elv_hoog"),
        ("zh-e", "seh"),
    }
    got = await (await client.get(f"/api/v1/requests/{req['id']}", headers=auth(nurse))).json()
    assert got["id"] == req["id"] and got["status"] == "open"


async def test_u1_escalates_to_112_and_is_never_placed(client: Client) -> None:
    nurse = await token(client.app, "triage")
    await fill(client, report("vvt-a", "elv_hoog", 2, 5))
    req = await create(client, nurse, answers={"dys_ademt_niet": False, "dys_geen_zinnen": True})
    assert (req["urgency"], req["escalate_112"], req["status"], req["proposals"]) == ("U1", True, "escalated", [])
    status, problem = await act(client, nurse, req["id"], "reserve", {"provider_id": "vvt-a", "care_type": "elv_hoog"})
    assert status == 409 and "112" in problem["detail"]
    assert (await entry(client, nurse, "vvt-a", "elv_hoog"))["held"] == 0


async def test_reserve_confirm_consumes_the_place_once(client: Client) -> None:
    nurse = await token(client.app, "triage")
    await fill(client, report("vvt-a", "elv_hoog", 2, 5))
    req = await create(client, nurse)
    status, res = await act(client, nurse, req["id"], "reserve", {"provider_id": "vvt-a", "care_type": "elv_hoog"})
    assert status == 200 and res["reservation_id"] and res["held_until"] > utcnow().isoformat()[:19]
    assert res["request"]["status"] == "reserved"
    e = await entry(client, nurse, "vvt-a", "elv_hoog")
    assert (e["available"], e["held"], e["free"]) == (2, 1, 1)
    status, placed = await act(client, nurse, req["id"], "confirm")
    assert status == 200 and placed["status"] == "placed"
    assert placed["placement"]["provider_id"] == "vvt-a"
    again_status, again = await act(client, nurse, req["id"], "confirm")
    assert again_status == 200 and again["placement"] == placed["placement"]
    e = await entry(client, nurse, "vvt-a", "elv_hoog")
    assert (e["available"], e["held"]) == (1, 0)
    types = [ev.type for ev in await client.app[STORES].events.events_after("0", 1000)]
    assert types.count("request.placed") == 1 and types.count("hold.confirmed") == 1
    status, problem = await act(client, nurse, req["id"], "cancel")
    assert status == 409 and "placed" in problem["detail"]


async def test_a_gone_place_is_a_409_and_nothing_changes(client: Client) -> None:
    nurse = await token(client.app, "triage")
    await fill(client, report("vvt-a", "elv_hoog", 1, 5))
    first, second = await create(client, nurse), await create(client, nurse, patient_ref="p-other")
    assert (await act(client, nurse, first["id"], "reserve", {"provider_id": "vvt-a", "care_type": "elv_hoog"}))[
        0
    ] == 200
    status, problem = await act(
        client, nurse, second["id"], "reserve", {"provider_id": "vvt-a", "care_type": "elv_hoog"}
    )
    assert status == 409 and problem["title"] == "Place no longer available"
    assert (
        "no free ELV hoog left at VVT-A" in problem["detail"] and problem["detail_coded"]["code"] == "error.gone_full"
    )
    got = await (await client.get(f"/api/v1/requests/{second['id']}", headers=auth(nurse))).json()
    assert got["status"] == "open" and got["hold"] is None
    assert (await entry(client, nurse, "vvt-a", "elv_hoog"))["held"] == 1


async def test_release_gives_the_place_back_and_invalid_transitions_are_409(client: Client) -> None:
    nurse = await token(client.app, "triage")
    await fill(client, report("vvt-c", "elv_hoog", 3, 10))
    req = await create(client, nurse)
    await act(client, nurse, req["id"], "reserve", {"provider_id": "vvt-c", "care_type": "elv_hoog"})
    status, released = await act(client, nurse, req["id"], "release")
    assert status == 200 and released["status"] == "open" and released["hold"]["status"] == "released"
    assert (await act(client, nurse, req["id"], "release"))[0] == 200  # same answer again
    assert (await entry(client, nurse, "vvt-c", "elv_hoog"))["held"] == 0
    status, problem = await act(client, nurse, req["id"], "confirm")
    assert status == 409 and problem["title"] == "Invalid transition"
    status, cancelled = await act(client, nurse, req["id"], "cancel", {"reason": "patient bleef thuis"})
    assert status == 200 and cancelled["status"] == "cancelled"
    assert (await act(client, nurse, req["id"], "cancel"))[0] == 200
    status, problem = await act(client, nurse, req["id"], "confirm")
    assert status == 409 and "cancelled" in problem["detail"]
    status, problem = await act(client, nurse, req["id"], "reserve", {"provider_id": "vvt-c", "care_type": "elv_hoog"})
    assert status == 409


async def test_cancel_of_a_reserved_request_releases_its_hold(client: Client) -> None:
    nurse = await token(client.app, "triage")
    await fill(client, report("vvt-c", "elv_hoog", 3, 10))
    req = await create(client, nurse)
    await act(client, nurse, req["id"], "reserve", {"provider_id": "vvt-c", "care_type": "elv_hoog"})
    assert (await act(client, nurse, req["id"], "cancel"))[0] == 200
    assert (await entry(client, nurse, "vvt-c", "elv_hoog"))["held"] == 0


async def test_reserve_with_idempotency_key_holds_once(client: Client) -> None:
    nurse = await token(client.app, "triage")
    await fill(client, report("vvt-c", "elv_hoog", 3, 10))
    req = await create(client, nurse)
    body = {"provider_id": "vvt-c", "care_type": "elv_hoog"}
    s1, r1 = await act(client, nurse, req["id"], "reserve", body, **{"Idempotency-Key": "k-1"})
    s2, r2 = await act(client, nurse, req["id"], "reserve", body, **{"Idempotency-Key": "k-1"})
    assert s1 == s2 == 200 and r1["reservation_id"] == r2["reservation_id"]
    assert (await entry(client, nurse, "vvt-c", "elv_hoog"))["held"] == 1
    other = await create(client, nurse, patient_ref="p-other")
    s3, problem = await act(
        client,
        nurse,
        other["id"],
        "reserve",
        {"provider_id": "vvt-c", "care_type": "elv_hoog"},
        **{"Idempotency-Key": "k-1"},
    )
    assert s3 == 422 and problem["field"] == "Idempotency-Key"


async def test_holds_expire_by_themselves_and_the_request_opens_again(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    client = await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region(), hold_ttl_seconds=1))
    nurse = await token(client.app, "triage")
    await fill(client, report("vvt-c", "elv_hoog", 3, 10))
    req = await create(client, nurse)
    await act(client, nurse, req["id"], "reserve", {"provider_id": "vvt-c", "care_type": "elv_hoog"})
    assert (await entry(client, nurse, "vvt-c", "elv_hoog"))["held"] == 1

    async def released() -> None:
        assert (await entry(client, nurse, "vvt-c", "elv_hoog"))["held"] == 0

    await eventually(released, what="the hold expired by the expiry task")
    got = await (await client.get(f"/api/v1/requests/{req['id']}", headers=auth(nurse))).json()
    assert got["status"] == "open" and got["hold"]["status"] == "expired"
    status, problem = await act(client, nurse, req["id"], "confirm")
    assert status == 409 and "expired" in problem["detail"]
    types = [ev.type for ev in await client.app[STORES].events.events_after("0", 1000)]
    assert "hold.expired" in types and "request.hold_expired" in types


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"patient_ref": "Jan Jansen"}, "patient_ref", "pseudonym"),
        ({"age": 130}, "age", "less than or equal"),
        ({"complaint": "hoofdpijn"}, "complaint", "unknown"),
        ({"answers": {"dys_bestaat_niet": True}}, "answers.dys_bestaat_niet", ""),
        ({"answers": {"dys_copd_hartfalen": "ja"}}, "answers.dys_copd_hartfalen", "boolean"),
        ({"location": {"lat": 52.37, "lon": 4.90}}, "lat", "km from the nearest place"),
        ({"location": {"lat": 50.85}}, "location.lon", "give both lat and lon"),
        ({"context": {"pain_score": 14}}, "context.pain_score", ""),
        ({"name": "Jan"}, "name", "unknown field"),
    ],
)
async def test_bad_requests_name_the_field_and_store_nothing(
    client: Client, over: dict[str, Any], field: str, words: str
) -> None:
    nurse = await token(client.app, "triage")
    resp = await client.post("/api/v1/requests", json=new_request(**over), headers=auth(nurse))
    assert resp.status == 422 and resp.content_type == "application/problem+json"
    problem = await resp.json()
    assert problem["field"] == field and words in problem["detail"], problem
    assert await client.app[STORES].records.list_requests(open_only=False) == []


async def test_reserve_checks_what_is_reserved(client: Client) -> None:
    nurse = await token(client.app, "triage")
    await fill(client, report("hap-b", "hap_consult", 3, 6), report("vvt-a", "elv_hoog", 2, 5))
    req = await create(client, nurse)
    for body, field in (
        ({"provider_id": "hap-b", "care_type": "hap_consult"}, "care_type"),  # does not fit U2 dyspnoe
        ({"provider_id": "nope", "care_type": "elv_hoog"}, "provider_id"),
        ({"provider_id": "vvt-a", "care_type": "seh"}, "care_type"),
        ({"provider_id": "vvt-a"}, "care_type"),
    ):
        status, problem = await act(client, nurse, req["id"], "reserve", body)
        assert status == 422 and problem["field"] == field, problem
    assert (await client.post("/api/v1/requests/req-none/confirm", headers=auth(nurse))).status == 404


async def test_only_triage_and_admin_handle_requests(client: Client) -> None:
    for role in ("dispatch", "ops"):
        tok = await token(client.app, role)
        assert (await client.post("/api/v1/requests", json=new_request(), headers=auth(tok))).status == 403
        assert (await client.get("/api/v1/requests", headers=auth(tok))).status == 403
    prov = await token(client.app, "provider", "vvt-a")
    assert (await client.post("/api/v1/requests", json=new_request(), headers=auth(prov))).status == 403
    admin = await token(client.app, "admin")
    assert (await client.post("/api/v1/requests", json=new_request(), headers=auth(admin))).status == 201


async def test_optimize_proposes_without_holding(client: Client) -> None:
    nurse = await token(client.app, "triage")
    await fill(
        client, report("vvt-a", "elv_hoog", 1, 5), report("vvt-c", "elv_hoog", 1, 10), report("zh-e", "seh", 0, 4)
    )
    ids = [(await create(client, nurse, patient_ref=f"p-{i}"))["id"] for i in range(3)]
    resp = await client.post("/api/v1/optimize", headers=auth(nurse))
    assert resp.status == 200
    result = await resp.json()
    assert result["status"] == "OPTIMAL"
    assigned = {a["request_id"]: (a["provider_id"], a["care_type"]) for a in result["assignments"]}
    assert sorted(assigned.values()) == [("vvt-a", "elv_hoog"), ("vvt-c", "elv_hoog")]  # 2 places for 3 requests
    assert set(assigned) | {u["request_id"] for u in result["unassigned"]} == set(ids)
    assert (await entry(client, nurse, "vvt-a", "elv_hoog"))["held"] == 0  # proposals, not holds


async def test_triage_protocol_is_served_for_the_intake_page(client: Client) -> None:
    nurse = await token(client.app, "triage")
    protocol = await (await client.get("/api/v1/triage/protocol", headers=auth(nurse))).json()
    dyspnoe = next(c for c in protocol["complaints"] if c["id"] == "dyspnoe")
    assert [q["id"] for q in dyspnoe["questions"]][:2] == ["dys_ademt_niet", "dys_geen_zinnen"]
