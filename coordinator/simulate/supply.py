"""The supply side of the simulation: each offer's occupancy, who leaves when, and when providers report.

Every (provider, care type) is a small loss system with a waiting list:

- it starts at a realistic occupancy (normal: beds 85-95% occupied, slots and
  teams 60-90% busy; :class:`SupplyProfile`, the winter scenario runs fuller),
  each occupant with a remaining stay drawn from its care type's length of stay
  (``length_of_stay_hours`` in config/care_types.yaml: ELV two to three weeks, a
  hospital admission about a week, an SEH place two to four hours, a GP-post
  consult slot its hour);
- patients from outside zcc (the provider's own admissions, planned care, the
  hospital's own discharges to ELV) arrive as a Poisson stream at 85% (normal)
  of the rate that would keep the start occupancy, so beds free up for zcc
  slowly and slots quickly;
- when it reports, the provider first admits its own waiting patients into its
  free units and reports what is left; until the next report it keeps those
  units for the ZCC and admits its own patients only into units freed since
  (its waiting list waits otherwise): what the board shows free is free, and
  occupied + held never exceeds the total;
- beds (stays of a day or more) are vacated during the day, 10:00-16:00 local;
- a provider reports all its care types every 30-60 minutes through the real
  store (``apply_updates``, fresh for 60 minutes); about 10% of providers do not
  report (their last report is hours old, so the board shows them stale and the
  matcher skips them);
- a few stops a day (Poisson, 3 a day on average) close a provider for 1-4 hours;
  a scenario adds its own (the SEH stop).

Every random draw comes from a stream named by the seed and what it is for,
so every policy sees the same world.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from capacity.model import CareType, Region

from .streams import stream

__all__ = [
    "DEFAULT_STAY_HOURS",
    "NORMAL",
    "REPORT_EVERY",
    "STALE_SHARE",
    "VACATE_FROM_MINUTE",
    "VACATE_SPAN_MINUTES",
    "OfferPlan",
    "OfferState",
    "Stop",
    "SupplyPlan",
    "SupplyProfile",
    "is_bed",
    "los_minutes",
    "plan_supply",
    "vacate_at",
]

_DAY = 24 * 60.0

#: Length of stay when a care type's configuration has none, by unit: hours (low, high).
DEFAULT_STAY_HOURS: Mapping[str, tuple[float, float]] = {"bed": (96.0, 192.0), "slot": (2.0, 4.0), "team": (2.0, 4.0)}
REPORT_EVERY = (30.0, 60.0)  # minutes between a provider's reports
VALID_FOR_MINUTES = 60
STALE_SHARE = 0.10
#: Beds are vacated in this local window: from 10:00 for six hours.
VACATE_FROM_MINUTE, VACATE_SPAN_MINUTES = 600, 360


@dataclass(frozen=True, slots=True)
class SupplyProfile:
    """How busy the providers are: start occupancy, the outside inflow, random stops (see the module docstring)."""

    bed_occupancy: tuple[float, float] = (0.85, 0.95)
    slot_occupancy: tuple[float, float] = (0.60, 0.90)
    outside_share: float = 0.85  # outside inflow as a share of the rate that keeps the start occupancy
    stops_per_day: float = 3.0
    stop_hours: tuple[float, float] = (1.0, 4.0)


NORMAL = SupplyProfile()


def los_minutes(care_type: CareType) -> tuple[float, float]:
    """The (low, high) length of stay of a care type in minutes: from its configuration, else by unit."""
    low, high = care_type.length_of_stay_hours or DEFAULT_STAY_HOURS.get(care_type.unit, (2.0, 4.0))
    return low * 60, high * 60


def is_bed(care_type: CareType) -> bool:
    """A stay of a day or more: the unit is vacated in the day-time window."""
    return los_minutes(care_type)[0] >= _DAY


def vacate_at(care_type: CareType, at: datetime, stay_minutes: float, u: float, tz: ZoneInfo) -> datetime:
    """When a unit is free again: a bed during the next day-time window on or after ``at + stay``."""
    end = at + timedelta(minutes=stay_minutes)
    if not is_bed(care_type):
        return end
    local = end.astimezone(tz)
    offset = timedelta(minutes=VACATE_FROM_MINUTE + u * VACATE_SPAN_MINUTES)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0) + offset
    if day < local:
        day = (day + timedelta(days=1)).replace(hour=0, minute=0) + offset
    return day.astimezone(end.tzinfo)


@dataclass(frozen=True, slots=True)
class OfferPlan:
    """One offer's world, fixed by the seed: its occupants at the start and its outside inflow."""

    key: tuple[str, str]
    total: int
    departures: tuple[datetime, ...]  # when each starting occupant leaves
    inflow: tuple[tuple[datetime, float], ...]  # outside patients: (arrival, stay in minutes)


@dataclass(frozen=True, slots=True)
class Stop:
    """A provider stop: from ``at`` until ``until``."""

    at: datetime
    provider_id: str
    until: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class SupplyPlan:
    """The whole supply side of one run, shared by every policy."""

    offers: Mapping[tuple[str, str], OfferPlan]
    reports: tuple[tuple[datetime, str], ...]  # (when, provider), in time order
    stale_providers: tuple[str, ...]
    stops: tuple[Stop, ...]
    valid_for_minutes: int = VALID_FOR_MINUTES


@dataclass(slots=True)
class OfferState:
    """One offer's live world during a policy run: who occupies it and who waits outside."""

    plan: OfferPlan
    occupied: int = 0
    waiting: deque[float] = field(default_factory=deque)  # outside patients on the provider's list: their stays

    @classmethod
    def start(cls, plan: OfferPlan) -> OfferState:
        """The state at the start of a run."""
        return cls(plan, occupied=len(plan.departures))


def plan_supply(
    region: Region,
    *,
    seed: int,
    start: datetime,
    hours: float,
    profile: SupplyProfile = NORMAL,
    extra_stops: tuple[Stop, ...] = (),
) -> SupplyPlan:
    """Draw the supply side of ``region`` for ``hours`` from ``start`` (``extra_stops``: a scenario's own)."""
    tz = region.tz
    end = start + timedelta(hours=hours)
    offers: dict[tuple[str, str], OfferPlan] = {}
    for provider, offer in region.offers():
        key = (provider.id, offer.care_type)
        rng = stream(seed, "offer", provider.id, offer.care_type)
        care_type = region.care_types[offer.care_type]
        low, high = los_minutes(care_type)
        occ_range = profile.bed_occupancy if is_bed(care_type) else profile.slot_occupancy
        occupancy = rng.uniform(*occ_range)
        n = min(offer.total, round(offer.total * occupancy))
        departures = tuple(
            sorted(
                # A stay already under way: a uniform share of a full stay is left.
                vacate_at(care_type, start, rng.uniform(low, high) * rng.random(), rng.random(), tz)
                for _ in range(n)
            )
        )
        rate = profile.outside_share * offer.total * occupancy / ((low + high) / 2)  # per minute
        inflow: list[tuple[datetime, float]] = []
        t = start
        while rate > 0:
            t += timedelta(minutes=rng.expovariate(rate))
            if t >= end:
                break
            inflow.append((t, rng.uniform(low, high)))
        offers[key] = OfferPlan(key, offer.total, departures, tuple(inflow))
    pids = sorted(region.providers)
    stale_rng = stream(seed, "stale")
    stale = tuple(sorted(stale_rng.sample(pids, round(len(pids) * STALE_SHARE)))) if pids else ()
    reports: list[tuple[datetime, str]] = []
    for pid in pids:
        rng = stream(seed, "reports", pid)
        if pid in stale:
            # One report hours before the start and none since: stale on the board throughout.
            reports.append((start - timedelta(hours=rng.uniform(2, 6)), pid))
            continue
        t = start
        while t < end:
            reports.append((t, pid))
            t += timedelta(minutes=rng.uniform(*REPORT_EVERY))
    reports.sort(key=lambda r: (r[0], r[1]))
    stop_rng = stream(seed, "stops")
    stops: list[Stop] = []
    t = start
    while pids:
        t += timedelta(days=stop_rng.expovariate(profile.stops_per_day))
        if t >= end:
            break
        pid = stop_rng.choice(pids)
        kind = region.providers[pid].kind
        reason = {"hospital": "SEH-stop: volle afdeling", "vvt": "opnamestop", "hap": "huisartsenpost vol"}.get(
            kind, "tijdelijke stop"
        )
        stops.append(Stop(t, pid, t + timedelta(hours=stop_rng.uniform(*profile.stop_hours)), reason))
    stops.extend(extra_stops)
    stops.sort(key=lambda s: (s.at, s.provider_id))
    return SupplyPlan(offers, tuple(reports), stale, tuple(stops))
