"""Lost replies and a frozen Redis: every answer within the deadline, and a repeat with the key never applies twice.

zcc talks to the real redis-server through a loopback proxy (tests/tcp_proxy.py) that lets one command
through and loses the replies after it (the store applied it, zcc never hears), or loses the command
itself. The client is told "outcome unknown" within the request's deadline; repeating with the same
Idempotency-Key after the link is back gives the answer the first call would have given, and the store
holds each thing once. What nobody repeats, the reconciliation heals (and counts).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from pytest_aiohttp import AiohttpClient

from capacity.redis_store.scripts import lua_source
from capacity.store import Stores, open_stores
from coordinator.keys import CAPACITY

from ..eventually import eventually
from ..http_helpers import REAL_DEADLINES, Client, auth, make_app, report, started, token
from ..redis_server import RedisServer
from ..regions import tiny_region
from ..tcp_proxy import TcpProxy, script_sha

pytestmark = pytest.mark.redis

DEADLINE = 1.5
TRIAGE_ANSWER = 0.8  # the default budget of a creation's store calls
SLACK = 0.6  # the event loop, the HTTP round trip and a busy machine on top of the deadline
U2 = {
    "age": 84,
    "location": {"lat": 50.85, "lon": 5.70},
    "complaint": "dyspnoe",
    "answers": {"dys_copd_hartfalen": True},
}
ELV_C = {"provider_id": "vvt-c", "care_type": "elv_hoog"}
SCRIPTS = ("apply_updates", "set_status", "hold", "end_hold", "expire_holds", "append_event", "snapshot", "put_doc")


@pytest.fixture
async def proxy(redis_url: str, redis_server: RedisServer) -> AsyncIterator[TcpProxy]:
    """A proxy in front of the test's Redis, whose script cache holds every zcc script.

    (A script not yet cached is answered NOSCRIPT and sent again: with that answer lost, the armed
    command would never run, and the test would not be about a lost reply.)
    """
    raw = aioredis.Redis.from_url(redis_url)
    try:
        for name in SCRIPTS:
            await raw.script_load(lua_source(name))
    finally:
        await raw.aclose()
    p = TcpProxy(redis_server.port)
    await p.start()
    try:
        yield p
    finally:
        await p.close()


@pytest.fixture
async def direct(redis_url: str) -> AsyncIterator[Stores]:
    """The stores of the tiny region straight on Redis (not through the proxy), to count what it holds."""
    stores = open_stores(redis_url, "tiny")
    await stores.backend.open()
    try:
        yield stores
    finally:
        await stores.backend.close()


async def service(aiohttp_client: AiohttpClient, proxy: TcpProxy, **settings: Any) -> tuple[Client, str, str]:
    """The app on Redis through the proxy, with one free elv_hoog at vvt-c and vvt-a; a nurse and an admin."""
    options: dict[str, Any] = {
        **REAL_DEADLINES,
        "store_deadline_seconds": DEADLINE,
        "redis_socket_timeout": 0.3,
        "reconcile_interval_seconds": 3600.0,
    }
    client = await started(aiohttp_client, make_app(proxy.url, tiny_region(), **(options | settings)))
    nurse, admin = await token(client.app, "triage"), await token(client.app, "admin")
    fill = {"updates": [report("vvt-c", "elv_hoog", 3, 10), report("vvt-a", "elv_hoog", 3, 5)]}
    assert (await client.post("/api/v1/capacity", json=fill, headers=auth(admin))).status == 200
    return client, nurse, admin


async def create(client: Client, nurse: str, ref: str, key: str | None = None) -> dict[str, Any]:
    headers = auth(nurse, **({"Idempotency-Key": key} if key else {}))
    resp = await client.post("/api/v1/requests", json=U2 | {"patient_ref": ref}, headers=headers)
    assert resp.status == 201, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def timed_post(client: Client, path: str, body: Any, tok: str, key: str | None = None) -> tuple[int, Any, float]:
    t0 = time.monotonic()
    resp = await client.post(path, json=body, headers=auth(tok, **({"Idempotency-Key": key} if key else {})))
    return resp.status, await resp.json(), time.monotonic() - t0


def unknown(status: int, problem: Any, took: float) -> None:
    """A 503 that says the outcome is unknown, within the deadline."""
    assert status == 503, problem
    assert problem["type"].endswith("/outcome-unknown") and problem["detail"].startswith("outcome unknown"), problem
    assert took < DEADLINE + SLACK, f"answered after {took:.2f} s"


async def held(client: Client, tok: str, pid: str = "vvt-c") -> int:
    resp = await client.get("/api/v1/capacity", headers=auth(tok), params={"provider": pid, "care_type": "elv_hoog"})
    return int((await resp.json())["entries"][0]["held"])


async def requests_of(direct: Stores, ref: str) -> list[str]:
    docs = await direct.records.list_requests(open_only=False)
    return [d.body for d in docs if f'"patient_ref":"{ref}"' in d.body]


async def test_a_creation_whose_reply_is_lost_is_recorded_once_when_repeated_with_its_key(
    aiohttp_client: AiohttpClient, proxy: TcpProxy, direct: Stores
) -> None:
    client, nurse, _ = await service(aiohttp_client, proxy)
    await create(client, nurse, "p-warm")  # the script is loaded: the next call sends EVALSHA at once
    proxy.arm(script_sha("put_doc"), b"requests:body")
    status, problem, took = await timed_post(client, "/api/v1/requests", U2 | {"patient_ref": "p-lost"}, nurse, "k-1")
    assert proxy.fired.is_set()
    assert status == 503 and problem["type"].endswith("/outcome-unknown"), problem
    assert took < TRIAGE_ANSWER + SLACK, f"answered after {took:.2f} s"
    # The triage stands in the answer, marked not recorded.
    assert (problem["urgency"], problem["escalate_112"], problem["recorded"]) == ("U2", False, False)
    assert problem["request"]["proposals"] and problem["idempotency_key"] == "k-1"
    proxy.restore()
    again = await client.post(
        "/api/v1/requests", json=U2 | {"patient_ref": "p-lost"}, headers=auth(nurse, **{"Idempotency-Key": "k-1"})
    )
    body = await again.json()
    assert again.status == 201 and again.headers.get("Idempotent-Replayed") == "true", body
    assert body["id"] == problem["request"]["id"] and body["recorded"] is True
    assert len(await requests_of(direct, "p-lost")) == 1
    # The same key with another body is refused, not taken as a new request.
    other = await client.post(
        "/api/v1/requests", json=U2 | {"patient_ref": "p-other"}, headers=auth(nurse, **{"Idempotency-Key": "k-1"})
    )
    assert other.status == 422 and (await other.json())["field"] == "Idempotency-Key"


@pytest.mark.parametrize("key", ["k-r", None], ids=["with-key", "without-key"])
async def test_a_reserve_whose_reply_is_lost_takes_one_unit_however_often_it_is_repeated(
    aiohttp_client: AiohttpClient, proxy: TcpProxy, key: str | None
) -> None:
    client, nurse, _ = await service(aiohttp_client, proxy)
    warm = await create(client, nurse, "p-warm")
    assert (await timed_post(client, f"/api/v1/requests/{warm['id']}/reserve", ELV_C, nurse))[0] == 200
    req = await create(client, nurse, "p-r")
    proxy.arm(script_sha("hold"))
    status, problem, took = await timed_post(client, f"/api/v1/requests/{req['id']}/reserve", ELV_C, nurse, key)
    unknown(status, problem, took)
    proxy.restore()
    status, body, _ = await timed_post(client, f"/api/v1/requests/{req['id']}/reserve", ELV_C, nurse, key)
    assert status == 200, body
    status, again, _ = await timed_post(client, f"/api/v1/requests/{req['id']}/reserve", ELV_C, nurse, key)
    assert status == 200 and again["reservation_id"] == body["reservation_id"]

    async def two_held() -> None:  # the warm-up's and this request's: one unit each
        assert await held(client, nurse) == 2

    await eventually(two_held, what="the board after the repeats")


async def test_a_confirmation_whose_reply_is_lost_is_completed_by_a_repeat_after_the_hold_time(
    aiohttp_client: AiohttpClient, proxy: TcpProxy
) -> None:
    client, nurse, admin = await service(aiohttp_client, proxy, hold_ttl_seconds=1.5)
    req = await create(client, nurse, "p-c")
    assert (await timed_post(client, f"/api/v1/requests/{req['id']}/reserve", ELV_C, nurse))[0] == 200
    proxy.arm(script_sha("end_hold"), b"confirmed")
    unknown(*await timed_post(client, f"/api/v1/requests/{req['id']}/confirm", None, nurse, "k-c"))
    proxy.restore()

    async def past_its_hold_time() -> None:
        got = await (await client.get(f"/api/v1/requests/{req['id']}", headers=auth(nurse))).json()
        assert got["hold"]["status"] == "expired", got  # as read: the store has it confirmed, the record not yet

    await eventually(past_its_hold_time, what="the hold's time running out")
    status, body, _ = await timed_post(client, f"/api/v1/requests/{req['id']}/confirm", None, nurse, "k-c")
    assert status == 200 and body["status"] == "placed", body

    async def used_once() -> None:
        board = await client.get("/api/v1/capacity", headers=auth(admin), params={"provider": "vvt-c"})
        entry = (await board.json())["entries"][0]
        assert (entry["available"], entry["held"]) == (2, 0), entry  # the unit used once, nothing held

    await eventually(used_once, timeout=5, what="the board after the completed confirmation")


async def test_the_reconciliation_heals_a_lost_confirmation_and_gives_back_an_orphan_hold(
    aiohttp_client: AiohttpClient, proxy: TcpProxy
) -> None:
    client, nurse, _ = await service(aiohttp_client, proxy, reconcile_interval_seconds=0.2, reconcile_grace_seconds=1.0)
    placed = await create(client, nurse, "p-placed")
    assert (await timed_post(client, f"/api/v1/requests/{placed['id']}/reserve", ELV_C, nurse))[0] == 200
    proxy.arm(script_sha("end_hold"), b"confirmed")
    unknown(*await timed_post(client, f"/api/v1/requests/{placed['id']}/confirm", None, nurse))
    proxy.restore()

    async def placed_by_the_reconciliation() -> None:
        got = await (await client.get(f"/api/v1/requests/{placed['id']}", headers=auth(nurse))).json()
        assert got["status"] == "placed", got
        assert 'zcc_reconciled_total{kind="confirmed_hold"} 1.0' in await (await client.get("/metrics")).text()

    await eventually(placed_by_the_reconciliation, timeout=10, what="the lost confirmation healed")
    # An orphan: the hold is taken, the request's own write never reaches the store (the command is lost),
    # and the nurse, told the outcome is unknown, reserves another place instead.
    orphaned = await create(client, nurse, "p-orphan")
    proxy.arm(script_sha("put_doc"), b"requests:body", lose="commands")
    unknown(*await timed_post(client, f"/api/v1/requests/{orphaned['id']}/reserve", ELV_C, nurse, "k-o1"))
    proxy.restore()
    await eventually(lambda: _live(client), timeout=10, what="the view back on the store")
    other = {"provider_id": "vvt-a", "care_type": "elv_hoog"}
    status, body, _ = await timed_post(client, f"/api/v1/requests/{orphaned['id']}/reserve", other, nurse, "k-o2")
    assert status == 200, body

    async def orphan_given_back() -> None:
        assert await held(client, nurse, "vvt-c") == 0
        assert 'zcc_reconciled_total{kind="orphan_hold"} 1.0' in await (await client.get("/metrics")).text()

    await eventually(orphan_given_back, timeout=10, what="the orphan hold given back")
    assert await held(client, nurse, "vvt-a") == 1


async def test_a_keyed_capacity_report_whose_reply_is_lost_is_applied_once(
    aiohttp_client: AiohttpClient, proxy: TcpProxy, direct: Stores
) -> None:
    client, _, admin = await service(aiohttp_client, proxy)
    body = report("hap-b", "hap_consult", 4, 6)
    proxy.arm(script_sha("apply_updates"), b"hap-b")
    unknown(*await timed_post(client, "/api/v1/capacity", body, admin, "k-cap"))
    proxy.restore()
    resp = await client.post("/api/v1/capacity", json=body, headers=auth(admin, **{"Idempotency-Key": "k-cap"}))
    assert resp.status == 200 and resp.headers.get("Idempotent-Replayed") == "true", await resp.text()
    events = await direct.events.events_after("0", 100_000)
    applied = [e for e in events if e.type == "capacity.updated" and e.data["entry"]["provider_id"] == "hap-b"]
    assert len(applied) == 1


async def test_a_frozen_redis_is_answered_within_the_deadline_and_the_repeat_applies_once(
    aiohttp_client: AiohttpClient, proxy: TcpProxy, redis_server: RedisServer, direct: Stores
) -> None:
    client, nurse, admin = await service(aiohttp_client, proxy)
    req = await create(client, nurse, "p-frozen")
    body = report("hap-b", "hap_consult", 5, 6)
    redis_server.pause()  # SIGSTOP, for longer than the deadline: connections stay open, nothing is answered
    try:
        # A write is the first store call of a capacity report: sent, then no answer: outcome unknown.
        unknown(*await timed_post(client, "/api/v1/capacity", body, admin, "k-frozen"))
        # A reserve reads the request first: that read fails, no write is sent: nothing changed.
        status, problem, took = await timed_post(client, f"/api/v1/requests/{req['id']}/reserve", ELV_C, nurse, "k-f")
        assert status == 503 and problem["type"].endswith("/store-unavailable"), problem
        assert "nothing was changed" in problem["detail"] and took < DEADLINE + SLACK
        # Once the view knows it is cut off, a request probes first and is refused in a fraction of the deadline.
        await eventually(lambda: _degraded(client), timeout=5, what="the view marked degraded")
        status, problem, took = await timed_post(client, f"/api/v1/requests/{req['id']}/confirm", None, nurse)
        assert status == 503 and "nothing was changed" in problem["detail"] and took < DEADLINE / 2 + SLACK
    finally:
        redis_server.resume()
    resp = await client.post("/api/v1/capacity", json=body, headers=auth(admin, **{"Idempotency-Key": "k-frozen"}))
    assert resp.status == 200 and resp.headers.get("Idempotent-Replayed") == "true", await resp.text()
    events = await direct.events.events_after("0", 100_000)
    assert sum(1 for e in events if e.type == "capacity.updated" and e.data["entry"]["provider_id"] == "hap-b") == 1
    status, got, _ = await timed_post(client, f"/api/v1/requests/{req['id']}/reserve", ELV_C, nurse, "k-f")
    assert status == 200, got

    async def one_held() -> None:
        assert await held(client, nurse) == 1

    await eventually(one_held, timeout=5, what="one unit held after the thaw")


def _degraded(client: Client) -> None:
    assert client.app[CAPACITY].view.degraded


def _live(client: Client) -> None:
    assert not client.app[CAPACITY].view.degraded
