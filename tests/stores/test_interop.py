"""Contract of the connector stores (leases, history, subscriptions) on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from capacity.clock import from_ms, to_ms, utcnow
from capacity.store import Stores
from capacity.store.interop import Delivery, InteropStores, Sample, Subscription, bucket_of, open_interop_stores


@pytest.fixture
async def interop(stores: Stores) -> AsyncIterator[InteropStores]:
    """The connector stores beside the opened core stores."""
    extra = open_interop_stores(stores.backend)
    await extra.open()
    yield extra


async def test_a_lease_goes_to_one_claimant_until_it_expires(interop: InteropStores) -> None:
    now = utcnow()
    assert await interop.leases.claim("feed:a", "one", 300, now)
    assert not await interop.leases.claim("feed:a", "two", 300, now)
    assert not await interop.leases.claim("feed:a", "one", 300, now)  # its own holder too: once per term
    assert await interop.leases.claim("feed:b", "two", 300, now)  # another name is free
    await asyncio.sleep(0.35)
    later = utcnow()
    assert await interop.leases.claim("feed:a", "two", 300, later)


async def test_only_the_holder_extends_a_lease(interop: InteropStores) -> None:
    now = utcnow()
    assert await interop.leases.claim("x", "one", 200, now)
    assert not await interop.leases.extend("x", "two", 5000, now)
    assert await interop.leases.extend("x", "one", 5000, now)
    await asyncio.sleep(0.3)
    assert not await interop.leases.claim("x", "two", 200, utcnow())


async def test_concurrent_claims_give_the_lease_once(interop: InteropStores) -> None:
    now = utcnow()
    won = await asyncio.gather(*(interop.leases.claim("race", f"h{i}", 10_000, now) for i in range(8)))
    assert sum(won) == 1


async def test_history_keeps_the_latest_version_per_bucket_at_each_resolution(interop: InteropStores) -> None:
    t0 = (to_ms(utcnow()) // 86_400_000) * 86_400_000 + 1000
    key = ("vvt-a", "elv_hoog")
    s1 = Sample(t0, 1, 3, 0, 5, t0 + 3_600_000)
    s2 = Sample(t0 + 60_000, 2, 2, 1, 5, t0 + 3_600_000)
    s3 = Sample(t0 + 400_000, 3, 1, 0, 5, None)
    await interop.history.record([(key, s2), (key, s3)])
    await interop.history.record([(key, s1)])  # older version arriving late changes nothing
    await interop.history.record([(key, s2)])  # repeated: idempotent
    fine = await interop.history.samples([key], 300, bucket_of(t0, 300) - 1, bucket_of(t0 + 400_000, 300))
    assert fine[key] == [s2, s3]
    hourly = await interop.history.samples([key], 3600, bucket_of(t0, 3600), bucket_of(t0, 3600))
    assert hourly[key] == [s3]
    # A range read starts with the last sample before the range: the state at its start.
    later = await interop.history.samples([key], 300, bucket_of(t0 + 400_000, 300), bucket_of(t0 + 900_000, 300))
    assert later[key] == [s2, s3]
    other = await interop.history.samples([("vvt-c", "elv_hoog")], 300, 0, bucket_of(t0, 300))
    assert other == {("vvt-c", "elv_hoog"): []}


async def test_history_prunes_old_buckets(interop: InteropStores) -> None:
    now = utcnow()
    key = ("vvt-a", "elv_hoog")
    old = Sample(to_ms(now - timedelta(days=3)), 1, 3, 0, 5, None)
    new = Sample(to_ms(now - timedelta(minutes=1)), 2, 3, 0, 5, None)
    await interop.history.record([(key, old), (key, new)])
    await interop.history.prune({300: 86_400_000, 3600: 86_400_000 * 10}, now, [key])
    fine = await interop.history.samples([key], 300, 0, bucket_of(to_ms(now), 300))
    assert fine[key] == [new]
    hourly = await interop.history.samples([key], 3600, 0, bucket_of(to_ms(now), 3600))
    assert hourly[key] == [old, new]


async def test_subscriptions_and_their_deliveries(interop: InteropStores) -> None:
    subs = interop.subscriptions
    a = Subscription(
        "s1", "http://x/hook", "geheim", ("provider.stopped",), {"elv_hoog": 2}, from_ms(to_ms(utcnow())), "tok"
    )
    await subs.put(a)
    assert await subs.get("s1") == a
    assert await subs.get("nope") is None
    assert [s.id for s in await subs.all()] == ["s1"]
    for i in range(3):
        await subs.put_delivery(Delivery(f"d{i}", "s1", "provider.stopped", 1000 + i))
    await subs.put_delivery(Delivery("d1", "s1", "provider.stopped", 1001, status="delivered", attempts=3))
    found = await subs.deliveries("s1")
    assert [d.id for d in found] == ["d2", "d1", "d0"]
    assert found[1].status == "delivered" and found[1].attempts == 3
    assert await subs.delete("s1")
    assert not await subs.delete("s1")
    assert await subs.deliveries("s1") == []
