"""With redis-server stopped: triage and the 112 advice still answer within a second, known tokens still work,
nothing unrecorded is shown as recorded, reservations say they need the store; recorded later with the same key.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from capacity.store import open_stores
from coordinator.keys import CAPACITY

from ..eventually import eventually
from ..http_helpers import REAL_DEADLINES, Client, auth, make_app, report, started, token
from ..redis_server import RedisServer
from ..regions import tiny_region

pytestmark = pytest.mark.redis

AT_A = {"lat": 50.85, "lon": 5.70}
U1_CHEST_PAIN = {"complaint": "pijn_op_de_borst", "answers": {"pob_ademt_niet": False, "pob_acs_nu": True}}
U2_DYSPNOE = {"complaint": "dyspnoe", "answers": {"dys_copd_hartfalen": True}}


async def post_request(client: Client, tok: str, body: dict[str, Any], key: str) -> tuple[int, Any, float]:
    t0 = time.monotonic()
    resp = await client.post("/api/v1/requests", json=body, headers=auth(tok, **{"Idempotency-Key": key}))
    return resp.status, await resp.json(), time.monotonic() - t0


def not_recorded(status: int, answer: Any) -> dict[str, Any]:
    """A 503 that carries the triage and says it is not recorded; the request as it would be."""
    assert status == 503, answer
    assert answer["type"].endswith("/not-recorded") and answer["recorded"] is False, answer
    request: dict[str, Any] = answer["request"]
    assert request["recorded"] is False and request["degraded"] is True
    return request


async def test_with_the_store_stopped_a_u1_gets_its_112_advice_within_a_second(
    aiohttp_client: AiohttpClient, redis_url: str, redis_server: RedisServer
) -> None:
    client = await started(aiohttp_client, make_app(redis_url, tiny_region(), **REAL_DEADLINES))
    nurse, admin = await token(client.app, "triage"), await token(client.app, "admin")
    resp = await client.post("/api/v1/capacity", json=report("vvt-c", "elv_hoog", 3, 10), headers=auth(admin))
    assert resp.status == 200
    recorded = await post_request(
        client, nurse, {"patient_ref": "p-before", "age": 84, "location": AT_A, **U2_DYSPNOE}, "k-0"
    )
    assert recorded[0] == 201
    u1 = {"patient_ref": "p-u1", "age": 58, "location": AT_A, **U1_CHEST_PAIN}
    redis_server.stop()
    try:
        # At once, before the view has noticed, and again once it has: both within a second.
        ids = set()
        for attempt in ("at once", "noticed"):
            if attempt == "noticed":
                await eventually(lambda: _degraded(client), timeout=5, what="the view marked degraded")
            status, answer, took = await post_request(client, nurse, u1, "k-u1")
            print(f"\nU1 with the store stopped ({attempt}): 112 advice after {1000 * took:.0f} ms")
            assert took < 1.0, f"{attempt}: the 112 advice came after {took:.2f} s"
            request = not_recorded(status, answer)
            assert (answer["urgency"], answer["escalate_112"]) == ("U1", True), answer
            assert request["status"] == "escalated" and request["triage"]["decided_by"] == "pob_acs_nu"
            assert answer["idempotency_key"] == "k-u1" and request["id"].startswith("req-")
            ids.add(request["id"])
        assert len(ids) == 1  # the key names the request it will be
        # U2: urgency, care types and proposals from the board in memory, marked degraded.
        status, answer, took = await post_request(
            client, nurse, {"patient_ref": "p-u2", "age": 84, "location": AT_A, **U2_DYSPNOE}, "k-u2"
        )
        request = not_recorded(status, answer)
        assert took < 1.0 and request["urgency"] == "U2" and request["care_types"] == ["hap_visit", "seh", "elv_hoog"]
        assert [(p["provider_id"], p["care_type"]) for p in request["proposals"]][:1] == [("vvt-c", "elv_hoog")]
        assert {"care_plan_unread", "board_degraded", "not_recorded"} <= set(request["degraded_reasons"])
        # A reservation needs the store, and says nothing was changed.
        reserve = await client.post(
            f"/api/v1/requests/{recorded[1]['id']}/reserve",
            json={"provider_id": "vvt-c", "care_type": "elv_hoog"},
            headers=auth(nurse),
        )
        problem = await reserve.json()
        assert reserve.status == 503 and problem["type"].endswith("/store-unavailable"), problem
        assert "nothing was changed" in problem["detail"]
        # Dispatch with a known token, and the readiness probe that says the tokens are the last known set.
        options = await client.get(
            "/api/v1/dispatch/options", params={"lat": 50.85, "lon": 5.70, "care_type": "seh"}, headers=auth(admin)
        )
        assert options.status == 200
        ready = await client.get("/readyz")
        body = await ready.json()
        assert ready.status == 503 and body["tokens"]["source"] == "last_known" and body["tokens"]["known"] == 2
    finally:
        redis_server.start()

    await eventually(lambda: _live(client), timeout=10, what="the view back on the store")
    # Recorded now with the same key: the id the outage answer named, and only once however often repeated.
    for _ in range(2):
        status, answer, _ = await post_request(client, nurse, u1, "k-u1")
        assert status == 201 and answer["id"] in ids and answer["recorded"] is True, answer
    stores = open_stores(redis_url, "tiny")
    await stores.backend.open()
    try:
        docs = await stores.records.list_requests(open_only=False)
        assert sum(1 for d in docs if '"patient_ref":"p-u1"' in d.body) == 1
    finally:
        await stores.backend.close()


def _degraded(client: Client) -> None:
    assert client.app[CAPACITY].view.degraded


def _live(client: Client) -> None:
    assert not client.app[CAPACITY].view.degraded
