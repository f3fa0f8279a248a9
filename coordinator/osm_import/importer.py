"""One import run: extract and region file in, a checked region file with the real car network out."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from capacity.config_check import first_of, read_config_file
from capacity.errors import ConfigError
from capacity.model import CareType
from capacity.region import check_region, load_care_types
from capacity.region.network import NL_BOUNDS, Bounds

from .attach import Place, network_section, read_postcodes, snap_places
from .network import build_network, contract, largest_strong_part
from .reader import read_segments
from .speeds import CLASSES

__all__ = ["ImportReport", "import_osm"]

_LOGGER = logging.getLogger(__name__)
# The sections of the region file the import keeps as they are; roads (and junctions) it writes anew.
_KEPT = ("providers", "border_roads")


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import read, kept and wrote, and how long it took."""

    seconds: float
    ways: int
    nodes_read: int
    arcs_read: int
    nodes_before: int  # the largest strongly connected part, before contraction
    arcs_before: int
    nodes_after: int  # after contraction
    arcs_after: int
    roads_written: int
    locations_snapped: int
    postcodes_snapped: int
    postcodes_skipped: int
    max_snap_km: float

    def text(self) -> str:
        """The report as lines for a person."""
        return "\n".join(
            [
                f"read {self.ways} drivable ways: {self.nodes_read} nodes, {self.arcs_read} arcs",
                f"largest strongly connected part: {self.nodes_before} nodes, {self.arcs_before} arcs",
                f"after contracting degree-2 chains: {self.nodes_after} nodes, {self.arcs_after} arcs "
                f"({self.roads_written} roads written, access roads included)",
                f"snapped {self.locations_snapped} locations and {self.postcodes_snapped} postcode centroids "
                f"(furthest {self.max_snap_km:.2f} km); {self.postcodes_skipped} postcodes off the network skipped",
                f"took {self.seconds:.2f} s",
            ]
        )


def _bounds(head: Mapping[str, Any]) -> Bounds:
    raw = head.get("bounds")
    if not isinstance(raw, Mapping):
        return NL_BOUNDS
    try:
        south, west, north, east = (float(raw[k]) for k in ("south", "west", "north", "east"))
        return Bounds(south, west, north, east)
    except (KeyError, TypeError, ValueError):
        raise ConfigError("region.bounds needs numbers south, west, north, east", field="region.bounds") from None


def _places(data: Mapping[str, Any]) -> list[Place]:
    places: list[Place] = []
    for i, item in enumerate(data.get("locations") or ()):
        if isinstance(item, Mapping) and item.get("kind") == "junction":
            continue  # a junction of the file's own roads: dropped with them
        try:
            places.append(Place(str(item["id"]), str(item["name"]), float(item["lat"]), float(item["lon"])))
        except (KeyError, TypeError, ValueError):
            raise ConfigError(
                f"locations[{i}] needs id, name, lat and lon (run zcc check-config on the region file)",
                field=f"locations[{i}]",
            ) from None
    return places


def import_osm(
    extract: Path,
    region_path: Path,
    out: Path,
    *,
    postcodes: Path | None = None,
    care_types: Mapping[str, CareType] | None = None,
    least: str = CLASSES[-1],
) -> ImportReport:
    """Build the car network of ``extract`` under the places and providers of ``region_path``; write ``out``.

    Roads of the classes down to ``least`` are kept (all a car may drive by default; ``tertiary`` keeps
    the through roads only, for a region of national size). The region file's own roads and junction
    locations are replaced by the network's (its nodes as locations of kind ``junction``); its region
    section, towns, sites, providers and border roads are kept. Raises ConfigError, naming the field, when
    a location lies off the extract or the written file would not pass ``zcc check-config``.
    """
    start = time.perf_counter()
    data = read_config_file(region_path)
    if not isinstance(data, Mapping) or not isinstance(data.get("region"), Mapping):
        raise ConfigError(f"{region_path} is no region file: it has no region section", field="region")
    head: Mapping[str, Any] = data["region"]
    bounds = _bounds(head)
    if not extract.is_file():
        raise ConfigError(f"extract not found: {extract}", field="extract")
    segments = read_segments(extract, least)
    raw = build_network(segments, bounds)
    net = largest_strong_part(raw)
    places = _places(data)
    outside = 0
    if postcodes is not None:
        found, outside = read_postcodes(postcodes, bounds, {p.id for p in places})
        places += found
    snapped = snap_places(net, places)
    lost = [(p, km) for p, km in snapped.too_far if not p.postcode]
    if lost:
        shown = ", ".join(f"{p.id!r} ({km:.0f} km)" for p, km in lost[:5])
        raise ConfigError(
            f"{len(lost)} locations lie off the extract's road network (further than 15 km from it): {shown}",
            field="locations",
        )
    pinned = np.zeros(net.nodes, dtype=bool)
    pinned[snapped.nodes] = True
    small = contract(net, pinned)
    # Snapped nodes were pinned, so each is still there: find its new index by OSM id.
    position = {osm_id: i for i, osm_id in enumerate(small.osm_ids.tolist())}
    snapped_small = type(snapped)(
        snapped.places,
        np.array([position[int(net.osm_ids[n])] for n in snapped.nodes.tolist()], dtype=np.int64),
        snapped.km,
        snapped.too_far,
    )
    section = network_section(small, snapped_small)
    postcode_places = [p for p in snapped.places if p.postcode]
    result: dict[str, Any] = {"region": dict(head)}
    own = [
        item
        for item in data.get("locations") or []
        if not (isinstance(item, Mapping) and item.get("kind") == "junction")
    ]
    result["locations"] = (
        own
        + [{"id": p.id, "name": p.name, "lat": p.lat, "lon": p.lon, "kind": "town"} for p in postcode_places]
        + section["junctions"]
    )
    result["roads"] = section["roads"]
    for key in _KEPT:
        if data.get(key) is not None:
            result[key] = data[key]
    errors = check_region(result, care_types if care_types is not None else load_care_types())
    if errors:
        raise first_of(errors, f"the imported region (not written to {out})")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, separators=(",", ":"))
    tmp.replace(out)
    report = ImportReport(
        seconds=time.perf_counter() - start,
        ways=segments.ways,
        nodes_read=raw.nodes,
        arcs_read=raw.arcs,
        nodes_before=net.nodes,
        arcs_before=net.arcs,
        nodes_after=small.nodes,
        arcs_after=small.arcs,
        roads_written=len(section["roads"]),
        locations_snapped=len(snapped.places) - len(postcode_places),
        postcodes_snapped=len(postcode_places),
        postcodes_skipped=len(snapped.too_far) + outside,
        max_snap_km=float(snapped.km.max()) if len(snapped.km) else 0.0,
    )
    _LOGGER.info("imported %s into %s: %d nodes, %d arcs", extract, out, report.nodes_after, report.arcs_after)
    return report
