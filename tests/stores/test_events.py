"""EventLog contract: ordered, follows the snapshot, pages, blocks until a write; on every backend."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import redis.asyncio as aioredis

from capacity.clock import utcnow
from capacity.store import Stores

from ..eventually import eventually
from .helpers import new_hold, upd


async def test_event_log_is_ordered_and_follows_the_snapshot(stores: Stores) -> None:
    store, log = stores.capacity, stores.events
    now = utcnow()
    snap = await store.snapshot()
    await store.apply_updates([upd("hap-b", "hap_consult", 6, 6, now)], "op1", now)
    h, _ = await store.hold(new_hold("hap-b", "hap_consult", now), now)
    await store.confirm_hold(h.hold_id, now)
    eid = await log.append_event("request.created", {"request_id": "r1"}, now)
    events = await log.events_after(snap.last_event_id)
    assert [e.type for e in events] == [
        "capacity.updated",
        "hold.created",
        "hold.confirmed",
        "request.created",
    ]
    assert events[-1].id == eid
    assert dict(events[-1].data) == {"request_id": "r1"}
    assert events[1].data["hold"]["hold_id"] == h.hold_id and events[1].data["entry"]["held"] == 1
    assert events[2].data["hold"]["status"] == "confirmed" and events[2].data["entry"]["available"] == 5
    assert await log.events_after(events[1].id, limit=1) == [events[2]]
    assert await log.events_after(eid, block_ms=50) == []
    assert (await store.snapshot()).last_event_id == eid


async def test_events_after_zero_reads_from_the_start(stores: Stores) -> None:
    now = utcnow()
    first = await stores.events.append_event("a", {"n": 1}, now)
    await stores.events.append_event("b", {"n": 2}, now)
    events = await stores.events.events_after("0")
    assert [(e.type, e.data["n"]) for e in events] == [("a", 1), ("b", 2)]
    assert events[0].id == first
    assert abs((events[0].ts - now).total_seconds()) < 0.01


async def test_a_blocking_read_wakes_up_on_a_write(
    stores: Stores, backend_url: str, primary_url: Callable[[str], str]
) -> None:
    log = stores.events
    mark = (await stores.capacity.snapshot()).last_event_id
    started = time.monotonic()
    reader = asyncio.create_task(log.events_after(mark, block_ms=5000))
    server = primary_url(f"zcc:{{{stores.capacity.region_id}}}:events") if backend_url.startswith("redis") else ""
    await _until_the_reader_waits(server, stores, mark)
    assert not reader.done()
    await log.append_event("wake", {}, utcnow())
    events = await asyncio.wait_for(reader, 5)
    assert [e.type for e in events] == ["wake"]
    assert time.monotonic() - started < 4  # woken by the write, not by the timeout


async def _until_the_reader_waits(server_url: str, stores: Stores, mark: str) -> None:
    """Return once the reader found nothing and waits for a write.

    Redis counts a client blocked in XREAD (on the server that holds the stream: ``server_url``);
    SQLite serves one connection on one thread in order, so a read queued behind the reader's first
    read returns after it.
    """
    if not server_url:
        await asyncio.sleep(0)  # let the reader task send its first read
        assert await stores.events.events_after(mark) == []
        return
    raw = aioredis.Redis.from_url(server_url)
    try:

        async def blocked() -> None:
            assert (await raw.info("clients"))["blocked_clients"] == 1

        await eventually(blocked, what="the reader blocked in XREAD")
    finally:
        await raw.aclose()
