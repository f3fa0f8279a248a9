"""InstanceRegistry contract: each instance's latest heartbeat, read back by when it was seen."""

from __future__ import annotations

from datetime import timedelta

from capacity.clock import utcnow
from capacity.store import InstanceInfo, Stores


def beat(instance_id: str, seconds_ago: float, **over: object) -> InstanceInfo:
    now = utcnow().replace(microsecond=0)
    fields: dict[str, object] = {
        "instance_id": instance_id,
        "version": "0.1.0",
        "host": "host-1",
        "pid": 42,
        "started_at": now - timedelta(hours=1),
        "seen_at": now - timedelta(seconds=seconds_ago),
        **over,
    }
    return InstanceInfo(**fields)  # type: ignore[arg-type]


async def test_the_latest_heartbeat_of_each_instance_is_kept(stores: Stores) -> None:
    reg = stores.instances
    await reg.announce(beat("a", 30))
    await reg.announce(beat("a", 5, view_lag_seconds=0.25, degraded=True, extra={"spool_depth": 3}))
    await reg.announce(beat("b", 120))
    recent = await reg.seen_since(utcnow() - timedelta(minutes=1))
    assert [i.instance_id for i in recent] == ["a"]
    assert recent[0] == beat("a", 5, view_lag_seconds=0.25, degraded=True, extra={"spool_depth": 3})
    assert [i.instance_id for i in await reg.seen_since(utcnow() - timedelta(hours=1))] == ["a", "b"]


async def test_heartbeats_older_than_a_day_are_dropped(stores: Stores) -> None:
    reg = stores.instances
    await reg.announce(beat("gone", 2 * 86400))
    await reg.announce(beat("here", 0))
    assert [i.instance_id for i in await reg.seen_since(utcnow() - timedelta(days=7))] == ["here"]
