"""Where can this patient go now: rank the places of one care type by travel time and capacity.

A pure function of the places, their live capacity and the travel times; no
I/O. The score is a cost in minutes (lower is better)::

    score = travel minutes
          + 10 if exactly 1 place is free, 5 if 2 are free (the last place may be gone on arrival)
          + report age in minutes / 6                       (a 30-minute-old report costs 5 minutes)

A place is never proposed, only listed as excluded with its reason, when it
is unreachable, closed at the arrival time (opening hours in the region's
time zone), under a stop, stale (never reported, or its report has expired:
its availability is unknown, not free) or full (available minus held is 0).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from capacity.jsontypes import JSONObject
from capacity.messages import Message, msg
from capacity.model import Provider
from capacity.state import CapacityEntry, ProviderStatus

__all__ = [
    "Option",
    "Place",
    "excluded_reason",
    "exclusion",
    "proposal",
    "rank_places",
    "reason_line",
    "scarcity_cost",
    "stop_message",
]


@dataclass(frozen=True, slots=True)
class Place:
    """One care type at one provider, with its live state and the travel time to it."""

    region_id: str
    region_name: str
    provider: Provider
    care_type: str
    entry: CapacityEntry | None
    stop: ProviderStatus | None
    travel_minutes: float
    cross_region: bool = False
    # A stop that does not apply to this patient, listed beside the place: an SEH stop for a U0/U1
    # (LNAZ: an SEH stop never turns away a life-threatening patient).
    stop_overridden: ProviderStatus | None = None


@dataclass(slots=True)
class Option:
    """A ranked (or excluded) place as the API shows it."""

    place: Place
    score: float
    reason: Message
    excluded: str | None = None
    free: int | None = None
    age_minutes: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self, coded: Callable[[Message], JSONObject] | None = None) -> JSONObject:
        """The API shape of an option; ``coded`` gives the reason's words (else the edge's localise adds them)."""
        p, e = self.place, self.place.entry
        reason = self.reason.to_json() if coded is None else coded(self.reason)
        out: JSONObject = {
            "provider_id": p.provider.id,
            "provider_name": p.provider.name,
            "kind": p.provider.kind,
            "care_type": p.care_type,
            "region": p.region_id,
            "cross_region": p.cross_region,
            "travel_minutes": round(p.travel_minutes, 1) if math.isfinite(p.travel_minutes) else None,
            "available": e.available if e else None,
            "held": e.held if e else None,
            "total": e.total if e else None,
            "free": self.free,
            "stale": self.age_minutes is None or self.excluded == "stale",
            "age_minutes": None if self.age_minutes is None else round(self.age_minutes, 1),
            "score": round(self.score, 1) if math.isfinite(self.score) else None,
            "reason": "" if coded is None else reason["text"],
            "reason_coded": reason,
        }
        if self.excluded is not None:
            out["excluded"] = self.excluded
        st = p.stop_overridden
        if st is not None:
            out["stop"] = {
                "reason": st.reason,
                "until": st.until.isoformat().replace("+00:00", "Z") if st.until else None,
                "care_type": st.care_type or None,
                "applies": False,
            }
        return out


def scarcity_cost(free: int) -> float:
    """Extra minutes for a nearly full place: its last unit may be taken before the patient arrives."""
    return 10.0 if free == 1 else 5.0 if free == 2 else 0.0


def reason_line(place: Place, *parts: Message) -> Message:
    """One line of reasons: the travel time first, the parts, and the neighbouring region last if across the border."""
    head = (msg("reason.travel", minutes=round(place.travel_minutes)),) if math.isfinite(place.travel_minutes) else ()
    tail = (msg("reason.border", region=place.region_name),) if place.cross_region else ()
    return msg("reason.line", parts=(*head, *parts, *tail))


def stop_message(stop: ProviderStatus) -> Message:
    """Why a stopped place takes no one: the stop's own reason (the provider's words) and its expected end."""
    if stop.until is not None:
        return msg("excluded.stop_until", until=stop.until, reason=stop.reason)
    return msg("excluded.stop", reason=stop.reason)


def proposal(place: Place, score: float, free: int, age: float) -> Option:
    """A place that can take the patient, with its score and its reasons (free units, the report's age)."""
    # The report's age to a tenth of a minute, as ``age_minutes`` shows it (the text says whole minutes).
    parts = [msg("reason.free", n=free), msg("reason.updated", ago=round(age, 1))]
    if place.stop_overridden is not None:
        parts.append(msg("reason.seh_stop_not_for_u1", reason=place.stop_overridden.reason))
    return Option(place, score, reason_line(place, *parts), free=free, age_minutes=age)


def excluded_reason(place: Place, why: str, age: float | None) -> Message:
    """Why a place takes no one now, as a person reads it: ``why`` is unreachable, closed, stop, stale or full."""
    e = place.entry
    if why == "unreachable":
        return msg("excluded.unreachable")
    if why == "closed":
        return msg("excluded.closed", hours=place.provider.hours_for(place.care_type).text)
    if why == "stop":
        assert place.stop is not None
        return stop_message(place.stop)
    if why == "stale":
        return msg("excluded.no_report") if e is None or age is None else msg("excluded.stale", ago=round(age, 1))
    assert e is not None
    return msg("excluded.full", total=e.total, held=e.held)


def exclusion(place: Place, why: str, now: datetime, age: float | None) -> Option:
    """A place that cannot take the patient: ``why`` (a rule of the module docstring) and the line a person reads."""
    e, text = place.entry, excluded_reason(place, why, age)
    free = None if why == "stale" else (e.free(now) if e else None)
    return Option(place, math.inf, reason_line(place, text), excluded=why, free=free, age_minutes=age)


def _order(o: Option) -> tuple[float, float, str]:
    return (o.score, o.place.travel_minutes, o.place.provider.id)


def rank_places(
    places: Iterable[Place],
    now: datetime,
    tz: ZoneInfo,
    *,
    limit: int = 5,
    include_excluded: bool = False,
    sorted_by_travel: bool = False,
) -> tuple[list[Option], list[Option]]:
    """The best ``limit`` places (lowest score first) and, if asked, the excluded places with their reasons.

    With ``sorted_by_travel`` (places nearest first) the scan stops once a
    place is further away than the ``limit``-th best score so far: a score is
    never below the travel time, so nothing further can rank higher. Excluded
    places are then those met on the way: the ones nearer than the proposals.
    """
    options: list[Option] = []
    excluded: list[Option] = []
    for place in places:
        e, travel = place.entry, place.travel_minutes
        if sorted_by_travel and len(options) >= limit and travel > options[limit - 1].score:
            break
        arrival = now + timedelta(minutes=travel if math.isfinite(travel) else 0)
        age = (now - e.reported_at).total_seconds() / 60 if e is not None and e.reported_at is not None else None
        why: str | None = None
        if not math.isfinite(travel):
            why = "unreachable"
        elif not place.provider.hours_for(place.care_type).is_open(arrival, tz):
            why = "closed"
        elif place.stop is not None:
            why = "stop"
        elif e is None or age is None or e.stale(now):
            why = "stale"
        elif e.free(now) <= 0:
            why = "full"
        if why is not None:
            if include_excluded:
                excluded.append(exclusion(place, why, now, age))
            continue
        assert e is not None and age is not None
        free = e.free(now)
        bisect.insort(options, proposal(place, travel + scarcity_cost(free) + age / 6, free, age), key=_order)
    excluded.sort(key=lambda o: (o.place.travel_minutes, o.place.provider.id))
    return options[:limit], excluded
