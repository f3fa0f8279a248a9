"""The figures of a policy's run, and the comparison of two policies against the target."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from capacity.jsontypes import JSONObject

from .model import Outcome, PolicyResult

__all__ = ["TRAVEL_TARGET_PCT", "compare", "percentile", "summarise"]

#: The target: optimized needs this many percent fewer travel minutes per placed patient than greedy.
TRAVEL_TARGET_PCT = 20.0
OVERFLOW_NOTE = "no neighbouring regions configured in the simulation: nothing can overflow across the border"


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
        "time_to_placement_minutes_mean": _r(sum(waits) / len(waits)) if waits else None,
        "time_to_placement_minutes_p50": _r(percentile(waits, 50)),
        "time_to_placement_minutes_p90": _r(percentile(waits, 90)),
        "level_mismatches": sum(o.mismatch for o in placed),
        "frail_placed_in_hospital": sum(o.frail_elderly and (o.level or 0) >= 3 for o in placed),
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
        "by_urgency": by_urgency,
    }


def compare(policies: Mapping[str, Mapping[str, Any]]) -> JSONObject | None:
    """Optimized against greedy: travel saved per placed patient and the within-window count; None without both."""
    opt, gre = policies.get("optimized"), policies.get("greedy")
    if opt is None or gre is None:
        return None
    o_t, g_t = opt["travel_minutes_mean"], gre["travel_minutes_mean"]
    saved = round(100 * (g_t - o_t) / g_t, 1) if o_t is not None and g_t else None
    travel_ok = saved is not None and saved >= TRAVEL_TARGET_PCT
    window_ok = opt["within_window"] >= gre["within_window"]
    return {
        "travel_reduction_pct": saved,
        "travel_target_pct": TRAVEL_TARGET_PCT,
        "travel_target_met": travel_ok,
        "within_window_optimized": opt["within_window"],
        "within_window_greedy": gre["within_window"],
        "within_window_at_least_greedy": window_ok,
        "placed_optimized": opt["placed"],
        "placed_greedy": gre["placed"],
        "level_mismatches_optimized": opt["level_mismatches"],
        "level_mismatches_greedy": gre["level_mismatches"],
        "target_met": travel_ok and window_ok,
    }
