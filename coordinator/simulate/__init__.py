"""``zcc simulate``: a discrete-event simulation of one region's ZCC, driving the real service code.

Design, one module each:

- :mod:`.demand`: the arrival stream (non-homogeneous Poisson by hour of day
  and weekday; volume from the region's population, an assumption stated
  there), complaints and answers from the triage protocol, ages, locations;
- :mod:`.supply`: each offer's occupancy, lengths of stay, outside patients,
  provider reports and stops;
- :mod:`.scenarios`: the kinds of day (normal, winter, seh-stop);
- :mod:`.engine`: the event loop of one policy over its own embedded SQLite
  store, with the real RequestService, CapacityView, routing and matcher, on a
  simulated clock (:func:`capacity.model.set_clock`); how a place is found is
  the policy's desk: :mod:`.board` or :mod:`.phoning`;
- :mod:`.metrics`, :mod:`.stats`: one seed's figures, the means and 95%
  intervals over seeds and the paired comparisons;
- :mod:`.report`, :mod:`.plots`: the table, JSON, PNG plots, HTML (Dutch);
- :mod:`.run`: one seed and several seeds end to end; :mod:`.cli`: the
  ``zcc simulate`` command.

Policies on the same arrival stream and supply (same seed): ``status-quo`` (a
ZCC without zcc: no board, staff phone providers nearest first, a place is
known free only by calling; :mod:`.phoning`); ``greedy`` (the board: the
nearest place it shows free, ``routing.matching.greedy``, on arrival and in
15-minute rounds) and ``optimized`` (zcc: the top proposal of
``RequestService.create`` and every 15 minutes ``routing.matching.optimize``
over the open requests); :mod:`.board`.
"""

from __future__ import annotations

from .engine import POLICIES, run_policy
from .model import Outcome, PolicyResult, RunSettings, Scenario, audit_log
from .run import DEFAULT_START, build_scenario, simulate, simulate_seeds
from .scenarios import SCENARIOS, ScenarioSpec

__all__ = [
    "DEFAULT_START",
    "POLICIES",
    "SCENARIOS",
    "Outcome",
    "PolicyResult",
    "RunSettings",
    "Scenario",
    "ScenarioSpec",
    "audit_log",
    "build_scenario",
    "run_policy",
    "simulate",
    "simulate_seeds",
]
