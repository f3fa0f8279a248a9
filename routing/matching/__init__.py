"""The matcher: the right place for one request (ranked and explained) and for all open requests at once.

Pure and synchronous, like :mod:`routing.dispatch`: functions of the needs, the
candidate places (:class:`routing.dispatch.Place`, each with its live capacity
and the travel time from that request's location) and the clock; no I/O.

One module per step, each importing only those above it:

- :mod:`~routing.matching.needs`: :class:`Need`, what one triaged request needs;
- :mod:`~routing.matching.results`: the answers (:class:`Proposal`,
  :class:`Excluded`, :class:`Assignment`, :class:`BatchResult`);
- :mod:`~routing.matching.formula`: the cost formula and its weights;
- :mod:`~routing.matching.feasibility`: the rules that rule a place out, in
  order, and their texts (:func:`feasible`);
- :mod:`~routing.matching.scoring`: the cost of one placement with its reasons
  (:func:`cost`);
- :mod:`~routing.matching.proposal`: one request's ranked places (:func:`propose`);
- :mod:`~routing.matching.flow`: the batch as a min-cost-flow network
  (:class:`FlowNetwork`) and its solve;
- :mod:`~routing.matching.offers`: the places as one request-independent
  table of arrays (:class:`OfferTable`), opening hours as a weekly bitmap;
- :mod:`~routing.matching.arcs`: the network's arcs from a travel matrix and
  the table, every rule and cost term vectorised (:func:`build_network_arrays`;
  :func:`build_network` for callers holding places);
- :mod:`~routing.matching.batch`: the batch solved (:func:`optimize`, with
  CP-SAT under provider caps; :func:`optimize_arrays` from arrays) and the
  :func:`greedy` baseline.
"""

from __future__ import annotations

from .arcs import build_network, build_network_arrays
from .batch import greedy, optimize, optimize_arrays
from .feasibility import feasible
from .flow import FlowNetwork
from .formula import CARE_TYPE_STEP, FIT_COST, PREFERRED_BONUS
from .needs import URGENCY_WEIGHT, WINDOW_MINUTES, Need, Urgency
from .offers import OfferTable
from .proposal import propose
from .results import Assignment, BatchResult, Excluded, Proposal, Why
from .scoring import cost

__all__ = [
    "CARE_TYPE_STEP",
    "FIT_COST",
    "PREFERRED_BONUS",
    "URGENCY_WEIGHT",
    "WINDOW_MINUTES",
    "Assignment",
    "BatchResult",
    "Excluded",
    "FlowNetwork",
    "Need",
    "OfferTable",
    "Proposal",
    "Urgency",
    "Why",
    "build_network",
    "build_network_arrays",
    "cost",
    "feasible",
    "greedy",
    "optimize",
    "optimize_arrays",
    "propose",
]
