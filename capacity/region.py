"""Loading and validating care-type and region files into the domain model of capacity.model.

A region file is YAML with four sections and an optional fifth (see
config/regions/limburg.yaml for a commented example)::

    region:       {id, name, timezone}
    locations:    [{id, name, lat, lon, population?}]
    roads:        [{from, to, minutes}]
    providers:    [{id, name, kind, location, hours, care_types}]
    border_roads: [{from, to: "<other region id>:<location id>", minutes}]   # optional

A border road leads from one of the region's own locations to a location of a
neighbouring region. Only its form is checked here (the other region is another
file); it does not count towards the region's own road graph being connected.

:func:`check_region` reports every problem of a parsed file at once, each as a
:class:`~capacity.errors.ConfigError` whose ``field`` is a path into the file
(``providers[3].care_types.elv_hoog.total``), so ``zcc check-config`` can list
them all. :func:`parse_region` builds the :class:`~capacity.model.Region` in the
same single pass and raises when anything is wrong. The pass is linear in the
size of the file: lookups go through dicts and the connectivity check is a
union-find, so a file with 50,000 locations, 120,000 roads and 5,000 providers
checks in about half a second. Parsing YAML of that size takes PyYAML (even
with libyaml) some 15 seconds; a file named ``*.json`` is read with the json
module instead, in well under a second.
"""

from __future__ import annotations

import logging
import math
import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from capacity.config_check import MISSING, FieldChecker, first_of, kind_of, read_config_file, suggest
from capacity.errors import ConfigError
from capacity.model import (
    KINDS,
    CareType,
    Hours,
    Location,
    OpeningWindow,
    Provider,
    ProviderOffer,
    Region,
    Road,
)

__all__ = [
    "DAY_NAMES",
    "DEFAULT_REGION_FILE",
    "DEFAULT_TIMEZONE",
    "NL_LAT_RANGE",
    "NL_LON_RANGE",
    "UNITS",
    "check_region",
    "check_region_file",
    "default_config_dir",
    "default_region_path",
    "load_care_types",
    "load_region",
    "parse_hours",
    "parse_region",
]

_LOGGER = logging.getLogger(__name__)

#: The shipped default region, relative to :func:`default_config_dir`.
DEFAULT_REGION_FILE = "regions/limburg.yaml"
DEFAULT_TIMEZONE = "Europe/Amsterdam"
#: Day names of opening windows, index 0 = Monday as in ``datetime.weekday()``.
DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: What one unit of a care type's capacity is.
UNITS: tuple[str, ...] = ("bed", "slot", "team")
#: A bounding box of the European Netherlands (inclusive); catches swapped or mistyped coordinates.
NL_LAT_RANGE: tuple[float, float] = (50.70, 53.60)
NL_LON_RANGE: tuple[float, float] = (3.30, 7.25)

_DAY_INDEX = {name: i for i, name in enumerate(DAY_NAMES)}
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})")
# Ids end up in URLs, store keys and log lines: no whitespace, no slashes.
_ID_RE = re.compile(r"[^\s/]+")
_ALWAYS = Hours()

_TOP_KEYS = frozenset({"region", "locations", "roads", "providers", "border_roads"})
_REGION_KEYS = frozenset({"id", "name", "timezone"})
_LOCATION_KEYS = frozenset({"id", "name", "lat", "lon", "population"})
_ROAD_KEYS = frozenset({"from", "to", "minutes"})
_BORDER_ROAD_KEYS = _ROAD_KEYS
_PROVIDER_KEYS = frozenset({"id", "name", "kind", "location", "hours", "care_types"})
_OFFER_KEYS = frozenset({"total", "hours", "eligibility"})
_WINDOW_KEYS = frozenset({"days", "from", "to"})
_CARE_TYPE_KEYS = frozenset({"id", "name", "kinds", "unit", "level", "description"})
# Eligibility criteria whose type we know; other keys pass through for the matcher.
_ELIGIBILITY_AGES = ("min_age", "max_age")
_ELIGIBILITY_FLAGS = ("psychogeriatric", "requires_wlz", "must_return_home")


# --------------------------------------------------------------------------- paths


def default_config_dir() -> Path:
    """The configuration directory: ``$ZCC_CONFIG_DIR``, else ``config/`` beside the packages."""
    env = os.environ.get("ZCC_CONFIG_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    beside_packages = Path(__file__).resolve().parent.parent / "config"
    if beside_packages.is_dir():
        return beside_packages
    # An installed wheel may carry the data files under <prefix>/share/zcc/config.
    shared = Path(sys.prefix) / "share" / "zcc" / "config"
    if shared.is_dir():
        return shared
    return beside_packages


def default_region_path() -> Path:
    """The shipped default region file (ROAZ Limburg)."""
    return default_config_dir() / DEFAULT_REGION_FILE


# --------------------------------------------------------------------------- value checks


def _own_region_id(root: Mapping[Any, Any]) -> str | None:
    """The region id as written, when the region section is broken elsewhere (for border road checks)."""
    head = root.get("region")
    if isinstance(head, Mapping):
        value = head.get("id")
        if isinstance(value, str) and value:
            return value
    return None


class _Checker(FieldChecker):
    """One pass over parsed data: collects every problem and builds model objects on the way."""

    __slots__ = ()

    def ident(self, item: Mapping[Any, Any], key: str, path: str) -> str | None:
        value = self.string(item, key, path)
        if value is not None and not _ID_RE.fullmatch(value):
            self.add(f"{path}.{key}", f"{key} {value!r} must not contain spaces or slashes")
            return None
        return value

    def number(self, item: Mapping[Any, Any], key: str, path: str) -> float | None:
        value = self.get(item, key, path)
        if value is MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(f"{path}.{key}", f"{key} must be a number, not {kind_of(value)}")
            return None
        if not math.isfinite(value):
            self.add(f"{path}.{key}", f"{key} must be a finite number, not {value}")
            return None
        return float(value)

    def count(self, value: object, path: str, what: str) -> int | None:
        """A non-negative whole number (booleans and floats are refused)."""
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.add(path, f"{what} must be a non-negative whole number, not {kind_of(value)}")
            return None
        return value

    # -- opening hours

    def hours(self, value: object, path: str) -> Hours | None:
        if isinstance(value, str):
            if value.strip().lower() == "24/7":
                return _ALWAYS
            self.add(path, f'opening hours must be "24/7" or a list of windows, not {kind_of(value)}')
            return None
        if not isinstance(value, list):
            self.add(path, f'opening hours must be "24/7" or a list of windows, not {kind_of(value)}')
            return None
        if not value:
            self.add(path, 'opening hours have no windows: list at least one, or write "24/7"')
            return None
        windows: list[OpeningWindow] = []
        texts: list[str] = []
        ok = True
        for i, raw in enumerate(value):
            wpath = f"{path}[{i}]"
            window = self.mapping(raw, wpath, "an opening window")
            if window is None:
                ok = False
                continue
            self.unknown_keys(window, _WINDOW_KEYS, wpath)
            days = self.days(window, wpath)
            start = self.time(window, "from", wpath)
            end = self.time(window, "to", wpath)
            if days is None or start is None or end is None:
                ok = False
                continue
            windows.append(OpeningWindow(days=days[0], start=start[0], end=end[0]))
            texts.append(f"{days[1]} {start[1]}-{end[1]}")
        if not ok:
            return None
        return Hours(always=False, windows=tuple(windows), text="; ".join(texts))

    def days(self, window: Mapping[Any, Any], wpath: str) -> tuple[frozenset[int], str] | None:
        path = f"{wpath}.days"
        value = self.get(window, "days", wpath)
        if value is MISSING:
            return None
        parts: list[object]
        if isinstance(value, str):
            parts = [p for p in (s.strip() for s in value.split(",")) if p]
        elif isinstance(value, list):
            parts = list(value)
        else:
            self.add(path, f'days must be a string like "mon-fri" or a list of days, not {kind_of(value)}')
            return None
        if not parts:
            self.add(path, "days is empty: name at least one day (mon, tue, wed, thu, fri, sat, sun)")
            return None
        days: set[int] = set()
        names: list[str] = []
        ok = True
        for part in parts:
            if not isinstance(part, str) or not part.strip():
                self.add(path, f"a day must be a name like 'mon' or a range like 'mon-fri', not {kind_of(part)}")
                ok = False
                continue
            name = part.strip().lower()
            first, dash, last = name.partition("-")
            a = self.day(first.strip(), path)
            b = self.day(last.strip(), path) if dash else a
            if a is None or b is None:
                ok = False
                continue
            # A range may wrap around the week: fri-mon is fri, sat, sun, mon.
            day = a
            while True:
                days.add(day)
                if day == b:
                    break
                day = (day + 1) % 7
            names.append(name)
        if not ok:
            return None
        return frozenset(days), ",".join(names)

    def day(self, name: str, path: str) -> int | None:
        index = _DAY_INDEX.get(name)
        if index is None:
            self.add(
                path,
                f"unknown day name {name!r}{suggest(name, DAY_NAMES)}; use mon, tue, wed, thu, fri, sat, sun",
            )
        return index

    def time(self, window: Mapping[Any, Any], key: str, wpath: str) -> tuple[int, str] | None:
        path = f"{wpath}.{key}"
        value = self.get(window, key, wpath)
        if value is MISSING:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and 60 <= value <= 24 * 60:
            # YAML 1.1 reads an unquoted 17:00 as the base-60 number 1020.
            hours, minutes = divmod(value, 60)
            self.add(
                path,
                f'time must be a quoted "HH:MM" string; YAML read an unquoted {hours}:{minutes:02d} '
                f"as the number {value}",
            )
            return None
        if not isinstance(value, str):
            self.add(path, f'time must be a string "HH:MM", not {kind_of(value)}')
            return None
        match = _TIME_RE.fullmatch(value.strip())
        if match is None:
            self.add(path, f'time {value!r} is not a valid "HH:MM" time')
            return None
        hh, mm = int(match.group(1)), int(match.group(2))
        if key == "to" and (hh, mm) == (24, 0):
            return 24 * 60, "24:00"
        if hh > 23 or mm > 59:
            limit = '"00:00" to "24:00"' if key == "to" else '"00:00" to "23:59"'
            self.add(path, f"time {value!r} is not a valid time of day ({key} runs from {limit})")
            return None
        return hh * 60 + mm, f"{hh:02d}:{mm:02d}"

    # -- the region

    def region(self, data: object, care_types: Mapping[str, CareType]) -> Region | None:
        root = self.mapping(data, None, "a region file")
        if root is None:
            return None
        for key in root:
            if key not in _TOP_KEYS:
                hint = suggest(key, _TOP_KEYS) if isinstance(key, str) else ""
                self.add(
                    str(key),
                    f"unknown section {key!r}{hint}; expected region, locations, roads, providers, border_roads",
                )

        head = self.region_head(root)
        locations, location_index = self.locations(self.items(root, "locations"))
        roads = self.roads(self.items(root, "roads"), location_index)
        providers = self.providers(self.items(root, "providers"), location_index, care_types)
        own_id = head[0] if head is not None else _own_region_id(root)
        border_roads = self.border_roads(root.get("border_roads"), location_index, own_id)

        if self.errors or head is None:
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

    def region_head(self, root: Mapping[Any, Any]) -> tuple[str, str, str] | None:
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

    def locations(self, items: list[Any]) -> tuple[dict[str, Location], dict[str, int]]:
        locations: dict[str, Location] = {}
        # Every id seen, valid entry or not, so one bad field does not also make
        # every road and provider there report an unknown location.
        index: dict[str, int] = {}
        if not items and "locations" not in self.reported:
            self.add("locations", "a region needs at least one location")
        lat_lo, lat_hi = NL_LAT_RANGE
        lon_lo, lon_hi = NL_LON_RANGE
        for i, raw in enumerate(items):
            # Fast path for the common, valid location; it accepts a strict subset
            # of what the checks below accept.
            if type(raw) is dict and raw.keys() <= _LOCATION_KEYS:
                loc_id, name, lat, lon = raw.get("id"), raw.get("name"), raw.get("lat"), raw.get("lon")
                pop = raw.get("population", 0)
                if (
                    type(loc_id) is str
                    and loc_id not in index
                    and _ID_RE.fullmatch(loc_id)
                    and type(name) is str
                    and name.strip()
                    and (type(lat) is float or type(lat) is int)
                    and lat_lo <= lat <= lat_hi
                    and (type(lon) is float or type(lon) is int)
                    and lon_lo <= lon <= lon_hi
                    and type(pop) is int
                    and pop >= 0
                ):
                    index[loc_id] = i
                    locations[loc_id] = Location(id=loc_id, name=name, lat=float(lat), lon=float(lon), population=pop)
                    continue
            path = f"locations[{i}]"
            item = self.mapping(raw, path, "a location")
            if item is None:
                continue
            self.unknown_keys(item, _LOCATION_KEYS, path)
            loc_id = self.ident(item, "id", path)
            name = self.string(item, "name", path)
            lat = self.number(item, "lat", path)
            lon = self.number(item, "lon", path)
            swapped = lat is not None and lon is not None and lon_lo <= lat <= lon_hi and lat_lo <= lon <= lat_hi
            hint = " (lat and lon swapped?)" if swapped else ""
            if lat is not None and not lat_lo <= lat <= lat_hi:
                self.add(
                    f"{path}.lat",
                    f"latitude {lat} is outside the Netherlands ({lat_lo:.2f} to {lat_hi:.2f}){hint}",
                )
                lat = None
            if lon is not None and not lon_lo <= lon <= lon_hi:
                self.add(
                    f"{path}.lon",
                    f"longitude {lon} is outside the Netherlands ({lon_lo:.2f} to {lon_hi:.2f}){hint}",
                )
                lon = None
            population: int | None = 0
            if "population" in item:
                population = self.count(item["population"], f"{path}.population", "population")
            if loc_id is None:
                continue
            first = index.get(loc_id)
            if first is not None:
                self.add(f"{path}.id", f"duplicate location id {loc_id!r} (first used at locations[{first}])")
                continue
            index[loc_id] = i
            if name is not None and lat is not None and lon is not None and population is not None:
                locations[loc_id] = Location(id=loc_id, name=name, lat=lat, lon=lon, population=population)
        return locations, index

    def roads(self, items: list[Any], location_index: Mapping[str, int]) -> list[Road]:
        roads: list[Road] = []
        parent: dict[str, str] = {loc_id: loc_id for loc_id in location_index}

        def find(node: str) -> str:
            while parent[node] != node:
                parent[node] = parent[parent[node]]  # path halving
                node = parent[node]
            return node

        for i, raw in enumerate(items):
            # Fast path for the common, valid road; it accepts a strict subset of
            # what the checks below accept (known ends are valid ids already).
            if type(raw) is dict and len(raw) == 3:
                a, b, minutes = raw.get("from"), raw.get("to"), raw.get("minutes")
                if (
                    type(a) is str
                    and type(b) is str
                    and a != b
                    and a in parent
                    and b in parent
                    and (type(minutes) is int or type(minutes) is float)
                    and 0 < minutes < math.inf
                ):
                    roads.append(Road(a=a, b=b, minutes=float(minutes)))
                    root_a, root_b = find(a), find(b)
                    if root_a != root_b:
                        parent[root_a] = root_b
                    continue
            path = f"roads[{i}]"
            item = self.mapping(raw, path, "a road")
            if item is None:
                continue
            self.unknown_keys(item, _ROAD_KEYS, path)
            a = self.ident(item, "from", path)
            b = self.ident(item, "to", path)
            minutes = self.number(item, "minutes", path)
            ok = a is not None and b is not None and minutes is not None
            if minutes is not None and minutes <= 0:
                self.add(f"{path}.minutes", f"travel time must be more than 0 minutes, not {minutes:g}")
                ok = False
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
            if ok and minutes is not None:
                roads.append(Road(a=a, b=b, minutes=minutes))
        self.connected(location_index, find)
        return roads

    def border_roads(self, raw: object, location_index: Mapping[str, int], own_id: str | None) -> list[Road]:
        """The optional ``border_roads`` section: roads to locations of neighbouring regions."""
        if raw is None:  # absent, or an empty ``border_roads:`` in YAML
            return []
        if not isinstance(raw, list):
            self.add("border_roads", f"border_roads must be a list, not {kind_of(raw)}")
            return []
        roads: list[Road] = []
        for i, entry in enumerate(raw):
            path = f"border_roads[{i}]"
            item = self.mapping(entry, path, "a border road")
            if item is None:
                continue
            self.unknown_keys(item, _BORDER_ROAD_KEYS, path)
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

    def providers(
        self,
        items: list[Any],
        location_index: Mapping[str, int],
        care_types: Mapping[str, CareType],
    ) -> dict[str, Provider]:
        providers: dict[str, Provider] = {}
        index: dict[str, int] = {}
        if not items and "providers" not in self.reported:
            self.add("providers", "a region needs at least one provider")
        for i, raw in enumerate(items):
            path = f"providers[{i}]"
            item = self.mapping(raw, path, "a provider")
            if item is None:
                continue
            self.unknown_keys(item, _PROVIDER_KEYS, path)
            provider_id = self.ident(item, "id", path)
            name = self.string(item, "name", path)
            kind = self.string(item, "kind", path)
            if kind is not None and kind not in KINDS:
                self.add(
                    f"{path}.kind",
                    f"unknown provider kind {kind!r}{suggest(kind, KINDS)}; expected one of {', '.join(KINDS)}",
                )
                kind = None
            location = self.ident(item, "location", path)
            if location is not None and location not in location_index:
                self.add(f"{path}.location", f"unknown location {location!r}: not among the region's locations")
                location = None
            hours: Hours | None = None
            raw_hours = self.get(item, "hours", path)
            if raw_hours is not MISSING:
                hours = self.hours(raw_hours, f"{path}.hours")
            offers = self.offers(item, path, kind, care_types)
            if provider_id is not None:
                first = index.get(provider_id)
                if first is not None:
                    self.add(
                        f"{path}.id",
                        f"duplicate provider id {provider_id!r} (first used at providers[{first}])",
                    )
                    continue
                index[provider_id] = i
            if (
                provider_id is not None
                and name is not None
                and kind is not None
                and location is not None
                and hours is not None
                and offers is not None
            ):
                providers[provider_id] = Provider(
                    id=provider_id, name=name, kind=kind, location=location, offers=offers, hours=hours
                )
        return providers

    def offers(
        self,
        item: Mapping[Any, Any],
        path: str,
        kind: str | None,
        care_types: Mapping[str, CareType],
    ) -> dict[str, ProviderOffer] | None:
        raw = self.get(item, "care_types", path)
        if raw is MISSING:
            return None
        mapping = self.mapping(raw, f"{path}.care_types", "care_types (care type: total)")
        if mapping is None:
            return None
        if not mapping:
            self.add(f"{path}.care_types", "a provider must offer at least one care type")
            return None
        offers: dict[str, ProviderOffer] = {}
        ok = True
        for ct_id, spec in mapping.items():
            if not isinstance(ct_id, str):
                self.add(f"{path}.care_types", f"care type ids are strings, not {kind_of(ct_id)}")
                ok = False
                continue
            cpath = f"{path}.care_types.{ct_id}"
            care_type = care_types.get(ct_id)
            if care_type is None:
                self.add(cpath, f"unknown care type {ct_id!r}{suggest(ct_id, care_types)}")
                ok = False
            elif kind is not None and kind not in care_type.kinds:
                self.add(
                    cpath,
                    f"care type {ct_id!r} cannot be offered by a provider of kind {kind!r} "
                    f"(only by {', '.join(sorted(care_type.kinds))})",
                )
                ok = False
            offer = self.offer(ct_id, spec, cpath)
            if offer is None:
                ok = False
            else:
                offers[ct_id] = offer
        return offers if ok else None

    def offer(self, ct_id: str, spec: object, cpath: str) -> ProviderOffer | None:
        if isinstance(spec, int) and not isinstance(spec, bool):
            short = self.count(spec, cpath, "total")
            return None if short is None else ProviderOffer(care_type=ct_id, total=short)
        if not isinstance(spec, Mapping):
            self.add(
                cpath,
                f"must be a total (a whole number) or a mapping with total, hours, eligibility, not {kind_of(spec)}",
            )
            return None
        self.unknown_keys(spec, _OFFER_KEYS, cpath)
        total: int | None = None
        raw_total = self.get(spec, "total", cpath)
        if raw_total is not MISSING:
            total = self.count(raw_total, f"{cpath}.total", "total")
        hours: Hours | None = None
        hours_ok = True
        if "hours" in spec:
            hours = self.hours(spec["hours"], f"{cpath}.hours")
            hours_ok = hours is not None
        eligibility: dict[str, Any] | None = {}
        if "eligibility" in spec:
            eligibility = self.eligibility(spec["eligibility"], f"{cpath}.eligibility")
        if total is None or not hours_ok or eligibility is None:
            return None
        return ProviderOffer(care_type=ct_id, total=total, hours=hours, eligibility=eligibility)

    def eligibility(self, value: object, path: str) -> dict[str, Any] | None:
        if not isinstance(value, Mapping):
            self.add(
                path,
                f"eligibility must be a mapping of criteria such as {{min_age: 18}}, not {kind_of(value)}",
            )
            return None
        ok = True
        for key, criterion in value.items():
            if not isinstance(key, str):
                self.add(path, f"eligibility criteria are named by strings, not {kind_of(key)}")
                ok = False
            elif key in _ELIGIBILITY_AGES:
                ok = self.count(criterion, f"{path}.{key}", key) is not None and ok
            elif key in _ELIGIBILITY_FLAGS and not isinstance(criterion, bool):
                self.add(f"{path}.{key}", f"{key} must be true or false, not {kind_of(criterion)}")
                ok = False
        low, high = value.get("min_age"), value.get("max_age")
        if ok and isinstance(low, int) and isinstance(high, int) and low > high:
            self.add(f"{path}.max_age", f"max_age {high} is below min_age {low}")
            ok = False
        return dict(value) if ok else None

    # -- care types

    def care_types(self, data: object) -> dict[str, CareType]:
        root = self.mapping(data, None, "a care types file")
        if root is None:
            return {}
        for key in root:
            if key != "care_types":
                self.add(str(key), f"unknown section {key!r}; a care types file has only 'care_types'")
        items = self.items(root, "care_types")
        if not items and "care_types" not in self.reported:
            self.add("care_types", "the care types list is empty")
        result: dict[str, CareType] = {}
        index: dict[str, int] = {}
        for i, raw in enumerate(items):
            path = f"care_types[{i}]"
            item = self.mapping(raw, path, "a care type")
            if item is None:
                continue
            self.unknown_keys(item, _CARE_TYPE_KEYS, path)
            ct_id = self.ident(item, "id", path)
            name = self.string(item, "name", path)
            kinds = self.kinds(item, path)
            unit = self.string(item, "unit", path)
            if unit is not None and unit not in UNITS:
                self.add(f"{path}.unit", f"unknown unit {unit!r}; expected one of {', '.join(UNITS)}")
                unit = None
            level: int | None = None
            raw_level = self.get(item, "level", path)
            if raw_level is not MISSING:
                level = self.count(raw_level, f"{path}.level", "level")
            description: str | None = ""
            if "description" in item:
                description = item["description"]
                if not isinstance(description, str):
                    self.add(f"{path}.description", f"description must be a string, not {kind_of(description)}")
                    description = None
            if ct_id is None:
                continue
            first = index.get(ct_id)
            if first is not None:
                self.add(f"{path}.id", f"duplicate care type id {ct_id!r} (first used at care_types[{first}])")
                continue
            index[ct_id] = i
            if name is None or kinds is None or unit is None or level is None or description is None:
                continue
            result[ct_id] = CareType(id=ct_id, name=name, kinds=kinds, unit=unit, level=level, description=description)
        return result

    def kinds(self, item: Mapping[Any, Any], path: str) -> frozenset[str] | None:
        value = self.get(item, "kinds", path)
        if value is MISSING:
            return None
        if not isinstance(value, list) or not value:
            self.add(f"{path}.kinds", f"kinds must be a non-empty list of provider kinds, not {kind_of(value)}")
            return None
        bad = [k for k in value if k not in KINDS]
        if bad:
            self.add(
                f"{path}.kinds",
                f"unknown provider kind {bad[0]!r}; expected one of {', '.join(KINDS)}",
            )
            return None
        return frozenset(value)


# --------------------------------------------------------------------------- public API


def parse_hours(value: object, field: str = "hours") -> Hours:
    """Parse opening hours (``"24/7"`` or a list of weekly windows); raise ConfigError if invalid."""
    checker = _Checker()
    hours = checker.hours(value, field)
    if checker.errors or hours is None:
        raise first_of(checker.errors, "the opening hours")
    return hours


def load_care_types(path: str | Path | None = None) -> dict[str, CareType]:
    """Load and validate a care types file (default: the shipped config/care_types.yaml)."""
    file = Path(path) if path is not None else default_config_dir() / "care_types.yaml"
    checker = _Checker()
    care_types = checker.care_types(read_config_file(file))
    if checker.errors:
        raise first_of(checker.errors, f"care types file {file}")
    _LOGGER.debug("loaded %d care types from %s", len(care_types), file)
    return care_types


def check_region(data: object, care_types: Mapping[str, CareType]) -> list[ConfigError]:
    """Every problem of a parsed region file, each with the path of its field; empty when valid."""
    checker = _Checker()
    checker.region(data, care_types)
    return checker.errors


def parse_region(data: object, care_types: Mapping[str, CareType]) -> Region:
    """Build the Region of a parsed region file; raise the first ConfigError (with the count) if invalid."""
    checker = _Checker()
    region = checker.region(data, care_types)
    if checker.errors or region is None:
        raise first_of(checker.errors, "the region")
    return region


def load_region(path: str | Path | None = None, care_types: Mapping[str, CareType] | None = None) -> Region:
    """Read, validate and build a region file (default: the shipped ROAZ Limburg region)."""
    file = Path(path) if path is not None else default_region_path()
    data = read_config_file(file)
    types = care_types if care_types is not None else load_care_types()
    region = parse_region(data, types)
    _LOGGER.info(
        "loaded region %s from %s: %d locations, %d roads, %d providers",
        region.id,
        file,
        len(region.locations),
        len(region.roads),
        len(region.providers),
    )
    return region


def check_region_file(path: str | Path, care_types: Mapping[str, CareType] | None = None) -> list[ConfigError]:
    """Every problem of a region file on disk (unreadable file and bad YAML included); empty when valid."""
    try:
        data = read_config_file(Path(path))
        types = care_types if care_types is not None else load_care_types()
    except ConfigError as exc:
        return [exc]
    return check_region(data, types)
