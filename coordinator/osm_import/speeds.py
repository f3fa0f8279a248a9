"""Which OpenStreetMap ways a car drives on, at what speed and in which direction."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol

__all__ = ["CAR_SPEEDS_KMH", "CLASSES", "TIERS", "Tags", "direction", "drivable", "speed_kmh", "tier_code"]


class Tags(Protocol):
    """A way's tags: pyosmium's TagList, or a plain dict in tests."""

    def get(self, key: str, /) -> str | None:
        """The tag's value, or None."""


#: Highway classes a car drives on, with a realistic free-flow speed where no ``maxspeed`` is tagged
#: (below the Dutch limits on the lower classes: crossings, bends and traffic lights).
#: ``service`` is left out on purpose: parking aisles and driveways; a place snaps to the nearest public road.
CAR_SPEEDS_KMH: Mapping[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 65.0,
    "primary_link": 45.0,
    "secondary": 55.0,
    "secondary_link": 40.0,
    "tertiary": 45.0,
    "tertiary_link": 35.0,
    "unclassified": 40.0,
    "residential": 30.0,
    "living_street": 15.0,
    "road": 30.0,
}

#: The classes from the most to the least important; a link road ranks with its road, ``road`` with unclassified.
CLASSES: tuple[str, ...] = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "living_street",
)
_RANK = {c: i for i, c in enumerate(CLASSES)} | {f"{c}_link": i for i, c in enumerate(CLASSES[:5])} | {"road": 5}

#: The region file's road tiers (capacity.model.ROAD_TIERS), by code: a road's tier is the lowest on it.
TIERS: tuple[str, ...] = ("motorway", "main", "access")
_TIER_OF = {"motorway": 0, "motorway_link": 0, "trunk": 1, "trunk_link": 1, "primary": 1, "primary_link": 1}
_TIER_OF |= {"secondary": 1, "secondary_link": 1}

# Classes whose ways are one-way unless tagged otherwise (OSM's implied oneway).
_IMPLIED_ONEWAY = frozenset({"motorway"})
_NO_ACCESS = frozenset({"no", "private", "agricultural", "forestry", "delivery", "emergency"})
# Zone values of maxspeed ("NL:urban") by their suffix, as most countries set them.
_ZONE_KMH: Mapping[str, float] = {
    "urban": 50.0,
    "rural": 80.0,
    "trunk": 100.0,
    "motorway": 120.0,
    "living_street": 15.0,
    "zone30": 30.0,
    "zone:30": 30.0,
}
_NUMBER = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?\s*$")
_MPH = 1.609344


def drivable(tags: Tags, least: str = CLASSES[-1]) -> str | None:
    """The way's highway class when a car may drive it and it ranks at least ``least``, else None."""
    highway = tags.get("highway")
    if highway is None or highway not in CAR_SPEEDS_KMH or tags.get("area") == "yes" or _RANK[highway] > _RANK[least]:
        return None
    car = tags.get("motorcar") or tags.get("motor_vehicle") or tags.get("vehicle")
    if car is not None:
        return None if car in _NO_ACCESS else highway
    if tags.get("access") in _NO_ACCESS:
        return None
    return highway


def tier_code(highway: str) -> int:
    """The index in :data:`TIERS` of a highway class: motorways, the main (trunk to secondary) roads, the rest."""
    return _TIER_OF.get(highway, 2)


def speed_kmh(highway: str, maxspeed: str | None) -> float:
    """The car speed of a way: its ``maxspeed`` where tagged and readable, else its class default."""
    default = CAR_SPEEDS_KMH[highway]
    if not maxspeed:
        return default
    values: list[float] = []
    for part in maxspeed.split(";"):
        text = part.strip().lower()
        match = _NUMBER.match(text)
        if match:
            value = float(match.group(1)) * (_MPH if match.group(2) == "mph" else 1.0)
            if value > 0:
                values.append(value)
        elif text == "walk":
            values.append(6.0)
        elif text in {"none", "signals", "variable"}:
            values.append(default)
        elif ":" in text:
            zone = text.split(":", 1)[1]
            if zone in _ZONE_KMH:
                values.append(_ZONE_KMH[zone])
    # Of several values ("50;30", by time of day) the lower one: the estimate errs on the safe side.
    return min(values) if values else default


def direction(highway: str, tags: Tags) -> int:
    """1 when the way runs forward only, -1 backward only, 0 both ways."""
    oneway = tags.get("oneway")
    if oneway in {"yes", "true", "1"}:
        return 1
    if oneway in {"-1", "reverse"}:
        return -1
    if oneway in {"no", "false", "0"}:
        return 0
    if highway in _IMPLIED_ONEWAY or tags.get("junction") in {"roundabout", "circular"}:
        return 1
    return 0
