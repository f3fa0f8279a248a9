"""``zcc simulate``: a discrete-event simulation of one region's ZCC, driving the real service code.

Design, one module each:

- :mod:`.demand`: the arrival stream (non-homogeneous Poisson by hour of day
  and weekday; volume from the region's population, an assumption stated
  there), complaints and answers from the triage protocol, ages, locations;
- :mod:`.supply`: each offer's occupancy, lengths of stay, outside patients,
  provider reports and stops;
- :mod:`.engine`: the event loop of one policy over its own embedded SQLite
  store, with the real RequestService, CapacityView, routing and matcher, on a
  simulated clock (:func:`capacity.model.set_clock`);
- :mod:`.metrics`, :mod:`.report`: the figures, the table, JSON, PNG plots, HTML;
- :mod:`.run`: one simulation end to end; :mod:`.cli`: the ``zcc simulate`` command.

Policies on the same arrival stream and supply (same seed): ``optimized``
reserves the top proposal that ``RequestService.create`` returns, and every 15
simulated minutes reserves the assignments of ``routing.matching.optimize``
over the open requests; ``greedy`` (the phoning-around status quo) takes the
nearest place that looks free (``routing.matching.greedy``: travel first,
blind to level of care and later requests), on arrival and in the same
15-minute rounds.
"""

from __future__ import annotations

from .engine import POLICIES, run_policy
from .model import Outcome, PolicyResult, RunSettings, Scenario, audit_log
from .run import DEFAULT_START, build_scenario, simulate

__all__ = [
    "DEFAULT_START",
    "POLICIES",
    "Outcome",
    "PolicyResult",
    "RunSettings",
    "Scenario",
    "audit_log",
    "build_scenario",
    "run_policy",
    "simulate",
]
