"""The supply side of the simulation: each offer's occupancy, who leaves when, and when providers report.

Every (provider, care type) is a small loss system with a waiting list:

- it starts at a realistic occupancy (beds 85-95% occupied, slots and teams
  60-90% busy), each occupant with a remaining stay drawn from its care type's
  length of stay (ELV two to three weeks, a hospital admission about a week,
  an SEH place two to four hours, a GP-post consult slot its hour);
- patients from outside zcc (the provider's own admissions, planned care, the
  hospital's own discharges to ELV) arrive as a Poisson stream at 85% of the
  rate that would keep the start occupancy, so beds free up for zcc slowly and
  slots quickly;
- between two reports the provider keeps the free units it advertised on the
  board for the ZCC and admits its own patients only into units freed since
  (its waiting list waits otherwise): what the board shows free is free, and
  occupied + held never exceeds the total;
- beds (stays of a day or more) are vacated during the day, 10:00-16:00 local;
- a provider reports all its care types every 30-60 minutes through the real
  store (``apply_updates``, fresh for 60 minutes); about 10% of providers do not
  report (their last report is hours old, so the board shows them stale and the
  matcher skips them);
- a few stops a day (Poisson, 3 a day on average) close a provider for 1-4 hours.

Every random draw comes from a stream named by the seed and what it is for,
so both policies see the same world.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from capacity.model import Region

from .streams import stream

__all__ = ["LOS_MINUTES", "OfferPlan", "OfferState", "Stop", "SupplyPlan", "los_minutes", "plan_supply"]

_DAY = 24 * 60.0

#: Length of stay (or service time) per care type, minutes: (low, high), drawn uniformly.
LOS_MINUTES: Mapping[str, tuple[float, float]] = {
    "hap_consult": (45.0, 75.0),  # a consult slot per hour
    "hap_visit": (60.0, 120.0),  # the visiting car: drive, visit, report
    "wijkverpleging_spoed": (60.0, 180.0),
    "seh": (120.0, 240.0),  # SEH places turn over in hours
    "ggz_crisis_assessment": (120.0, 240.0),
    "ggz_intensive_home": (10 * _DAY, 20 * _DAY),
    "ggz_crisis_bed": (5 * _DAY, 14 * _DAY),
    "elv_laag": (14 * _DAY, 21 * _DAY),  # ELV: two to three weeks
    "elv_hoog": (14 * _DAY, 21 * _DAY),
    "crisis_bed": (7 * _DAY, 21 * _DAY),
    "admission_geriatrics": (6 * _DAY, 12 * _DAY),
}
_ADMISSION_LOS = (4 * _DAY, 8 * _DAY)
_DEFAULT_LOS = (120.0, 240.0)
BED_OCCUPANCY = (0.85, 0.95)
SLOT_OCCUPANCY = (0.60, 0.90)
OUTSIDE_SHARE = 0.85  # outside inflow as a share of the rate that keeps occupancy steady
REPORT_EVERY = (30.0, 60.0)  # minutes between a provider's reports
VALID_FOR_MINUTES = 60
STALE_SHARE = 0.10
STOPS_PER_DAY = 3.0
STOP_HOURS = (1.0, 4.0)


def los_minutes(care_type: str) -> tuple[float, float]:
    """The (low, high) length of stay of a care type in minutes."""
    if care_type in LOS_MINUTES:
        return LOS_MINUTES[care_type]
    if care_type.startswith("admission_"):
        return _ADMISSION_LOS
    return _DEFAULT_LOS


def _is_bed(care_type: str) -> bool:
    return los_minutes(care_type)[0] >= _DAY


def vacate_at(care_type: str, at: datetime, stay_minutes: float, u: float, tz: ZoneInfo) -> datetime:
    """When a unit is free again: a bed during the next day-time window on or after ``at + stay``."""
    end = at + timedelta(minutes=stay_minutes)
    if not _is_bed(care_type):
        return end
    local = end.astimezone(tz)
    day = local.replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(minutes=u * 360)
    if day < local:
        day = (day + timedelta(days=1)).replace(hour=10, minute=0) + timedelta(minutes=u * 360)
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


def plan_supply(region: Region, *, seed: int, start: datetime, hours: float) -> SupplyPlan:
    """Draw the supply side of ``region`` for ``hours`` from ``start``."""
    tz = region.tz
    end = start + timedelta(hours=hours)
    offers: dict[tuple[str, str], OfferPlan] = {}
    for provider, offer in region.offers():
        key = (provider.id, offer.care_type)
        rng = stream(seed, "offer", provider.id, offer.care_type)
        low, high = los_minutes(offer.care_type)
        occ_range = BED_OCCUPANCY if _is_bed(offer.care_type) else SLOT_OCCUPANCY
        occupancy = rng.uniform(*occ_range)
        n = min(offer.total, round(offer.total * occupancy))
        departures = tuple(
            sorted(
                # A stay already under way: a uniform share of a full stay is left.
                vacate_at(offer.care_type, start, rng.uniform(low, high) * rng.random(), rng.random(), tz)
                for _ in range(n)
            )
        )
        rate = OUTSIDE_SHARE * offer.total * occupancy / ((low + high) / 2)  # per minute
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
        t += timedelta(days=stop_rng.expovariate(STOPS_PER_DAY))
        if t >= end:
            break
        pid = stop_rng.choice(pids)
        kind = region.providers[pid].kind
        reason = {"hospital": "SEH-stop: volle afdeling", "vvt": "opnamestop", "hap": "huisartsenpost vol"}.get(
            kind, "tijdelijke stop"
        )
        stops.append(Stop(t, pid, t + timedelta(hours=stop_rng.uniform(*STOP_HOURS)), reason))
    return SupplyPlan(offers, tuple(reports), stale, tuple(stops))
