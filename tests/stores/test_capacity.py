"""CapacityStore contract: entries and reports, provider stops, holds; on every backend."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from capacity.clock import utcnow
from capacity.errors import IdempotencyMismatch, InvalidInput, InvalidTransition, NotFound, PlaceGone
from capacity.state import ProviderStatus
from capacity.store import CapacityStore, IdempotencyKey, Stores, open_stores

from ..regions import tiny_region
from .helpers import entry_of, new_hold, upd

# -- entries and reports ---------------------------------------------------------------


async def test_seed_creates_unreported_stale_entries_and_keeps_state(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    e = await entry_of(store, "vvt-a", "elv_hoog")
    assert (e.total, e.available, e.held, e.reported_at) == (5, 0, 0, None)
    assert e.stale(now) and e.free(now) == 0
    await store.apply_updates([upd("vvt-a", "elv_hoog", 3, 5, now)], "op1", now)
    await store.seed(tiny_region(store.region_id), now)  # a restart seeds again
    e = await entry_of(store, "vvt-a", "elv_hoog")
    assert e.available == 3 and not e.stale(now)


async def test_update_is_applied_logged_and_visible(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    before = (await store.snapshot()).last_event_id
    results, replay = await store.apply_updates(
        [upd("vvt-a", "elv_hoog", 2, 6, now), upd("zh-e", "seh", 1, 4, now)], "op1", now
    )
    assert not replay
    assert [(r.provider_id, r.care_type, r.status) for r in results] == [
        ("vvt-a", "elv_hoog", "applied"),
        ("zh-e", "seh", "applied"),
    ]
    e = await entry_of(store, "vvt-a", "elv_hoog")
    assert (e.available, e.total, e.held) == (2, 6, 0)
    assert results[0].entry == e  # the writer learns the stored entry without reading back
    assert e.valid_until is not None and abs((e.valid_until - now).total_seconds() - 3600) < 1
    events = await stores.events.events_after(before)
    assert [ev.type for ev in events] == ["capacity.updated", "capacity.updated"]
    assert events[0].data["entry"]["available"] == 2
    assert events[0].data["entry"]["version"] == e.version
    assert events[0].data["op"] == "op1"


async def test_a_report_of_an_unseeded_offer_creates_its_entry(stores: Stores) -> None:
    now = utcnow()
    results, _ = await stores.capacity.apply_updates([upd("vvt-a", "seh", 1, 2, now)], "op1", now)
    assert results[0].status == "applied"
    e = await entry_of(stores.capacity, "vvt-a", "seh")
    assert (e.available, e.total, e.held, e.version) == (1, 2, 0, 1)


async def test_older_report_is_stale_ignored_and_never_overwrites(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    await store.apply_updates([upd("vvt-a", "elv_hoog", 4, 5, now)], "op1", now)
    results, _ = await store.apply_updates([upd("vvt-a", "elv_hoog", 0, 5, now - timedelta(minutes=5))], "op2", now)
    assert results[0].status == "stale_ignored" and results[0].entry is None
    assert (await entry_of(store, "vvt-a", "elv_hoog")).available == 4


async def test_a_report_keeps_the_holds_and_replaces_the_total(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    await store.apply_updates([upd("vvt-c", "elv_hoog", 5, 10, now)], "op1", now)
    await store.hold(new_hold("vvt-c", "elv_hoog", now), now)
    later = now + timedelta(seconds=1)
    await store.apply_updates([upd("vvt-c", "elv_hoog", 3, 8, later)], "op2", later)
    e = await entry_of(store, "vvt-c", "elv_hoog")
    assert (e.available, e.total, e.held, e.version) == (3, 8, 1, 3)


async def test_idempotency_key_replays_first_result_and_applies_nothing_twice(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    key = IdempotencyKey("tok1:k1", "fp-a")
    first, replay1 = await store.apply_updates([upd("vvt-a", "elv_hoog", 4, 5, now)], "op1", now, key)
    mark = (await store.snapshot()).last_event_id
    later = now + timedelta(seconds=1)
    again, replay2 = await store.apply_updates([upd("vvt-a", "elv_hoog", 4, 5, now)], "op2", later, key)
    assert (replay1, replay2) == (False, True)
    assert again == first
    assert await stores.events.events_after(mark) == []
    with pytest.raises(IdempotencyMismatch):
        await store.apply_updates(
            [upd("vvt-a", "elv_hoog", 1, 5, later)], "op3", later, IdempotencyKey("tok1:k1", "fp-b")
        )
    assert (await entry_of(store, "vvt-a", "elv_hoog")).available == 4


async def test_concurrent_calls_with_one_idempotency_key_apply_once(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    key = IdempotencyKey("tok:same", "fp")
    mark = (await store.snapshot()).last_event_id
    outcomes = await asyncio.gather(
        *(store.apply_updates([upd("zh-e", "seh", 3, 4, now)], f"op{i}", now, key) for i in range(10))
    )
    assert sorted(replay for _, replay in outcomes) == [False] + [True] * 9
    assert len(await stores.events.events_after(mark)) == 1


# -- provider stops ------------------------------------------------------------------------


async def test_stop_status_versions_and_expiry(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    mark = (await store.snapshot()).last_event_id
    s1 = await store.set_status(ProviderStatus("zh-e", "stop", "SEH vol", now + timedelta(hours=1), now), "op1")
    s2 = await store.set_status(ProviderStatus("zh-e", "open", "", None, now), "op2")
    assert (s1.version, s2.version) == (1, 2)
    assert s1.stopped(now) and not s1.stopped(now + timedelta(hours=2)) and not s2.stopped(now)
    statuses = {s.provider_id: s for s in (await store.snapshot()).statuses}
    assert statuses["zh-e"].status == "open" and statuses["zh-e"].version == 2
    events = await stores.events.events_after(mark)
    assert [e.type for e in events] == ["provider.status", "provider.status"]
    assert events[0].data["status"]["status"] == "stop" and events[1].data["op"] == "op2"


async def test_a_care_type_stop_is_kept_apart_from_the_providers_own(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    until = now + timedelta(hours=2)
    await store.apply_updates([upd("vvt-a", "elv_hoog", 2, 5, now), upd("vvt-a", "elv_laag", 2, 3, now)], "op0", now)
    one = await store.set_status(
        ProviderStatus("vvt-a", "stop", "geen ELV-arts", until, now, care_type="elv_hoog"), "o1"
    )
    assert (one.key, one.care_type, one.version) == ("vvt-a|elv_hoog", "elv_hoog", 1)
    with pytest.raises(PlaceGone, match="stop"):
        await store.hold(new_hold("vvt-a", "elv_hoog", now), now)
    await store.hold(new_hold("vvt-a", "elv_laag", now), now)  # the other care type stays offered
    # the whole provider's stop has its own version line; opening the care type does not lift it
    whole = await store.set_status(ProviderStatus("vvt-a", "stop", "brand", None, now), "o2")
    assert (whole.key, whole.version) == ("vvt-a", 1)
    opened = await store.set_status(ProviderStatus("vvt-a", "open", "", None, now, care_type="elv_hoog"), "o3")
    assert opened.version == 2
    with pytest.raises(PlaceGone, match="stop"):
        await store.hold(new_hold("vvt-a", "elv_laag", now), now)
    await store.set_status(ProviderStatus("vvt-a", "open", "", None, now), "o4")
    await store.hold(new_hold("vvt-a", "elv_hoog", now), now)
    statuses = {s.key: s for s in (await store.snapshot()).statuses}
    assert {k: (s.status, s.care_type) for k, s in statuses.items()} == {
        "vvt-a": ("open", ""),
        "vvt-a|elv_hoog": ("open", "elv_hoog"),
    }


async def test_a_care_type_stop_lifts_by_itself(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    await store.set_status(
        ProviderStatus("zh-e", "stop", "SEH vol", now + timedelta(minutes=30), now, care_type="seh"), "o1"
    )
    later = now + timedelta(hours=1)
    await store.apply_updates([upd("zh-e", "seh", 2, 4, later)], "op1", later)
    await store.hold(new_hold("zh-e", "seh", later), later)


async def test_a_repeated_status_op_answers_the_first_write_and_logs_once(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    mark = (await store.snapshot()).last_event_id
    stop = ProviderStatus("zh-e", "stop", "SEH vol", now + timedelta(hours=1), now)
    first = await store.set_status(stop, "op-same")
    again = await store.set_status(stop, "op-same")
    assert first == again and first.version == 1
    assert [e.type for e in await stores.events.events_after(mark)] == ["provider.status"]


# -- holds -----------------------------------------------------------------------------------


async def test_hold_takes_one_free_unit_until_none_left(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    await store.apply_updates([upd("vvt-a", "elv_hoog", 2, 5, now)], "op1", now)
    h1, e1 = await store.hold(new_hold("vvt-a", "elv_hoog", now), now)
    assert (e1.available, e1.held) == (2, 1)
    await store.hold(new_hold("vvt-a", "elv_hoog", now), now)
    with pytest.raises(PlaceGone, match="no free elv_hoog left at vvt-a"):
        await store.hold(new_hold("vvt-a", "elv_hoog", now), now)
    e = await entry_of(store, "vvt-a", "elv_hoog")
    assert (e.available, e.held, e.free(now)) == (2, 2, 0)
    assert {h.hold_id for h in (await store.snapshot()).holds} >= {h1.hold_id}


async def test_hold_refuses_stale_stopped_and_unknown_places(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    with pytest.raises(PlaceGone, match="stale"):
        await store.hold(new_hold("vvt-a", "elv_hoog", now), now)  # never reported
    await store.apply_updates([upd("vvt-a", "elv_hoog", 2, 5, now - timedelta(minutes=90))], "op1", now)
    with pytest.raises(PlaceGone, match="stale"):
        await store.hold(new_hold("vvt-a", "elv_hoog", now), now)  # reported, but expired
    await store.apply_updates([upd("vvt-c", "elv_hoog", 5, 10, now)], "op2", now)
    await store.set_status(ProviderStatus("vvt-c", "stop", "griepuitbraak", now + timedelta(hours=2), now), "op3")
    with pytest.raises(PlaceGone, match="stop"):
        await store.hold(new_hold("vvt-c", "elv_hoog", now), now)
    later = now + timedelta(hours=3)  # the stop has run out by itself
    await store.apply_updates([upd("vvt-c", "elv_hoog", 5, 10, later)], "op4", later)
    await store.hold(new_hold("vvt-c", "elv_hoog", later), later)
    with pytest.raises(NotFound, match="vvt-c offers no seh") as info:
        await store.hold(new_hold("vvt-c", "seh", now), now)
    assert info.value.field == "care_type"


async def test_hold_is_idempotent_by_id_and_by_key(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    await store.apply_updates([upd("vvt-c", "elv_hoog", 5, 10, now)], "op1", now)
    h = new_hold("vvt-c", "elv_hoog", now)
    await store.hold(h, now)
    again, e = await store.hold(h, now)
    assert again.hold_id == h.hold_id and e.held == 1
    key = IdempotencyKey("tok:k", "fp")
    first, _ = await store.hold(new_hold("vvt-c", "elv_hoog", now), now, key)
    second, e2 = await store.hold(new_hold("vvt-c", "elv_hoog", now), now, key)
    assert second.hold_id == first.hold_id and e2.held == 2
    with pytest.raises(IdempotencyMismatch):
        await store.hold(new_hold("vvt-c", "elv_hoog", now), now, IdempotencyKey("tok:k", "other"))


async def test_confirm_consumes_the_unit_once(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    await store.apply_updates([upd("vvt-a", "elv_hoog", 3, 5, now)], "op1", now)
    h, _ = await store.hold(new_hold("vvt-a", "elv_hoog", now), now)
    c1, e1 = await store.confirm_hold(h.hold_id, now)
    c2, e2 = await store.confirm_hold(h.hold_id, now + timedelta(seconds=5))
    assert c1.status == c2.status == "confirmed"
    assert (e1.available, e1.held) == (e2.available, e2.held) == (2, 0)
    with pytest.raises(InvalidTransition, match="already confirmed"):
        await store.release_hold(h.hold_id, now)
    assert h.hold_id not in {x.hold_id for x in (await store.snapshot()).holds}


async def test_release_gives_the_unit_back_and_blocks_confirm(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    await store.apply_updates([upd("vvt-a", "elv_hoog", 1, 5, now)], "op1", now)
    h, _ = await store.hold(new_hold("vvt-a", "elv_hoog", now), now)
    r1, e1 = await store.release_hold(h.hold_id, now)
    r2, e2 = await store.release_hold(h.hold_id, now)
    assert r1.status == r2.status == "released"
    assert (e1.available, e1.held) == (e2.available, e2.held) == (1, 0)
    with pytest.raises(InvalidTransition, match="released and cannot be confirmed"):
        await store.confirm_hold(h.hold_id, now)
    with pytest.raises(NotFound, match="no hold no-such-hold"):
        await store.release_hold("no-such-hold", now)
    with pytest.raises(NotFound):
        await store.confirm_hold("no-such-hold", now)


async def test_a_hold_ends_only_as_released_or_expired(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    await store.apply_updates([upd("vvt-a", "elv_hoog", 1, 5, now)], "op1", now)
    h, _ = await store.hold(new_hold("vvt-a", "elv_hoog", now), now)
    with pytest.raises(InvalidInput):
        await store.release_hold(h.hold_id, now, "confirmed")
    got = await store.get_hold(h.hold_id)
    assert got is not None and got.status == "held"


async def test_holds_expire_by_themselves_and_cannot_be_confirmed_late(stores: Stores) -> None:
    store = stores.capacity
    now = utcnow()
    await store.apply_updates([upd("vvt-c", "elv_hoog", 4, 10, now)], "op1", now)
    short, _ = await store.hold(new_hold("vvt-c", "elv_hoog", now, minutes=1), now)
    long_, _ = await store.hold(new_hold("vvt-c", "elv_hoog", now, minutes=30), now)
    late_, _ = await store.hold(new_hold("vvt-c", "elv_hoog", now, minutes=2), now)
    expired = await store.expire_holds(now + timedelta(minutes=1, seconds=1))
    assert [h.hold_id for h in expired] == [short.hold_id]
    assert expired[0].status == "expired"
    with pytest.raises(InvalidTransition, match="expired"):
        await store.confirm_hold(late_.hold_id, now + timedelta(minutes=5))
    e = await entry_of(store, "vvt-c", "elv_hoog")
    assert (e.available, e.held) == (4, 1)  # only the long hold remains
    assert {h.hold_id for h in (await store.snapshot()).holds} == {long_.hold_id}
    got = await store.get_hold(short.hold_id)
    assert got is not None and got.status == "expired"
    late = await store.get_hold(late_.hold_id)
    assert late is not None and late.status == "expired"  # the refused confirm expired it
    assert await store.get_hold("no-such-hold") is None


async def test_two_instances_never_double_book(stores: Stores, backend_url: str) -> None:
    """Two independent clients of one store race for 5 free places: exactly 5 holds succeed."""
    store = stores.capacity
    other = open_stores(backend_url, store.region_id)
    await other.backend.open()
    try:
        now = utcnow()
        await store.apply_updates([upd("vvt-c", "elv_hoog", 5, 10, now)], "op1", now)

        async def attempt(s: CapacityStore) -> bool:
            try:
                await s.hold(new_hold("vvt-c", "elv_hoog", now), now)
            except PlaceGone:
                return False
            return True

        results = await asyncio.gather(*(attempt(store if i % 2 else other.capacity) for i in range(40)))
        assert sum(results) == 5
        e = await entry_of(store, "vvt-c", "elv_hoog")
        assert (e.available, e.held, e.free(now)) == (5, 5, 0)
    finally:
        await other.backend.close()


async def test_peek_sees_another_region_only_where_the_backend_holds_several(stores: Stores, backend_url: str) -> None:
    neighbour = tiny_region(stores.capacity.region_id + "n")
    other = open_stores(backend_url.replace("zcc.db", "neighbour.db"), neighbour.id)
    await other.backend.open()
    try:
        await other.capacity.seed(neighbour, utcnow())
        seen = await stores.capacity.peek(neighbour.id)
    finally:
        await other.backend.close()
    if backend_url.startswith("sqlite"):
        assert seen is None  # one region per file
    else:
        assert seen is not None and len(seen.entries) == len(neighbour.offers())
