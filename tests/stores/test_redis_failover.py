"""Replicated Redis under real faults: WAIT before an acknowledgement, and a primary killed under load.

Sentinel (a primary, two replicas, three Sentinels) and Cluster (three primaries with a replica each and
a spare replica) are started per test on loopback, since these tests kill nodes. The load takes holds and
confirms them, every call repeated with the same hold id until it is answered; the test then compares what
was acknowledged with what the new primary holds: none lost, none applied twice, and writes resumed by
themselves within 20 s.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from capacity.clock import utcnow
from capacity.errors import OutcomeUnknown, StoreUnavailable
from capacity.redis_store import open_redis
from capacity.state import CapacityUpdate, Hold
from capacity.store import CapacityStore, Stores

from ..redis_topology import ClusterTopology, SentinelTopology
from ..regions import tiny_region

pytestmark = pytest.mark.redis

RESUME_WITHIN_S = 20.0
KILL_AT_S = 1.5  # seconds into the load
AFTER_RESUME_S = 1.5  # the load goes on this long once writes work again
WORKERS = 8


def new_hold() -> Hold:
    now = utcnow()
    return Hold(uuid.uuid4().hex, "vvt-c", "elv_hoog", "req-" + uuid.uuid4().hex[:8], now, now + timedelta(minutes=15))


async def open_seeded(url: str, region_id: str, **options: object) -> Stores:
    """Open the stores of a fresh tiny region on ``url``, seeded, with plenty of free elv_hoog at vvt-c."""
    region = tiny_region(region_id)
    stores = open_redis(url, region.id, socket_timeout=0.3, **options)  # type: ignore[arg-type]
    await stores.backend.open()
    now = utcnow()
    await stores.capacity.seed(region, now)
    update = CapacityUpdate("vvt-c", "elv_hoog", 100_000, 100_000, now, timedelta(hours=2))
    await stores.capacity.apply_updates([update], "op-report", now)
    return stores


# --------------------------------------------------------------------------- WAIT


async def test_a_write_its_replicas_did_not_confirm_is_outcome_unknown_and_safe_to_repeat(redis_url: str) -> None:
    """One server and no replica, but one required: the write is applied, yet never acknowledged as done."""
    region = "wait" + uuid.uuid4().hex[:6]
    await (await open_seeded(redis_url, region, min_replicas=0)).backend.close()
    stores = open_redis(redis_url, region, min_replicas=1, wait_timeout=0.2)
    await stores.backend.open()
    try:
        hold = new_hold()
        for _ in range(2):  # the repeat with the same hold id: still unknown, and not applied twice
            with pytest.raises(OutcomeUnknown) as info:
                await stores.capacity.hold(hold, utcnow())
            assert "Idempotency-Key" in info.value.detail and info.value.code == "outcome-unknown"
        got = await stores.capacity.get_hold(hold.hold_id)
        assert got is not None and got.status == "held"  # the primary has it: "nothing changed" would be a lie
        snap = await stores.capacity.snapshot()
        assert next(e for e in snap.entries if e.key == ("vvt-c", "elv_hoog")).held == 1
        with pytest.raises(OutcomeUnknown):
            await stores.capacity.confirm_hold(hold.hold_id, utcnow())
    finally:
        await stores.backend.close()
    # The same server asked for no replica acknowledges at once.
    stores = await open_seeded(redis_url, "wait" + uuid.uuid4().hex[:6], min_replicas=0)
    try:
        held, _ = await stores.capacity.hold(new_hold(), utcnow())
        assert held.status == "held"
    finally:
        await stores.backend.close()


async def test_sentinel_writes_wait_for_a_replica_and_say_so_when_none_answers(
    sentinel_topology: SentinelTopology,
) -> None:
    region = "wr" + uuid.uuid4().hex[:6]
    stores = await open_seeded(sentinel_topology.url, region, wait_timeout=0.3)
    # Another client, so the repeat below runs on a connection that wrote nothing yet.
    other = open_redis(sentinel_topology.url, region, wait_timeout=0.3)
    try:
        assert stores.backend.where.startswith("Sentinel service zcc")
        held, _ = await stores.capacity.hold(new_hold(), utcnow())  # both replicas up: acknowledged
        primary = sentinel_topology.primary()
        replicas = [s for s in sentinel_topology.data if s is not primary]
        for r in replicas:
            r.pause()
        try:
            with pytest.raises(OutcomeUnknown):
                await stores.capacity.confirm_hold(held.hold_id, utcnow())
            # The repeat finds the hold confirmed and changes nothing; its WAIT must still cover the first
            # attempt's write (writes.py: the fence), so the frozen replicas do not count.
            await other.backend.open()
            with pytest.raises(OutcomeUnknown):
                await other.capacity.confirm_hold(held.hold_id, utcnow())
        finally:
            for r in replicas:
                r.resume()
        confirmed, _ = await stores.capacity.confirm_hold(held.hold_id, utcnow())  # the repeat learns the outcome
        assert confirmed.status == "confirmed"
    finally:
        await other.backend.close()
        await stores.backend.close()


# --------------------------------------------------------------------------- failover under load


@dataclass
class Ledger:
    """What the load was told: acknowledged holds and confirmations, and when calls failed."""

    started: float = field(default_factory=time.monotonic)
    killed_at: float | None = None
    held: dict[str, Hold] = field(default_factory=dict)
    confirmed: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)  # still unanswered when the load stopped
    failures: int = 0
    first_failure: float | None = None
    resumed_at: float | None = None  # the first acknowledgement of a call started after the kill

    def ok(self, started: float) -> None:
        if self.killed_at is not None and self.resumed_at is None and started > self.killed_at:
            self.resumed_at = time.monotonic()

    def failed(self) -> None:
        self.failures += 1
        if self.first_failure is None:
            self.first_failure = time.monotonic()

    def done(self) -> bool:
        if self.resumed_at is not None:
            return time.monotonic() > self.resumed_at + AFTER_RESUME_S
        return self.killed_at is not None and time.monotonic() > self.killed_at + RESUME_WITHIN_S + 5


async def repeat(ledger: Ledger, call: object) -> bool:
    """Run ``call`` until it is answered (True) or the load ends (False); every repeat is the same operation."""
    assert callable(call)
    while not ledger.done():
        started = time.monotonic()
        try:
            await call()
        except StoreUnavailable:  # OutcomeUnknown included: the repeat is safe and will tell
            ledger.failed()
            await asyncio.sleep(0.05)
            continue
        ledger.ok(started)
        return True
    return False


async def worker(store: CapacityStore, ledger: Ledger, n: int) -> None:
    i = 0
    while not ledger.done():
        i += 1
        hold = new_hold()
        if not await repeat(ledger, lambda: store.hold(hold, utcnow())):
            ledger.unknown.add(hold.hold_id)
            return
        ledger.held[hold.hold_id] = hold
        if (i + n) % 3 == 0:
            if await repeat(ledger, lambda: store.confirm_hold(hold.hold_id, utcnow())):
                ledger.confirmed.add(hold.hold_id)
            else:
                return


async def run_load(stores: Stores, kill: object) -> Ledger:
    """Run the workers, call ``kill()`` KILL_AT_S in, and return once writes resumed (or could not)."""
    assert callable(kill)
    ledger = Ledger()

    async def killer() -> None:
        await asyncio.sleep(KILL_AT_S)
        ledger.killed_at = time.monotonic()
        kill()

    await asyncio.gather(killer(), *(worker(stores.capacity, ledger, n) for n in range(WORKERS)))
    return ledger


async def check_nothing_lost_nothing_twice(stores: Stores, ledger: Ledger) -> None:
    """Compare what was acknowledged with what the (new) primary holds."""
    assert ledger.killed_at is not None
    assert ledger.resumed_at is not None, f"writes did not resume within {RESUME_WITHIN_S + 5:.0f} s"
    resumed = ledger.resumed_at - ledger.killed_at
    events = await stores.events.events_after("0", limit=1_000_000)
    created = Counter(e.data["hold"]["hold_id"] for e in events if e.type == "hold.created")
    confirmed = Counter(e.data["hold"]["hold_id"] for e in events if e.type == "hold.confirmed")
    snap = await stores.capacity.snapshot()
    entry = next(e for e in snap.entries if e.key == ("vvt-c", "elv_hoog"))
    lost = [h for h in ledger.held if created[h] == 0]
    lost_confirms = [h for h in ledger.confirmed if confirmed[h] == 0]
    twice = [h for counts in (created, confirmed) for h, n in counts.items() if n > 1]
    print(
        f"\nacknowledged holds={len(ledger.held)} confirms={len(ledger.confirmed)} unanswered={len(ledger.unknown)} "
        f"failed calls={ledger.failures} writes resumed {resumed:.1f} s after the kill; "
        f"lost={len(lost)} lost confirms={len(lost_confirms)} applied twice={len(twice)}"
    )
    assert resumed < RESUME_WITHIN_S, f"writes resumed only {resumed:.1f} s after the kill"
    assert ledger.failures > 0, "no call failed: the kill did not hit the load"
    assert not lost, f"{len(lost)} acknowledged holds are gone after the failover"
    assert not lost_confirms, f"{len(lost_confirms)} acknowledged confirmations are gone after the failover"
    assert not twice, f"{len(twice)} writes applied twice"
    # The counters agree with the holds: every unit held or used once.
    active = {h.hold_id for h in snap.holds}
    assert entry.held == len(active) == len(created) - len(confirmed)
    assert entry.available == 100_000 - len(confirmed)


@pytest.fixture
def sentinel_set() -> Iterator[SentinelTopology]:
    """A Sentinel set of this test's own (it kills its primary)."""
    topology = SentinelTopology()
    try:
        topology.start()
        yield topology
    finally:
        topology.cleanup()


@pytest.fixture
def cluster() -> Iterator[ClusterTopology]:
    """A cluster of this test's own (it kills a primary)."""
    topology = ClusterTopology()
    try:
        topology.start()
        yield topology
    finally:
        topology.cleanup()


@pytest.fixture
async def closing() -> AsyncIterator[list[Stores]]:
    """Stores to close at the end, whatever happened."""
    opened: list[Stores] = []
    yield opened
    for s in opened:
        await s.backend.close()


async def test_sentinel_primary_killed_under_load_loses_no_acknowledged_hold(
    sentinel_set: SentinelTopology, closing: list[Stores]
) -> None:
    stores = await open_seeded(sentinel_set.url, "sf" + uuid.uuid4().hex[:6])
    closing.append(stores)
    old = sentinel_set.primary()
    ledger = await run_load(stores, old.kill)
    new = sentinel_set.primary()
    assert new.port != old.port, "the Sentinels did not promote a replica"
    assert stores.backend.where.endswith(f"(primary 127.0.0.1:{new.port})")  # the client followed by itself
    await check_nothing_lost_nothing_twice(stores, ledger)


async def test_cluster_primary_killed_under_load_loses_no_acknowledged_hold(
    cluster: ClusterTopology, closing: list[Stores]
) -> None:
    region = "cf" + uuid.uuid4().hex[:6]
    stores = await open_seeded(cluster.url, region)
    closing.append(stores)
    old = cluster.primary_of(f"zcc:{{{region}}}:events")
    # A region on another shard: it keeps working while this one fails over.
    other_region = next(
        r for r in (f"other{i}" for i in range(1000)) if cluster.primary_of(f"zcc:{{{r}}}:events").port != old.port
    )
    other = await open_seeded(cluster.url, other_region)
    closing.append(other)
    other_ok: list[float] = []

    async def other_load(ledger_box: list[Ledger]) -> None:
        while not ledger_box or not ledger_box[0].done():
            t0 = time.monotonic()
            try:
                await other.capacity.hold(new_hold(), utcnow())
            except StoreUnavailable:
                pass
            else:
                other_ok.append(t0)
            await asyncio.sleep(0.05)

    box: list[Ledger] = []
    load = asyncio.create_task(run_load(stores, old.kill))
    side = asyncio.create_task(other_load(box))
    box.append(await load)
    await side
    ledger = box[0]
    new = cluster.primary_of(f"zcc:{{{region}}}:events")
    assert new.port != old.port, "the cluster did not promote a replica"
    await check_nothing_lost_nothing_twice(stores, ledger)
    assert ledger.killed_at is not None and ledger.resumed_at is not None
    during = [t for t in other_ok if ledger.killed_at < t < ledger.resumed_at]
    print(f"the region on another shard acknowledged {len(during)} holds during the failover")
    assert during, "a region on a healthy shard stopped while another shard failed over"
