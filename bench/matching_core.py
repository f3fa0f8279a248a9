"""Batch matching benchmark: optimize against the bare min-cost flow, an independent MILP and greedy.

Run by hand (not a test)::

    .venv/bin/python -m bench.matching_core [--needs 200 1000 5000] [--places 200] [--seed 1]

:func:`bench_solve` builds a random instance (needs and places at random points
in a 100 x 100 km square, travel 1 minute per km plus 5 minutes, mixed care
types, urgencies, eligibility rules, opening hours, stops and stale reports), once as
arrays (the places' :class:`~routing.matching.OfferTable` and the needs x places travel
matrix, inf where a place is no candidate) and once as :class:`Place` objects per
request, and measures:

- ``flow_seconds``: :func:`routing.matching.optimize_arrays`, everything from the
  arrays to the BatchResult (feasibility and cost of every pair, building the network,
  solving, decoding);
- ``place_flow_seconds``: :func:`routing.matching.optimize` on the Place objects
  (laid out as a table and a matrix first, then the same);
- ``table_seconds``: building the OfferTable from the places' live state (request-independent,
  not in ``flow_seconds``);
- ``bare_flow_seconds``: a SimpleMinCostFlow solve on exactly the same arcs,
  handed over as ready numpy arrays: the floor our wrapper adds to;
- ``milp_seconds``: scipy's HiGHS MILP on the same pairs and costs, as a cross-check;
- the objective (placed cost, minutes) and placed weight of each, and greedy's.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from capacity.model import CareType, Hours, OpeningWindow, Provider, ProviderOffer
from capacity.state import CapacityEntry, ProviderStatus
from routing.dispatch import Place
from routing.matching import (
    FlowNetwork,
    Need,
    OfferTable,
    build_network,
    build_network_arrays,
    greedy,
    optimize,
    optimize_arrays,
)
from routing.matching.feasibility import Offer

__all__ = ["CARE_TYPES", "Instance", "bench_solve", "random_instance"]

ROUNDS = 5  # timings are the best of this many runs

NOW = datetime(2026, 1, 14, 10, 0, tzinfo=UTC)
TZ = ZoneInfo("Europe/Amsterdam")
CARE_TYPES = {
    "wijkverpleging_spoed": CareType("wijkverpleging_spoed", "Wijkverpleging", frozenset({"vvt"}), "team", 0),
    "hap_consult": CareType("hap_consult", "Consult HAP", frozenset({"hap"}), "slot", 1),
    "elv_hoog": CareType("elv_hoog", "ELV hoog", frozenset({"vvt"}), "bed", 2),
    "crisis_bed": CareType("crisis_bed", "Crisisbed", frozenset({"vvt"}), "bed", 2),
    "seh": CareType("seh", "SEH", frozenset({"hospital"}), "place", 3),
}
_KIND = {"wijkverpleging_spoed": "vvt", "hap_consult": "hap", "elv_hoog": "vvt", "crisis_bed": "vvt", "seh": "hospital"}
_URGENCIES = ("U2", "U3", "U4")
_DAYTIME = Hours(False, (OpeningWindow(frozenset(range(7)), 7 * 60, 23 * 60),), "ma-zo 07:00-23:00")
HOURS_SHARE = 0.2  # places with opening hours (daytime: open at NOW and at every arrival, but checked per arc)


@dataclass(frozen=True)
class Instance:
    """One random batch, as Place objects per request and as arrays (table + travel matrix) of the same facts."""

    needs: list[Need]
    candidates: dict[str, list[Place]]
    offers: list[Offer]  # the places' live state, in table order
    travel: NDArray[np.float64]  # needs x places; inf where a place is no candidate of the need


_WINDOW = {"U2": 60.0, "U3": 180.0, "U4": 1440.0}


def random_instance(n_needs: int, n_places: int, seed: int, *, only_acceptable: bool = False) -> Instance:
    """``n_needs`` needs, each with all ``n_places`` places (one care type per provider) as candidates.

    With ``only_acceptable`` a need's candidates are the places of its acceptable care types only, as the
    service hands them over (it looks places up per care type).
    """
    rng = np.random.default_rng(seed)
    hours_rng = np.random.default_rng([seed, 1])  # its own stream: the other draws stay as they were
    cts = list(CARE_TYPES)
    stale_at = NOW - timedelta(minutes=1)
    providers: list[tuple[Provider, CapacityEntry, ProviderStatus | None]] = []
    for j in range(n_places):
        ct = cts[int(rng.integers(len(cts)))]
        rules: dict[str, Any] = {}
        if ct == "crisis_bed":
            rules = [{}, {"psychogeriatric": True}, {"requires_wlz": True}][int(rng.integers(3))]
        elif ct == "elv_hoog" and rng.random() < 0.3:
            rules = {"must_return_home": True}
        total = int(rng.integers(1, 11))
        available = int(rng.integers(0, total + 1))
        held = int(rng.integers(0, available + 1))
        pid = f"p{j:04d}"
        hours = _DAYTIME if hours_rng.random() < HOURS_SHARE else Hours()
        provider = Provider(pid, pid, _KIND[ct], "x", {ct: ProviderOffer(ct, total, eligibility=rules)}, hours)
        fresh_until = stale_at if rng.random() < 0.05 else NOW + timedelta(hours=1)
        entry = CapacityEntry(pid, ct, total, available, held, NOW - timedelta(minutes=5), fresh_until, 1)
        stop = ProviderStatus(pid, "stop", "bench", None, NOW) if rng.random() < 0.02 else None
        providers.append((provider, entry, stop))
    place_xy = rng.uniform(0, 100, size=(n_places, 2))
    need_xy = rng.uniform(0, 100, size=(n_needs, 2))
    travel = np.round(np.hypot(*(need_xy[:, None, :] - place_xy[None, :, :]).transpose(2, 0, 1)) + 5, 1)
    needs: list[Need] = []
    candidates: dict[str, list[Place]] = {}
    for i in range(n_needs):
        urgency = _URGENCIES[int(rng.integers(3))]
        k = int(rng.integers(1, 4))
        acceptable = tuple(str(c) for c in rng.choice(cts, size=k, replace=False))
        rid = f"r{i:05d}"
        needs.append(
            Need(
                rid,
                urgency,  # type: ignore[arg-type]
                _WINDOW[urgency],
                acceptable,
                int(rng.integers(18, 100)),
                can_return_home=bool(rng.random() < 0.8),
                wlz_indication=bool(rng.random() < 0.3),
                psychogeriatric=bool(rng.random() < 0.1),
                frail_elderly=bool(rng.random() < 0.4),
                home_first=bool(rng.random() < 0.1),
                no_hospital=bool(rng.random() < 0.1),
                preferred_providers=(f"p{int(rng.integers(n_places)):04d}",),
            )
        )
        row = travel[i].tolist()
        candidates[rid] = [
            Place("bench", "Bench", p, e.care_type, e, s, row[j])
            for j, (p, e, s) in enumerate(providers)
            if not only_acceptable or e.care_type in acceptable
        ]
        if only_acceptable:
            travel[i, [e.care_type not in acceptable for _, e, _ in providers]] = math.inf
    offers = [Offer.at(p, e.care_type, e, s, NOW, CARE_TYPES) for p, e, s in providers]
    return Instance(needs, candidates, offers, travel)


def _arcs(net: FlowNetwork) -> set[tuple[str, str, str, int]]:
    """The network's arcs as (request, provider, care type, cost): comparable whatever the order of places."""
    return {
        (net.needs[i].request_id, *net.place_keys[j], c)
        for i, j, c in zip(net.arc_request.tolist(), net.arc_place.tolist(), net.arc_cost.tolist(), strict=True)
    }


def bare_flow(net: FlowNetwork) -> float:
    """Seconds for SimpleMinCostFlow to load and solve the network's ready arrays: no Python per arc."""
    tails, heads, caps, costs, supplies = net.flow_arrays()
    nodes = np.arange(len(supplies), dtype=np.int32)
    t0 = time.perf_counter()
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    smcf.set_nodes_supplies(nodes, supplies)
    status = smcf.solve()
    seconds = time.perf_counter() - t0
    assert status == smcf.OPTIMAL, status
    return seconds


def milp(net: FlowNetwork) -> tuple[float, float, int]:
    """(seconds, placed cost in minutes, placed weight) of scipy's HiGHS MILP on the network's pairs."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    n, m, k = len(net.needs), len(net.place_keys), len(net.arc_cost)
    t0 = time.perf_counter()
    if k == 0:
        return time.perf_counter() - t0, 0.0, 0
    cols = np.arange(k)
    per_request = csr_array((np.ones(k), (net.arc_request, cols)), shape=(n, k))
    per_place = csr_array((np.ones(k), (net.arc_place, cols)), shape=(m, k))
    big = float(net.big)
    c = net.arc_cost.astype(float) - net.weights[net.arc_request] * big  # minimise: -(w * BIG - cost)
    res = milp(
        c,
        constraints=[LinearConstraint(per_request, 0, 1), LinearConstraint(per_place, 0, net.free.astype(float))],
        integrality=np.ones(k),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    seconds = time.perf_counter() - t0
    assert res.success, res.message
    x = np.rint(res.x).astype(bool)
    return seconds, int(net.arc_cost[x].sum()) / 10, int(net.weights[net.arc_request[x]].sum())


def bench_solve(
    n_needs: int,
    n_places: int,
    seed: int,
    *,
    with_milp: bool = True,
    only_acceptable: bool = False,
    rounds: int = ROUNDS,
) -> dict[str, Any]:
    """Solve one random instance every way; seconds, objectives (minutes) and placed weights."""
    inst = random_instance(n_needs, n_places, seed, only_acceptable=only_acceptable)
    needs, candidates, travel = inst.needs, inst.candidates, inst.travel
    flow_seconds = place_seconds = build_seconds = table_seconds = bare = math.inf
    # The best of a few runs, ours and the bare solve in turn within each run, so drift on a shared
    # machine hits both alike.
    for _ in range(rounds):
        t0 = time.perf_counter()
        table = OfferTable.of_offers(inst.offers)
        table_seconds = min(table_seconds, time.perf_counter() - t0)
        t0 = time.perf_counter()
        result = optimize_arrays(needs, travel, table, NOW, TZ)
        flow_seconds = min(flow_seconds, time.perf_counter() - t0)
        t0 = time.perf_counter()
        net = build_network_arrays(needs, travel, table, NOW, TZ)
        build_seconds = min(build_seconds, time.perf_counter() - t0)
        bare = min(bare, bare_flow(net))
        t0 = time.perf_counter()
        by_place = optimize(needs, candidates, NOW, TZ, CARE_TYPES)
        place_seconds = min(place_seconds, time.perf_counter() - t0)
    # Both paths see the same pairs and costs (the Place path orders its places as it meets them).
    assert _arcs(build_network(needs, candidates, NOW, TZ, CARE_TYPES)) == _arcs(net)
    assert (by_place.placed_weight, by_place.objective) == (result.placed_weight, result.objective)
    base = greedy(needs, candidates, NOW, TZ, CARE_TYPES)
    out: dict[str, Any] = {
        "needs": n_needs,
        "places": n_places,
        "pairs": sum(len(c) for c in candidates.values()),
        "arcs": len(net.arc_cost),
        "rounds": rounds,
        "status": result.status,
        "flow_seconds": flow_seconds,
        "build_seconds": build_seconds,
        "place_flow_seconds": place_seconds,
        "table_seconds": table_seconds,
        "bare_flow_seconds": bare,
        "objective": result.objective,
        "placed_weight": result.placed_weight,
        "greedy_objective": base.objective,
        "greedy_placed_weight": base.placed_weight,
        "milp_seconds": None,
        "milp_objective": None,
        "milp_placed_weight": None,
    }
    if with_milp:
        seconds, objective, weight = milp(net)
        out |= {"milp_seconds": seconds, "milp_objective": objective, "milp_placed_weight": weight}
    return out


def main() -> None:
    """Print one JSON line per instance size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, nargs="+", default=[200, 1000, 5000])
    parser.add_argument("--places", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-milp", action="store_true")
    parser.add_argument("--only-acceptable", action="store_true", help="candidates of acceptable care types only")
    args = parser.parse_args()
    for n in args.needs:
        row = bench_solve(n, args.places, args.seed, with_milp=not args.no_milp, only_acceptable=args.only_acceptable)
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}), flush=True)


if __name__ == "__main__":
    main()
