"""One simulation: build the scenario from the seed, run each policy on it, summarise, write the report."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from capacity.jsontypes import JSONObject
from capacity.model import Region
from routing.lookup import Routing, build_routing

from ..triage import TriageProtocol
from .demand import REQUESTS_PER_100K_PER_WEEK, Arrival, default_volume, generate_arrivals
from .engine import POLICIES, run_policy
from .metrics import compare, summarise
from .model import PolicyResult, RunSettings, Scenario
from .progress import Progress
from .supply import SupplyPlan, plan_supply

__all__ = ["DEFAULT_START", "build_scenario", "result_json", "simulate", "simulate_async"]

_LOGGER = logging.getLogger(__name__)

#: A Friday, local midnight: the day runs into the evening peak and on into Saturday when hours > 24.
DEFAULT_START = datetime(2026, 11, 27, 0, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


def build_scenario(
    region: Region,
    protocol: TriageProtocol,
    *,
    seed: int,
    hours: float,
    per_day: float | None = None,
    start: datetime = DEFAULT_START,
    routing: Routing | None = None,
    arrivals: Sequence[Arrival] | None = None,
    supply: SupplyPlan | None = None,
) -> Scenario:
    """The shared scenario of a run; ``arrivals`` and ``supply`` may be given by hand (tests)."""
    start = start.astimezone(ZoneInfo("UTC"))
    volume = default_volume(region) if per_day is None else per_day
    if arrivals is None:
        arrivals = generate_arrivals(region, protocol, seed=seed, start=start, hours=hours, per_day=volume)
    if supply is None:
        supply = plan_supply(region, seed=seed, start=start, hours=hours)
    return Scenario(
        region=region,
        protocol=protocol,
        routing=routing or build_routing(region),
        start=start,
        end=start + timedelta(hours=hours),
        arrivals=tuple(arrivals),
        supply=supply,
    )


async def simulate_async(
    scenario: Scenario,
    policies: Sequence[str],
    settings: RunSettings,
    *,
    progress: Progress | None = None,
) -> dict[str, PolicyResult]:
    """Run each policy on the scenario in turn (each on its own store); the raw results by policy."""
    out: dict[str, PolicyResult] = {}
    for policy in policies:
        tick: Callable[[float], None] | None = None if progress is None else partial(progress.update, policy)
        out[policy] = await run_policy(scenario, policy, settings, progress=tick)
        if progress is not None:
            progress.update(policy, 1.0)
    if progress is not None:
        progress.done()
    return out


def result_json(
    scenario: Scenario, settings: RunSettings, results: dict[str, PolicyResult], *, per_day: float
) -> JSONObject:
    """The simulation's JSON document: configuration, figures per policy, comparison, timeline, outcomes."""
    region = scenario.region
    population = sum(loc.population for loc in region.locations.values())
    policies = {name: summarise(r) for name, r in results.items()}
    return {
        "region": region.id,
        "region_name": region.name,
        "seed": settings.seed,
        "start": scenario.start.isoformat(),
        "hours": round((scenario.end - scenario.start).total_seconds() / 3600, 3),
        "population": population,
        "volume_per_day": round(per_day, 2),
        "volume_assumption": (
            f"{REQUESTS_PER_100K_PER_WEEK:g} requests needing coordination per 100,000 inhabitants per week "
            "(an assumption: the middle of the 30-60 quoted from ZCC pilots; see coordinator/simulate/demand.py)"
        ),
        "arrivals": len(scenario.arrivals),
        "providers": len(region.providers),
        "stale_providers": list(scenario.supply.stale_providers),
        "settings": {
            "batch_minutes": settings.batch_minutes,
            "hold_ttl_minutes": settings.hold_ttl_minutes,
            "confirm_minutes": list(settings.confirm_minutes),
            "never_confirm_share": settings.never_confirm_share,
            "report_valid_minutes": scenario.supply.valid_for_minutes,
        },
        "policies": policies,
        "comparison": compare(policies),
        "timeline": {
            name: [{"minute": round(m, 1), "free": free} for m, free in r.samples] for name, r in results.items()
        },
        "outcomes": {name: [o.to_json() for o in r.outcomes] for name, r in results.items()},
    }


def simulate(
    region: Region,
    protocol: TriageProtocol,
    *,
    hours: float = 24.0,
    policies: Sequence[str] = POLICIES,
    seed: int = 1,
    per_day: float | None = None,
    start: datetime = DEFAULT_START,
    out: Path | None = None,
    progress: Progress | None = None,
    settings: RunSettings | None = None,
    scenario: Scenario | None = None,
) -> JSONObject:
    """Run the simulation and return its JSON document; with ``out``, also write the JSON, plots and HTML."""
    for p in policies:
        if p not in POLICIES:
            raise ValueError(f"unknown policy {p!r}; expected one of {', '.join(POLICIES)}")
    started = time.perf_counter()
    settings = replace(settings or RunSettings(), seed=seed)
    volume = default_volume(region) if per_day is None else per_day
    if scenario is None:
        scenario = build_scenario(region, protocol, seed=seed, hours=hours, per_day=volume, start=start)
    results = asyncio.run(simulate_async(scenario, policies, settings, progress=progress))
    doc = result_json(scenario, settings, results, per_day=volume)
    if out is not None:
        from .report import write_outputs  # matplotlib only when a report is written

        write_outputs(doc, out)
    doc["wall_seconds"] = round(time.perf_counter() - started, 2)  # not part of the deterministic figures
    return doc
