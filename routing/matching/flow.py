"""The batch as a min-cost-flow network: every feasible (request, place) pair with its integer cost, and its solve."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from capacity.model import CareType

from ..dispatch import Place
from .feasibility import Context, Offer, PlaceKey, reject
from .formula import FIT_COST, formula
from .needs import Need

__all__ = ["FlowNetwork", "build_network", "solve_flow"]


@dataclass(frozen=True, slots=True, eq=False)
class FlowNetwork:
    """The batch as a bipartite graph: every feasible (request, place) pair with its integer cost.

    Requests are indexed as in ``needs``, places as in ``place_keys``; costs
    are tenths of a minute and may be negative (the preferred-provider bonus).
    :meth:`flow_arrays` turns it into the min-cost-flow arcs :func:`optimize` solves.
    """

    needs: tuple[Need, ...]
    place_keys: tuple[PlaceKey, ...]
    free: NDArray[np.int64]
    arc_request: NDArray[np.int32]
    arc_place: NDArray[np.int32]
    arc_cost: NDArray[np.int64]
    arc_travel: NDArray[np.float64]
    weights: NDArray[np.int64]

    @property
    def big(self) -> int:
        """The price of one unit of urgency weight left unplaced: more than any two assignments' cost difference.

        For assignments A and B, sum_A(cost) - sum_B(cost) is at most SPAN =
        sum over requests of (max(0, its dearest arc) - min(0, its cheapest
        arc)), since each request is placed at most once. BIG = SPAN + 1.
        """
        n = len(self.needs)
        if len(self.arc_cost) == 0:
            return 1
        hi = np.zeros(n, dtype=np.int64)
        lo = np.zeros(n, dtype=np.int64)
        np.maximum.at(hi, self.arc_request, self.arc_cost)
        np.minimum.at(lo, self.arc_request, self.arc_cost)
        return int(hi.sum() - lo.sum()) + 1

    @property
    def shift(self) -> int:
        """What every placement arc's cost is raised by so that none is negative."""
        return max(0, -int(self.arc_cost.min())) if len(self.arc_cost) else 0

    def flow_arrays(
        self,
    ) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """(tails, heads, capacities, unit costs, node supplies) of the min-cost-flow network.

        Nodes: source 0, request i at 1 + i, place j at 1 + n + j, sink 1 + n + m.
        Arcs, in this order: source -> request (cap 1, cost 0); request -> place
        (cap 1, cost + SHIFT), one per feasible pair; request -> sink, "unplaced"
        (cap 1, cost weight * BIG + SHIFT); place -> sink (cap free, cost 0).
        The source supplies n units and the sink takes n, so every request sends
        exactly one unit: through a place or through its unplaced arc.

        Why this is lexicographic: every request pays SHIFT exactly once, placed
        or not, so the flow cost is
            n * SHIFT + BIG * (total weight - placed weight) + sum of placed costs,
        a constant less BIG per unit of weight placed plus the real cost. BIG
        exceeds any difference in placed cost between two assignments (see
        :attr:`big`), so one more unit of weight placed always wins, and at equal
        weight the cheaper assignment wins. Without SHIFT on the unplaced arc,
        each placement would carry SHIFT and the flow would compare
        BIG * weight - cost - SHIFT * placements: five U4s (weight 5) against a
        U2 and three fewer placements would then need BIG > SPAN + 4 * SHIFT,
        or the subtler fact that all maximum-weight assignments place equally
        many requests (true of this flow, whose placeable sets form a matroid;
        not of the model with provider caps). With SHIFT in the penalty the
        plain argument above suffices.
        """
        n, m, k = len(self.needs), len(self.place_keys), len(self.arc_cost)
        big, shift = self.big, self.shift
        req = np.arange(1, n + 1, dtype=np.int32)
        sink = np.int32(1 + n + m)
        tails = np.concatenate(
            [np.zeros(n, np.int32), 1 + self.arc_request, req, np.arange(1 + n, 1 + n + m, dtype=np.int32)]
        ).astype(np.int32)
        heads = np.concatenate(
            [req, 1 + n + self.arc_place, np.full(n, sink, np.int32), np.full(m, sink, np.int32)]
        ).astype(np.int32)
        caps = np.concatenate([np.ones(n + k + n, np.int64), self.free]).astype(np.int64)
        costs = np.concatenate(
            [np.zeros(n, np.int64), self.arc_cost + shift, self.weights * big + shift, np.zeros(m, np.int64)]
        ).astype(np.int64)
        supplies = np.zeros(n + m + 2, np.int64)
        supplies[0], supplies[-1] = n, -n
        return tails, heads, caps, costs, supplies


def build_network(
    needs: Sequence[Need],
    candidates: Mapping[str, Sequence[Place]],
    now: datetime,
    tz: ZoneInfo,
    care_types: Mapping[str, CareType],
) -> FlowNetwork:
    """Every feasible (request, place) pair of the batch with its cost; free units per (provider, care type).

    The live state (entry, stop) of a (provider, care type) is read from the
    first of its places met: the candidates of different requests carry the
    same view, only their travel times differ.
    """
    seen: set[str] = set()
    for need in needs:
        if need.request_id in seen:
            raise ValueError(f"request {need.request_id} appears twice in the batch")
        seen.add(need.request_id)
    index: dict[PlaceKey, int] = {}  # (provider, care type) -> its slot in ``offers``
    offers: list[Offer] = []
    # One entry per feasible pair (a request's arcs come together, so a count per request gives
    # the request of each arc); the cost is computed afterwards, vectorised, by the same formula.
    per_request: list[int] = []
    arc_slot: list[int] = []
    arc_rank: list[int] = []
    arc_travel: list[float] = []
    preferred_arcs: list[int] = []
    add_slot, add_rank, add_travel = arc_slot.append, arc_rank.append, arc_travel.append
    for need in needs:
        ctx = Context.of(need)
        rank, window, preferred = ctx.rank, need.window_minutes, ctx.preferred
        before = len(arc_slot)
        # A need without no-hospital or psychogeriatric rules, at an offer without hours or eligibility
        # rules, passes every rule of ``reject`` once its care type is acceptable, its travel is finite and
        # within the window and its live state is fine: the checks below. Other pairs go through ``reject``.
        plain_need = not need.no_hospital and not need.psychogeriatric
        for place in candidates.get(need.request_id, ()):
            idx = rank.get(place.care_type)
            if idx is None:
                continue
            travel = place.travel_minutes
            if not travel <= window:  # also rules out inf and nan
                continue
            key = (place.provider.id, place.care_type)
            slot = index.get(key)
            if slot is None:
                slot = index[key] = len(offers)
                offers.append(Offer.of(place, now, care_types))
            offer = offers[slot]
            if offer.live is not None:
                continue
            if not (plain_need and offer.plain) and reject(ctx, offer, travel, now, tz) is not None:
                continue
            if preferred and key[0] in preferred:
                preferred_arcs.append(len(arc_slot))
            add_slot(slot)
            add_rank(idx)
            add_travel(travel)
        per_request.append(len(arc_slot) - before)
    req = np.repeat(np.arange(len(needs), dtype=np.int32), np.array(per_request, dtype=np.int64))
    # Place nodes: only the (provider, care type) pairs some request can use.
    used, plc = np.unique(np.array(arc_slot, dtype=np.int64), return_inverse=True)
    places = [offers[int(u)] for u in used]
    travel_a = np.array(arc_travel, dtype=np.float64)
    preferred_a = np.zeros(len(arc_slot), dtype=bool)
    preferred_a[preferred_arcs] = True
    fit_on = np.array([need.frail_elderly or need.home_first for need in needs], dtype=bool)
    level_fit = np.array([FIT_COST.get(o.level, 0.0) for o in places], dtype=np.float64)
    minutes = formula(
        travel_a,
        rank=np.array(arc_rank, dtype=np.float64),
        fit=np.where(fit_on[req], level_fit[plc], 0.0),
        preferred=preferred_a,
        load=np.array([o.load for o in places], dtype=np.float64)[plc],
        scarcity=np.array([o.scarcity for o in places], dtype=np.float64)[plc],
    )
    return FlowNetwork(
        needs=tuple(needs),
        place_keys=tuple(o.key for o in places),
        free=np.array([o.free for o in places], dtype=np.int64),
        arc_request=req,
        arc_place=plc.astype(np.int32),
        # np.rint rounds half to even like Python's round() in formula.tenths: the same tenths everywhere.
        arc_cost=np.rint(minutes * 10).astype(np.int64),
        arc_travel=travel_a,
        weights=np.array([need.weight for need in needs], dtype=np.int64),
    )


def solve_flow(net: FlowNetwork) -> tuple[str, NDArray[np.intp]]:
    """Solve the network with SimpleMinCostFlow: status and the placement arcs carrying flow."""
    n, k = len(net.needs), len(net.arc_cost)
    tails, heads, caps, costs, supplies = net.flow_arrays()
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    smcf.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        return str(status.name), np.zeros(0, dtype=np.intp)
    flows = np.asarray(smcf.flows(np.arange(n, n + k, dtype=np.int32)))
    return "OPTIMAL", np.flatnonzero(flows > 0)
