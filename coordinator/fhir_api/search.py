"""The search parameters ``_id``, ``type`` and ``near`` and the searchset Bundle of the answer."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from multidict import MultiMapping

from capacity.errors import InvalidInput
from capacity.jsontypes import JSONObject

__all__ = ["NEAR_PATTERN", "Near", "Search", "km_between", "parse_search", "searchset"]

_UNITS_KM = {"km": 1.0, "m": 0.001, "[mi_i]": 1.609344, "mi": 1.609344}
_DEFAULT_KM = 50.0
_EARTH_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Near:
    """A point and a radius in km."""

    lat: float
    lon: float
    km: float


@dataclass(frozen=True, slots=True)
class Search:
    """What a search asks for: ids, type tokens ``(system or None, code)`` and a point with a radius."""

    ids: frozenset[str] | None = None
    types: tuple[tuple[str | None, str], ...] | None = None
    near: Near | None = None

    def type_matches(self, system: str, code: str) -> bool:
        """Whether a coding passes the ``type`` parameter (any of its tokens)."""
        return self.types is None or any(code == c and s in (None, system) for s, c in self.types)


def _values(raw: Iterable[str]) -> list[str]:
    return [v.strip() for r in raw for v in r.split(",") if v.strip()]


#: ``near`` as the interface takes it: latitude|longitude[|distance[|units]], plain decimals.
NEAR_PATTERN = (
    r"^-?[0-9]{1,3}(\.[0-9]{1,12})?\|-?[0-9]{1,3}(\.[0-9]{1,12})?(\|([0-9]{1,6}(\.[0-9]{1,6})?)?(\|(km|m|\[mi_i\]))?)?$"
)
_NEAR = re.compile(NEAR_PATTERN)


def _near(raw: str) -> Near:
    """The point and radius of ``near``; 422 when it is not of the pattern (a point off the globe finds nothing)."""
    if not _NEAR.fullmatch(raw):
        raise InvalidInput(
            "near must be latitude|longitude[|distance[|km, m or [mi_i]]], e.g. 50.85|5.69|10|km", field="near"
        )
    parts = raw.split("|")
    distance = float(parts[2]) if len(parts) > 2 and parts[2] else _DEFAULT_KM
    unit = parts[3] if len(parts) > 3 else "km"
    return Near(float(parts[0]), float(parts[1]), distance * _UNITS_KM[unit])


def parse_search(query: MultiMapping[str]) -> Search:
    """The search of a query string; unknown parameters are ignored, as FHIR's lenient handling asks."""
    ids = _values(query.getall("_id", []))
    types: list[tuple[str | None, str]] = []
    for token in _values(query.getall("type", [])):
        system, bar, code = token.rpartition("|")
        types.append((system if bar else None, code))  # an empty code matches nothing
    near_raw = query.getall("near", [])
    if len(near_raw) > 1:
        raise InvalidInput("near may be given once", field="near")
    return Search(
        ids=frozenset(ids) if "_id" in query else None,
        types=tuple(types) if "type" in query else None,
        near=_near(near_raw[0]) if near_raw else None,
    )


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def searchset(base: str, resources: list[JSONObject]) -> JSONObject:
    """A searchset Bundle of matches."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ],
    }
