"""The discrete-event loop: one policy's run of a scenario, driving the real service code in process.

Per policy the run opens its own embedded SQLite stores in a temporary directory and works through
the real :class:`~capacity.service.CapacityService` (capacity reports, stops, holds, expiry; its view
follows the store's event log as the service's always does) and the real
:class:`~coordinator.requests.RequestService` (triage, proposals, reserve, confirm), with the real
routing and matcher. Time is the simulated clock, installed through :func:`capacity.clock.set_clock`
for the run, so every ``utcnow()`` of the service reads simulated time.

This module runs the world (occupants leave, outside patients come, providers report and stop) and
triages each arrival; how a place is then found is the policy's desk: :class:`.board.BoardDesk`
(``optimized``, ``greedy``: the board and holds) or :class:`.phoning.PhoneDesk` (``status-quo``: no
board, phone calls). Events at one instant run in the order they were scheduled; each is awaited to
the end before the next starts, so a run is a function of the seed.
"""

from __future__ import annotations

import heapq
import inspect
import itertools
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from capacity.clock import set_clock
from capacity.ingest import check_update
from capacity.service import CapacityService
from capacity.state import ProviderStatus
from capacity.store import Stores, open_stores
from routing.matching import Need, feasible

from ..records import ActorRef, RequestRecord
from ..requests import RequestInput, RequestService, need_of
from ..trajectories import TrajectoryService
from .demand import Arrival
from .model import Outcome, PolicyResult, RunSettings, Scenario, audit_log
from .streams import stream
from .supply import OfferState, Stop, is_bed, los_minutes, vacate_at

__all__ = ["POLICIES", "Desk", "Run", "run_policy", "scratch_dir"]

_LOGGER = logging.getLogger(__name__)

#: Every policy, the honest baseline first.
POLICIES = ("status-quo", "greedy", "optimized")
HOSPITAL_LEVEL = 3


class Desk(Protocol):
    """How a policy finds a place for a triaged request (see the module docstring)."""

    #: Event kinds this desk handles, with their handlers.
    handlers: Mapping[str, Callable[[Any], Any]]
    #: Whether the run schedules the periodic round over open requests (``batch`` events).
    rounds: bool

    async def arrive(self, record: RequestRecord) -> None:
        """A request that needs a place (status ``open``) has been triaged and stored."""


class Run:
    """One policy's run of a scenario: the world, the providers, triage; the desk does the rest."""

    def __init__(
        self,
        scenario: Scenario,
        policy: str,
        settings: RunSettings,
        stores: Stores,
        progress: Callable[[float], None] | None,
        *,
        observe: Callable[[Run], None] | None = None,
    ) -> None:
        if policy not in POLICIES:
            raise ValueError(f"unknown policy {policy!r}; expected one of {', '.join(POLICIES)}")
        self.sc, self.policy, self.settings = scenario, policy, settings
        self.region = scenario.region
        self.stores = stores
        self.capacity = CapacityService(stores.capacity, stores.events, scenario.region)
        self.view = self.capacity.view
        self.service = RequestService(
            stores.records,
            self.capacity,
            TrajectoryService(stores.records),
            scenario.protocol,
            hold_ttl=timedelta(minutes=settings.hold_ttl_minutes),
        )
        self.actor = ActorRef(token_id="sim-triage", role="triage", practitioner="sim")  # noqa: S106 - an id, not a secret
        self.now = scenario.start
        self.progress = progress
        self.observe = observe
        self.world = {key: OfferState.start(plan) for key, plan in scenario.supply.offers.items()}
        self.queue: list[tuple[datetime, int, str, Any]] = []
        self.seq = itertools.count()
        self.outcomes = [
            Outcome(a.index, a.urgency, None, frail_elderly=a.frail_elderly, arrived=a.at) for a in scenario.arrivals
        ]
        self.by_request: dict[str, Outcome] = {}
        self.arrival_of: dict[str, Arrival] = {}
        self.result = PolicyResult(policy, self.outcomes)
        self._beds = [key for key in self.world if is_bed(self.region.care_types[key[1]])]
        self.desk: Desk
        if policy == "status-quo":
            from .phoning import PhoneDesk

            self.desk = PhoneDesk(self)
        else:
            from .board import BoardDesk

            self.desk = BoardDesk(self, optimized=policy == "optimized")

    # -- the loop ---------------------------------------------------------------

    def push(self, at: datetime, kind: str, data: Any = None) -> None:
        """Schedule an event; events at one instant run in the order scheduled."""
        heapq.heappush(self.queue, (at, next(self.seq), kind, data))

    def _schedule(self) -> None:
        sc = self.sc
        for key, state in self.world.items():
            for at in state.plan.departures:
                self.push(at, "vacate", key)
            for at, stay in state.plan.inflow:
                self.push(at, "inflow", (key, stay))
        for at, pid in sc.supply.reports:
            self.push(max(at, sc.start), "report", (pid, at))
        for stop in sc.supply.stops:
            self.push(stop.at, "stop", stop)
        for a in sc.arrivals:
            self.push(a.at, "arrival", a)
        if self.desk.rounds:
            step = timedelta(minutes=self.settings.batch_minutes)
            t = sc.start + step
            while t < sc.end:
                self.push(t, "batch")
                t += step
        step = timedelta(minutes=self.settings.sample_minutes)
        t = sc.start
        while t <= sc.end:
            self.push(t, "sample")
            t += step

    async def run(self) -> PolicyResult:
        """Run the scenario to its end and return the raw result."""
        sc = self.sc
        await self.stores.backend.open()
        await self.capacity.start(sc.start)
        self._schedule()
        handlers: dict[str, Callable[[Any], Any]] = {
            "arrival": self.on_arrival,
            "report": self.on_report,
            "stop": self.on_stop,
            **self.desk.handlers,
        }
        span = (sc.end - sc.start).total_seconds() or 1.0
        while self.queue and self.queue[0][0] <= sc.end:
            at, _, kind, data = heapq.heappop(self.queue)
            self.now = at
            if kind == "vacate":
                self.on_vacate(data)
            elif kind == "inflow":
                self.on_inflow(data)
            elif kind == "sample":
                self.on_sample()
            else:
                done = handlers[kind](data)
                if inspect.isawaitable(done):
                    await done
                await self.capacity.sync()
                self.check_capacity()
            if self.progress is not None:
                self.progress((at - sc.start).total_seconds() / span)
        self.now = sc.end
        self.result.log_violations, self.result.store_events = audit_log(
            [(e.type, dict(e.data)) for e in await self.stores.events.events_after("0", 10**9)]
        )
        self.result.outside_waiting_end = sum(len(s.waiting) for s in self.world.values())
        for o in self.outcomes:
            if o.status == "reserved":
                o.status = "open"  # a hold still running at the end is no placement
        return self.result

    def check_capacity(self) -> None:
        """Never more held and occupied than the total, never more held than the store's available."""
        for key, state in self.world.items():
            entry = self.view.entries.get(key)
            held = entry.held if entry is not None else 0
            if state.occupied + held > state.plan.total or (entry is not None and entry.held > entry.available):
                self.result.capacity_violations += 1
                _LOGGER.error("capacity exceeded at %s %s: %s occupied, %s held", *key, state.occupied, held)

    # -- the world: occupants leave, outside patients come ----------------------------

    def held(self, key: tuple[str, str]) -> int:
        """Units zcc holds at ``key`` now."""
        entry = self.view.entries.get(key)
        return entry.held if entry is not None else 0

    def truly_free(self, key: tuple[str, str]) -> int:
        """Units nobody occupies or holds: what the provider finds when it looks (the phone answer)."""
        state = self.world[key]
        return max(0, state.plan.total - state.occupied - self.held(key))

    def _advertised(self, key: tuple[str, str]) -> int:
        entry = self.view.entries.get(key)
        return entry.free(self.now) if entry is not None else 0

    def _admit(self, key: tuple[str, str], keep: int | None = None) -> None:
        """The provider admits its own waiting patients into free units beyond ``keep`` (default: what it
        last reported free, which it keeps for the ZCC until its next report)."""
        state = self.world[key]
        keep = self._advertised(key) if keep is None else keep
        while state.waiting and self.truly_free(key) > keep:
            stay = state.waiting.popleft()
            state.occupied += 1
            self.result.outside_admitted += 1
            u = stream(self.settings.seed, "outside", *key, self.result.outside_admitted).random()
            self.push(vacate_at(self.region.care_types[key[1]], self.now, stay, u, self.region.tz), "vacate", key)

    def on_vacate(self, key: tuple[str, str]) -> None:
        """An occupant leaves: the unit is free (the board learns it at the next report)."""
        state = self.world[key]
        state.occupied = max(0, state.occupied - 1)
        self._admit(key)

    def on_inflow(self, data: tuple[tuple[str, str], float]) -> None:
        """An outside patient arrives at the provider's own list."""
        key, stay = data
        self.world[key].waiting.append(stay)
        self._admit(key)

    def on_sample(self) -> None:
        """Free units per care type on the board (fresh entries, stops not counted) and the occupancy."""
        free: dict[str, int] = {}
        for key, entry in self.view.entries.items():
            ok = not entry.stale(self.now) and self.view.stop_of(key[0], self.now, key[1]) is None
            free[key[1]] = free.get(key[1], 0) + (entry.free(self.now) if ok else 0)
        minutes = (self.now - self.sc.start).total_seconds() / 60
        self.result.samples.append((minutes, dict(sorted(free.items()))))
        self.result.occupancy.append((minutes, self._occupancy(self._beds), self._occupancy(self.world)))
        if self.observe is not None:
            self.observe(self)

    def _occupancy(self, keys: Any) -> float:
        """Occupied and held units over the total of ``keys``."""
        total = sum(self.world[k].plan.total for k in keys)
        used = sum(self.world[k].occupied + self.held(k) for k in keys)
        return round(used / total, 4) if total else 0.0

    # -- providers ------------------------------------------------------------------

    async def on_report(self, data: tuple[str, datetime]) -> None:
        """A provider reports every care type it offers, through the store as the HTTP handler does."""
        pid, reported_at = data
        provider = self.region.providers[pid]
        updates = []
        for ct in provider.offers:
            # Its own waiting patients first; what is left it reports free (and keeps for the ZCC).
            self._admit((pid, ct), keep=0)
            state = self.world[(pid, ct)]
            known = self.view.entries.get((pid, ct))
            updates.append(
                check_update(
                    self.region,
                    provider_id=pid,
                    care_type=ct,
                    available=state.plan.total - state.occupied,
                    total=state.plan.total,
                    known_total=known.total if known else None,
                    reported_at=reported_at,
                    valid_for_minutes=self.sc.supply.valid_for_minutes,
                    now=self.now,
                    max_skew=timedelta(minutes=5),
                )
            )
        self.result.reports += 1
        await self.capacity.report(updates)

    async def on_stop(self, stop: Stop) -> None:
        """A provider goes on stop until ``stop.until``."""
        status = ProviderStatus(stop.provider_id, "stop", stop.reason, stop.until, self.now)
        self.result.stops += 1
        await self.capacity.set_status(status)

    # -- requests -------------------------------------------------------------------

    async def on_arrival(self, a: Arrival) -> None:
        """Triage and store the request through the real service; the desk looks for a place."""
        data = RequestInput(
            patient_ref=a.patient_ref,
            age=a.age,
            lat=a.lat,
            lon=a.lon,
            complaint=a.complaint,
            answers=a.answers,
            context=a.context,
            frail_elderly=a.frail_elderly,
        )
        record = await self.service.create(data, self.sc.routing, self.actor)
        out = self.outcomes[a.index]
        out.urgency = record.triage.urgency
        out.target_minutes = record.triage.target_minutes
        out.status = record.status
        self.by_request[record.id] = out
        self.arrival_of[record.id] = a
        if record.status == "open":  # not escalated to 112 (U0/U1) nor advice only (U5)
            await self.desk.arrive(record)

    def level_mismatch(self, record: RequestRecord, care_type: str) -> bool:
        """A frail elderly patient sent to hospital while a lower level of care was free and feasible now."""
        care_types = self.region.care_types
        if not record.flags.frail_elderly or care_types[care_type].level < HOSPITAL_LEVEL:
            return False
        need: Need = need_of(record)
        for place in self.service.candidates(record, self.sc.routing):
            if care_types[place.care_type].level >= HOSPITAL_LEVEL:
                continue
            if feasible(need, place, self.now, self.region.tz, care_types) is None:
                return True
        return False

    def occupy(self, rid: str, key: tuple[str, str], travel: float) -> None:
        """The patient of request ``rid`` takes a unit at ``key`` now, for their stay: a confirmed placement."""
        out, a = self.by_request[rid], self.arrival_of[rid]
        out.status, out.placed_at = "placed", self.now
        out.provider_id, out.care_type = key
        care_type = self.region.care_types[key[1]]
        out.level = care_type.level
        out.travel_minutes = travel
        out.cross_region = key[0] not in self.region.providers
        self.world[key].occupied += 1
        rng = stream(self.settings.seed, "stay", a.index)
        low, high = los_minutes(care_type)
        self.push(vacate_at(care_type, self.now, rng.uniform(low, high), rng.random(), self.region.tz), "vacate", key)


def scratch_dir() -> Path | None:
    """Where a run's throwaway store goes: memory-backed /dev/shm when there is one, else the system's temp dir.

    The embedded store fsyncs every commit (synchronous=FULL); a simulated day makes some 15,000 of
    them, and on disk those waits were more than half of a run's wall time. A simulation's store is
    thrown away after the run, so it needs no durability; the service's own store is unchanged.
    """
    shm = Path("/dev/shm")  # noqa: S108 - a private TemporaryDirectory inside it, removed after the run
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else None


async def run_policy(
    scenario: Scenario,
    policy: str,
    settings: RunSettings,
    *,
    progress: Callable[[float], None] | None = None,
    workdir: Path | None = None,
    observe: Callable[[Run], None] | None = None,
) -> PolicyResult:
    """Run one policy on a fresh embedded store in a temporary directory, on the simulated clock.

    ``observe`` is called with the run at every sample (every ``sample_minutes``): the forecast's
    check reads the board from it.
    """
    with tempfile.TemporaryDirectory(prefix=f"zcc-sim-{policy}-", dir=workdir or scratch_dir()) as tmp:
        stores = open_stores(f"sqlite:///{tmp}/zcc.db", scenario.region.id)
        sim = Run(scenario, policy, settings, stores, progress, observe=observe)
        set_clock(lambda: sim.now)
        try:
            return await sim.run()
        finally:
            set_clock(None)
            await stores.backend.close()
