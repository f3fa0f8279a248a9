"""The batch matcher on small cases with known answers: greedy against the optimum, urgency weight, provider caps."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from capacity.model import Provider
from routing.dispatch import Place
from routing.matching import Need, greedy, optimize
from tests.words import en

from .helpers import CT, TZ, WINTER, fresh, need, offer, where


def batch(
    spec: dict[str, dict[str, float]], free: dict[str, int], *, needs: list[Need] | None = None
) -> tuple[list[Need], dict[str, list[Place]]]:
    """Requests with their travel minutes to each provider of elv_hoog; ``free`` units per provider."""
    providers = {pid: Provider(pid, pid.upper(), "vvt", "x", {"elv_hoog": offer("elv_hoog", 4)}) for pid in free}
    entries = {pid: fresh(pid, "elv_hoog", n, total=max(n, 1)) for pid, n in free.items()}
    needs = needs or [need(rid) for rid in spec]
    cands = {
        rid: [Place("t", "T", providers[pid], "elv_hoog", entries[pid], None, m) for pid, m in travel.items()]
        for rid, travel in spec.items()
    }
    return needs, cands


def test_greedy_takes_the_nearest_and_strands_the_next_request_optimize_does_better() -> None:
    # Both U3, both places 1 free (+10 scarcity each). r1 is first on the phone.
    needs, cands = batch({"r1": {"vvt-a": 10, "vvt-b": 15}, "r2": {"vvt-a": 12, "vvt-b": 55}}, {"vvt-a": 1, "vvt-b": 1})
    g = greedy(needs, cands, WINTER, TZ, CT)
    assert where(g) == {"r1": "vvt-a", "r2": "vvt-b"}
    assert g.objective == 85.0  # (10 + 10) + (55 + 10)
    o = optimize(needs, cands, WINTER, TZ, CT)
    assert (o.status, o.solver) == ("OPTIMAL", "min_cost_flow")
    assert where(o) == {"r1": "vvt-b", "r2": "vvt-a"}
    assert o.objective == 47.0  # (15 + 10) + (12 + 10)
    assert o.placed_weight == g.placed_weight == 4
    assert [(a.request_id, a.travel_minutes, a.cost) for a in o.assignments] == [("r1", 15.0, 25.0), ("r2", 12.0, 22.0)]


def test_greedy_leaves_a_request_unplaced_that_optimize_places() -> None:
    # vvt-b is 200 min from r2: beyond U3's 180-minute window, so r2 can only go to vvt-a.
    needs, cands = batch(
        {"r1": {"vvt-a": 10, "vvt-b": 15}, "r2": {"vvt-a": 12, "vvt-b": 200}}, {"vvt-a": 1, "vvt-b": 1}
    )
    g = greedy(needs, cands, WINTER, TZ, CT)
    assert where(g) == {"r1": "vvt-a"}
    assert [(r, en(m)) for r, m in g.unassigned] == [("r2", "nearest places were taken by earlier calls")]
    o = optimize(needs, cands, WINTER, TZ, CT)
    assert where(o) == {"r1": "vvt-b", "r2": "vvt-a"} and o.objective == 47.0 and o.placed_weight == 4
    body: dict[str, Any] = o.to_json()
    assert body["status"] == "OPTIMAL" and body["unassigned"] == []
    assert body["assignments"][0] == {
        "request_id": "r1",
        "provider_id": "vvt-b",
        "care_type": "elv_hoog",
        "travel_minutes": 15.0,
        "cost": 25.0,
    }


def test_urgency_weight_wins_over_cost() -> None:
    # One free unit; the U4 is next door, the U2 50 minutes away: the U2 gets it.
    needs = [need("u4", urgency="U4"), need("u2", urgency="U2")]
    needs, cands = batch({"u4": {"vvt-a": 1}, "u2": {"vvt-a": 50}}, {"vvt-a": 1}, needs=needs)
    o = optimize(needs, cands, WINTER, TZ, CT)
    assert where(o) == {"u2": "vvt-a"} and o.placed_weight == 4 and o.objective == 60.0
    assert [(r, en(m)) for r, m in o.unassigned] == [("u4", "places went to more urgent or better-fitting requests")]


def test_more_weight_placed_beats_a_cheaper_assignment_with_negative_costs() -> None:
    # Two free units. Two U4s next door at their preferred provider cost -10 and -9 (the flow shifts such costs);
    # a U3 170 minutes away costs 175. Placing the U3 and one U4 (weight 3) beats both U4s (weight 2).
    needs = [
        need("u4-a", urgency="U4", preferred_providers=("vvt-a",)),
        need("u4-b", urgency="U4", preferred_providers=("vvt-a",)),
        need("u3"),
    ]
    needs, cands = batch({"u4-a": {"vvt-a": 0}, "u4-b": {"vvt-a": 1}, "u3": {"vvt-a": 170}}, {"vvt-a": 2}, needs=needs)
    o = optimize(needs, cands, WINTER, TZ, CT)
    assert o.placed_weight == 3 and where(o) == {"u4-a": "vvt-a", "u3": "vvt-a"}
    assert o.objective == (0 - 15 + 5) + (170 + 5)  # 2 free: +5 scarcity each
    assert o.assignments[0].cost == -10.0


def test_no_feasible_place_is_said_so() -> None:
    needs, cands = batch({"r1": {"vvt-a": 500}}, {"vvt-a": 1})
    o = optimize(needs, cands, WINTER, TZ, CT)
    assert (
        o.assignments == ()
        and [(r, en(m)) for r, m in o.unassigned] == [("r1", "no feasible place")]
        and o.objective == 0.0
    )
    assert optimize([], {}, WINTER, TZ, CT).status == "OPTIMAL"


def test_duplicate_requests_are_refused() -> None:
    needs, cands = batch({"r1": {"vvt-a": 5}}, {"vvt-a": 1})
    with pytest.raises(ValueError, match="twice"):
        optimize(needs * 2, cands, WINTER, TZ, CT)


# --------------------------------------------------------------------------- provider caps with CP-SAT


def capped_batch() -> tuple[list[Need], dict[str, list[Place]]]:
    """Three U3 requests near vvt-x (elv_hoog 2 free, elv_laag 2 free), vvt-y 30 minutes further (3 free)."""
    x = Provider("vvt-x", "X", "vvt", "x", {"elv_hoog": offer("elv_hoog", 4), "elv_laag": offer("elv_laag", 4)})
    y = Provider("vvt-y", "Y", "vvt", "y", {"elv_hoog": offer("elv_hoog", 4)})
    xh, xl = fresh("vvt-x", "elv_hoog", 2, total=2), fresh("vvt-x", "elv_laag", 2, total=2)
    yh = fresh("vvt-y", "elv_hoog", 3, total=3)
    travel = {"r1": (5, 30), "r2": (10, 32), "r3": (15, 34)}
    needs = [need(rid, "elv_hoog", "elv_laag") for rid in travel]
    cands = {
        rid: [
            Place("t", "T", x, "elv_hoog", xh, None, tx),
            Place("t", "T", x, "elv_laag", xl, None, tx),
            Place("t", "T", y, "elv_hoog", yh, None, ty),
        ]
        for rid, (tx, ty) in travel.items()
    }
    return needs, cands


def test_without_a_cap_one_provider_takes_all_three() -> None:
    needs, cands = capped_batch()
    o = optimize(needs, cands, WINTER, TZ, CT)
    # x elv_hoog: travel + 5 scarcity (2 free); x elv_laag: + 5 scarcity + 5 second choice. Two at elv_hoog and
    # one at elv_laag cost 50 whichever goes where (e.g. 10 + 15 + 25).
    assert Counter((a.provider_id, a.care_type) for a in o.assignments) == {
        ("vvt-x", "elv_hoog"): 2,
        ("vvt-x", "elv_laag"): 1,
    }
    assert o.objective == 50.0


def test_max_per_provider_binds_and_cp_sat_respects_it() -> None:
    needs, cands = capped_batch()
    o = optimize(needs, cands, WINTER, TZ, CT, side_constraints={"max_per_provider": {"vvt-x": 1}})
    assert (o.status, o.solver) == ("OPTIMAL", "cp_sat")
    assert Counter(a.provider_id for a in o.assignments) == {"vvt-x": 1, "vvt-y": 2}
    # r1 at x (10) and the others at y (32 + 34) = 76 beats r2 at x (15 + 30 + 34 = 79) and r3 at x (82).
    assert where(o) == {"r1": "vvt-x", "r2": "vvt-y", "r3": "vvt-y"}
    assert o.objective == 76.0 and o.placed_weight == 6
    shut = optimize(needs, cands, WINTER, TZ, CT, side_constraints={"max_per_provider": {"vvt-x": 0, "vvt-y": 2}})
    assert shut.solver == "cp_sat" and where(shut) == {"r1": "vvt-y", "r2": "vvt-y"}
    assert shut.unassigned[0][0] == "r3"


def test_a_cap_that_does_not_bind_keeps_the_flow_answer() -> None:
    needs, cands = capped_batch()
    o = optimize(needs, cands, WINTER, TZ, CT, side_constraints={"max_per_provider": {"vvt-x": 3}})
    assert (o.status, o.solver, o.objective) == ("OPTIMAL", "min_cost_flow", 50.0)


def test_unknown_or_bad_side_constraints_are_refused() -> None:
    needs, cands = capped_batch()
    with pytest.raises(ValueError, match="unknown side constraints: max_per_care_type"):
        optimize(needs, cands, WINTER, TZ, CT, side_constraints={"max_per_care_type": {}})
    with pytest.raises(ValueError, match="whole number"):
        optimize(needs, cands, WINTER, TZ, CT, side_constraints={"max_per_provider": {"vvt-x": -1}})
