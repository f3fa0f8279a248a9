"""The batch's arcs from arrays are the feasible pairs and costs that ``reject`` and ``cost_value`` give pair by pair.

Hypothesis draws places (care types, eligibility rules, opening hours with windows past
midnight, stops, stale, full and never reported entries), needs (care types with repeats,
ages, flags, preferred providers, frail and home-first, no-hospital with and without an
override, own windows) and a travel matrix (inf and nan among finite minutes, fractions of
a minute), at instants anywhere in 2025-2027 and in the days around the Europe/Amsterdam
DST changes. The reference walks every (need, place) pair in Python with the rules of
:func:`routing.matching.feasibility.reject` and the cost of :func:`routing.matching.scoring.cost_value`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capacity.model import Hours, OpeningWindow, Provider, ProviderOffer
from capacity.state import CapacityEntry, ProviderStatus
from routing.dispatch import Place
from routing.matching import (
    FlowNetwork,
    Need,
    OfferTable,
    Urgency,
    build_network,
    build_network_arrays,
    optimize,
    optimize_arrays,
)
from routing.matching.feasibility import Context, Offer, reject
from routing.matching.formula import tenths
from routing.matching.offers import open_at, week_bitmap
from routing.matching.scoring import cost_value

from .helpers import CT, TZ

CTS = ("wijkverpleging_spoed", "hap_consult", "elv_hoog", "elv_laag", "crisis_bed", "seh")
PIDS = tuple(f"p{i}" for i in range(5))
URGENCIES: tuple[Urgency, ...] = ("U2", "U3", "U4")
# The DST changes of 2026 in Europe/Amsterdam: 02:00 CET -> 03:00 CEST, 03:00 CEST -> 02:00 CET.
SPRING = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
AUTUMN = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
EVENINGS = Hours(
    False,
    (
        OpeningWindow(frozenset(range(5)), 17 * 60, 8 * 60),
        OpeningWindow(frozenset({5, 6}), 0, 24 * 60),
        OpeningWindow(frozenset({0}), 0, 8 * 60),
    ),
    "evenings",
)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

windows = st.builds(
    OpeningWindow,
    st.frozensets(st.integers(0, 6), min_size=1, max_size=7),
    st.integers(0, 24 * 60 - 1),
    st.integers(0, 24 * 60),
)
hours = st.one_of(
    st.just(Hours()),
    st.just(EVENINGS),
    st.just(Hours(False, (), "never")),
    st.builds(lambda ws: Hours(False, tuple(ws), "drawn"), st.lists(windows, min_size=1, max_size=3)),
)
# Instants near a DST change, to the microsecond, and anywhere else.
nows = st.one_of(
    st.builds(
        lambda base, us: base + timedelta(microseconds=us),
        st.sampled_from([SPRING, AUTUMN]),
        st.integers(-2 * 86_400_000_000, 86_400_000_000),
    ),
    st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
)
minutes = st.one_of(
    st.floats(0, 1500, allow_nan=False),
    st.floats(0, 90, allow_nan=False),
    st.integers(0, 1500).map(float),
    st.integers(0, 15000).map(lambda x: x / 10),
    st.sampled_from([math.inf, math.nan, 60.0, 180.0, 1440.0, 59.99999999, 0.5 / 60]),
)


@dataclass(frozen=True)
class Batch:
    """Places (in table order), needs and their travel matrix, at ``now``."""

    places: list[tuple[Provider, str, CapacityEntry | None, ProviderStatus | None]]
    needs: list[Need]
    travel: np.ndarray[Any, np.dtype[np.float64]]
    now: datetime

    def offers(self) -> list[Offer]:
        return [Offer.at(p, ct, e, s, self.now, CT) for p, ct, e, s in self.places]

    def candidates(self) -> dict[str, list[Place]]:
        """Every place a candidate of every need, in table order, with the matrix's minutes."""
        return {
            n.request_id: [
                Place("t", "T", p, ct, e, s, float(self.travel[i, j])) for j, (p, ct, e, s) in enumerate(self.places)
            ]
            for i, n in enumerate(self.needs)
        }


@st.composite
def batches(draw: st.DrawFn) -> Batch:
    now = draw(nows)
    keys = draw(st.lists(st.tuples(st.sampled_from(PIDS), st.sampled_from(CTS)), min_size=1, max_size=8, unique=True))
    places: list[tuple[Provider, str, CapacityEntry | None, ProviderStatus | None]] = []
    for pid, ct in keys:
        rare = st.sampled_from([False, False, False, True])
        rules: dict[str, Any] = {
            "min_age": draw(st.sampled_from([None, 18, 60])),
            "max_age": draw(st.sampled_from([None, 60, 85])),
            "must_return_home": draw(rare),
            "requires_wlz": draw(rare),
            "psychogeriatric": draw(rare),
        }
        rules = {k: v for k, v in rules.items() if v is not None and v is not False}
        provider = Provider(pid, pid, "vvt", "x", {ct: ProviderOffer(ct, 5, draw(hours), rules)})
        total = draw(st.integers(0, 6))
        available, held = draw(st.integers(0, 6)), draw(st.integers(0, 3))
        state = draw(st.sampled_from(["fresh"] * 5 + ["stale", "never", "none"]))
        entry: CapacityEntry | None = None
        if state == "fresh":
            entry = CapacityEntry(pid, ct, total, available, held, now - timedelta(minutes=5), now + timedelta(hours=1))
        elif state == "stale":
            entry = CapacityEntry(pid, ct, total, available, held, now - timedelta(hours=2), now - timedelta(hours=1))
        elif state == "never":
            entry = CapacityEntry(pid, ct, total, available, held)
        stop = draw(
            st.sampled_from(
                [
                    *[None] * 6,
                    ProviderStatus(pid, "stop", "t", None, now),
                    ProviderStatus(pid, "stop", "t", now - timedelta(minutes=1), now),  # ended
                    ProviderStatus(pid, "open", "t", None, now),
                ]
            )
        )
        places.append((provider, ct, entry, stop))
    needs: list[Need] = []
    rare = st.sampled_from([False, False, False, True])
    for i in range(draw(st.integers(1, 6))):
        urgency = draw(st.sampled_from(URGENCIES))
        window = draw(st.one_of(st.just({"U2": 60.0, "U3": 180.0, "U4": 1440.0}[urgency]), st.floats(0, 1500)))
        no_hospital = draw(st.booleans())
        needs.append(
            Need(
                f"r{i}",
                urgency,
                window,
                tuple(draw(st.lists(st.sampled_from(CTS), min_size=1, max_size=4))),  # repeats allowed
                draw(st.sampled_from([17, 18, 60, 61, 85, 86]) if draw(rare) is False else st.integers(0, 110)),
                can_return_home=draw(st.booleans()),
                wlz_indication=draw(st.booleans()),
                psychogeriatric=draw(st.booleans()),
                frail_elderly=draw(st.booleans()),
                preferred_providers=tuple(draw(st.lists(st.sampled_from([*PIDS, "elsewhere"]), max_size=2))),
                home_first=draw(st.booleans()),
                no_hospital=no_hospital,
                hospital_override="ok" if no_hospital and draw(st.booleans()) else None,
            )
        )
    cells = draw(st.lists(minutes, min_size=len(needs) * len(places), max_size=len(needs) * len(places)))
    travel = np.array(cells, dtype=np.float64).reshape(len(needs), len(places))
    return Batch(places, needs, travel, now)


def reference(batch: Batch) -> FlowNetwork:
    """The network pair by pair: ``reject`` for feasibility, ``cost_value`` in tenths, places in table order."""
    offers = batch.offers()
    arcs: list[tuple[int, int, float, int]] = []
    for i, need in enumerate(batch.needs):
        ctx = Context.of(need)
        for j, offer in enumerate(offers):
            t = float(batch.travel[i, j])
            if reject(ctx, offer, t, batch.now, TZ) is None:
                arcs.append((i, j, t, tenths(cost_value(ctx, offer, t))))
    used = sorted({j for _, j, _, _ in arcs})
    slot = {j: k for k, j in enumerate(used)}
    return FlowNetwork(
        needs=tuple(batch.needs),
        place_keys=tuple(offers[j].key for j in used),
        free=np.array([offers[j].free for j in used], dtype=np.int64),
        arc_request=np.array([i for i, _, _, _ in arcs], dtype=np.int32),
        arc_place=np.array([slot[j] for _, j, _, _ in arcs], dtype=np.int32),
        arc_cost=np.array([c for _, _, _, c in arcs], dtype=np.int64),
        arc_travel=np.array([t for _, _, t, _ in arcs], dtype=np.float64),
        weights=np.array([n.weight for n in batch.needs], dtype=np.int64),
    )


def reference_big(net: FlowNetwork) -> int:
    """BIG as the sum over requests of max(0, dearest arc) - min(0, cheapest arc), plus one."""
    span = 0
    for i in range(len(net.needs)):
        costs = net.arc_cost[net.arc_request == i].tolist()
        span += max([0, *costs]) - min([0, *costs])
    return span + 1


def assert_same(got: FlowNetwork, want: FlowNetwork) -> None:
    """The very same network: arcs in the same order, the same costs and travel to the bit, places in order."""
    assert got.needs == want.needs
    assert got.place_keys == want.place_keys
    for name in ("free", "arc_request", "arc_place", "arc_cost", "arc_travel", "weights"):
        g, w = getattr(got, name), getattr(want, name)
        assert g.dtype == w.dtype, name
        np.testing.assert_array_equal(g, w, err_msg=name, strict=True)


@SETTINGS
@given(batches())
def test_the_array_network_is_the_pair_by_pair_network(batch: Batch) -> None:
    want = reference(batch)
    got = build_network_arrays(batch.needs, batch.travel, OfferTable.of_offers(batch.offers()), batch.now, TZ)
    assert_same(got, want)
    assert got.big == reference_big(want)


@SETTINGS
@given(batches())
def test_the_place_path_gives_the_same_network_and_answer(batch: Batch) -> None:
    table = OfferTable.of_offers(batch.offers())
    arrays = build_network_arrays(batch.needs, batch.travel, table, batch.now, TZ)
    assert_same(build_network(batch.needs, batch.candidates(), batch.now, TZ, CT), arrays)
    a = optimize_arrays(batch.needs, batch.travel, table, batch.now, TZ)
    p = optimize(batch.needs, batch.candidates(), batch.now, TZ, CT)
    assert (a.status, a.placed_weight, a.objective, a.assignments) == (
        p.status,
        p.placed_weight,
        p.objective,
        p.assignments,
    )
    assert [(rid, m.code) for rid, m in a.unassigned] == [(rid, m.code) for rid, m in p.unassigned]


def canonical(net: FlowNetwork) -> set[tuple[str, str, str, int, float, int]]:
    """The arcs as (request, provider, care type, cost, travel, free units of the place): order left aside."""
    return {
        (net.needs[i].request_id, *net.place_keys[j], c, t, int(net.free[j]))
        for i, j, c, t in zip(
            net.arc_request.tolist(),
            net.arc_place.tolist(),
            net.arc_cost.tolist(),
            net.arc_travel.tolist(),
            strict=True,
        )
    }


@SETTINGS
@given(batches(), st.randoms(use_true_random=False))
def test_candidates_in_any_order_and_number_give_the_same_arcs(batch: Batch, rnd: Any) -> None:
    # Each request lists only its finite cells, in its own order, some places twice (the first at the
    # matrix's minutes, the second further away): the same pairs, costs and free units as the arrays.
    cands = {}
    for rid, places in batch.candidates().items():
        listed = [p for p in places if math.isfinite(p.travel_minutes)]
        listed += [replace(p, travel_minutes=p.travel_minutes + 1) for p in listed if rnd.random() < 0.2]
        rnd.shuffle(listed)
        cands[rid] = listed
    table = OfferTable.of_offers(batch.offers())
    want = build_network_arrays(batch.needs, batch.travel, table, batch.now, TZ)
    got = build_network(batch.needs, cands, batch.now, TZ, CT)
    assert canonical(got) == canonical(want)
    a = optimize_arrays(batch.needs, batch.travel, table, batch.now, TZ)
    p = optimize(batch.needs, cands, batch.now, TZ, CT)
    assert (p.placed_weight, p.objective) == (a.placed_weight, a.objective)


@SETTINGS
@given(
    st.lists(hours.filter(lambda h: not h.always), min_size=1, max_size=3),
    nows,
    st.lists(st.one_of(st.floats(0, 1500, allow_nan=False), st.integers(0, 1500).map(float)), min_size=1),
)
def test_opening_hours_at_arrival_agree_with_is_open(hs: list[Hours], now: datetime, mins: list[float]) -> None:
    week = np.stack([week_bitmap(h) for h in hs])
    rows = np.arange(len(mins)) % len(hs)
    got = open_at(week, rows, now, TZ, np.array(mins))
    want = [hs[r].is_open(now + timedelta(minutes=t), TZ) for r, t in zip(rows.tolist(), mins, strict=True)]
    assert got.tolist() == want


@pytest.mark.parametrize("change", [SPRING, AUTUMN])
def test_arrivals_on_both_sides_of_a_dst_change_read_their_own_local_time(change: datetime) -> None:
    # Open 02:30-03:30 local time every day. Spring: 02:30 local does not exist that night (01:00 UTC is
    # 03:00 CEST), so an arrival at 01:15 UTC is 03:15 CEST: open. Autumn: 02:30 local comes twice.
    h = Hours(False, (OpeningWindow(frozenset(range(7)), 150, 210),), "02:30-03:30")
    now = change - timedelta(hours=2)
    mins = np.arange(0, 6 * 60, 0.5)
    got = open_at(week_bitmap(h)[None, :], np.zeros(len(mins), dtype=np.intp), now, TZ, mins)
    want = [h.is_open(now + timedelta(minutes=float(t)), TZ) for t in mins]
    assert got.tolist() == want
    assert any(want) and not all(want)  # the window is met on this span


@pytest.mark.parametrize(
    "now", [SPRING, SPRING + timedelta(microseconds=1), AUTUMN + timedelta(hours=2, microseconds=-1)]
)
def test_arrivals_a_hair_from_a_minute_boundary_round_as_timedelta_does(now: datetime) -> None:
    # Open from 11:00 local on: an arrival a fraction of a microsecond before 11:00 rounds to it (or not)
    # exactly as timedelta(minutes=x) rounds, half to even.
    h = Hours(False, (OpeningWindow(frozenset(range(7)), 11 * 60, 12 * 60),), "11:00-12:00")
    local = now.astimezone(TZ)
    to_eleven = ((11 * 60 - local.hour * 60 - local.minute) % (24 * 60)) - local.second / 60 - local.microsecond / 6e7
    mins = np.array(
        [to_eleven + d for d in (-1e-6, -1e-8, -1e-9, -1e-10, -1e-12, 0.0, 1e-12, 1e-9, 1e-8)]
        + [float(np.nextafter(to_eleven, -1)), float(np.nextafter(to_eleven, 1e9))]
        + [to_eleven + k / 6e7 / 2 for k in range(-5, 6)]  # half microseconds
    )
    got = open_at(week_bitmap(h)[None, :], np.zeros(len(mins), dtype=np.intp), now, TZ, mins)
    want = [h.is_open(now + timedelta(minutes=float(t)), TZ) for t in mins]
    assert got.tolist() == want
    assert any(want) and not all(want)


def test_a_place_listed_twice_for_a_request_keeps_its_shortest_travel() -> None:
    now = SPRING - timedelta(days=10)
    p = Provider("p0", "P0", "vvt", "x", {"elv_hoog": ProviderOffer("elv_hoog", 5)})
    e = CapacityEntry("p0", "elv_hoog", 5, 3, 0, now - timedelta(minutes=5), now + timedelta(hours=1))
    need = Need("r0", "U3", 180.0, ("elv_hoog", "elv_hoog"), 80)
    cands = {"r0": [Place("t", "T", p, "elv_hoog", e, None, t) for t in (50.0, math.nan, 20.0, 70.0)]}
    net = build_network([need], cands, now, TZ, CT)
    assert (net.arc_travel.tolist(), net.place_keys) == ([20.0], (("p0", "elv_hoog"),))
    assert optimize([need], cands, now, TZ, CT).assignments[0].travel_minutes == 20.0


def test_a_request_listed_twice_is_refused_on_both_paths() -> None:
    need = Need("r0", "U3", 180.0, ("elv_hoog",), 80)
    with pytest.raises(ValueError, match="appears twice"):
        build_network_arrays([need, need], np.zeros((2, 0)), OfferTable.of_offers([]), SPRING, TZ)
    with pytest.raises(ValueError, match="appears twice"):
        build_network([need, need], {}, SPRING, TZ, CT)
