"""The service on Redis Sentinel: a write the replicas did not confirm is 503 "outcome unknown"; its repeat tells."""

from __future__ import annotations

import uuid

from pytest_aiohttp import AiohttpClient

from ..http_helpers import auth, make_app, report, token
from ..redis_topology import SentinelTopology
from ..regions import tiny_region


async def test_a_report_the_replicas_did_not_confirm_is_outcome_unknown_and_the_repeat_replays_it(
    aiohttp_client: AiohttpClient, sentinel_topology: SentinelTopology
) -> None:
    region = tiny_region("api" + uuid.uuid4().hex[:6])  # the Sentinel set is shared: a region of its own
    client = await aiohttp_client(make_app(sentinel_topology.url, region))
    prov = await token(client.app, "provider", "vvt-a")
    body = report("vvt-a", "elv_hoog", 3, 5)
    headers = auth(prov, **{"Idempotency-Key": "k-" + uuid.uuid4().hex})
    primary = sentinel_topology.primary()
    replicas = [s for s in sentinel_topology.data if s is not primary]
    for r in replicas:
        r.pause()
    try:
        resp = await client.post("/api/v1/capacity", json=body, headers=headers)
        problem = await resp.json()
    finally:
        for r in replicas:
            r.resume()
    assert resp.status == 503, problem
    assert problem["type"].endswith("/outcome-unknown"), problem
    assert problem["title"] == "Outcome unknown: repeat with the same Idempotency-Key"
    assert "Retry-After" in resp.headers
    assert "nothing" not in problem["detail"]  # it was applied on the primary: never "nothing changed"

    again = await client.post("/api/v1/capacity", json=body, headers=headers)
    assert again.status == 200, await again.text()
    assert again.headers.get("Idempotent-Replayed") == "true"  # the first attempt was applied, once
    assert (await again.json())["results"][0]["status"] == "applied"
