"""The Redis stores under real faults: a frozen server (redis-py times out and retries) and a killed one.

The danger these tests exercise: redis-py retries a command that timed out, but
the first attempt still sits in the frozen server's socket buffer and runs when
the server thaws. A write script that were not idempotent would be applied
twice with no error reaching the caller. The op records in the scripts must make
the second run a no-op, so that what was applied equals what was acknowledged.
"""

from __future__ import annotations

import asyncio
import functools
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
import redis.asyncio as aioredis

from capacity.clock import utcnow
from capacity.errors import StoreUnavailable, ZccError
from capacity.redis_store import RedisCapacityStore, open_redis
from capacity.state import CapacityUpdate, Hold
from capacity.store import Stores

from ..redis_server import RedisServer
from ..regions import tiny_region

pytestmark = pytest.mark.redis

SOCKET_TIMEOUT = 0.3
PAUSE_AT = 0.5  # seconds into the burst
PAUSE_FOR = 0.8  # longer than the socket timeout: the client times out and retries


def upd(pid: str, ct: str, available: int, total: int, at: datetime) -> CapacityUpdate:
    return CapacityUpdate(pid, ct, available, total, at, timedelta(minutes=60))


def new_hold(now: datetime, pid: str = "vvt-c", ct: str = "elv_hoog") -> Hold:
    return Hold(uuid.uuid4().hex, pid, ct, "req-" + uuid.uuid4().hex[:8], now, now + timedelta(minutes=15))


@pytest.fixture
async def stores(redis_url: str) -> AsyncIterator[Stores]:
    """The Redis stores of a fresh tiny region with a short socket timeout, seeded."""
    region = tiny_region(f"fault{uuid.uuid4().hex[:6]}")
    opened = open_redis(redis_url, region.id, socket_timeout=SOCKET_TIMEOUT, retries=3)
    await opened.backend.open()
    try:
        await opened.capacity.seed(region, utcnow())
        yield opened
    finally:
        await opened.backend.close()


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """A plain client for looking at the server from outside the store."""
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()


async def evalsha_calls(raw: aioredis.Redis) -> int:
    stats = await raw.info("commandstats")
    return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))


async def warm_pool(stores: Stores) -> None:
    """Open many pooled connections, as a busy service has: a call in the pause then sends on a live one.

    (A connection opened during the pause waits for its handshake reply and never
    sends the command, so a cold pool would hide the danger.)
    """
    await asyncio.gather(*(stores.backend.ping() for _ in range(64)))


async def burst_with_pause(
    server: RedisServer, calls: Sequence[Callable[[], Awaitable[Any]]], spread: float = 1.5
) -> tuple[list[int], list[int], list[int], list[float]]:
    """Start ``calls`` spread over ``spread`` seconds and freeze the server in the middle.

    Returns the indexes that were acknowledged, those that failed with
    StoreUnavailable, those refused with another domain error (e.g. PlaceGone,
    which means units were taken twice), and every call's duration.
    """
    acked: list[int] = []
    failed: list[int] = []
    refused: list[int] = []
    durations = [0.0] * len(calls)

    async def one(i: int, call: Callable[[], Awaitable[Any]]) -> None:
        await asyncio.sleep(i * spread / len(calls))
        t0 = time.monotonic()
        try:
            await call()
        except StoreUnavailable:
            failed.append(i)
        except ZccError:
            refused.append(i)
        else:
            acked.append(i)
        finally:
            durations[i] = time.monotonic() - t0

    async def pauser() -> None:
        await asyncio.sleep(PAUSE_AT)
        server.pause()
        try:
            await asyncio.sleep(PAUSE_FOR)
        finally:
            server.resume()

    try:
        await asyncio.gather(pauser(), *(one(i, c) for i, c in enumerate(calls)))
    finally:
        server.resume()  # harmless when running; never leave the server frozen
    return acked, failed, refused, durations


async def test_holds_applied_equal_acknowledged_under_a_pause(
    stores: Stores, redis_server: RedisServer, raw: aioredis.Redis
) -> None:
    capacity = stores.capacity
    now = utcnow()
    await capacity.apply_updates([upd("vvt-c", "elv_hoog", 200, 200, now)], "op-report", now)
    warm, _ = await capacity.hold(new_hold(now), now)  # loads the script: no NOSCRIPT in the count below
    await warm_pool(stores)
    await raw.config_resetstat()

    holds = [new_hold(now) for _ in range(150)]
    calls = [functools.partial(capacity.hold, h, now) for h in holds]
    acked, failed, refused, durations = await burst_with_pause(redis_server, calls)
    executed = await evalsha_calls(raw)

    snap = await capacity.snapshot()
    entry = next(e for e in snap.entries if e.key == ("vvt-c", "elv_hoog"))
    in_hash = set(await raw.hkeys(f"zcc:{{{capacity.region_id}}}:holds"))
    events = await stores.events.events_after("0", limit=100_000)
    created = [e.data["hold"]["hold_id"] for e in events if e.type == "hold.created"]
    acked_ids = {holds[i].hold_id for i in acked} | {warm.hold_id}
    slow = sum(1 for d in durations if d > SOCKET_TIMEOUT)
    duplicates = executed - len(holds)
    print(
        f"\nholds: acknowledged={len(acked)} failed={len(failed)} refused={len(refused)} slower-than-timeout={slow} "
        f"evalsha-executed={executed} for {len(holds)} calls (duplicates absorbed={duplicates}) "
        f"applied={entry.held} in-hash={len(in_hash)} events={len(created)} max-latency={max(durations):.2f}s"
    )

    assert duplicates > 0, "no command ran twice on the server: the test did not exercise a retry"
    assert len(created) == len(set(created)), "a hold was applied twice"
    assert not refused, f"{len(refused)} holds refused: 200 free units should cover 151 holds"
    assert len(acked) + len(failed) == len(holds)
    assert entry.held == len(in_hash) == len(created) == len({h.hold_id for h in snap.holds})
    assert acked_ids <= in_hash, "an acknowledged hold is missing"
    assert in_hash <= {h.hold_id for h in holds} | {warm.hold_id}
    assert entry.version == 1 + len(created)  # the report, then one bump per hold: nothing hidden


async def test_update_batches_applied_equal_acknowledged_under_a_pause(
    stores: Stores, redis_server: RedisServer, raw: aioredis.Redis
) -> None:
    capacity = stores.capacity
    now = utcnow()
    offers = [
        ("vvt-a", "elv_hoog", 5),
        ("vvt-a", "elv_laag", 3),
        ("vvt-c", "elv_hoog", 10),
        ("zh-e", "seh", 4),
        ("hap-b", "hap_consult", 6),
    ]
    await capacity.apply_updates([upd("vvt-a", "elv_hoog", 1, 5, now)], "op-warm", now)  # loads the script
    await warm_pool(stores)
    await raw.config_resetstat()

    batches: dict[str, list[CapacityUpdate]] = {}
    for i in range(120):
        chosen = [offers[(i + j) % len(offers)] for j in range(1 + i % 3)]
        batches[f"op-{i}"] = [upd(p, c, i % (t + 1), t, now) for p, c, t in chosen]  # same time: never stale
    op_ids = list(batches)
    calls = [functools.partial(capacity.apply_updates, batches[op], op, now) for op in op_ids]
    assert isinstance(capacity, RedisCapacityStore)
    flushes_before = capacity._updates.flushes
    acked, failed, refused, _ = await burst_with_pause(redis_server, calls)
    executed = await evalsha_calls(raw)
    # Concurrent calls share script calls (group commit): compare with the calls actually sent.
    sent = capacity._updates.flushes - flushes_before

    events = [e for e in await stores.events.events_after("0", limit=100_000) if e.type == "capacity.updated"]
    per_op = Counter(e.data["op"] for e in events)
    per_entry = Counter((e.data["entry"]["provider_id"], e.data["entry"]["care_type"]) for e in events)
    snap = await capacity.snapshot()
    applied = [op for op in op_ids if per_op[op]]
    print(
        f"\nupdates: acknowledged={len(acked)} failed={len(failed)} evalsha-executed={executed} "
        f"in {sent} script calls for {len(op_ids)} ops (duplicates absorbed={executed - sent}) "
        f"applied-ops={len(applied)}"
    )

    assert not refused
    assert len(acked) + len(failed) == len(op_ids)
    assert executed > sent, "no command ran twice on the server: the test did not exercise a retry"
    for i, op in enumerate(op_ids):
        size = len(batches[op])
        if i in acked:
            assert per_op[op] == size, f"acknowledged {op} applied {per_op[op]} times for {size} updates"
        else:
            assert per_op[op] in (0, size), f"unacknowledged {op} half or twice applied"
    for e in snap.entries:  # every version bump has its one event
        assert e.version == per_entry[e.key], e


async def test_kill_fails_fast_and_a_restart_keeps_acknowledged_holds(
    stores: Stores, redis_server: RedisServer, raw: aioredis.Redis
) -> None:
    capacity = stores.capacity
    now = utcnow()
    await capacity.apply_updates([upd("vvt-c", "elv_hoog", 10, 10, now)], "op-report", now)
    acked = [(await capacity.hold(new_hold(now), now))[0] for _ in range(6)]

    redis_server.kill()
    try:
        probes: dict[str, Callable[[], Awaitable[Any]]] = {
            "ping": stores.backend.ping,
            "snapshot": capacity.snapshot,
            "hold": lambda: capacity.hold(new_hold(now), now),
            "confirm": lambda: capacity.confirm_hold(acked[0].hold_id, now),
            "apply_updates": lambda: capacity.apply_updates([upd("vvt-c", "elv_hoog", 9, 10, now)], "op-x", now),
            "get_hold": lambda: capacity.get_hold(acked[0].hold_id),
            "events_after": lambda: stores.events.events_after("0"),
            "events_after(block)": lambda: stores.events.events_after("0", 100, 1000),
            "count_tokens": stores.tokens.count,
        }
        for name, probe in probes.items():
            t0 = time.monotonic()
            with pytest.raises(StoreUnavailable) as info:
                await probe()
            took = time.monotonic() - t0
            print(f"\n{name}: StoreUnavailable after {took:.2f}s: {info.value.detail}")
            assert took < 3, f"{name} took {took:.2f}s to fail"
    finally:
        redis_server.start()  # same port and directory: the AOF is replayed

    # The same stores work again: pooled connections reconnect, scripts reload on NOSCRIPT.
    assert (await raw.info("memory"))["number_of_cached_scripts"] == 0  # a restart forgets scripts
    for h in acked:
        got = await capacity.get_hold(h.hold_id)
        assert got is not None and got.status == "held", h.hold_id
    snap = await capacity.snapshot()
    entry = next(e for e in snap.entries if e.key == ("vvt-c", "elv_hoog"))
    assert (entry.available, entry.held) == (10, len(acked))
    _, e2 = await capacity.hold(new_hold(now), now)
    assert e2.held == len(acked) + 1
    confirmed, _ = await capacity.confirm_hold(acked[0].hold_id, now)
    assert confirmed.status == "confirmed"
    types = [e.type for e in await stores.events.events_after("0")]
    assert types.count("hold.created") == len(acked) + 1 and types.count("hold.confirmed") == 1
    assert (await raw.info("memory"))["number_of_cached_scripts"] > 0
