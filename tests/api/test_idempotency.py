"""Every write honours Idempotency-Key, on both stores: a repeat answers again and changes nothing, even late."""

from __future__ import annotations

from typing import Any

from pytest_aiohttp import AiohttpClient

from coordinator.keys import STORES

from ..http_helpers import Client, auth, make_app, report, started, token
from ..regions import tiny_region

U2 = {
    "patient_ref": "p-idem",
    "age": 84,
    "location": {"lat": 50.85, "lon": 5.70},
    "complaint": "dyspnoe",
    "answers": {"dys_ademt_niet": False, "dys_geen_zinnen": False, "dys_pijn_borst": False, "dys_copd_hartfalen": True},
}
ELV_C = {"provider_id": "vvt-c", "care_type": "elv_hoog"}


async def post(client: Client, path: str, body: Any, tok: str, key: str) -> tuple[int, Any]:
    resp = await client.post(path, json=body, headers=auth(tok, **{"Idempotency-Key": key}))
    return resp.status, await resp.json()


async def events(client: Client, kind: str) -> int:
    return sum(1 for e in await client.app[STORES].events.events_after("0", 100_000) if e.type == kind)


async def test_a_late_repeat_of_a_release_does_not_release_the_next_reservation(
    aiohttp_client: AiohttpClient, store_url: str
) -> None:
    client = await started(aiohttp_client, make_app(store_url, tiny_region()))
    nurse, admin = await token(client.app, "triage"), await token(client.app, "admin")
    assert (await post(client, "/api/v1/capacity", report("vvt-c", "elv_hoog", 3, 10), admin, "c-1"))[0] == 200
    status, req = await post(client, "/api/v1/requests", U2, nurse, "create-1")
    assert status == 201
    rid = req["id"]
    assert (await post(client, "/api/v1/requests", U2, nurse, "create-1"))[1]["id"] == rid
    assert (await post(client, f"/api/v1/requests/{rid}/reserve", ELV_C, nurse, "reserve-1"))[0] == 200
    assert (await post(client, f"/api/v1/requests/{rid}/release", None, nurse, "release-1"))[0] == 200
    status, held = await post(client, f"/api/v1/requests/{rid}/reserve", ELV_C, nurse, "reserve-2")
    assert status == 200
    # The first release repeated late (its answer was lost, say): it answers, and the new hold stays.
    status, again = await post(client, f"/api/v1/requests/{rid}/release", None, nurse, "release-1")
    assert status == 200 and again["status"] == "reserved" and again["hold"]["hold_id"] == held["reservation_id"]
    assert await events(client, "request.released") == 1
    # The same key for another action is refused.
    status, problem = await post(client, f"/api/v1/requests/{rid}/confirm", None, nurse, "release-1")
    assert status == 422 and problem["field"] == "Idempotency-Key"
    status, placed = await post(client, f"/api/v1/requests/{rid}/confirm", None, nurse, "confirm-1")
    assert status == 200 and placed["status"] == "placed"
    assert (await post(client, f"/api/v1/requests/{rid}/confirm", None, nurse, "confirm-1"))[1] == placed
    docs = await client.app[STORES].records.list_requests(open_only=False)
    assert sum(1 for d in docs if '"patient_ref":"p-idem"' in d.body) == 1


async def test_a_repeated_provider_stop_and_trajectory_change_are_applied_once(
    aiohttp_client: AiohttpClient, store_url: str
) -> None:
    client = await started(aiohttp_client, make_app(store_url, tiny_region()))
    admin = await token(client.app, "admin")
    stop = {"status": "stop", "reason": "norovirus"}
    first = await post(client, "/api/v1/providers/vvt-a/status", stop, admin, "stop-1")
    again = await post(client, "/api/v1/providers/vvt-a/status", stop, admin, "stop-1")
    assert first == again and first[0] == 200
    assert await events(client, "provider.status") == 1
    change = {"phase": "startfase", "hints": {"home_first": True}}
    status, record = await post_patch(client, "/api/v1/trajectories/p-9", change, admin, "traj-1")
    assert status == 200
    status, repeated = await post_patch(client, "/api/v1/trajectories/p-9", change, admin, "traj-1")
    assert status == 200 and repeated["version"] == record["version"]
    assert await events(client, "trajectory.updated") == 1


async def post_patch(client: Client, path: str, body: Any, tok: str, key: str) -> tuple[int, Any]:
    resp = await client.patch(path, json=body, headers=auth(tok, **{"Idempotency-Key": key}))
    return resp.status, await resp.json()
