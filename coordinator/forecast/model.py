"""The forecast's simulation: one care type's places run forward from the board, many replications at once (numpy).

Pure and synchronous (no I/O, no clock): a function of the board as it is now, the demand rates
and the lengths of stay, so it runs in an executor and is checked against the region simulation.
The world is the region simulation's (:mod:`coordinator.simulate.supply`), per place:

- the units taken now (``total - free``: occupied or held) are occupants with a remaining stay
  drawn as a uniform share of a full stay; beds are vacated in the day window (10:00-16:00 local),
  so a bed's remaining stay counts from the end of the last window;
- the board now is taken as typical: the provider's own patients arrive as a Poisson stream at
  the rate that, together with zcc's requests, keeps the current occupancy, and wait on the
  provider's list (at a full bed place, those who came since the last window are waiting now);
- when it reports (every :data:`REPORT_MINUTES`, each place on its own schedule) the provider
  admits its waiting patients first and shows what is left free on the board, kept for the ZCC;
  between reports its own patients take only units freed since, and the board shows no more than
  was reported (what the forecast predicts is the board, as the page shows it);
- zcc's requests for the care type arrive as a Poisson stream at the given rate per step (from
  the request history or the demand model) and take a unit the board shows free at a place that
  is open and not on stop; a request that finds none waits (on average :data:`PATIENCE_MINUTES`:
  a place opening or freeing up goes to it), then goes to its next care type;
- stale places are not counted (the board does not count them free either); a stop holds a
  place at 0 free until it ends.

Time runs in steps of ``step_minutes``; the state is read at the given points (whole hours). Per
point: the mean free units of the region over the replications, the 10th and 90th percentile,
and the share of replications in which no unit is free at an open place (the care type is full).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..simulate.supply import VACATE_FROM_MINUTE, VACATE_SPAN_MINUTES

__all__ = ["CHUNK", "ForecastInput", "ForecastOutput", "PlaceNow", "run_forecast"]

_DAY = 1440.0
#: Replications per vectorised chunk; the deadline is checked between chunks.
CHUNK = 100
#: How often a provider reports (the middle of the simulation's 30-60 minutes): what it keeps for the ZCC.
REPORT_MINUTES = 45.0
#: How long a zcc request that finds the care type full waits for it on average (the U3 window) before it
#: goes to its next care type.
PATIENCE_MINUTES = 180.0


@dataclass(frozen=True, slots=True)
class PlaceNow:
    """One (fresh) place of the care type as the board shows it now, and when it can take patients."""

    provider_id: str
    total: int
    taken: int  # occupied or held: total - free now
    usable: NDArray[np.bool_]  # per step: open (opening hours) and not on stop


@dataclass(frozen=True, slots=True)
class ForecastInput:
    """Everything one care type's forecast needs; times are minutes from now."""

    care_type: str
    places: Sequence[PlaceNow]
    steps: int
    step_minutes: float
    stay_minutes: tuple[float, float]  # (low, high), drawn uniformly
    bed: bool  # vacated only in the day window
    day_offset_minutes: float  # minutes since local midnight, now
    zcc_per_step: NDArray[np.float64]  # expected zcc arrivals in each step
    points: Sequence[int]  # the steps (0-based, state at their end) to report


@dataclass(frozen=True, slots=True)
class ForecastOutput:
    """Per point: expected free units, 10th and 90th percentile, chance that no unit is free."""

    replications: int
    expected_free: list[float]
    free_p10: list[float]
    free_p90: list[float]
    p_full: list[float]


def _departures(
    stay: NDArray[np.float64], u: NDArray[np.float64], inp: ForecastInput, at: float
) -> NDArray[np.float64]:
    """Minutes from now at which units taken at minute ``at`` for ``stay`` minutes are free again."""
    end = at + stay
    if not inp.bed:
        return end
    local = inp.day_offset_minutes + end
    day = np.floor(local / _DAY)
    target = VACATE_FROM_MINUTE + u * VACATE_SPAN_MINUTES
    day = np.where(local - day * _DAY > target, day + 1, day)
    return day * _DAY + target - inp.day_offset_minutes


def _schedule(
    dep: NDArray[np.int64],
    rows: NDArray[np.intp],
    cols: NDArray[np.intp],
    minutes: NDArray[np.float64],
    inp: ForecastInput,
) -> None:
    """Count departures at ``minutes`` into ``dep[r, j, step]`` (the last slot: after the horizon)."""
    step = np.ceil(minutes / inp.step_minutes).astype(np.intp) - 1
    np.clip(step, 0, inp.steps, out=step)
    np.add.at(dep, (rows, cols, step), 1)


def _window_since(inp: ForecastInput) -> float:
    """Minutes since the end of the last bed-vacating window (16:00 local), before or at now."""
    end = VACATE_FROM_MINUTE + VACATE_SPAN_MINUTES
    d = inp.day_offset_minutes
    return d - end if d >= end else d + _DAY - end


def _occupants(
    inp: ForecastInput, taken: NDArray[np.int64], reps: int, rng: np.random.Generator
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """The occupants now (row, place, minute they leave). A uniform share of a full stay is left; for beds it is
    counted from the end of the last vacating window, since a stay that ended overnight still waits for the day."""
    low, high = inp.stay_minutes
    cols = np.tile(np.repeat(np.arange(len(taken), dtype=np.intp), taken), reps)
    rows = np.repeat(np.arange(reps, dtype=np.intp), int(taken.sum()))
    k = len(cols)
    since = _window_since(inp) if inp.bed else 0.0
    leave = _departures(rng.uniform(low, high, k) * rng.random(k), rng.random(k), inp, -since)
    for _ in range(3):  # a bed that would have left before now was not among the occupants: draw it again
        gone = np.nonzero(leave < 0)[0]
        if not len(gone):
            break
        leave[gone] = _departures(
            rng.uniform(low, high, len(gone)) * rng.random(len(gone)), rng.random(len(gone)), inp, -since
        )
    return rows, cols, np.maximum(leave, 0.0)


def _admitted_stays(
    dep: NDArray[np.int64], new: NDArray[np.int64], inp: ForecastInput, s: int, rng: np.random.Generator
) -> None:
    """Schedule the departures of the ``new[r, j]`` patients admitted in step ``s``."""
    if not new.any():
        return
    rows, cols = np.nonzero(new)
    counts = new[rows, cols]
    rows, cols = np.repeat(rows, counts), np.repeat(cols, counts)
    stay = rng.uniform(*inp.stay_minutes, len(rows))
    _schedule(dep, rows, cols, _departures(stay, rng.random(len(rows)), inp, s * inp.step_minutes), inp)


def _chunk(inp: ForecastInput, reps: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """Free units of the region at each point, per replication: shape (reps, points)."""
    n = len(inp.places)
    total = np.array([p.total for p in inp.places], dtype=np.int64)
    taken = np.array([p.taken for p in inp.places], dtype=np.int64)
    usable = np.stack([p.usable for p in inp.places], axis=1)  # (steps, n)
    low, high = inp.stay_minutes
    # The board now is taken as typical: the own patients come at the rate that, with zcc's, keeps it.
    keeping = taken / ((low + high) / 2) * inp.step_minutes  # departures per step at this occupancy
    zcc_mean = float(np.mean(inp.zcc_per_step)) if len(inp.zcc_per_step) else 0.0
    share = taken / taken.sum() if taken.sum() else np.zeros(n)
    outside_rate = np.maximum(0.0, keeping - zcc_mean * share)  # per step
    dep = np.zeros((reps, n, inp.steps + 1), dtype=np.int64)
    _schedule(dep, *_occupants(inp, taken, reps, rng), inp)
    occupied = np.tile(taken, (reps, 1))
    # What the provider keeps for the ZCC: the free units it last reported; its own patients wait for the rest.
    kept = total - occupied
    waiting = np.zeros((reps, n), dtype=np.int64)
    if inp.bed:  # at a full place, the own patients who came since the beds were last vacated wait for a discharge
        since = _window_since(inp)
        if since > _DAY - VACATE_SPAN_MINUTES:  # within the window: part of the queue is in already
            since *= (_DAY - since) / VACATE_SPAN_MINUTES
        waiting = rng.poisson(outside_rate * since / inp.step_minutes, (reps, n)) * (kept == 0)
    report_every = max(1, round(REPORT_MINUTES / inp.step_minutes))
    phase = rng.integers(0, report_every, (reps, n))  # each place reports on its own schedule
    out = np.zeros((reps, len(inp.points)), dtype=np.int64)
    point_of = {s: i for i, s in enumerate(inp.points)}
    rows_all = np.arange(reps)
    backlog = np.zeros(reps, dtype=np.int64)
    stay_on = math.exp(-inp.step_minutes / PATIENCE_MINUTES)
    for s in range(inp.steps):
        occupied -= dep[:, :, s]
        waiting += rng.poisson(outside_rate, (reps, n))
        # A report: own waiting patients first, the rest is shown free on the board and kept for the ZCC.
        reporting = (phase == s % report_every) & (s > 0)
        first = np.minimum(waiting, total - occupied) * reporting
        occupied += first
        waiting -= first
        kept = np.where(reporting, total - occupied, kept)
        # Between reports the own patients take units freed since; the board does not show those.
        admitted = np.minimum(waiting, np.maximum(total - occupied - kept, 0))
        occupied += admitted
        waiting -= admitted
        # zcc places where the board shows a unit free (the place must be open and not on stop); requests that
        # find none wait, each for PATIENCE_MINUTES on average, then go to another care type.
        backlog = rng.binomial(backlog, stay_on) + rng.poisson(inp.zcc_per_step[s], reps)
        arrivals = backlog
        placed = np.zeros((reps, n), dtype=np.int64)
        shown = kept * usable[s]
        for m in range(int(arrivals.max(initial=0))):
            best = np.argmax(shown, axis=1)
            r = np.nonzero((arrivals > m) & (shown[rows_all, best] > 0))[0]
            shown[r, best[r]] -= 1
            placed[r, best[r]] += 1
        occupied += placed
        kept -= placed
        backlog = backlog - placed.sum(axis=1)
        _admitted_stays(dep, first + admitted + placed, inp, s, rng)
        if s in point_of:
            out[:, point_of[s]] = (kept * usable[s]).sum(axis=1)
    return out


def run_forecast(inp: ForecastInput, *, replications: int, seed: int, deadline: float | None = None) -> ForecastOutput:
    """Run up to ``replications`` (in chunks of :data:`CHUNK`; at least one chunk) until ``deadline``."""
    rng = np.random.default_rng(seed)
    parts: list[NDArray[np.int64]] = []
    done = 0
    while done < replications:
        reps = min(CHUNK, replications - done)
        if not inp.places:
            parts.append(np.zeros((reps, len(inp.points)), dtype=np.int64))
        else:
            parts.append(_chunk(inp, reps, rng))
        done += reps
        if deadline is not None and time.perf_counter() > deadline:
            break
    free = np.concatenate(parts, axis=0).astype(np.float64)
    return ForecastOutput(
        replications=done,
        expected_free=[round(float(x), 2) for x in free.mean(axis=0)],
        free_p10=[math.floor(float(x)) for x in np.percentile(free, 10, axis=0)],
        free_p90=[math.ceil(float(x)) for x in np.percentile(free, 90, axis=0)],
        p_full=[round(float(x), 3) for x in (free == 0).mean(axis=0)],
    )
