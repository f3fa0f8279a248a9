"""The capacity view applies the event log: newer versions win, repeats and old events change nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from capacity.board import BoardReloaded, HealthChanged, RowsChanged
from capacity.state import CapacityEntry, EntryHint, Event, Hold, LazyJson, ProviderStatus, Snapshot
from capacity.view import CapacityView

from ..regions import tiny_region

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def entry(pid: str, ct: str, available: int, version: int, *, fresh: bool = True) -> CapacityEntry:
    return CapacityEntry(
        pid,
        ct,
        total=10,
        available=available,
        reported_at=NOW - timedelta(minutes=5),
        valid_until=NOW + timedelta(hours=1) if fresh else NOW - timedelta(minutes=1),
        version=version,
    )


def updated(event_id: str, e: CapacityEntry, *, hinted: bool = False) -> Event:
    hint = EntryHint(e.provider_id, e.care_type, e.version) if hinted else None
    return Event(event_id, NOW, "capacity.updated", LazyJson(json.dumps({"entry": e.to_dict()})), hint)


def loaded_view() -> CapacityView:
    view = CapacityView(tiny_region())
    view.load(Snapshot((entry("vvt-a", "elv_hoog", 2, 1),), (), (), "5"))
    return view


def test_a_newer_version_replaces_the_entry_and_moves_the_log_position() -> None:
    view = loaded_view()
    view.apply_event(updated("6", entry("vvt-a", "elv_hoog", 4, 2)))
    assert view.entries[("vvt-a", "elv_hoog")].available == 4
    assert view.last_event_id == "6"
    assert view.has_entry(("vvt-a", "elv_hoog"), 2) and not view.has_entry(("vvt-a", "elv_hoog"), 3)


def test_an_older_or_repeated_version_changes_nothing_but_the_log_position() -> None:
    view = loaded_view()
    view.apply_event(updated("6", entry("vvt-a", "elv_hoog", 4, 2)))
    changes = view.changes
    view.apply_event(updated("7", entry("vvt-a", "elv_hoog", 9, 2)))  # the same version again
    view.apply_event(updated("8", entry("vvt-a", "elv_hoog", 0, 1), hinted=True))  # older, skipped by its hint
    assert view.entries[("vvt-a", "elv_hoog")].available == 4
    assert view.changes == changes
    assert view.last_event_id == "8"
    assert view.events_applied == 3


def test_holds_are_tracked_while_active_and_dropped_when_they_end() -> None:
    view = loaded_view()
    hold = Hold("h1", "vvt-a", "elv_hoog", "req-1", NOW, NOW + timedelta(minutes=15))
    e = entry("vvt-a", "elv_hoog", 2, 2)
    data = {"hold": hold.to_dict(), "entry": (e.to_dict() | {"held": 1})}
    view.apply_event(Event("6", NOW, "hold.created", data))
    assert set(view.holds) == {"h1"}
    assert view.entries[("vvt-a", "elv_hoog")].held == 1
    ended = hold.ended("confirmed", NOW)
    data = {"hold": ended.to_dict(), "entry": entry("vvt-a", "elv_hoog", 1, 3).to_dict()}
    view.apply_event(Event("7", NOW, "hold.confirmed", data))
    assert view.holds == {}


def test_a_stop_applies_by_version_and_lifts_by_itself() -> None:
    view = loaded_view()
    stop = ProviderStatus("vvt-a", "stop", "griep", NOW + timedelta(hours=1), NOW, version=2)
    view.apply_event(Event("6", NOW, "provider.status", {"status": stop.to_dict()}))
    older = ProviderStatus("vvt-a", "open", "", None, NOW, version=1)
    view.apply_event(Event("7", NOW, "provider.status", {"status": older.to_dict()}))
    assert view.stop_of("vvt-a", NOW) is not None
    assert view.stop_of("vvt-a", NOW + timedelta(hours=2)) is None
    assert view.has_status("vvt-a", 2)


def test_subscribers_get_the_changed_rows_health_and_reloads() -> None:
    view = loaded_view()
    queue = view.subscribe()
    view.apply_event(updated("6", entry("vvt-a", "elv_hoog", 4, 2)))
    stop = ProviderStatus("vvt-a", "stop", "griep", None, NOW, version=1)
    view.apply_event(Event("7", NOW, "provider.status", {"status": stop.to_dict()}))
    view.set_degraded(True)
    view.set_degraded(True)  # no change, no message
    view.load(Snapshot((), (), (), "0"))
    got = [queue.get_nowait() for _ in range(queue.qsize())]
    assert isinstance(got[0], RowsChanged)
    assert [(r.entry.provider_id, r.entry.available) for r in got[0].rows] == [("vvt-a", 4)]
    assert isinstance(got[1], RowsChanged)
    assert {r.entry.care_type for r in got[1].rows} == {"elv_hoog"}  # every entry of the stopped provider
    assert all(r.stop is not None for r in got[1].rows)
    assert got[2] == HealthChanged(True)
    assert got[3] == BoardReloaded()
    assert len(got) == 4


def test_a_subscriber_that_falls_behind_is_dropped_with_an_end_marker() -> None:
    view = loaded_view()
    queue = view.subscribe()
    for i in range(2, 2 + 2001):
        view.apply_event(updated(str(i + 10), entry("vvt-a", "elv_hoog", i % 5, i)))
    items = [queue.get_nowait() for _ in range(queue.qsize())]
    assert items[-1] is None
    view.apply_event(updated("9999", entry("vvt-a", "elv_hoog", 1, 99999)))
    assert queue.empty()


def test_board_rows_hide_free_units_when_stale_or_stopped() -> None:
    view = loaded_view()
    view.apply_event(updated("6", entry("vvt-c", "elv_hoog", 3, 1, fresh=False)))
    rows = {r.entry.key: r.to_json(NOW) for r in view.board(NOW)}
    assert rows[("vvt-a", "elv_hoog")]["free"] == 2
    assert rows[("vvt-c", "elv_hoog")]["free"] is None and rows[("vvt-c", "elv_hoog")]["stale"]
    assert view.totals(NOW)["elv_hoog"] == (2, 0, 2)  # stale entries do not count
