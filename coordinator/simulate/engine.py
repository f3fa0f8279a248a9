"""The discrete-event loop: one policy's run of a scenario, driving the real service code in process.

Per policy the run opens its own embedded SQLite stores in a temporary directory and works through
the real :class:`~capacity.service.CapacityService` (capacity reports, stops, holds, expiry; its view
follows the store's event log as the service's always does) and the real
:class:`~coordinator.requests.RequestService` (triage, proposals, reserve, confirm), with the real
routing and matcher. Time is the simulated clock, installed through :func:`capacity.clock.set_clock`
for the run, so every ``utcnow()`` of the service reads simulated time.

Events at one instant run in the order they were scheduled; each is awaited to
the end before the next starts, so a run is a function of the seed.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from capacity.clock import set_clock
from capacity.errors import Conflict, ZccError
from capacity.ingest import check_update
from capacity.service import CapacityService
from capacity.state import ProviderStatus
from capacity.store import Stores, open_stores
from routing.matching import Need, feasible, greedy, optimize

from ..records import ActorRef, RequestRecord
from ..requests import RequestInput, RequestService, need_of
from ..trajectories import TrajectoryService
from .demand import Arrival
from .model import Outcome, PolicyResult, RunSettings, Scenario, audit_log
from .streams import stream
from .supply import OfferState, Stop, los_minutes, vacate_at

__all__ = ["POLICIES", "run_policy"]

_LOGGER = logging.getLogger(__name__)

POLICIES = ("optimized", "greedy")
HOSPITAL_LEVEL = 3
_GOLDEN = 0.6180339887498949
_SQRT2 = 0.41421356237309515  # sqrt(2) - 1: a second attempt of one request lands elsewhere in the sequence


class _Policy:
    """One policy's run; see the module docstring."""

    def __init__(
        self,
        scenario: Scenario,
        policy: str,
        settings: RunSettings,
        stores: Stores,
        progress: Callable[[float], None] | None,
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
        self.world = {key: OfferState.start(plan) for key, plan in scenario.supply.offers.items()}
        self.queue: list[tuple[datetime, int, str, Any]] = []
        self.seq = itertools.count()
        self.outcomes = [
            Outcome(a.index, a.urgency, None, frail_elderly=a.frail_elderly, arrived=a.at) for a in scenario.arrivals
        ]
        self.by_request: dict[str, Outcome] = {}
        self.arrival_of: dict[str, Arrival] = {}
        self.result = PolicyResult(policy, self.outcomes)
        self._phase = stream(settings.seed, "forgotten").random()

    # -- the loop ---------------------------------------------------------------

    def push(self, at: datetime, kind: str, data: Any = None) -> None:
        """Schedule an event; events at one instant run in the order scheduled."""
        heapq.heappush(self.queue, (at, next(self.seq), kind, data))

    async def run(self) -> PolicyResult:
        """Run the scenario to its end and return the raw result."""
        sc = self.sc
        await self.stores.backend.open()
        await self.capacity.start(sc.start)
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
        handlers: Mapping[str, Callable[[Any], Any]] = {
            "arrival": self.on_arrival,
            "confirm": self.on_confirm,
            "expire": self.on_expire,
            "batch": self.on_batch,
            "report": self.on_report,
            "stop": self.on_stop,
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
                await handlers[kind](data)
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

    def _advertised(self, key: tuple[str, str]) -> int:
        entry = self.view.entries.get(key)
        return entry.free(self.now) if entry is not None else 0

    def _admit(self, key: tuple[str, str]) -> None:
        """The provider admits its own waiting patients into units freed since its last report."""
        state = self.world[key]
        entry = self.view.entries.get(key)
        held = entry.held if entry is not None else 0
        while state.waiting and state.plan.total - state.occupied - held > self._advertised(key):
            stay = state.waiting.popleft()
            state.occupied += 1
            self.result.outside_admitted += 1
            u = stream(self.settings.seed, "outside", *key, self.result.outside_admitted).random()
            self.push(vacate_at(key[1], self.now, stay, u, self.region.tz), "vacate", key)

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
        """Free units per care type on the board (fresh entries, stops not counted)."""
        free: dict[str, int] = {}
        for key, entry in self.view.entries.items():
            ok = not entry.stale(self.now) and self.view.stop_of(key[0], self.now) is None
            free[key[1]] = free.get(key[1], 0) + (entry.free(self.now) if ok else 0)
        minutes = (self.now - self.sc.start).total_seconds() / 60
        self.result.samples.append((minutes, dict(sorted(free.items()))))

    # -- providers ------------------------------------------------------------------

    async def on_report(self, data: tuple[str, datetime]) -> None:
        """A provider reports every care type it offers, through the store as the HTTP handler does."""
        pid, reported_at = data
        provider = self.region.providers[pid]
        updates = []
        for ct in provider.offers:
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
        """Triage and store the request; try to place it at once by the policy."""
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
        if record.status != "open":
            return  # escalated to 112 (U0/U1) or advice only (U5)
        if self.policy == "optimized":
            choices = [(p.provider_id, p.care_type) for p in record.proposals]
        else:
            need = need_of(record)
            cands = {record.id: self.service.candidates(record, self.sc.routing)}
            res = greedy([need], cands, self.now, self.region.tz, self.region.care_types)
            choices = [(x.provider_id, x.care_type) for x in res.assignments]
        await self.reserve_first(record, choices)

    async def reserve_first(self, record: RequestRecord, choices: Sequence[tuple[str, str]]) -> bool:
        """Reserve the first of ``choices`` that is still free (a 409 moves on to the next)."""
        rid = record.id
        out = self.by_request[rid]
        for pid, ct in choices:
            mismatch = self._level_mismatch(record, ct)
            try:
                await self.service.reserve(rid, pid, ct, self.actor, self.sc.routing)
            except Conflict:
                self.result.conflicts += 1
                continue
            self.result.holds_taken += 1
            out.status, out.mismatch = "reserved", mismatch
            attempt = out.reservations
            out.reservations += 1
            delay = stream(self.settings.seed, "staff", out.index, attempt).uniform(*self.settings.confirm_minutes)
            if self._forgotten(out.index, attempt):
                ttl = timedelta(minutes=self.settings.hold_ttl_minutes)
                self.push(self.now + ttl + timedelta(seconds=self.settings.expiry_interval_seconds), "expire")
            else:
                self.push(self.now + timedelta(minutes=delay), "confirm", rid)
            return True
        return False

    def _forgotten(self, index: int, attempt: int) -> bool:
        """Whether staff never confirm this reservation: a golden-ratio sequence from a seeded phase, so the
        share is close to ``never_confirm_share`` even over a few dozen reservations (and the same per policy)."""
        u = (self._phase + index * _GOLDEN + attempt * _SQRT2) % 1.0
        return u < self.settings.never_confirm_share

    def _level_mismatch(self, record: RequestRecord, care_type: str) -> bool:
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

    async def on_confirm(self, rid: str) -> None:
        """Triage staff confirm the hold: the patient takes the unit for their stay."""
        try:
            record = await self.service.confirm(rid, self.actor)
        except Conflict:
            return  # the hold ran out meanwhile
        out, a = self.by_request[rid], self.arrival_of[rid]
        placement = record.placement
        if placement is None:
            return
        key = (placement.provider_id, placement.care_type)
        out.status, out.placed_at = "placed", self.now
        out.provider_id, out.care_type = key
        out.level = self.region.care_types[key[1]].level
        out.travel_minutes = placement.travel_minutes
        out.cross_region = key[0] not in self.region.providers
        state = self.world[key]
        state.occupied += 1
        rng = stream(self.settings.seed, "stay", a.index)
        low, high = los_minutes(key[1])
        self.push(vacate_at(key[1], self.now, rng.uniform(low, high), rng.random(), self.region.tz), "vacate", key)

    async def on_expire(self, _: object) -> None:
        """The app's expiry task: give back holds past their time and reopen their requests."""
        for hold in await self.capacity.expire():
            self.result.holds_expired += 1
            out = self.by_request.get(hold.request_id)
            if out is not None:
                out.holds_expired += 1
                out.status = "open"
            await self.service.hold_expired(hold)

    async def on_batch(self, _: object) -> None:
        """Every few minutes a round over the open requests: OR-Tools batch (optimized) or phoning round (greedy)."""
        records = [r for r in await self.service.list_open() if r.status == "open" and r.id in self.by_request]
        if not records:
            return
        records.sort(key=lambda r: self.by_request[r.id].index)
        needs: list[Need] = []
        candidates = {}
        for r in records:
            try:
                candidates[r.id] = self.service.candidates(r, self.sc.routing)
            except ZccError:
                continue
            needs.append(need_of(r))
        solve = optimize if self.policy == "optimized" else greedy
        result = solve(needs, candidates, self.now, self.region.tz, self.region.care_types)
        self.result.batches += 1
        by_id = {r.id: r for r in records}
        for x in result.assignments:
            if await self.reserve_first(by_id[x.request_id], [(x.provider_id, x.care_type)]):
                self.result.batch_assignments += 1


async def run_policy(
    scenario: Scenario,
    policy: str,
    settings: RunSettings,
    *,
    progress: Callable[[float], None] | None = None,
    workdir: Path | None = None,
) -> PolicyResult:
    """Run one policy on a fresh embedded store in a temporary directory, on the simulated clock."""
    with tempfile.TemporaryDirectory(prefix=f"zcc-sim-{policy}-", dir=workdir) as tmp:
        stores = open_stores(f"sqlite:///{tmp}/zcc.db", scenario.region.id)
        sim = _Policy(scenario, policy, settings, stores, progress)
        set_clock(lambda: sim.now)
        try:
            return await sim.run()
        finally:
            set_clock(None)
            await stores.backend.close()
