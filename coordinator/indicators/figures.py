"""The region's figures of what follows a placement, per provider kind and care type (pure; no I/O).

One placement is one :class:`StayFacts`: the real service makes them from request records
(:func:`facts_of_records`), the simulation from its outcomes, and both go through
:func:`figures`, so a simulated day and a real one are reported the same way. A placement belongs
to the window ``[start, end)`` by the moment it was confirmed.

Figures per group: placements, the share placed within the urgency window (request to confirmed
placement no longer than the urgency's target), minutes from request to arrival (median, p90),
refusals at the door, readmissions within 30 days of a discharge, and the length of stay in hours
(arrival to discharge; median, p90).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from capacity.clock import iso

from ..records import RequestRecord
from ..records.stay import Stay

__all__ = ["CSV_COLUMNS", "READMISSION_DAYS", "StayFacts", "facts_of_records", "figures", "percentile", "to_csv"]

READMISSION_DAYS = 30
_ACUTE = ("open", "reserved", "placed", "cancelled", "escalated")


@dataclass(frozen=True, slots=True)
class StayFacts:
    """One placement and what became of it."""

    provider_kind: str
    care_type: str
    requested_at: datetime
    target_minutes: int | None
    placed_at: datetime
    arrived_at: datetime | None = None
    refused: bool = False
    discharged_at: datetime | None = None
    readmitted: bool = False


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks; None when empty."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def facts_of_records(records: Iterable[RequestRecord], kinds: Mapping[str, str]) -> list[StayFacts]:
    """Every placement in the records (the current one and each refused at the door), with its readmission."""
    records = list(records)
    acute_at: dict[str, list[datetime]] = {}
    for r in records:
        if r.status in _ACUTE:
            acute_at.setdefault(r.patient_ref, []).append(r.created_at)
    window = timedelta(days=READMISSION_DAYS)
    out: list[StayFacts] = []
    for r in records:
        stays: list[tuple[Stay | None, str, str, datetime]] = [
            (s, s.provider_id, s.care_type, s.placed_at) for s in r.refused
        ]
        if r.status == "placed" and r.placement is not None:
            p = r.placement
            stays.append((r.stay, p.provider_id, p.care_type, p.confirmed_at))
        for stay, provider_id, care_type, placed_at in stays:
            left = stay.discharged_at if stay is not None else None
            readmitted = left is not None and any(left <= t <= left + window for t in acute_at.get(r.patient_ref, ()))
            out.append(
                StayFacts(
                    provider_kind=kinds.get(provider_id, "unknown"),
                    care_type=care_type,
                    requested_at=r.created_at,
                    target_minutes=r.triage.target_minutes,
                    placed_at=placed_at,
                    arrived_at=stay.arrived_at if stay is not None else None,
                    refused=stay is not None and stay.outcome == "refused",
                    discharged_at=left,
                    readmitted=readmitted,
                )
            )
    return out


def _group(facts: Sequence[StayFacts]) -> dict[str, Any]:
    """The figures of one group of placements."""
    within = [f for f in facts if f.target_minutes is not None]
    ok = sum((f.placed_at - f.requested_at).total_seconds() <= 60 * (f.target_minutes or 0) for f in within)
    to_arrival = [(f.arrived_at - f.requested_at).total_seconds() / 60 for f in facts if f.arrived_at is not None]
    stays = [
        (f.discharged_at - f.arrived_at).total_seconds() / 3600
        for f in facts
        if f.arrived_at is not None and f.discharged_at is not None and not f.refused
    ]
    return {
        "placements": len(facts),
        "within_window": ok,
        "within_window_share": round(ok / len(within), 3) if within else None,
        "request_to_arrival_minutes": {
            "n": len(to_arrival),
            "median": _r(percentile(to_arrival, 50)),
            "p90": _r(percentile(to_arrival, 90)),
        },
        "refusals_at_door": sum(f.refused for f in facts),
        "discharges": sum(f.discharged_at is not None and not f.refused for f in facts),
        "readmissions_30d": sum(f.readmitted for f in facts),
        "length_of_stay_hours": {
            "n": len(stays),
            "median": _r(percentile(stays, 50)),
            "p90": _r(percentile(stays, 90)),
        },
    }


def figures(facts: Iterable[StayFacts], start: datetime | None, end: datetime | None) -> dict[str, Any]:
    """The figures of the placements confirmed in ``[start, end)``: per provider kind and care type, and all."""
    chosen = [f for f in facts if (start is None or f.placed_at >= start) and (end is None or f.placed_at < end)]
    groups: dict[tuple[str, str], list[StayFacts]] = {}
    for f in chosen:
        groups.setdefault((f.provider_kind, f.care_type), []).append(f)
    return {
        "from": iso(start),
        "to": iso(end),
        "region": _group(chosen),
        "groups": [
            {"provider_kind": kind, "care_type": ct, **_group(items)} for (kind, ct), items in sorted(groups.items())
        ],
    }


#: The columns of the CSV form, one row per group and a last row ``all``/``all`` for the region.
CSV_COLUMNS = (
    "provider_kind",
    "care_type",
    "placements",
    "within_window",
    "within_window_share",
    "request_to_arrival_minutes_median",
    "request_to_arrival_minutes_p90",
    "refusals_at_door",
    "discharges",
    "readmissions_30d",
    "length_of_stay_hours_median",
    "length_of_stay_hours_p90",
)


def to_csv(result: Mapping[str, Any]) -> str:
    """The figures as CSV (one row per group, then the region)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows = [*result["groups"], {"provider_kind": "all", "care_type": "all", **result["region"]}]
    for g in rows:
        arrival, stay = g["request_to_arrival_minutes"], g["length_of_stay_hours"]
        values = [
            g["provider_kind"],
            g["care_type"],
            g["placements"],
            g["within_window"],
            g["within_window_share"],
            arrival["median"],
            arrival["p90"],
            g["refusals_at_door"],
            g["discharges"],
            g["readmissions_30d"],
            stay["median"],
            stay["p90"],
        ]
        writer.writerow(["" if v is None else v for v in values])
    return buf.getvalue()
