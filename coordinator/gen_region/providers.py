"""The synthetic providers: how many of each kind per region, where they sit, their hours and care types."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from capacity.jsontypes import JSONObject

from .geography import IntArray

__all__ = ["Places", "place_providers"]

_KIND_SHARES = (("hospital", 0.14), ("hap", 0.19), ("vvt", 0.60), ("ggz", 0.07))
_KIND_LABEL = {"hospital": "Ziekenhuis", "hap": "Huisartsenpost", "vvt": "VVT", "ggz": "GGZ Crisisdienst"}
# Admission specialties and the bed totals of a hospital (limburg.yaml's range).
_ADMISSIONS = (
    ("admission_geriatrics", 12, 24),
    ("admission_internal", 28, 60),
    ("admission_pulmonology", 14, 32),
    ("admission_cardiology", 16, 36),
    ("admission_surgery", 20, 48),
)


def _apportion(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainders), each part at least ``minimum``."""
    count = len(weights)
    spare = total - minimum * count
    if spare < 0:
        raise ValueError(f"cannot give {count} parts at least {minimum} of {total}")
    weight_sum = float(sum(weights)) or 1.0
    exact = [spare * w / weight_sum for w in weights]
    parts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(count), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[: spare - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


# --------------------------------------------------------------------------- providers


def _hap_hours() -> list[dict[str, str]]:
    return [
        {"days": "mon-fri", "from": "17:00", "to": "08:00"},
        {"days": "sat,sun", "from": "00:00", "to": "24:00"},
        {"days": "mon", "from": "00:00", "to": "08:00"},
    ]


def _night_team(total: int) -> JSONObject:
    return {"total": total, "hours": [{"days": "mon-sun", "from": "23:00", "to": "07:00"}]}


def _care_types(kind: str, number: int, rng: np.random.Generator) -> tuple[str | list[dict[str, str]], dict[str, Any]]:
    """The hours and care types of the ``number``-th (1-based) provider of ``kind`` in its region."""
    offers: JSONObject = {}
    if kind == "hospital":
        offers["seh"] = int(rng.integers(4, 13))
        chosen = np.sort(rng.choice(len(_ADMISSIONS), size=int(rng.integers(2, 4)), replace=False))
        for i in chosen:
            ct, low, high = _ADMISSIONS[int(i)]
            offers[ct] = int(rng.integers(low, high + 1))
        return "24/7", offers
    if kind == "hap":
        offers["hap_consult"] = int(rng.integers(3, 9))
        offers["hap_visit"] = int(rng.integers(1, 4))
        return _hap_hours(), offers
    if kind == "vvt":
        draw = rng.random(5)
        if draw[0] < 0.7:
            total = int(rng.integers(3, 15))
            offers["elv_laag"] = {"total": total, "eligibility": {"must_return_home": True}} if draw[4] < 0.2 else total
        if draw[1] < 0.6:
            offers["elv_hoog"] = int(rng.integers(2, 13))
        if draw[2] < 0.4:
            total = int(rng.integers(2, 6))
            which = int(rng.integers(3))
            criteria = ({"psychogeriatric": True}, {"requires_wlz": True}, None)[which]
            offers["crisis_bed"] = {"total": total, "eligibility": criteria} if criteria else total
        if draw[3] < 0.55 or not offers:
            offers["wijkverpleging_spoed"] = _night_team(int(rng.integers(2, 5)))
        return "24/7", offers
    # ggz: one in three is the round-the-clock crisis service; the others take
    # referrals on weekdays while their crisis beds admit around the clock.
    always = number % 3 == 1
    offers["ggz_crisis_assessment"] = int(rng.integers(2, 4))
    beds = int(rng.integers(4, 9))
    offers["ggz_crisis_bed"] = beds if always else {"total": beds, "hours": "24/7"}
    offers["ggz_intensive_home"] = {"total": int(rng.integers(6, 11)), "eligibility": {"min_age": 18, "max_age": 60}}
    hours: str | list[dict[str, str]] = "24/7" if always else [{"days": "mon-fri", "from": "08:00", "to": "22:00"}]
    return hours, offers


@dataclass(frozen=True, slots=True)
class Places:
    """The generated places: index i is location ``ids[i]``."""

    ids: list[str]
    names: list[str]
    pop: IntArray
    labels: IntArray  # region index of each place
    is_town: NDArray[np.bool_]
    is_provider_place: NDArray[np.bool_]


def place_providers(
    rng: np.random.Generator, total: int, places: Places, region_numbers: list[str]
) -> list[list[JSONObject]]:
    """The providers of each region: ``total`` in all, at least one per region."""
    regions = len(region_numbers)
    labels, pop, is_town, is_provider_place = places.labels, places.pop, places.is_town, places.is_provider_place
    pools: list[IntArray] = []
    for r in range(regions):
        own = np.flatnonzero(labels == r)
        pool = own[is_provider_place[own]]
        if not len(pool):  # a region of small places only: its largest one
            pool = own[np.argsort(-pop[own], kind="stable")[:1]]
        pools.append(pool)
    quotas = _apportion(total, [float(pop[p].sum()) for p in pools], minimum=1)
    kinds = [k for k, _ in _KIND_SHARES]
    result: list[list[dict[str, Any]]] = []
    for r, (pool, quota) in enumerate(zip(pools, quotas, strict=True)):
        counts = dict(zip(kinds, _apportion(quota, [s for _, s in _KIND_SHARES]), strict=True))
        if quota >= 3 and counts["hospital"] == 0:  # every ROAZ region has an emergency department
            counts["hospital"], counts["vvt"] = 1, counts["vvt"] - 1
        towns = pool[is_town[pool]]
        width = max(4, len(str(max(counts.values()))))
        providers: list[JSONObject] = []
        seen: dict[tuple[str, int], int] = {}
        for kind in kinds:
            if not counts[kind]:
                continue
            # Hospitals and crisis services sit in towns where the region has any.
            candidates = towns if kind in ("hospital", "ggz") and len(towns) else pool
            weight = pop[candidates].astype(np.float64)
            sites = rng.choice(candidates, size=counts[kind], p=weight / weight.sum())
            for number, site in enumerate(sites.tolist(), start=1):
                at = seen[kind, site] = seen.get((kind, site), 0) + 1
                name = f"{_KIND_LABEL[kind]} {places.names[site]}" + (f" {at}" if at > 1 else "")
                hours, offers = _care_types(kind, number, rng)
                providers.append(
                    {
                        "id": f"{kind}-{region_numbers[r]}-{number:0{width}d}",
                        "name": name,
                        "kind": kind,
                        "location": places.ids[site],
                        "hours": hours,
                        "care_types": offers,
                    }
                )
        result.append(providers)
    return result
