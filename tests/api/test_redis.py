"""The service on a real redis-server: several instances, and the store going away and coming back."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from pytest_aiohttp import AiohttpClient

from ..eventually import eventually
from ..http_helpers import REAL_DEADLINES, Client, auth, make_app, report, token
from ..redis_server import RedisServer
from ..regions import tiny_region


async def entry(client: Client, tok: str, pid: str, ct: str) -> tuple[dict[str, Any], bool]:
    resp = await client.get("/api/v1/capacity", headers=auth(tok), params={"provider": pid, "care_type": ct})
    data = await resp.json()
    return data["entries"][0], data["degraded"]


async def test_instances_see_each_others_writes_within_a_second(aiohttp_client: AiohttpClient, redis_url: str) -> None:
    region = tiny_region()
    a = await aiohttp_client(make_app(redis_url, region))
    b = await aiohttp_client(make_app(redis_url, region))
    prov = await token(a.app, "provider", "vvt-a")
    reader = await token(b.app, "dispatch")  # tokens live in the shared store too
    resp = await a.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 4, 5), headers=auth(prov))
    assert resp.status == 200

    async def b_sees() -> None:
        e, _ = await entry(b, reader, "vvt-a", "elv_hoog")
        assert (e["available"], e["stale"]) == (4, False), e

    t0 = time.monotonic()
    await eventually(b_sees, timeout=3, what="instance B showing A's report")
    took = time.monotonic() - t0
    assert took < 1.0, f"instance B saw the write after {took:.2f} s"
    stop = await b.post(
        "/api/v1/providers/vvt-a/status", json={"status": "stop", "reason": "norovirus"}, headers=auth(prov)
    )
    assert stop.status == 200

    async def a_sees_stop() -> None:
        e, _ = await entry(a, prov, "vvt-a", "elv_hoog")
        assert e["stop"] is not None and e["stop"]["reason"] == "norovirus", e

    await eventually(a_sees_stop, timeout=3, what="instance A showing B's stop")


async def test_store_down_reads_degraded_writes_503_and_recovers_by_itself(
    aiohttp_client: AiohttpClient, redis_url: str, redis_server: RedisServer
) -> None:
    client = await aiohttp_client(make_app(redis_url, tiny_region(), redis_socket_timeout=0.3, **REAL_DEADLINES))
    prov = await token(client.app, "provider", "vvt-a")
    assert (
        await client.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 3, 5), headers=auth(prov))
    ).status == 200
    await eventually(lambda: _available_is(client, prov, 3), what="the report on the board")
    redis_server.stop()
    try:
        ready = await client.get("/readyz")
        assert ready.status == 503 and ready.content_type == "application/problem+json"
        resp = await client.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 1, 5), headers=auth(prov))
        assert resp.status == 503 and resp.content_type == "application/problem+json"
        assert int(resp.headers["Retry-After"]) > 0
        assert "store" in (await resp.json())["detail"]

        async def degraded() -> None:
            _, d = await entry(client, prov, "vvt-a", "elv_hoog")
            assert d is True

        await eventually(degraded, what="the board marked degraded")
        e, _ = await entry(client, prov, "vvt-a", "elv_hoog")
        assert e["available"] == 3  # the last known board, still served, marked degraded
    finally:
        redis_server.start()

    async def recovered() -> None:
        r = await client.get("/readyz")
        _, d = await entry(client, prov, "vvt-a", "elv_hoog")
        assert (r.status, d) == (200, False)

    await eventually(recovered, timeout=10, what="ready and not degraded after the restart")
    resp = await client.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 2, 5), headers=auth(prov))
    assert resp.status == 200
    await eventually(lambda: _available_is(client, prov, 2), what="the report after recovery on the board")
    metrics = await (await client.get("/metrics")).text()
    assert 'zcc_capacity_updates_rejected_total{reason="store_unavailable"} 1.0' in metrics


async def _available_is(client: Client, tok: str, n: int) -> None:
    e, _ = await entry(client, tok, "vvt-a", "elv_hoog")
    assert e["available"] == n, e


async def test_two_instances_100_reserves_on_5_free_places_exactly_5_win(
    aiohttp_client: AiohttpClient, redis_url: str
) -> None:
    from coordinator.keys import ROUTING

    region = tiny_region()
    # 100 reserves at once in one event loop on a shared machine: this is about double booking, not the
    # deadline, so every request gets ample time (a 503 here would be the load, not a wrong answer).
    a = await aiohttp_client(make_app(redis_url, region, store_deadline_seconds=30.0))
    b = await aiohttp_client(make_app(redis_url, region, store_deadline_seconds=30.0))
    for c in (a, b):
        await asyncio.wait_for(c.app[ROUTING].ready.wait(), 10)
    admin = await token(a.app, "admin")
    nurse = await token(a.app, "triage")
    resp = await a.post("/api/v1/capacity", json=report("vvt-c", "elv_hoog", 5, 10), headers=auth(admin))
    assert resp.status == 200
    body = {
        "age": 84,
        "location": {"lat": 50.95, "lon": 5.74},
        "complaint": "dyspnoe",
        "answers": {"dys_copd_hartfalen": True},
    }
    ids = []
    for i in range(100):
        client = a if i % 2 else b
        resp = await client.post("/api/v1/requests", json=body | {"patient_ref": f"p-{i}"}, headers=auth(nurse))
        assert resp.status == 201
        ids.append((await resp.json())["id"])

    async def reserve(i: int, rid: str) -> int:
        client = a if i % 2 else b
        r = await client.post(
            f"/api/v1/requests/{rid}/reserve",
            json={"provider_id": "vvt-c", "care_type": "elv_hoog"},
            headers=auth(nurse),
        )
        return r.status

    statuses = await asyncio.gather(*(reserve(i, rid) for i, rid in enumerate(ids)))
    assert statuses.count(200) == 5 and statuses.count(409) == 95, sorted(set(statuses))

    async def board_settled(client: Client) -> None:
        e, _ = await entry(client, nurse, "vvt-c", "elv_hoog")
        assert (e["free"], e["held"], e["available"]) == (0, 5, 5), e

    for client in (a, b):
        await eventually(lambda: board_settled(client), timeout=3, what="five held of five on the board")
