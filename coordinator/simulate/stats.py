"""Figures over several seeds: the mean with a 95% confidence interval, and paired differences of two policies.

The interval is Student's t over the seeds: mean +- t(0.975, n - 1) x s / sqrt(n), with s the
sample standard deviation of the per-seed values (each seed is one simulated day: an independent
replication). A difference of two policies is taken per seed first (both ran on the seed's same
arrivals and supply: common random numbers) and the interval is over those differences, which is
much narrower than comparing two separate intervals. With one seed there is no interval (null).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from capacity.jsontypes import JSONObject

from .metrics import FIGURES, Figure

__all__ = ["CONTEXT_KEYS", "INTERVAL", "aggregate", "compare", "t_interval"]

INTERVAL = (
    "95%-betrouwbaarheidsinterval: Student-t over de seeds (gemiddelde +- t(0,975; n-1) x s / wortel n); "
    "verschillen per seed gepaard (dezelfde aankomsten en hetzelfde aanbod per seed)"
)


def t_interval(values: Sequence[float]) -> tuple[float | None, list[float] | None]:
    """The mean and its 95% t-interval; (None, None) without values, (mean, None) with one."""
    n = len(values)
    if n == 0:
        return None, None
    mean = sum(values) / n
    if n == 1:
        return mean, None
    from scipy.stats import t  # the quantile of Student's t: only when there are seeds to summarise

    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return mean, [mean - half, mean + half]


def _summary(values: Sequence[float], nd: int = 2) -> JSONObject:
    mean, ci = t_interval(values)
    return {
        "mean": None if mean is None else round(mean, nd),
        "ci95": None if ci is None else [round(ci[0], nd), round(ci[1], nd)],
        "n": len(values),
    }


def _values(per_seed: Sequence[Mapping[str, Mapping[str, Any]]], policy: str, key: str) -> list[float]:
    out = []
    for seed in per_seed:
        v = seed[policy].get(key)
        if isinstance(v, int | float) and not isinstance(v, bool):
            out.append(float(v))
    return out


#: Context figures reported per policy beside the compared ones.
CONTEXT_KEYS = (
    "requests",
    "to_place",
    "placed",
    "holds_expired",
    "fell_through",
    "phone_calls_per_request",
    "capacity_violations",
    "occupancy_beds_pct",
    "occupancy_pct",
)


def aggregate(per_seed: Sequence[Mapping[str, Mapping[str, Any]]], policies: Sequence[str]) -> JSONObject:
    """``{policy: {figure: {"mean", "ci95", "n"}}}`` over the seeds (each seed: ``{policy: summary}``)."""
    keys = [f.key for f in FIGURES] + list(CONTEXT_KEYS)
    return {p: {k: _summary(_values(per_seed, p, k)) for k in keys} for p in policies}


def _verdict(figure: Figure, ci: list[float] | None) -> str:
    """``better``, ``worse`` (the interval of the difference excludes 0), ``no_difference`` or ``no_interval``."""
    if ci is None:
        return "no_interval"
    if ci[0] <= 0 <= ci[1]:
        return "no_difference"
    lower = ci[1] < 0
    return "better" if lower == (figure.better == "lower") else "worse"


def compare(per_seed: Sequence[Mapping[str, Mapping[str, Any]]], ours: str, base: str) -> JSONObject:
    """Per figure, ``ours - base`` paired by seed: mean, 95% interval, relative to base, and the verdict."""
    out: JSONObject = {}
    for f in FIGURES:
        diffs, bases = [], []
        for seed in per_seed:
            a, b = seed[ours].get(f.key), seed[base].get(f.key)
            if isinstance(a, int | float) and isinstance(b, int | float):
                diffs.append(float(a) - float(b))
                bases.append(float(b))
        mean, ci = t_interval(diffs)
        base_mean = sum(bases) / len(bases) if bases else None
        out[f.key] = {
            "mean": None if mean is None else round(mean, 2),
            "ci95": None if ci is None else [round(ci[0], 2), round(ci[1], 2)],
            "n": len(diffs),
            "relative_pct": round(100 * mean / base_mean, 1) if mean is not None and base_mean else None,
            "verdict": _verdict(f, ci),
        }
    return out
