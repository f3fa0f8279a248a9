"""The region file checker: the top of the file and its region section, with the sections put together."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from capacity.config_check import MISSING
from capacity.model import CareType, Region

from .network import NL_BOUNDS, Bounds, NetworkChecker
from .providers import ProviderChecker

__all__ = ["DEFAULT_TIMEZONE", "RegionChecker"]

DEFAULT_TIMEZONE = "Europe/Amsterdam"

_TOP_KEYS = frozenset({"region", "locations", "roads", "providers", "border_roads"})
_REGION_KEYS = frozenset({"id", "name", "timezone", "bounds"})
_BOUNDS_KEYS = ("south", "west", "north", "east")


def _own_region_id(root: Mapping[Any, Any]) -> str | None:
    """The region id as written, when the region section is broken elsewhere (for border road checks)."""
    head = root.get("region")
    if isinstance(head, Mapping):
        value = head.get("id")
        if isinstance(value, str) and value:
            return value
    return None


class RegionChecker(NetworkChecker, ProviderChecker):
    """One pass over a parsed region file: collects every problem and builds the Region on the way."""

    __slots__ = ()

    def region(self, data: object, care_types: Mapping[str, CareType]) -> Region | None:
        """The Region of a parsed file; None when there is any problem."""
        root = self.mapping(data, None, "a region file")
        if root is None:
            return None
        self.unknown_keys(
            root, _TOP_KEYS, None, "section", expected="expected region, locations, roads, providers, border_roads"
        )
        head = self.region_head(root)
        bounds = self.bounds(root.get("region"))
        locations, location_index = self.locations(
            self.items(root, "locations", empty="a region needs at least one location"), bounds or NL_BOUNDS
        )
        roads = self.roads(self.items(root, "roads"), location_index)
        junctions = {loc.id for loc in locations.values() if loc.kind == "junction"}
        providers = self.providers(
            self.items(root, "providers", empty="a region needs at least one provider"),
            location_index,
            care_types,
            junctions,
        )
        own_id = head[0] if head is not None else _own_region_id(root)
        border_roads = self.border_roads(root.get("border_roads"), location_index, own_id)

        if self.errors or head is None or bounds is None:
            return None
        region_id, name, timezone = head
        return Region(
            id=region_id,
            name=name,
            timezone=timezone,
            locations=locations,
            roads=tuple(roads),
            providers=providers,
            care_types=dict(care_types),
            border_roads=tuple(border_roads),
        )

    def bounds(self, head: object) -> Bounds | None:
        """The region's optional ``bounds: {south, west, north, east}`` (a region outside the Netherlands)."""
        if not isinstance(head, Mapping) or "bounds" not in head:
            return NL_BOUNDS
        raw = self.mapping(head["bounds"], "region.bounds", "bounds (south, west, north, east)")
        if raw is None:
            return None
        self.unknown_keys(raw, frozenset(_BOUNDS_KEYS), "region.bounds")
        south, west, north, east = (self.number(raw, key, "region.bounds") for key in _BOUNDS_KEYS)
        if south is None or west is None or north is None or east is None:
            return None
        ok = True
        for key, value, limit in (("south", south, 90), ("north", north, 90), ("west", west, 180), ("east", east, 180)):
            if not -limit <= value <= limit:
                self.add(f"region.bounds.{key}", f"{key} {value} is not a coordinate (-{limit} to {limit})")
                ok = False
        if ok and south >= north:
            self.add("region.bounds.north", f"north {north} must lie above south {south}")
            ok = False
        if ok and west >= east:
            self.add("region.bounds.east", f"east {east} must lie east of west {west}")
            ok = False
        return Bounds(south=south, west=west, north=north, east=east) if ok else None

    def region_head(self, root: Mapping[Any, Any]) -> tuple[str, str, str] | None:
        """The region section: (id, name, time zone)."""
        raw = root.get("region", MISSING)
        if raw is MISSING:
            self.add("region", "missing required section 'region' (id, name, timezone)")
            return None
        head = self.mapping(raw, "region", "region")
        if head is None:
            return None
        self.unknown_keys(head, _REGION_KEYS, "region")
        region_id = self.ident(head, "id", "region")
        name = self.string(head, "name", "region")
        timezone: str | None = DEFAULT_TIMEZONE
        if "timezone" in head:
            timezone = self.string(head, "timezone", "region")
            if timezone is not None:
                try:
                    ZoneInfo(timezone)
                except (ZoneInfoNotFoundError, ValueError):
                    self.add(
                        "region.timezone",
                        f"unknown time zone {timezone!r}; use an IANA name such as {DEFAULT_TIMEZONE!r}",
                    )
                    timezone = None
        if region_id is None or name is None or timezone is None:
            return None
        return region_id, name, timezone
