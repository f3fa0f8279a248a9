"""The forecast's demand: zcc placements per care type and hour, from the request history or the demand model.

From history (the request records in the store, the last eight weeks): per care type the
placements confirmed into it per hour on average, shaped by hour of day and weekday as all
requests arrived (hour profile times weekday profile, each with mean 1: a care type's own few
placements are too few to shape a week of 168 hours). History counts as thin below
:data:`MIN_DAYS` days or :data:`MIN_PLACEMENTS` placements; then the demand model's defaults
apply (:mod:`coordinator.simulate.demand`: the region's volume from its population, its hour and
weekday profile, each request spread evenly over its triage's care types), and the answer says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal, TypeAlias
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from capacity.model import Region

from ..records import RequestRecord
from ..simulate.demand import DAY_PROFILE, HOURLY_PROFILE, care_type_shares, default_volume
from ..triage import TriageProtocol

__all__ = [
    "HISTORY_WEEKS",
    "MIN_DAYS",
    "MIN_PLACEMENTS",
    "Demand",
    "Seen",
    "default_demand",
    "demand_from_history",
    "history_from_store",
    "history_of",
]

HISTORY_WEEKS = 8
MIN_DAYS = 7.0
MIN_PLACEMENTS = 50


def _normalised(xs: Sequence[float]) -> tuple[float, ...]:
    mean = sum(xs) / len(xs)
    return tuple(x / mean for x in xs) if mean > 0 else tuple(1.0 for _ in xs)


@dataclass(frozen=True, slots=True)
class Demand:
    """Mean zcc placements per hour per care type, and the relative rate by local hour and weekday."""

    source: Literal["history", "default"]
    per_hour: dict[str, float]
    hourly: tuple[float, ...]  # 24 values, mean 1
    daily: tuple[float, ...]  # 7 values (Monday first), mean 1
    requests: int = 0
    placements: int = 0
    days: float = 0.0

    def per_minute(self, care_type: str, at: datetime, tz: ZoneInfo) -> float:
        """Expected zcc placements into ``care_type`` per minute around ``at``."""
        local = at.astimezone(tz)
        return self.per_hour.get(care_type, 0.0) / 60 * self.hourly[local.hour] * self.daily[local.weekday()]


def default_demand(region: Region, protocol: TriageProtocol, *, requests: int = 0, days: float = 0.0) -> Demand:
    """The demand model's defaults (what ``zcc simulate`` draws on a normal day)."""
    per_hour = default_volume(region) / 24
    shares = care_type_shares(protocol)
    return Demand(
        source="default",
        per_hour={ct: per_hour * share for ct, share in shares.items()},
        hourly=_normalised(HOURLY_PROFILE),
        daily=_normalised(DAY_PROFILE),
        requests=requests,
        days=round(days, 1),
    )


#: One request of the history: when it came, and the care type it was placed in (None: not placed).
Seen: TypeAlias = tuple[datetime, str | None]


def history_of(records: Sequence[RequestRecord]) -> list[Seen]:
    """The history the demand needs from request records: arrival and placed care type, nothing of the patient."""
    return [(r.created_at, r.placement.care_type if r.placement is not None else None) for r in records]


class _Placed(BaseModel):
    model_config = ConfigDict(extra="ignore")
    care_type: str


class _Seen(BaseModel):
    """The two fields of a stored request record (:meth:`RequestRecord.to_store`) the demand reads."""

    model_config = ConfigDict(extra="ignore")
    created_at: datetime
    placement: _Placed | None = None


def history_from_store(bodies: Iterable[str]) -> list[Seen]:
    """:func:`history_of` straight from stored records, reading only those two fields (weeks of records, fast)."""
    out: list[Seen] = []
    for body in bodies:
        seen = _Seen.model_validate_json(body)
        out.append((seen.created_at, seen.placement.care_type if seen.placement is not None else None))
    return out


def demand_from_history(
    history: Sequence[Seen],
    region: Region,
    protocol: TriageProtocol,
    now: datetime,
    *,
    min_days: float = MIN_DAYS,
    min_placements: int = MIN_PLACEMENTS,
) -> Demand:
    """The demand the last :data:`HISTORY_WEEKS` weeks of requests show; the defaults when that is too thin."""
    since = now - timedelta(weeks=HISTORY_WEEKS)
    recent = [(at, ct) for at, ct in history if since <= at <= now]
    if not recent:
        return default_demand(region, protocol)
    first = min(at for at, _ in recent)
    days = (now - first).total_seconds() / 86400
    placed = [ct for _, ct in recent if ct is not None]
    if days < min_days or len(placed) < min_placements:
        return replace(default_demand(region, protocol, requests=len(recent), days=days), placements=len(placed))
    tz = region.tz
    hours = [0.0] * 24
    weekdays = [0.0] * 7
    for at, _ in recent:
        local = at.astimezone(tz)
        hours[local.hour] += 1
        weekdays[local.weekday()] += 1
    # Each weekday's count over the number of times it occurs in the span.
    occurs = [0] * 7
    day = first.astimezone(tz).date()
    while day <= now.astimezone(tz).date():
        occurs[day.weekday()] += 1
        day += timedelta(days=1)
    per_day = [weekdays[i] / occurs[i] if occurs[i] else 0.0 for i in range(7)]
    counts: dict[str, int] = {}
    for ct in placed:
        counts[ct] = counts.get(ct, 0) + 1
    span_hours = days * 24
    return Demand(
        source="history",
        per_hour={ct: n / span_hours for ct, n in counts.items()},
        hourly=_normalised(hours),
        daily=_normalised([x if x > 0 else sum(per_day) / 7 for x in per_day]),
        requests=len(recent),
        placements=len(placed),
        days=round(days, 1),
    )
