"""The figures of one policy's run of one seed, and the list of figures the report compares across policies."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from capacity.jsontypes import JSONObject

from ..indicators import StayFacts, figures
from ..texts import DEFAULT_LANGUAGE, catalogue
from .model import Outcome, PolicyResult

__all__ = ["FIGURES", "Figure", "facts_of_outcomes", "percentile", "summarise", "within_window"]

OVERFLOW_NOTE = "no neighbouring regions configured in the simulation: nothing can overflow across the border"


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure the report compares across policies: its key, Dutch label, unit and which way is better."""

    key: str
    label: str
    unit: str
    better: str  # "lower" | "higher"

    def to_json(self) -> JSONObject:
        """The figure's description for the JSON document."""
        return {"key": self.key, "label": self.label, "unit": self.unit, "better": self.better}


def _label(kind: str, key: str) -> str:
    """A label of the report from the message catalogue (the report is written in Dutch)."""
    return catalogue().label(kind, key, DEFAULT_LANGUAGE)


#: The figures of the comparison, in the report's order.
FIGURES: tuple[Figure, ...] = (
    Figure("time_to_placement_mean", _label("sim_figure", "time_to_placement_mean"), "min", "lower"),
    Figure("time_to_placement_p90", _label("sim_figure", "time_to_placement_p90"), "min", "lower"),
    Figure("within_window_pct", _label("sim_figure", "within_window_pct"), "%", "higher"),
    Figure("placed_pct", _label("sim_figure", "placed_pct"), "%", "higher"),
    Figure("travel_minutes_mean", _label("sim_figure", "travel_minutes_mean"), "min", "lower"),
    Figure("travel_minutes_p90", _label("sim_figure", "travel_minutes_p90"), "min", "lower"),
    Figure("level_mismatches", _label("sim_figure", "level_mismatches"), "", "lower"),
    Figure("frail_to_hospital", _label("sim_figure", "frail_to_hospital"), "", "lower"),
    Figure("phone_calls", _label("sim_figure", "phone_calls"), "", "lower"),
)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks; None when empty."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(x, nd)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def within_window(o: Outcome) -> bool:
    """Placed, the travel within the urgency window and the placement within the target time."""
    if o.placed_at is None or o.target_minutes is None or o.travel_minutes is None:
        return False
    wait = o.wait_minutes
    return o.travel_minutes <= o.target_minutes and wait is not None and wait <= o.target_minutes


def summarise(result: PolicyResult) -> JSONObject:
    """The figures of one policy (deterministic for a seed: rounded, no ids, no wall-clock time)."""
    outs = result.outcomes
    to_place = [o for o in outs if o.status not in ("escalated", "advice")]
    placed = [o for o in to_place if o.placed_at is not None]
    travel = [o.travel_minutes for o in placed if o.travel_minutes is not None]
    waits = [w for o in placed if (w := o.wait_minutes) is not None]
    by_urgency: dict[str, dict[str, Any]] = {}
    for u in ("U2", "U3", "U4"):
        group = [o for o in to_place if o.urgency == u]
        got = [o for o in group if o.placed_at is not None]
        by_urgency[u] = {
            "requests": len(group),
            "placed": len(got),
            "within_window": sum(within_window(o) for o in group),
            "travel_minutes_mean": _r(sum(o.travel_minutes or 0 for o in got) / len(got)) if got else None,
        }
    levels: dict[str, int] = {}
    for o in placed:
        levels[str(o.level)] = levels.get(str(o.level), 0) + 1
    ok = sum(within_window(o) for o in to_place)
    return {
        "requests": len(outs),
        "escalated_112": sum(o.status == "escalated" for o in outs),
        "advice_only": sum(o.status == "advice" for o in outs),
        "to_place": len(to_place),
        "placed": len(placed),
        "placed_pct": _pct(len(placed), len(to_place)),
        "within_window": ok,
        "within_window_pct": _pct(ok, len(to_place)),
        "travel_minutes_mean": _r(sum(travel) / len(travel)) if travel else None,
        "travel_minutes_p90": _r(percentile(travel, 90)),
        "travel_minutes_total": _r(sum(travel)),
        "time_to_placement_mean": _r(sum(waits) / len(waits)) if waits else None,
        "time_to_placement_p50": _r(percentile(waits, 50)),
        "time_to_placement_p90": _r(percentile(waits, 90)),
        "level_mismatches": sum(o.mismatch for o in placed),
        "frail_to_hospital": sum(o.frail_elderly and (o.level or 0) >= 3 for o in placed),
        "phone_calls": result.phone_calls,
        "phone_calls_per_request": round(result.phone_calls / len(to_place), 2) if to_place else None,
        "fell_through": result.fell_through,
        "placed_by_level": dict(sorted(levels.items())),
        "holds_taken": result.holds_taken,
        "holds_expired": result.holds_expired,
        "reservation_conflicts": result.conflicts,
        "overflow_cross_border": sum(o.cross_region for o in placed),
        "overflow_note": OVERFLOW_NOTE,
        "capacity_violations": result.capacity_violations + result.log_violations,
        "batches": result.batches,
        "batch_assignments": result.batch_assignments,
        "capacity_reports": result.reports,
        "stops": result.stops,
        "outside_patients_admitted": result.outside_admitted,
        "store_events": result.store_events,
        "occupancy_beds_pct": _mean_pct([b for _, b, _ in result.occupancy]),
        "occupancy_pct": _mean_pct([a for _, _, a in result.occupancy]),
        "by_urgency": by_urgency,
        # The same figures the service reports at GET /api/v1/indicators (issue 15), over the whole run;
        # the simulation has no refusals at the door and no readmissions, so those are 0.
        "indicators": figures(facts_of_outcomes(placed), None, None),
    }


def facts_of_outcomes(placed: Sequence[Outcome]) -> list[StayFacts]:
    """The placements of a run as the service's indicators count them."""
    return [
        StayFacts(
            provider_kind=o.provider_kind or "unknown",
            care_type=o.care_type or "unknown",
            requested_at=o.arrived,
            target_minutes=o.target_minutes,
            placed_at=o.placed_at,
            arrived_at=o.at_place,
            discharged_at=o.left_at,
        )
        for o in placed
        if o.arrived is not None and o.placed_at is not None
    ]


def _mean_pct(xs: Sequence[float]) -> float | None:
    return round(100 * sum(xs) / len(xs), 1) if xs else None
