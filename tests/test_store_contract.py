"""The store contract: every case runs against the SQLite store and a real redis-server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import pytest

from capacity.errors import IdempotencyMismatch, InvalidTransition, NotFound, PlaceGone
from capacity.model import CapacityUpdate, Hold, ProviderStatus, TokenRecord, utcnow
from capacity.store import IdempotencyKey, Store, open_store


def upd(pid: str, ct: str, available: int, total: int, at: datetime, minutes: int = 60) -> CapacityUpdate:
    return CapacityUpdate(pid, ct, available, total, at, timedelta(minutes=minutes))


def new_hold(pid: str, ct: str, now: datetime, minutes: int = 15, hold_id: str | None = None) -> Hold:
    return Hold(
        hold_id or uuid.uuid4().hex,
        pid,
        ct,
        "req-" + uuid.uuid4().hex[:8],
        now,
        now + timedelta(minutes=minutes),
    )


async def entry_of(store: Store, pid: str, ct: str):  # type: ignore[no-untyped-def]
    snap = await store.snapshot()
    return next(e for e in snap.entries if (e.provider_id, e.care_type) == (pid, ct))


async def test_seed_creates_unreported_stale_entries_and_keeps_state(store: Store) -> None:
    now = utcnow()
    e = await entry_of(store, "vvt-a", "elv_hoog")
    assert (e.total, e.available, e.held, e.reported_at) == (5, 0, 0, None)
    assert e.stale(now) and e.free(now) == 0
    await store.apply_updates([upd("vvt-a", "elv_hoog", 3, 5, now)], "op1", now)
    from .regions import tiny_region

    await store.seed(tiny_region(store.region_id), now)  # a restart seeds again
    e = await entry_of(store, "vvt-a", "elv_hoog")
    assert e.available == 3 and not e.stale(now)


async def test_update_is_applied_logged_and_visible(store: Store) -> None:
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
    events = await store.events_after(before)
    assert [ev.type for ev in events] == ["capacity.updated", "capacity.updated"]
    assert events[0].data["entry"]["available"] == 2
    assert events[0].data["entry"]["version"] == e.version


async def test_older_report_is_stale_ignored_and_never_overwrites(store: Store) -> None:
    now = utcnow()
    await store.apply_updates([upd("vvt-a", "elv_hoog", 4, 5, now)], "op1", now)
    results, _ = await store.apply_updates([upd("vvt-a", "elv_hoog", 0, 5, now - timedelta(minutes=5))], "op2", now)
    assert results[0].status == "stale_ignored"
    assert (await entry_of(store, "vvt-a", "elv_hoog")).available == 4


async def test_idempotency_key_replays_first_result_and_applies_nothing_twice(store: Store) -> None:
    now = utcnow()
    key = IdempotencyKey("tok1:k1", "fp-a")
    first, replay1 = await store.apply_updates([upd("vvt-a", "elv_hoog", 4, 5, now)], "op1", now, key)
    mark = (await store.snapshot()).last_event_id
    later = now + timedelta(seconds=1)
    again, replay2 = await store.apply_updates([upd("vvt-a", "elv_hoog", 4, 5, now)], "op2", later, key)
    assert (replay1, replay2) == (False, True)
    assert again == first
    assert await store.events_after(mark) == []
    with pytest.raises(IdempotencyMismatch):
        await store.apply_updates(
            [upd("vvt-a", "elv_hoog", 1, 5, later)], "op3", later, IdempotencyKey("tok1:k1", "fp-b")
        )
    assert (await entry_of(store, "vvt-a", "elv_hoog")).available == 4


async def test_hold_takes_one_free_unit_until_none_left(store: Store) -> None:
    now = utcnow()
    await store.apply_updates([upd("vvt-a", "elv_hoog", 2, 5, now)], "op1", now)
    h1, e1 = await store.hold(new_hold("vvt-a", "elv_hoog", now), now)
    assert (e1.available, e1.held) == (2, 1)
    await store.hold(new_hold("vvt-a", "elv_hoog", now), now)
    with pytest.raises(PlaceGone):
        await store.hold(new_hold("vvt-a", "elv_hoog", now), now)
    e = await entry_of(store, "vvt-a", "elv_hoog")
    assert (e.available, e.held, e.free(now)) == (2, 2, 0)
    assert {h.hold_id for h in (await store.snapshot()).holds} >= {h1.hold_id}


async def test_hold_refuses_stale_stopped_and_unknown_places(store: Store) -> None:
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
    with pytest.raises(NotFound):
        await store.hold(new_hold("vvt-c", "seh", now), now)


async def test_hold_is_idempotent_by_id_and_by_key(store: Store) -> None:
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


async def test_confirm_consumes_the_unit_once(store: Store) -> None:
    now = utcnow()
    await store.apply_updates([upd("vvt-a", "elv_hoog", 3, 5, now)], "op1", now)
    h, _ = await store.hold(new_hold("vvt-a", "elv_hoog", now), now)
    c1, e1 = await store.confirm_hold(h.hold_id, now)
    c2, e2 = await store.confirm_hold(h.hold_id, now + timedelta(seconds=5))
    assert c1.status == c2.status == "confirmed"
    assert (e1.available, e1.held) == (e2.available, e2.held) == (2, 0)
    with pytest.raises(InvalidTransition):
        await store.release_hold(h.hold_id, now)
    assert h.hold_id not in {x.hold_id for x in (await store.snapshot()).holds}


async def test_release_gives_the_unit_back_and_blocks_confirm(store: Store) -> None:
    now = utcnow()
    await store.apply_updates([upd("vvt-a", "elv_hoog", 1, 5, now)], "op1", now)
    h, _ = await store.hold(new_hold("vvt-a", "elv_hoog", now), now)
    r1, e1 = await store.release_hold(h.hold_id, now)
    r2, e2 = await store.release_hold(h.hold_id, now)
    assert r1.status == r2.status == "released"
    assert (e1.available, e1.held) == (e2.available, e2.held) == (1, 0)
    with pytest.raises(InvalidTransition):
        await store.confirm_hold(h.hold_id, now)
    with pytest.raises(NotFound):
        await store.release_hold("no-such-hold", now)


async def test_holds_expire_by_themselves_and_cannot_be_confirmed_late(store: Store) -> None:
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


async def test_event_log_is_ordered_and_follows_the_snapshot(store: Store) -> None:
    now = utcnow()
    snap = await store.snapshot()
    await store.apply_updates([upd("hap-b", "hap_consult", 6, 6, now)], "op1", now)
    h, _ = await store.hold(new_hold("hap-b", "hap_consult", now), now)
    await store.confirm_hold(h.hold_id, now)
    eid = await store.append_event("request.created", {"request_id": "r1"}, now)
    events = await store.events_after(snap.last_event_id)
    assert [e.type for e in events] == [
        "capacity.updated",
        "hold.created",
        "hold.confirmed",
        "request.created",
    ]
    assert events[-1].id == eid
    assert await store.events_after(events[1].id, limit=1) == [events[2]]
    assert await store.events_after(eid, block_ms=50) == []


async def test_stop_status_versions_and_expiry(store: Store) -> None:
    now = utcnow()
    s1 = await store.set_status(ProviderStatus("zh-e", "stop", "SEH vol", now + timedelta(hours=1), now), "op1")
    s2 = await store.set_status(ProviderStatus("zh-e", "open", "", None, now), "op2")
    assert s2.version == s1.version + 1
    assert s1.stopped(now) and not s1.stopped(now + timedelta(hours=2)) and not s2.stopped(now)
    statuses = {s.provider_id: s for s in (await store.snapshot()).statuses}
    assert statuses["zh-e"].status == "open"


async def test_tokens_are_stored_by_hash(store: Store) -> None:
    assert await store.count_tokens() == 0
    rec = TokenRecord("t1", "provider", ("vvt-a",), None, utcnow(), "test")
    await store.put_token("hash-1", rec)
    got = await store.get_token("hash-1")
    assert got is not None and got.role == "provider" and got.providers == ("vvt-a",)
    assert await store.get_token("hash-2") is None
    assert await store.count_tokens() == 1


async def test_two_instances_never_double_book(store: Store, store_url: str) -> None:
    """Two independent clients of one store race for 5 free places: exactly 5 holds succeed."""
    other = open_store(store_url, store.region_id)
    await other.open()
    try:
        now = utcnow()
        await store.apply_updates([upd("vvt-c", "elv_hoog", 5, 10, now)], "op1", now)

        async def attempt(s: Store) -> bool:
            try:
                await s.hold(new_hold("vvt-c", "elv_hoog", now), now)
            except PlaceGone:
                return False
            return True

        results = await asyncio.gather(*(attempt(store if i % 2 else other) for i in range(40)))
        assert sum(results) == 5
        e = await entry_of(store, "vvt-c", "elv_hoog")
        assert (e.available, e.held, e.free(now)) == (5, 5, 0)
    finally:
        await other.close()


async def test_concurrent_calls_with_one_idempotency_key_apply_once(store: Store) -> None:
    now = utcnow()
    key = IdempotencyKey("tok:same", "fp")
    mark = (await store.snapshot()).last_event_id
    outcomes = await asyncio.gather(
        *(store.apply_updates([upd("zh-e", "seh", 3, 4, now)], f"op{i}", now, key) for i in range(10))
    )
    assert sorted(replay for _, replay in outcomes) == [False] + [True] * 9
    assert len(await store.events_after(mark)) == 1


async def test_request_records_are_created_once_and_updated_by_version(store: Store) -> None:
    from capacity.errors import Conflict

    now = utcnow()
    mark = (await store.snapshot()).last_event_id
    v1 = await store.put_request(
        "r1",
        {"id": "r1", "status": "open"},
        open_=True,
        expected_version=None,
        op_id="o1",
        now=now,
        event=("request.created", {"request_id": "r1"}),
    )
    assert v1 == 1
    with pytest.raises(Conflict):
        await store.put_request("r1", {"id": "r1"}, open_=True, expected_version=None, op_id="o2", now=now)
    v2 = await store.put_request(
        "r1", {"id": "r1", "status": "reserved"}, open_=True, expected_version=1, op_id="o3", now=now
    )
    assert v2 == 2
    # a retry of the same op answers the same, a stale version is refused
    assert (
        await store.put_request(
            "r1", {"id": "r1", "status": "reserved"}, open_=True, expected_version=1, op_id="o3", now=now
        )
        == 2
    )
    with pytest.raises(Conflict, match="changed meanwhile"):
        await store.put_request("r1", {"id": "r1", "status": "x"}, open_=True, expected_version=1, op_id="o4", now=now)
    assert await store.get_request("r1") == ({"id": "r1", "status": "reserved"}, 2)
    await store.put_request(
        "r2", {"id": "r2", "created_at": "2"}, open_=True, expected_version=None, op_id="o5", now=now
    )
    assert [r["id"] for r, _ in await store.list_requests()] == ["r1", "r2"]
    await store.put_request(
        "r1", {"id": "r1", "status": "placed"}, open_=False, expected_version=2, op_id="o6", now=now
    )
    assert [r["id"] for r, _ in await store.list_requests()] == ["r2"]
    assert {r["id"] for r, _ in await store.list_requests(open_only=False)} == {"r1", "r2"}
    assert await store.get_request("nope") is None
    assert [e.type for e in await store.events_after(mark)] == ["request.created"]


async def test_concurrent_updates_of_one_request_let_exactly_one_win(store: Store) -> None:
    from capacity.errors import Conflict

    now = utcnow()
    await store.put_request("r9", {"id": "r9"}, open_=True, expected_version=None, op_id="c0", now=now)

    async def update(i: int) -> bool:
        try:
            await store.put_request(
                "r9", {"id": "r9", "by": i}, open_=True, expected_version=1, op_id=f"c{i + 1}", now=now
            )
        except Conflict:
            return False
        return True

    assert sum(await asyncio.gather(*(update(i) for i in range(10)))) == 1


async def test_trajectory_records_and_events_live_beside_requests(store: Store) -> None:
    from capacity.errors import Conflict

    now = utcnow()
    assert await store.get_trajectory("p-1") == (None, 0, [])
    # the request lifecycle appends to a patient's trajectory events in the same write
    await store.put_request(
        "r1",
        {"id": "r1", "patient_ref": "p-1"},
        open_=True,
        expected_version=None,
        op_id="t1",
        now=now,
        trajectory_event={"type": "triage", "request_id": "r1"},
    )
    assert await store.get_trajectory("p-1") == (None, 0, [{"type": "triage", "request_id": "r1"}])
    v1 = await store.put_trajectory(
        "p-1",
        {"patient_ref": "p-1", "phase": "startfase"},
        expected_version=None,
        op_id="t2",
        now=now,
        event=("trajectory.updated", {"patient_ref": "p-1"}),
        trajectory_event={"type": "update"},
    )
    assert v1 == 1
    with pytest.raises(Conflict):
        await store.put_trajectory("p-1", {"phase": "x"}, expected_version=None, op_id="t3", now=now)
    record, version, events = await store.get_trajectory("p-1")
    assert (record, version) == ({"patient_ref": "p-1", "phase": "startfase"}, 1)
    assert [e["type"] for e in events] == ["triage", "update"]
    assert (await store.get_trajectory("p-2"))[2] == []


async def test_audit_is_append_only_filtered_and_kept_for_the_retention(store: Store) -> None:
    now = utcnow()
    old = now - timedelta(days=400)
    await store.append_audit({"patient_ref": "p-1", "action": "read", "n": 0}, old, 365)
    await store.append_audit({"patient_ref": "p-1", "action": "read", "n": 1}, now, 365)  # trims the old one
    await store.append_audit({"patient_ref": "p-2", "action": "update", "n": 2}, now, 365)
    await store.append_audit({"patient_ref": None, "action": "search", "n": 3}, now, 365)
    assert [e["n"] for e in await store.list_audit()] == [1, 2, 3]
    assert [e["n"] for e in await store.list_audit(patient_ref="p-1")] == [1]
    assert await store.list_audit(until=now - timedelta(days=1)) == []
    assert [e["n"] for e in await store.list_audit(since=now - timedelta(seconds=5), limit=2)] == [1, 2]
    assert all(e["id"] for e in await store.list_audit())
