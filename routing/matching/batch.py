"""All open requests at once: :func:`optimize` (min-cost flow; CP-SAT under provider caps) and :func:`greedy`.

:func:`optimize` assigns every need at most one place so that the number
placed weighted by urgency is maximal, and among those assignments the total
cost is minimal. Weights: U2 4, U3 2, U4 1 (one U2 placed outweighs a U3 and a
U4 together). A place's free units are counted once per (provider, care type)
and shared by all requests. The batch works in tenths of a minute: each
placement's cost is rounded to 0.1 min, and the reported objective is the sum
of the rounded costs of the placements made.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from capacity.messages import Message, msg
from capacity.model import CareType

from ..dispatch import Place
from .arcs import build_network, build_network_arrays
from .feasibility import Context, Offer, PlaceKey, reject
from .flow import FlowNetwork, solve_flow
from .formula import tenths
from .needs import Need
from .offers import OfferTable
from .results import Assignment, BatchResult
from .scoring import cost_value

__all__ = ["greedy", "optimize", "optimize_arrays"]

_LOGGER = logging.getLogger(__name__)


_NONE: Final = msg("unassigned.no_feasible_place")


def _ended(status: str) -> Message:
    return msg("unassigned.solver_ended", solver_status=status)


def _result(
    net: FlowNetwork, chosen: NDArray[np.intp], status: str, *, started: float, solver: str, why_not: Message
) -> BatchResult:
    """A BatchResult from the chosen arc indices (at most one per request)."""
    chosen = np.sort(chosen)  # arcs come by request: assignments in batch order
    req = net.arc_request[chosen]
    needs, keys = net.needs, net.place_keys
    assignments = tuple(
        Assignment(needs[i].request_id, keys[j][0], keys[j][1], travel, c / 10)
        for i, j, travel, c in zip(
            req.tolist(),
            net.arc_place[chosen].tolist(),
            net.arc_travel[chosen].tolist(),
            net.arc_cost[chosen].tolist(),
            strict=True,
        )
    )
    left = np.ones(len(needs), dtype=bool)
    left[req] = False
    has_arc = np.zeros(len(needs), dtype=bool)
    has_arc[net.arc_request] = True
    unassigned = tuple(
        (needs[i].request_id, why_not if arc else _NONE)
        for i, arc in zip(np.flatnonzero(left).tolist(), has_arc[left].tolist(), strict=True)
    )
    return BatchResult(
        status=status,
        objective=int(net.arc_cost[chosen].sum()) / 10,
        placed_weight=int(net.weights[req].sum()),
        assignments=assignments,
        unassigned=unassigned,
        solve_seconds=time.perf_counter() - started,
        solver=solver,
    )


_CP_STATUS: Final = {"OPTIMAL", "FEASIBLE"}


def _solve_cp_sat(net: FlowNetwork, caps: Mapping[str, int], time_limit_s: float) -> tuple[str, NDArray[np.intp]]:
    """The same model with a cap per provider across its care types, solved with CP-SAT."""
    from ortools.sat.python import cp_model  # half a second to import: only when a cap binds

    model = cp_model.CpModel()
    k = len(net.arc_cost)
    x = [model.new_bool_var(f"x{a}") for a in range(k)]
    by_request: dict[int, list[Any]] = {}
    by_place: dict[int, list[Any]] = {}
    by_provider: dict[str, list[Any]] = {}
    for a, (i, j) in enumerate(zip(net.arc_request.tolist(), net.arc_place.tolist(), strict=True)):
        by_request.setdefault(i, []).append(x[a])
        by_place.setdefault(j, []).append(x[a])
        by_provider.setdefault(net.place_keys[j][0], []).append(x[a])
    for xs in by_request.values():
        model.add_at_most_one(xs)
    for j, xs in by_place.items():
        if len(xs) > int(net.free[j]):
            model.add(cp_model.LinearExpr.sum(xs) <= int(net.free[j]))
    for pid, xs in by_provider.items():
        if pid in caps and len(xs) > caps[pid]:
            model.add(cp_model.LinearExpr.sum(xs) <= caps[pid])
    # The same lexicographic objective as the flow (see FlowNetwork.flow_arrays), without the shift:
    # CP-SAT takes negative coefficients.
    big = net.big
    gain = (net.weights[net.arc_request] * big - net.arc_cost).tolist()
    model.maximize(cp_model.LinearExpr.weighted_sum(x, gain))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    status = solver.status_name(solver.solve(model))
    if status not in _CP_STATUS:
        return status, np.zeros(0, dtype=np.intp)
    return status, np.array([a for a in range(k) if solver.boolean_value(x[a])], dtype=np.intp)


def _provider_caps(side_constraints: Mapping[str, Any] | None) -> dict[str, int]:
    """The validated ``max_per_provider`` side constraint (the only one there is)."""
    if not side_constraints:
        return {}
    unknown = set(side_constraints) - {"max_per_provider"}
    if unknown:
        raise ValueError(f"unknown side constraints: {', '.join(sorted(unknown))} (known: max_per_provider)")
    caps: dict[str, int] = {}
    for pid, n in dict(side_constraints.get("max_per_provider") or {}).items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"max_per_provider[{pid!r}] must be a whole number 0 or more, not {n!r}")
        caps[str(pid)] = n
    return caps


def optimize(
    needs: Sequence[Need],
    candidates: Mapping[str, Sequence[Place]],
    now: datetime,
    tz: ZoneInfo,
    care_types: Mapping[str, CareType],
    *,
    time_limit_s: float = 5.0,
    side_constraints: Mapping[str, Any] | None = None,
) -> BatchResult:
    """Place as much urgency weight as possible (U2 4, U3 2, U4 1), then at least total cost.

    ``candidates`` holds, per request id, its places with that request's
    travel minutes. Without side constraints this is a min-cost flow (see
    :meth:`FlowNetwork.flow_arrays`), exact and fast; it needs no time limit.
    ``side_constraints={"max_per_provider": {provider_id: n}}`` caps what one
    provider takes across its care types (e.g. one admitting physician): the
    flow cannot express it, so when the flow's answer breaks a cap the model
    goes to CP-SAT with ``time_limit_s`` ("FEASIBLE" when the limit ended the
    search before optimality was proven). ``solve_seconds`` covers building and solving.
    """
    started = time.perf_counter()
    caps = _provider_caps(side_constraints)
    net = build_network(needs, candidates, now, tz, care_types)
    return _optimize_network(net, caps, time_limit_s, started)


def optimize_arrays(
    needs: Sequence[Need],
    travel: NDArray[np.float64],
    table: OfferTable,
    now: datetime,
    tz: ZoneInfo,
    *,
    time_limit_s: float = 5.0,
    side_constraints: Mapping[str, Any] | None = None,
) -> BatchResult:
    """:func:`optimize` from a travel matrix (needs x the table's places; inf: no candidate) and the places' table."""
    started = time.perf_counter()
    caps = _provider_caps(side_constraints)
    net = build_network_arrays(needs, travel, table, now, tz)
    return _optimize_network(net, caps, time_limit_s, started)


def _optimize_network(net: FlowNetwork, caps: Mapping[str, int], time_limit_s: float, started: float) -> BatchResult:
    """The network solved: the flow, and CP-SAT when the flow's answer breaks a provider cap."""
    needs = net.needs
    if len(net.arc_cost) == 0:  # nothing can be placed: nothing to solve
        return _result(
            net,
            np.zeros(0, np.intp),
            "OPTIMAL",
            started=started,
            solver="min_cost_flow",
            why_not=msg("unassigned.no_feasible_place"),
        )
    status, chosen = solve_flow(net)
    if status != "OPTIMAL":
        _LOGGER.error("min-cost flow ended %s on %d requests", status, len(needs))
        return _result(
            net,
            chosen,
            status,
            started=started,
            solver="min_cost_flow",
            why_not=msg("unassigned.solver_ended", solver_status=status),
        )
    if caps:
        taken: dict[str, int] = {}
        for j in net.arc_place[chosen].tolist():
            pid = net.place_keys[j][0]
            taken[pid] = taken.get(pid, 0) + 1
        # The flow solves the model without the caps; if its optimum keeps them, it is optimal with them too.
        if any(taken.get(pid, 0) > cap for pid, cap in caps.items()):
            status, chosen = _solve_cp_sat(net, caps, time_limit_s)
            _LOGGER.info("cp-sat %s on %d requests, %d arcs", status, len(needs), len(net.arc_cost))
            why = msg("unassigned.went_elsewhere_cap")
            if status not in _CP_STATUS:
                why = msg("unassigned.no_solution", seconds=time_limit_s, solver_status=status)
            return _result(net, chosen, status, started=started, solver="cp_sat", why_not=why)
    why = msg("unassigned.went_elsewhere")
    return _result(net, chosen, status, started=started, solver="min_cost_flow", why_not=why)


def greedy(
    needs: Sequence[Need],
    candidates: Mapping[str, Sequence[Place]],
    now: datetime,
    tz: ZoneInfo,
    care_types: Mapping[str, CareType],
) -> BatchResult:
    """Today's phoning around, as a baseline: most urgent first, each request takes its nearest place still free.

    Feasible by the same rules as :func:`optimize`, costed the same way (with
    the free units as reported), blind to what later requests will need.
    """
    started = time.perf_counter()
    order = sorted(range(len(needs)), key=lambda i: -needs[i].weight)  # stable: request order within an urgency
    offers: dict[PlaceKey, Offer] = {}
    left: dict[PlaceKey, int] = {}
    placed: dict[int, Assignment] = {}
    units = 0
    had_any: set[int] = set()
    for i in order:
        need = needs[i]
        ctx = Context.of(need)
        options: list[tuple[float, int, str, Offer, float]] = []
        for place in candidates.get(need.request_id, ()):
            key = (place.provider.id, place.care_type)
            offer = offers.get(key)
            if offer is None:
                offer = offers[key] = Offer.of(place, now, care_types)
                left[key] = offer.free
            if reject(ctx, offer, place.travel_minutes, now, tz) is None:
                rank = ctx.rank[place.care_type]
                options.append(
                    (place.travel_minutes, rank, key[0], offer, cost_value(ctx, offer, place.travel_minutes))
                )
        if options:
            had_any.add(i)
        for travel, _, _, offer, c in sorted(options, key=lambda o: o[:3]):
            if left[offer.key] > 0:
                left[offer.key] -= 1
                units += tenths(c)
                placed[i] = Assignment(need.request_id, offer.key[0], offer.key[1], travel, tenths(c) / 10)
                break
    unassigned = tuple(
        (n.request_id, msg("unassigned.taken_by_earlier" if i in had_any else "unassigned.no_feasible_place"))
        for i, n in enumerate(needs)
        if i not in placed
    )
    return BatchResult(
        status="FEASIBLE",
        objective=units / 10,
        placed_weight=sum(needs[i].weight for i in placed),
        assignments=tuple(placed[i] for i in sorted(placed)),
        unassigned=unassigned,
        solve_seconds=time.perf_counter() - started,
        solver="greedy",
    )
