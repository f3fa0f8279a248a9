"""The batch as a min-cost-flow network: every feasible (request, place) pair with its integer cost, and its solve."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from .feasibility import PlaceKey
from .needs import Need

__all__ = ["FlowNetwork", "solve_flow"]


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
        cost = self.arc_cost
        if len(cost) == 0:
            return 1
        # Arcs come grouped by request: one reduction per run of equal requests (a request split
        # over several runs would count more than once, which only makes BIG larger: still valid).
        runs = np.flatnonzero(np.diff(self.arc_request, prepend=-1))
        hi = np.maximum.reduceat(cost, runs)
        lo = np.minimum.reduceat(cost, runs)
        return int(np.maximum(hi, 0).sum() - np.minimum(lo, 0).sum()) + 1

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
