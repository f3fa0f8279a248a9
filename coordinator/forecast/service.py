"""The forecast service: reads the board and the request history, runs the replications off the event loop, in time.

The replications run in the loop's default thread pool (numpy does the work; the event loop keeps
serving), one forecast at a time (a lock: a second caller waits and then usually finds the first's
answer in the cache), each bounded by a time budget: the replications run in chunks until the
budget is spent, at least one chunk per care type, and the answer says how many ran. A forecast
is cached for :data:`CACHE_SECONDS` per (care types, hours); the demand read from the history
for :data:`DEMAND_SECONDS`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from capacity.clock import iso, utcnow
from capacity.errors import StoreUnavailable
from capacity.model import Region
from capacity.service import CapacityService
from capacity.store import RecordStore

from ..triage import TriageProtocol
from .board import BoardNow, forecast_input, hour_points
from .demand import MIN_DAYS, MIN_PLACEMENTS, Demand, default_demand, demand_from_history, history_from_store
from .model import ForecastOutput, run_forecast

__all__ = [
    "BUDGET_SECONDS",
    "CACHE_SECONDS",
    "DEMAND_SECONDS",
    "HARD_TIMEOUT_SECONDS",
    "REPLICATIONS",
    "ForecastService",
    "compute",
    "demand_note",
]

_LOGGER = logging.getLogger(__name__)

REPLICATIONS = 500
BUDGET_SECONDS = 0.7  # of computing, for all care types of one answer; the answer is due within 2 s
CACHE_SECONDS = 60.0
DEMAND_SECONDS = 600.0
HARD_TIMEOUT_SECONDS = 10.0


def demand_note(demand: Demand) -> dict[str, Any] | None:
    """The note a person reads when the forecast falls back to the demand model (code, params, Dutch text)."""
    if demand.source == "history":
        return None
    params = {"requests": demand.requests, "placements": demand.placements, "days": demand.days}
    text = (
        f"Te weinig aanvraaghistorie ({demand.placements} plaatsingen in {demand.days:g} dagen; nodig: "
        f"{MIN_PLACEMENTS} plaatsingen in minstens {MIN_DAYS:g} dagen): de voorspelling gebruikt het standaard "
        "vraagmodel (volume uit het inwonertal, verdeeld over de zorgsoorten van de triage)."
    )
    return {"code": "forecast.default_demand", "params": params, "text": text}


def compute(
    board: BoardNow,
    region: Region,
    care_types: Sequence[str],
    demand: Demand,
    hours: int,
    *,
    replications: int = REPLICATIONS,
    budget_seconds: float = BUDGET_SECONDS,
    seed: int = 0,
) -> dict[str, Any]:
    """The forecast's answer for ``care_types`` from the board at ``board.now`` (synchronous: run it off the loop)."""
    now = board.now
    points = hour_points(now, hours, region)
    started = time.perf_counter()
    out: list[dict[str, Any]] = []
    done = replications
    for i, ct in enumerate(care_types):
        inp, counts = forecast_input(board, region, ct, demand, points=points, hours=hours)
        deadline = started + budget_seconds * (i + 1) / len(care_types)
        res: ForecastOutput = run_forecast(inp, replications=replications, seed=seed + i, deadline=deadline)
        done = min(done, res.replications)
        rows = []
        for k, (at, step) in enumerate(zip(points, inp.points, strict=True)):
            open_places = sum(bool(p.usable[step]) for p in inp.places)
            rows.append(
                {
                    "at": iso(at),
                    "local_time": at.astimezone(region.tz).strftime("%H:%M"),
                    "expected_free": res.expected_free[k],
                    "free_p10": res.free_p10[k],
                    "free_p90": res.free_p90[k],
                    "p_full": res.p_full[k] if open_places else None,
                    "open_places": open_places,
                }
            )
        out.append(
            {
                "care_type": ct,
                "name": region.care_types[ct].name,
                **counts,
                "zcc_placements_per_hour": round(demand.per_hour.get(ct, 0.0), 3),
                "hours": rows,
            }
        )
    return {
        "region": region.id,
        "generated_at": iso(now),
        "hours": hours,
        "replications": done,
        "compute_seconds": round(time.perf_counter() - started, 3),
        "demand": {
            "source": demand.source,
            "requests": demand.requests,
            "placements": demand.placements,
            "days": demand.days,
            "note": demand_note(demand),
        },
        "care_types": out,
    }


class ForecastService:
    """Forecasts of the region's free places from the live board (see the module docstring)."""

    def __init__(
        self,
        capacity: CapacityService,
        records: RecordStore,
        protocol: TriageProtocol,
        *,
        replications: int = REPLICATIONS,
        budget_seconds: float = BUDGET_SECONDS,
    ) -> None:
        self.capacity = capacity
        self.records = records
        self.protocol = protocol
        self.replications = replications
        self.budget_seconds = budget_seconds
        self._lock = asyncio.Lock()
        self._cache: dict[tuple[tuple[str, ...], int], tuple[float, dict[str, Any]]] = {}
        self._demand: tuple[float, Demand] | None = None

    def clear_cache(self, *, demand: bool = True) -> None:
        """Forget cached forecasts (and the demand read from the history): the benchmark measures cold answers."""
        self._cache.clear()
        if demand:
            self._demand = None

    async def demand(self, now: datetime) -> Demand:
        """The demand from the request history, read again every :data:`DEMAND_SECONDS`."""
        if self._demand is not None and time.monotonic() - self._demand[0] < DEMAND_SECONDS:
            return self._demand[1]
        try:
            docs = await self.records.list_requests(open_only=False)
        except StoreUnavailable as exc:
            # The board is still known (the view serves it degraded): forecast from the last demand read.
            _LOGGER.warning("forecast: cannot read the request history now (%s); last known demand", exc.detail)
            if self._demand is not None:
                return self._demand[1]
            return default_demand(self.capacity.region, self.protocol)
        demand = demand_from_history(history_from_store(d.body for d in docs), self.capacity.region, self.protocol, now)
        _LOGGER.info("forecast demand from %s: %d requests, %d placements", demand.source, len(docs), demand.placements)
        self._demand = (time.monotonic(), demand)
        return demand

    async def forecast(self, care_types: Sequence[str], hours: int) -> dict[str, Any]:
        """The forecast for ``care_types`` over ``hours`` (cached for :data:`CACHE_SECONDS`)."""
        key = (tuple(care_types), hours)
        async with self._lock:
            hit = self._cache.get(key)
            if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
                return hit[1]
            now = utcnow()
            demand = await self.demand(now)
            view = self.capacity.view
            board = BoardNow(now, dict(view.entries), dict(view.statuses))
            job = partial(
                compute,
                board,
                self.capacity.region,
                care_types,
                demand,
                hours,
                replications=self.replications,
                budget_seconds=self.budget_seconds,
                seed=int(now.timestamp() // 60),
            )
            future = asyncio.get_running_loop().run_in_executor(None, job)
            # The budget bounds the work; this bounds the wait should the machine stall (the thread finishes alone).
            answer = await asyncio.wait_for(future, timeout=HARD_TIMEOUT_SECONDS)
            self._cache = {k: v for k, v in self._cache.items() if time.monotonic() - v[0] < CACHE_SECONDS}
            self._cache[key] = (time.monotonic(), answer)
            return answer
