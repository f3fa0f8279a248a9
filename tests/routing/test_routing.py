"""Road graph, travel matrix and the dispatch ranking on small regions with known answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from capacity.errors import OutsideRegion
from capacity.model import Region, Road
from capacity.state import CapacityEntry, ProviderStatus
from routing.dispatch import Option, Place, rank_places
from routing.graph import ACCESS_SPEED_KMH, RoadGraph, TravelMatrix, haversine_km
from routing.lookup import Routing
from tests.words import en

from ..regions import line_region, tiny_region

WINTER = datetime(2026, 1, 14, 10, 0, tzinfo=UTC)  # a Wednesday, 11:00 CET


def fresh(pid: str, available: int, at: datetime, *, held: int = 0, minutes: int = 60, total: int = 6) -> CapacityEntry:
    return CapacityEntry(
        pid, "elv_hoog", total, available, held, at - timedelta(minutes=5), at + timedelta(minutes=minutes), 1
    )


def places(
    routing: Routing,
    lat: float,
    lon: float,
    entries: dict[str, CapacityEntry],
    stops: dict[str, ProviderStatus] | None = None,
) -> list[Place]:
    region = routing.home
    snap = routing.snap(lat, lon)
    return [
        Place(region.id, region.name, region.providers[pid], "elv_hoog", entries.get(pid), (stops or {}).get(pid), m)
        for pid, m in routing.nearest(snap, region.id, "elv_hoog")
    ]


def ids(options: Sequence[Option]) -> list[str]:
    return [o.place.provider.id for o in options]


def test_snap_gives_nearest_node_and_access_time() -> None:
    g = RoadGraph(tiny_region())
    at_b = g.snap(50.90, 5.72)
    assert at_b.node == ("tiny", "b") and at_b.access_minutes == pytest.approx(0, abs=0.01)
    near_c = g.snap(50.96, 5.74)  # about 1.1 km north of C
    km = haversine_km(50.96, 5.74, 50.95, 5.74)
    assert near_c.node == ("tiny", "c")
    assert near_c.access_minutes == pytest.approx(km / ACCESS_SPEED_KMH * 60, rel=1e-6)


def test_a_coordinate_outside_the_region_is_refused() -> None:
    g = RoadGraph(tiny_region())
    with pytest.raises(OutsideRegion, match="km from the nearest place"):
        g.snap(52.37, 4.90)  # Amsterdam


def test_matrix_kernels_agree_and_give_known_minutes() -> None:
    region = tiny_region()
    g = RoadGraph(region)
    fast, slow = TravelMatrix(g, kernel="scipy"), TravelMatrix(g, kernel="networkx")
    assert np.array_equal(fast.table, slow.table)
    a, e = g.index[("tiny", "a")], g.index[("tiny", "e")]
    assert fast.provider_minutes(a, "tiny", "zh-e") == 40.0
    assert fast.provider_minutes(e, "tiny", "vvt-a") == 40.0
    assert fast.provider_minutes(a, "tiny", "vvt-a") == 0.0


def test_the_faster_of_two_parallel_roads_counts() -> None:
    base = tiny_region()
    region = Region(
        base.id,
        base.name,
        base.timezone,
        base.locations,
        (*base.roads, Road("a", "e", 25.0), Road("e", "a", 90.0)),
        base.providers,
        base.care_types,
    )
    m = TravelMatrix(RoadGraph(region))
    assert m.provider_minutes(RoadGraph(region).index[("tiny", "a")], "tiny", "zh-e") == 25.0


def test_nearest_is_proposed_first_when_it_has_room() -> None:
    routing = Routing(line_region())
    entries = {f"vvt-{n}": fresh(f"vvt-{n}", 4, WINTER) for n in "abce"}
    options, _ = rank_places(
        places(routing, 50.85, 5.70, entries), WINTER, routing.home.tz, limit=3, sorted_by_travel=True
    )
    assert ids(options) == ["vvt-a", "vvt-b", "vvt-c"]
    assert en(options[0].reason) == "0 min, 4 free, updated 5 min ago"


def test_when_the_nearest_is_full_the_second_is_proposed() -> None:
    routing = Routing(line_region())
    entries = {f"vvt-{n}": fresh(f"vvt-{n}", 4, WINTER) for n in "bce"}
    entries["vvt-a"] = fresh("vvt-a", 2, WINTER, held=2)  # 2 available, both held: full
    options, excluded = rank_places(
        places(routing, 50.85, 5.70, entries),
        WINTER,
        routing.home.tz,
        limit=1,
        include_excluded=True,
        sorted_by_travel=True,
    )
    assert ids(options) == ["vvt-b"]
    assert options[0].place.travel_minutes == pytest.approx(10.0)
    assert [(o.place.provider.id, o.excluded) for o in excluded] == [("vvt-a", "full")]
    assert en(excluded[0].reason) == "0 min, full (0 of 6 free, 2 held)"


def test_closed_stopped_stale_and_full_places_are_never_proposed() -> None:
    routing = Routing(line_region())
    tz = routing.home.tz
    entries = {
        "vvt-a": fresh("vvt-a", 0, WINTER),  # full
        "vvt-b": fresh("vvt-b", 5, WINTER),  # stopped below
        "vvt-c": fresh("vvt-c", 5, WINTER - timedelta(hours=2)),  # report expired an hour ago
        "vvt-d": fresh("vvt-d", 5, WINTER),  # closed on a weekday morning
        "vvt-e": fresh("vvt-e", 1, WINTER),
    }
    stops = {"vvt-b": ProviderStatus("vvt-b", "stop", "griepuitbraak", WINTER + timedelta(hours=7), WINTER)}
    options, excluded = rank_places(
        places(routing, 50.85, 5.70, entries, stops), WINTER, tz, limit=5, include_excluded=True, sorted_by_travel=True
    )
    assert ids(options) == ["vvt-e"]
    assert en(options[0].reason) == "40 min, 1 free, updated 5 min ago"
    why = {o.place.provider.id: (o.excluded, en(o.reason)) for o in excluded}
    assert why["vvt-a"][0] == "full"
    assert why["vvt-b"] == ("stop", "10 min, stop until Wed 14 Jan 18:00: griepuitbraak")
    assert why["vvt-c"][0] == "stale" and "last report 2 h ago" in why["vvt-c"][1]
    assert why["vvt-d"][0] == "closed" and "17:00-08:00" in why["vvt-d"][1]


def test_a_place_that_never_reported_is_stale_not_free() -> None:
    routing = Routing(line_region())
    options, excluded = rank_places(
        places(routing, 50.85, 5.70, {}), WINTER, routing.home.tz, include_excluded=True, sorted_by_travel=True
    )
    assert options == []
    assert {o.excluded for o in excluded} == {"stale", "closed"}


@pytest.mark.parametrize(
    ("utc", "open_at_d"),
    [
        (datetime(2026, 1, 14, 15, 30, tzinfo=UTC), True),  # 16:30 CET + 30 min = 17:00 CET: opens exactly then
        (datetime(2026, 1, 14, 15, 20, tzinfo=UTC), False),  # arrives 16:50 CET: still closed
        (datetime(2026, 7, 15, 15, 20, tzinfo=UTC), True),  # 17:20 CEST, arrives 17:50: open (summer time)
        (datetime(2026, 3, 30, 6, 15, tzinfo=UTC), False),  # Monday after the switch: 08:15 CEST + 30 = closed
        (datetime(2026, 3, 30, 5, 15, tzinfo=UTC), True),  # 07:15 CEST + 30 = 07:45: still open
        (datetime(2026, 10, 26, 6, 15, tzinfo=UTC), True),  # Monday after the switch back: 07:15 CET + 30: open
        (datetime(2026, 1, 17, 11, 0, tzinfo=UTC), True),  # Saturday midday: open all day
    ],
)
def test_opening_hours_at_arrival_follow_amsterdam_time(utc: datetime, open_at_d: bool) -> None:
    routing = Routing(line_region())
    entries = {"vvt-d": fresh("vvt-d", 3, utc)}
    options, _ = rank_places(places(routing, 50.85, 5.70, entries), utc, routing.home.tz, sorted_by_travel=True)
    arrival_check = [o.place.provider.id for o in options]
    assert arrival_check == (["vvt-d"] if open_at_d else [])
    if open_at_d:
        assert options[0].place.travel_minutes == pytest.approx(30.0)


def test_score_weighs_scarcity_and_freshness() -> None:
    routing = Routing(line_region())
    entries = {
        "vvt-a": fresh("vvt-a", 1, WINTER),  # 0 min + 10 (last place) + 5/6
        "vvt-b": fresh("vvt-b", 6, WINTER),  # 10 min + 0 + 5/6
    }
    options, _ = rank_places(places(routing, 50.85, 5.70, entries), WINTER, routing.home.tz, sorted_by_travel=True)
    assert [(o.place.provider.id, round(o.score, 2)) for o in options] == [("vvt-a", 10.83), ("vvt-b", 10.83)]


def test_early_stop_on_sorted_input_gives_the_same_best_as_a_full_scan() -> None:
    routing = Routing(line_region())
    rng = np.random.default_rng(3)
    for _ in range(30):
        entries = {
            f"vvt-{n}": fresh(f"vvt-{n}", int(rng.integers(0, 4)), WINTER, minutes=int(rng.integers(1, 120)))
            for n in "abcde"
        }
        ps = places(routing, 50.85 + float(rng.uniform(0, 0.2)), 5.70 + float(rng.uniform(0, 0.08)), entries)
        fast, _ = rank_places(ps, WINTER, routing.home.tz, limit=2, sorted_by_travel=True)
        full, _ = rank_places(list(reversed(ps)), WINTER, routing.home.tz, limit=2)
        assert ids(fast) == ids(full)
