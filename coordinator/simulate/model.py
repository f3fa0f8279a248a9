"""What a simulation run takes and gives: settings, the scenario, each request's outcome, a policy's result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from capacity.jsontypes import JSONObject
from capacity.model import Region
from routing.lookup import Routing

from ..triage import TriageProtocol
from .demand import Arrival
from .supply import SupplyPlan

__all__ = ["Outcome", "PolicyResult", "RunSettings", "Scenario", "audit_log"]


@dataclass(frozen=True, slots=True)
class RunSettings:
    """How the ZCC works in the simulation (the same for every policy)."""

    seed: int = 1
    batch_minutes: float = 15.0  # the periodic round over open requests
    hold_ttl_minutes: float = 15.0  # the service's default ZCC_HOLD_TTL_MINUTES
    expiry_interval_seconds: float = 5.0  # the app's expiry task interval
    confirm_minutes: tuple[float, float] = (2.0, 10.0)  # triage staff confirm after this delay
    never_confirm_share: float = 0.05  # of reservations: the hold runs out
    sample_minutes: float = 15.0  # free capacity sampled for the plot
    # The status quo, phoning around (see coordinator/simulate/phoning.py for why these defaults):
    call_minutes: tuple[float, float] = (3.0, 8.0)  # one call, put through, the story told, the answer
    no_answer_night: float = 0.30  # 23:00-07:00, nursing homes and GGZ
    no_answer_day: float = 0.15  # otherwise, and hospitals and GP posts at any hour
    really_free: float = 0.80  # a yes on the phone is a place that is really there
    call_back_minutes: tuple[float, float] = (10.0, 30.0)  # a yes that fell through: the provider calls back
    retry_minutes: float = 30.0  # every provider called without a place: try the list again after this

    def status_quo(self) -> JSONObject:
        """The status quo's parameters, for the report."""
        return {
            "call_minutes": list(self.call_minutes),
            "no_answer_night": self.no_answer_night,
            "no_answer_day": self.no_answer_day,
            "really_free": self.really_free,
            "call_back_minutes": list(self.call_back_minutes),
            "retry_minutes": self.retry_minutes,
        }


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything a run needs and every policy shares: region, protocol, routing, arrivals, supply."""

    region: Region
    protocol: TriageProtocol
    routing: Routing
    start: datetime
    end: datetime
    arrivals: Sequence[Arrival]
    supply: SupplyPlan


@dataclass(slots=True)
class Outcome:
    """What became of one request under one policy."""

    index: int
    urgency: str
    target_minutes: int | None
    status: str = "open"
    frail_elderly: bool = False
    arrived: datetime | None = None
    placed_at: datetime | None = None
    provider_id: str | None = None
    care_type: str | None = None
    level: int | None = None
    travel_minutes: float | None = None
    cross_region: bool = False
    reservations: int = 0
    holds_expired: int = 0
    mismatch: bool = False  # of the reservation that was confirmed (see Run.level_mismatch)
    phone_calls: int = 0
    # After the placement (issue 15): the provider's kind, when the patient got there and left.
    provider_kind: str | None = None
    at_place: datetime | None = None
    left_at: datetime | None = None

    @property
    def wait_minutes(self) -> float | None:
        """Minutes from the request to its confirmed placement."""
        if self.placed_at is None or self.arrived is None:
            return None
        return (self.placed_at - self.arrived).total_seconds() / 60

    def to_json(self) -> JSONObject:
        """A plain dict for simulation.json (no request ids: they are random, the index is not)."""
        wait = self.wait_minutes
        return {
            "index": self.index,
            "urgency": self.urgency,
            "status": self.status,
            "frail_elderly": self.frail_elderly,
            "provider_id": self.provider_id,
            "care_type": self.care_type,
            "level": self.level,
            "travel_minutes": self.travel_minutes,
            "wait_minutes": None if wait is None else round(wait, 2),
            "reservations": self.reservations,
            "holds_expired": self.holds_expired,
            "level_mismatch": self.mismatch,
            "phone_calls": self.phone_calls,
        }


@dataclass(slots=True)
class PolicyResult:
    """The raw result of one policy's run: outcomes, counters and the sampled board."""

    policy: str
    outcomes: list[Outcome]
    holds_expired: int = 0
    conflicts: int = 0
    batches: int = 0
    batch_assignments: int = 0
    capacity_violations: int = 0
    log_violations: int = 0
    holds_taken: int = 0
    outside_admitted: int = 0
    outside_waiting_end: int = 0
    reports: int = 0
    stops: int = 0
    samples: list[tuple[float, dict[str, int]]] = field(default_factory=list)
    store_events: int = 0
    phone_calls: int = 0
    fell_through: int = 0  # status quo: a yes on the phone that was no place after all
    occupancy: list[tuple[float, float, float]] = field(default_factory=list)  # (minute, beds, all units)


def audit_log(events: Sequence[tuple[str, Mapping[str, Any]]]) -> tuple[int, int]:
    """Replay a store's event log: (violations, events). A violation is a hold taken beyond what was free.

    Independent of the store's own arithmetic: per (provider, care type) the
    last reported ``available`` minus the placements confirmed since, against
    the holds running; a report resets the count.
    """
    reported: dict[tuple[str, str], int] = {}
    placed: dict[tuple[str, str], int] = {}
    active: dict[tuple[str, str], set[str]] = {}
    violations = 0
    for type_, data in events:
        if type_ == "capacity.updated":
            e = data["entry"]
            key = (e["provider_id"], e["care_type"])
            reported[key], placed[key] = int(e["available"]), 0
            continue
        if not type_.startswith("hold.") or "hold" not in data:
            continue
        h = data["hold"]
        key = (h["provider_id"], h["care_type"])
        holds = active.setdefault(key, set())
        if type_ == "hold.created":
            holds.add(h["hold_id"])
            if len(holds) > reported.get(key, 0) - placed.get(key, 0):
                violations += 1
        elif h["hold_id"] in holds:
            holds.discard(h["hold_id"])
            if type_ == "hold.confirmed":
                placed[key] = placed.get(key, 0) + 1
    return violations, len(events)
