"""Simulations end to end: one seed (every policy on one scenario), and several seeds summarised with intervals."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from capacity.jsontypes import JSONObject
from capacity.model import Region
from routing.lookup import Routing, build_routing

from ..triage import TriageProtocol
from .demand import REQUESTS_PER_100K_PER_WEEK, Arrival, default_volume, generate_arrivals
from .engine import POLICIES, Run, run_policy
from .metrics import FIGURES, summarise
from .model import PolicyResult, RunSettings, Scenario
from .progress import Progress
from .scenarios import SCENARIOS, ScenarioSpec, scenario_stops
from .stats import INTERVAL, aggregate, compare
from .supply import SupplyPlan, plan_supply

__all__ = ["DEFAULT_START", "build_scenario", "result_json", "simulate", "simulate_async", "simulate_seeds"]

_LOGGER = logging.getLogger(__name__)

#: A Friday, local midnight: the day runs into the evening peak and on into Saturday when hours > 24.
DEFAULT_START = datetime(2026, 11, 27, 0, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
NORMAL = SCENARIOS["normal"]
VOLUME_ASSUMPTION = (
    f"{REQUESTS_PER_100K_PER_WEEK:g} requests needing coordination per 100,000 inhabitants per week "
    "(an assumption: the middle of the 30-60 quoted from ZCC pilots; see coordinator/simulate/demand.py)"
)


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
    spec: ScenarioSpec = NORMAL,
) -> Scenario:
    """The shared scenario of a run; ``arrivals`` and ``supply`` may be given by hand (tests).

    ``per_day`` is the normal day's volume (default: from the population); the scenario scales it.
    """
    start = start.astimezone(ZoneInfo("UTC"))
    end = start + timedelta(hours=hours)
    volume = (default_volume(region) if per_day is None else per_day) * spec.volume_factor
    if arrivals is None:
        arrivals = generate_arrivals(region, protocol, seed=seed, start=start, hours=hours, per_day=volume)
    if supply is None:
        stops = scenario_stops(spec, region, start, end)
        supply = plan_supply(region, seed=seed, start=start, hours=hours, profile=spec.supply, extra_stops=stops)
    return Scenario(
        region=region,
        protocol=protocol,
        routing=routing or build_routing(region),
        start=start,
        end=end,
        arrivals=tuple(arrivals),
        supply=supply,
    )


async def simulate_async(
    scenario: Scenario,
    policies: Sequence[str],
    settings: RunSettings,
    *,
    progress: Progress | None = None,
    label: str = "",
    observe: Callable[[Run], None] | None = None,
) -> dict[str, PolicyResult]:
    """Run each policy on the scenario in turn (each on its own store); the raw results by policy."""
    out: dict[str, PolicyResult] = {}
    for policy in policies:
        name = f"{label}{policy}"
        tick: Callable[[float], None] | None = None if progress is None else partial(progress.update, name)
        out[policy] = await run_policy(scenario, policy, settings, progress=tick, observe=observe)
        if progress is not None:
            progress.update(name, 1.0)
    return out


def result_json(
    scenario: Scenario,
    settings: RunSettings,
    results: dict[str, PolicyResult],
    *,
    per_day: float,
    spec: ScenarioSpec = NORMAL,
) -> dict[str, Any]:
    """One seed's JSON document: configuration, figures per policy, timeline, outcomes."""
    region = scenario.region
    population = sum(loc.population for loc in region.locations.values())
    return {
        "region": region.id,
        "region_name": region.name,
        "scenario": spec.to_json(),
        "seed": settings.seed,
        "start": scenario.start.isoformat(),
        "start_local": scenario.start.astimezone(region.tz).strftime("%Y-%m-%d %H:%M"),
        "hours": round((scenario.end - scenario.start).total_seconds() / 3600, 3),
        "population": population,
        "volume_per_day": round(per_day * spec.volume_factor, 2),
        "volume_assumption": VOLUME_ASSUMPTION,
        "arrivals": len(scenario.arrivals),
        "providers": len(region.providers),
        "stale_providers": list(scenario.supply.stale_providers),
        "stops": [
            {"provider_id": s.provider_id, "at": s.at.isoformat(), "until": s.until.isoformat(), "reason": s.reason}
            for s in scenario.supply.stops
        ],
        "settings": _settings_json(settings, scenario),
        "policies": {name: summarise(r) for name, r in results.items()},
        "timeline": {
            name: [{"minute": round(m, 1), "free": free} for m, free in r.samples] for name, r in results.items()
        },
        "occupancy": {
            name: [{"minute": round(m, 1), "beds": b, "all": a} for m, b, a in r.occupancy]
            for name, r in results.items()
        },
        "outcomes": {name: [o.to_json() for o in r.outcomes] for name, r in results.items()},
    }


def _settings_json(settings: RunSettings, scenario: Scenario) -> JSONObject:
    return {
        "batch_minutes": settings.batch_minutes,
        "hold_ttl_minutes": settings.hold_ttl_minutes,
        "confirm_minutes": list(settings.confirm_minutes),
        "never_confirm_share": settings.never_confirm_share,
        "report_valid_minutes": scenario.supply.valid_for_minutes,
        "status_quo": settings.status_quo(),
    }


def _check(policies: Sequence[str]) -> None:
    for p in policies:
        if p not in POLICIES:
            raise ValueError(f"unknown policy {p!r}; expected one of {', '.join(POLICIES)}")


def simulate(
    region: Region,
    protocol: TriageProtocol,
    *,
    hours: float = 24.0,
    policies: Sequence[str] = POLICIES,
    seed: int = 1,
    per_day: float | None = None,
    start: datetime = DEFAULT_START,
    progress: Progress | None = None,
    settings: RunSettings | None = None,
    scenario: Scenario | None = None,
    spec: ScenarioSpec = NORMAL,
    routing: Routing | None = None,
) -> dict[str, Any]:
    """Run every policy on one seed's scenario and return that seed's JSON document."""
    _check(policies)
    started = time.perf_counter()
    settings = replace(settings or RunSettings(), seed=seed)
    volume = default_volume(region) if per_day is None else per_day
    if scenario is None:
        scenario = build_scenario(
            region, protocol, seed=seed, hours=hours, per_day=volume, start=start, spec=spec, routing=routing
        )
    results = asyncio.run(simulate_async(scenario, policies, settings, progress=progress, label=f"seed {seed} "))
    doc = result_json(scenario, settings, results, per_day=volume, spec=spec)
    doc["wall_seconds"] = round(time.perf_counter() - started, 2)  # not part of the deterministic figures
    return doc


def simulate_seeds(
    region: Region,
    protocol: TriageProtocol,
    *,
    seeds: Sequence[int],
    hours: float = 24.0,
    policies: Sequence[str] = POLICIES,
    per_day: float | None = None,
    start: datetime = DEFAULT_START,
    spec: ScenarioSpec = NORMAL,
    out: Path | None = None,
    progress: Progress | None = None,
    settings: RunSettings | None = None,
) -> dict[str, Any]:
    """Every policy on each seed; each figure's mean and 95% interval over the seeds; the paired comparisons.

    With ``out``, also writes ``simulation.json``, the PNG plots and ``report.html`` there.
    """
    _check(policies)
    if not seeds:
        raise ValueError("give at least one seed")
    started = time.perf_counter()
    routing = build_routing(region)
    docs = [
        simulate(
            region,
            protocol,
            hours=hours,
            policies=policies,
            seed=seed,
            per_day=per_day,
            start=start,
            progress=progress,
            settings=settings,
            spec=spec,
            routing=routing,
        )
        for seed in seeds
    ]
    if progress is not None:
        progress.done()
    per_seed = [d["policies"] for d in docs]
    comparisons: JSONObject = {}
    for ours, base in (("optimized", "status-quo"), ("optimized", "greedy"), ("greedy", "status-quo")):
        if ours in policies and base in policies:
            comparisons[f"{ours}_vs_{base}"] = compare(per_seed, ours, base)
    first = docs[0]
    doc: dict[str, Any] = {
        "region": first["region"],
        "region_name": first["region_name"],
        "scenario": first["scenario"],
        "seeds": list(seeds),
        "start": first["start"],
        "start_local": first["start_local"],
        "hours": first["hours"],
        "population": first["population"],
        "volume_per_day": first["volume_per_day"],
        "volume_assumption": VOLUME_ASSUMPTION,
        "providers": first["providers"],
        "settings": first["settings"],
        "interval": INTERVAL,
        "figures": [f.to_json() for f in FIGURES],
        "policies": aggregate(per_seed, policies),
        "comparisons": comparisons,
        "per_seed": [
            {"seed": d["seed"], "arrivals": d["arrivals"], "stops": d["stops"], "policies": d["policies"]} for d in docs
        ],
        "distributions": {
            p: {
                key: [o[key] for d in docs for o in d["outcomes"][p] if o[key] is not None]
                for key in ("wait_minutes", "travel_minutes")
            }
            for p in policies
        },
        "occupancy": {p: _mean_timeline([d["occupancy"][p] for d in docs]) for p in policies},
    }
    if out is not None:
        from .report import write_outputs  # matplotlib only when a report is written

        write_outputs(doc, out)
    doc["wall_seconds"] = round(time.perf_counter() - started, 2)  # not part of the deterministic figures
    return doc


def _mean_timeline(runs: Sequence[Sequence[dict[str, float]]]) -> list[dict[str, float]]:
    """The occupancy timeline averaged over seeds, sample by sample."""
    n = min(len(r) for r in runs)
    return [
        {
            "minute": runs[0][i]["minute"],
            "beds": round(sum(r[i]["beds"] for r in runs) / len(runs), 4),
            "all": round(sum(r[i]["all"] for r in runs) / len(runs), 4),
        }
        for i in range(n)
    ]
