"""The places and roads of a region file: locations, roads, border roads and whether the roads connect them."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from capacity.config_check import suggest
from capacity.model import LOCATION_KINDS, Location, Road

from .roads import ROAD_KEYS, RoadChecker

__all__ = ["NL_BOUNDS", "NL_LAT_RANGE", "NL_LON_RANGE", "Bounds", "NetworkChecker"]

#: A bounding box of the European Netherlands (inclusive); catches swapped or mistyped coordinates.
NL_LAT_RANGE: tuple[float, float] = (50.70, 53.60)
NL_LON_RANGE: tuple[float, float] = (3.30, 7.25)


@dataclass(frozen=True, slots=True)
class Bounds:
    """A box of latitudes and longitudes (inclusive) that every location of a region lies in."""

    south: float
    west: float
    north: float
    east: float
    where: str = "the region's bounds"  # how a message names the box

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the coordinate lies in the box."""
        return self.south <= lat <= self.north and self.west <= lon <= self.east


#: The default bounds of a region file without ``region.bounds``.
NL_BOUNDS = Bounds(NL_LAT_RANGE[0], NL_LON_RANGE[0], NL_LAT_RANGE[1], NL_LON_RANGE[1], "the Netherlands")

_LOCATION_KEYS = frozenset({"id", "name", "lat", "lon", "population", "kind"})
_KINDS = frozenset(LOCATION_KINDS)
_BORDER_ROAD_KEYS = frozenset({"from", "to", "minutes"})


class NetworkChecker(RoadChecker):
    """The checks of a region's locations and roads."""

    __slots__ = ()

    def locations(self, items: list[Any], bounds: Bounds = NL_BOUNDS) -> tuple[dict[str, Location], dict[str, int]]:
        """The valid locations by id (inside ``bounds``), and the index of every id seen in the section."""
        locations: dict[str, Location] = {}
        # Every id seen, valid entry or not, so one bad field does not also make
        # every road and provider there report an unknown location.
        index: dict[str, int] = {}
        lat_lo, lat_hi = bounds.south, bounds.north
        lon_lo, lon_hi = bounds.west, bounds.east
        id_matches = self.id_pattern.fullmatch

        def quick(i: int, raw: Any) -> bool:
            """Take the common, valid location; it accepts a strict subset of what the checks below accept."""
            if type(raw) is not dict or not raw.keys() <= _LOCATION_KEYS:
                return False
            loc_id, name, lat, lon = raw.get("id"), raw.get("name"), raw.get("lat"), raw.get("lon")
            pop = raw.get("population", 0)
            kind = raw.get("kind", "town")
            if not (
                kind in _KINDS
                and type(loc_id) is str
                and loc_id not in index
                and id_matches(loc_id)
                and type(name) is str
                and name.strip()
                and (type(lat) is float or type(lat) is int)
                and lat_lo <= lat <= lat_hi
                and (type(lon) is float or type(lon) is int)
                and lon_lo <= lon <= lon_hi
                and type(pop) is int
                and pop >= 0
            ):
                return False
            index[loc_id] = i
            locations[loc_id] = Location(
                id=loc_id, name=name, lat=float(lat), lon=float(lon), population=pop, kind=kind
            )
            return True

        for i, path, item in self.entries(items, "locations", "a location", _LOCATION_KEYS, skip=quick):
            loc_id = self.ident(item, "id", path)
            name = self.string(item, "name", path)
            lat = self.number(item, "lat", path)
            lon = self.number(item, "lon", path)
            swapped = lat is not None and lon is not None and lon_lo <= lat <= lon_hi and lat_lo <= lon <= lat_hi
            hint = " (lat and lon swapped?)" if swapped else ""
            if lat is not None and not lat_lo <= lat <= lat_hi:
                self.add(
                    f"{path}.lat",
                    f"latitude {lat} is outside {bounds.where} ({lat_lo:.2f} to {lat_hi:.2f}){hint}",
                )
                lat = None
            if lon is not None and not lon_lo <= lon <= lon_hi:
                self.add(
                    f"{path}.lon",
                    f"longitude {lon} is outside {bounds.where} ({lon_lo:.2f} to {lon_hi:.2f}){hint}",
                )
                lon = None
            population: int | None = 0
            if "population" in item:
                population = self.count(item["population"], f"{path}.population", "population")
            kind = item.get("kind", "town")
            if kind not in LOCATION_KINDS:
                hint = suggest(kind, LOCATION_KINDS) if isinstance(kind, str) else ""
                self.add(f"{path}.kind", f"unknown location kind {kind!r}{hint}; expected {', '.join(LOCATION_KINDS)}")
                kind = None
            if loc_id is None or not self.first_use(index, loc_id, i, "locations", "location id"):
                continue
            if name is not None and lat is not None and lon is not None and population is not None and kind:
                locations[loc_id] = Location(id=loc_id, name=name, lat=lat, lon=lon, population=population, kind=kind)
        return locations, index

    def roads(self, items: list[Any], location_index: Mapping[str, int]) -> list[Road]:
        """The valid roads; a road graph that leaves locations unreachable is reported too."""
        roads: list[Road] = []
        parent: dict[str, str] = {loc_id: loc_id for loc_id in location_index}

        def find(node: str) -> str:
            while parent[node] != node:
                parent[node] = parent[parent[node]]  # path halving
                node = parent[node]
            return node

        def quick(_i: int, raw: Any) -> bool:
            """Take the common, valid road; it accepts a strict subset of what the checks below accept."""
            if type(raw) is not dict or len(raw) != 3:
                return False
            a, b, minutes = raw.get("from"), raw.get("to"), raw.get("minutes")
            # Known ends are valid ids already.
            if not (
                type(a) is str
                and type(b) is str
                and a != b
                and a in parent
                and b in parent
                and (type(minutes) is int or type(minutes) is float)
                and 0 < minutes < math.inf
            ):
                return False
            roads.append(Road(a=a, b=b, minutes=float(minutes)))
            root_a, root_b = find(a), find(b)
            if root_a != root_b:
                parent[root_a] = root_b
            return True

        for _i, path, item in self.entries(items, "roads", "a road", ROAD_KEYS, skip=quick):
            a = self.ident(item, "from", path)
            b = self.ident(item, "to", path)
            timed = self.road_time(item, path)
            extras = self.road_extras(item, path)
            ok = a is not None and b is not None and timed is not None and extras is not None
            for end, key in ((a, "from"), (b, "to")):
                if end is not None and end not in location_index:
                    self.add(f"{path}.{key}", f"road to nowhere: {key} names unknown location {end!r}")
                    ok = False
            if a is not None and a == b:
                self.add(f"{path}.to", f"road from {a!r} to itself: from and to must differ")
                ok = False
            if a is None or b is None or a == b or a not in parent or b not in parent:
                continue
            # A road with a bad travel time still joins its two ends: report that
            # problem once, not again as a disconnected graph.
            root_a, root_b = find(a), find(b)
            if root_a != root_b:
                parent[root_a] = root_b
            if ok and timed is not None and extras is not None:
                minutes, km = timed
                oneway, tier, ref = extras
                roads.append(Road(a=a, b=b, minutes=minutes, oneway=oneway, tier=tier, km=km, ref=ref))
        self.connected(location_index, find)
        if not self.errors:
            self.one_way_reach(location_index, roads)
        return roads

    def border_roads(self, raw: object, location_index: Mapping[str, int], own_id: str | None) -> list[Road]:
        """The optional ``border_roads`` section: roads to locations of neighbouring regions."""
        if raw is None:  # absent, or an empty ``border_roads:`` in YAML
            return []
        items = self.as_list(raw, "border_roads", "border_roads")
        if items is None:
            return []
        roads: list[Road] = []
        for _i, path, item in self.entries(items, "border_roads", "a border road", _BORDER_ROAD_KEYS):
            a = self.ident(item, "from", path)
            b = self.ident(item, "to", path)
            minutes = self.number(item, "minutes", path)
            ok = a is not None and b is not None and minutes is not None
            if a is not None and a not in location_index:
                self.add(
                    f"{path}.from",
                    f"border road from unknown location {a!r}: from must be one of this region's locations",
                )
                ok = False
            if b is not None:
                other, colon, target = b.partition(":")
                if not colon or not other or not target:
                    self.add(
                        f"{path}.to",
                        f"to {b!r} must name a location of another region as '<region id>:<location id>'",
                    )
                    ok = False
                elif own_id is not None and other == own_id:
                    self.add(
                        f"{path}.to",
                        f"border road into this region itself ({other!r}): a road between two of "
                        f"its own locations belongs under roads, with to {target!r}",
                    )
                    ok = False
            if minutes is not None and minutes <= 0:
                self.add(f"{path}.minutes", f"travel time must be more than 0 minutes, not {minutes:g}")
                ok = False
            if ok and a is not None and b is not None and minutes is not None:
                roads.append(Road(a=a, b=b, minutes=minutes))
        return roads

    def connected(self, location_index: Mapping[str, int], find: Callable[[str], str]) -> None:
        """Report the first location that no road path joins to the largest connected part of the region."""
        if len(location_index) < 2:
            return
        roots = {loc_id: find(loc_id) for loc_id in location_index}
        sizes: dict[str, int] = {}
        for root in roots.values():
            sizes[root] = sizes.get(root, 0) + 1
        if len(sizes) == 1:
            return
        # The largest component is "the region"; ties go to the one listed first.
        main = max(sizes, key=lambda r: sizes[r])
        anchor = next(loc_id for loc_id, root in roots.items() if root == main)
        unreachable = [loc_id for loc_id, root in roots.items() if root != main]
        first = unreachable[0]
        shown = ", ".join(repr(u) for u in unreachable[:5]) + (", ..." if len(unreachable) > 5 else "")
        self.add(
            f"locations[{location_index[first]}]",
            f"location {first!r} is unreachable by road from {anchor!r}: the road graph is not "
            f"connected ({len(unreachable)} of {len(location_index)} locations cut off: {shown})",
        )
