"""Dispatch as array work (routing/live.py) decides every place exactly as rank_places does, one by one."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capacity.model import Hours, Location, OpeningWindow, Provider, ProviderOffer, Region, Road
from capacity.state import CapacityEntry, ProviderStatus
from routing.dispatch import Option, Place, rank_places
from routing.live import WHY, LiveTable
from routing.lookup import Routing
from routing.week import week_bitmap

from ..regions import tiny_region

TZ = ZoneInfo("Europe/Amsterdam")
CT = "elv_hoog"
# Around both daylight-saving changes of 2026 and an ordinary week.
INSTANTS = (
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 40, tzinfo=UTC),
    datetime(2026, 1, 14, 10, 0, tzinfo=UTC),
    datetime(2026, 6, 7, 21, 55, tzinfo=UTC),
)

windows = st.builds(
    OpeningWindow,
    st.frozensets(st.integers(0, 6), min_size=1, max_size=7),
    st.integers(0, 1439),
    st.integers(1, 1440),
)
hours = st.one_of(
    st.just(Hours()),
    st.lists(windows, min_size=1, max_size=3).map(lambda ws: Hours(always=False, windows=tuple(ws), text="x")),
)


def region_with(all_hours: list[Hours]) -> Region:
    """Ten providers of elv_hoog on the tiny line (two per town), each with its own opening hours."""
    base = tiny_region("live")
    towns = itertools.cycle("abcde")
    providers = {
        f"p{i}": Provider(f"p{i}", f"P{i}", "vvt", next(towns), {CT: ProviderOffer(CT, 6)}, h)
        for i, h in enumerate(all_hours)
    }
    return dataclasses.replace(base, providers=providers)


@st.composite
def boards(draw: st.DrawFn) -> tuple[Region, datetime, list[CapacityEntry], list[ProviderStatus]]:
    region = region_with(draw(st.lists(hours, min_size=10, max_size=10)))
    now = draw(st.sampled_from(INSTANTS)) + timedelta(
        minutes=draw(st.integers(-90, 90)), seconds=draw(st.integers(0, 59))
    )
    entries, statuses = [], []
    for pid in region.providers:
        if draw(st.booleans()) or draw(st.booleans()):
            available = draw(st.integers(0, 6))
            reported = now - timedelta(seconds=draw(st.integers(0, 7200)), microseconds=draw(st.integers(0, 999_999)))
            fresh = now + timedelta(minutes=draw(st.integers(-30, 120)))
            entries.append(CapacityEntry(pid, CT, 6, available, draw(st.integers(0, available)), reported, fresh, 1))
        which = draw(st.sampled_from(("", "", "provider", "care_type")))
        if which:
            until = draw(st.sampled_from((None, now - timedelta(minutes=5), now + timedelta(hours=2))))
            status = draw(st.sampled_from(("stop", "stop", "open")))
            ct = CT if which == "care_type" else ""
            statuses.append(ProviderStatus(pid, status, "griep", until, now, 1, ct))  # type: ignore[arg-type]
    return region, now, entries, statuses


def one_by_one(
    routing: Routing,
    region: Region,
    snap_at: str,
    now: datetime,
    entries: list[CapacityEntry],
    statuses: list[ProviderStatus],
    limit: int,
    ignore_stops: bool,
) -> tuple[list[Option], list[Option]]:
    by_key = {e.provider_id: e for e in entries}
    by_status = {s.key: s for s in statuses}
    loc = region.locations[snap_at]
    snap = routing.snap(loc.lat, loc.lon)
    places = []
    for pid, minutes in routing.nearest(snap, region.id, CT):
        stop = None
        for key in (pid, f"{pid}|{CT}"):
            s = by_status.get(key)
            if stop is None and s is not None and s.stopped(now):
                stop = s
        places.append(
            Place(
                region.id,
                region.name,
                region.providers[pid],
                CT,
                by_key.get(pid),
                None if ignore_stops else stop,
                minutes,
            )
        )
    return rank_places(places, now, TZ, limit=limit, include_excluded=True)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    boards(),
    st.sampled_from("abcde"),
    st.integers(1, 6),
    st.booleans(),
    st.integers(1, 12),
    st.integers(0, 12),
    st.integers(0, 12),
)
def test_arrays_decide_every_place_as_the_rules_do(
    board: tuple[Region, datetime, list[CapacityEntry], list[ProviderStatus]],
    at: str,
    limit: int,
    ignore_stops: bool,
    first: int,
    max_excluded: int,
    scalar_at_most: int,
) -> None:
    region, now, entries, statuses = board
    routing = Routing(region)
    live = LiveTable(routing)
    live.by_type[CT].first = first  # the nearest few first, then the rest when the answer could change
    live.by_type[CT].scalar_at_most = scalar_at_most  # one by one in Python up to this many, else as arrays
    live.load(entries, statuses)
    loc = region.locations[at]
    ranked = live.rank(
        routing.snap(loc.lat, loc.lon), CT, now, TZ, limit=limit, ignore_stops=ignore_stops, excluded=max_excluded
    )
    assert ranked is not None
    options, excluded = one_by_one(routing, region, at, now, entries, statuses, limit, ignore_stops)
    t = ranked.table
    assert [t.provider_ids[d.slot] for d in ranked.options] == [o.place.provider.id for o in options]
    assert [d.score for d in ranked.options] == [o.score for o in options]
    cutoff = options[-1].score if len(options) == limit else float("inf")
    nearer = [(o.place.provider.id, o.excluded) for o in excluded if o.place.travel_minutes <= cutoff]
    assert [(t.provider_ids[d.slot], WHY[d.why]) for d in ranked.excluded] == nearer[:max_excluded]


def test_changes_reach_the_arrays_and_a_reload_forgets_what_it_does_not_name() -> None:
    region = region_with([Hours()] * 10)
    routing = Routing(region)
    live = LiveTable(routing)
    now = INSTANTS[2]
    snap = routing.snap(region.locations["a"].lat, region.locations["a"].lon)
    assert live.rank(snap, CT, now, TZ, limit=3) is not None
    live.set_entry(CapacityEntry("p0", CT, 6, 2, 0, now, now + timedelta(hours=1), 1))
    ranked = live.rank(snap, CT, now, TZ, limit=3)
    assert ranked is not None and [ranked.table.provider_ids[d.slot] for d in ranked.options] == ["p0"]
    live.set_status(ProviderStatus("p0", "stop", "norovirus", None, now, 1))
    ranked = live.rank(snap, CT, now, TZ, limit=3)
    assert ranked is not None and len(ranked.options) == 0
    live.set_status(ProviderStatus("p0", "open", "", None, now, 2))
    ranked = live.rank(snap, CT, now, TZ, limit=3)
    assert ranked is not None and len(ranked.options) == 1
    live.load([], [])
    ranked = live.rank(snap, CT, now, TZ, limit=3)
    assert ranked is not None and len(ranked.options) == 0
    assert live.rank(snap, "seh_not_here", now, TZ, limit=3) is None


def test_the_week_bitmap_agrees_with_the_opening_windows() -> None:
    night = OpeningWindow(frozenset({6}), 22 * 60, 7 * 60)  # Sunday 22:00 into Monday 07:00
    bits = week_bitmap(Hours(always=False, windows=(night,)))
    for minute in range(7 * 1440):
        assert bits[minute] == night.contains(minute // 1440, minute % 1440), minute
    assert bits[6 * 1440 + 23 * 60] and bits[0 * 1440 + 6 * 60] and not bits[0 * 1440 + 7 * 60]
    assert np.count_nonzero(bits) == 9 * 60


def test_a_place_opening_at_ten_is_closed_to_an_arrival_seconds_before() -> None:
    from_ten = Hours(always=False, windows=(OpeningWindow(frozenset(range(7)), 10 * 60, 18 * 60),), text="10-18")
    region = region_with([from_ten] + [Hours()] * 9)
    routing = Routing(region)
    live = LiveTable(routing)
    a = region.locations["a"]
    snap = routing.snap(a.lat + 0.0025, a.lon)  # near p0's town: half a minute's walk, no road
    ten = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
    access = timedelta(minutes=snap.access_minutes)
    for now, why in ((ten - access - timedelta(seconds=10), "closed"), (ten - access + timedelta(seconds=10), "")):
        live.load([CapacityEntry("p0", CT, 6, 3, 0, now, now + timedelta(hours=1), 1)], [])
        ranked = live.rank(snap, CT, now, TZ, limit=1, excluded=5)
        assert ranked is not None
        decided = [("", d.slot) for d in ranked.options] + [(WHY[d.why], d.slot) for d in ranked.excluded]
        assert [w for w, slot in decided if slot == 0] == [why], now


def test_a_further_place_with_a_better_score_is_found_beyond_the_nearest_few() -> None:
    """Six towns a minute apart: the three nearest were reported 36 minutes ago, the fourth just now."""
    locations = {f"t{i}": Location(f"t{i}", f"T{i}", 50.85 + i * 0.01, 5.70, 1_000) for i in range(6)}
    roads = tuple(Road(f"t{i}", f"t{i + 1}", 1.0) for i in range(5))
    providers = {
        f"p{i}": Provider(f"p{i}", f"P{i}", "vvt", f"t{i}", {CT: ProviderOffer(CT, 6)}, Hours()) for i in range(6)
    }
    region = dataclasses.replace(tiny_region("steps"), locations=locations, roads=roads, providers=providers)
    routing = Routing(region)
    live = LiveTable(routing)
    live.by_type[CT].first = 1  # decide the three nearest first
    now = INSTANTS[2]
    old, fresh = now - timedelta(minutes=36), now
    live.load(
        [CapacityEntry(f"p{i}", CT, 6, 4, 0, fresh if i == 3 else old, now + timedelta(hours=1), 1) for i in range(6)],
        [],
    )
    snap = routing.snap(locations["t0"].lat, locations["t0"].lon)
    ranked = live.rank(snap, CT, now, TZ, limit=1)
    assert ranked is not None
    assert [(ranked.table.provider_ids[d.slot], d.score) for d in ranked.options] == [("p3", 3.0)]
