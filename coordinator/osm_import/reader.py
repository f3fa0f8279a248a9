"""Reading the drivable ways of an OpenStreetMap extract (``.osm.pbf``) with pyosmium.

pyosmium (the Python bindings of libosmium, kept by OpenStreetMap's own developers) streams the file:
nodes go into libosmium's location index and only ``highway`` ways reach Python, so a national extract
reads in bounded memory. pyrosm would load the whole file into pandas frames first, which suits a city
but not a country.
"""

from __future__ import annotations

import logging
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
from numpy.typing import NDArray

from .speeds import CLASSES, direction, drivable, speed_kmh, tier_code

__all__ = ["Segments", "read_segments"]

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Segments:
    """Every drivable segment between two consecutive nodes of a way, in columns."""

    tail: NDArray[np.int64]  # OSM node id where the segment starts
    head: NDArray[np.int64]  # OSM node id where it ends
    tail_lat: NDArray[np.float64]
    tail_lon: NDArray[np.float64]
    head_lat: NDArray[np.float64]
    head_lon: NDArray[np.float64]
    speed_kmh: NDArray[np.float64]
    direction: NDArray[np.int8]  # 1 forward only, -1 backward only, 0 both ways
    tier: NDArray[np.int8]  # index in speeds.TIERS
    ways: int


def read_segments(path: Path, least: str = CLASSES[-1]) -> Segments:
    """The drivable segments (of classes down to ``least``) of an extract; a way whose node is missing from
    the extract is cut there."""
    tail, head = array("q"), array("q")
    tail_lat, tail_lon, head_lat, head_lon, speeds = array("d"), array("d"), array("d"), array("d"), array("d")
    dirs, tiers = array("b"), array("b")
    ways = 0
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in processor:
        if not isinstance(way, osmium.osm.Way):
            continue
        tags = way.tags
        highway = drivable(tags, least)
        if highway is None:
            continue
        ways += 1
        speed = speed_kmh(highway, tags.get("maxspeed"))
        way_dir = direction(highway, tags)
        way_tier = tier_code(highway)
        prev_ref = 0
        prev_lat = prev_lon = 0.0
        have_prev = False
        for node in way.nodes:
            loc = node.location
            if not loc.valid():
                have_prev = False  # the node is not in the extract: the way is cut here
                continue
            lat, lon = loc.lat, loc.lon
            if have_prev and node.ref != prev_ref:
                tail.append(prev_ref)
                head.append(node.ref)
                tail_lat.append(prev_lat)
                tail_lon.append(prev_lon)
                head_lat.append(lat)
                head_lon.append(lon)
                speeds.append(speed)
                dirs.append(way_dir)
                tiers.append(way_tier)
            prev_ref, prev_lat, prev_lon, have_prev = node.ref, lat, lon, True
    _LOGGER.info("read %d drivable ways, %d segments from %s", ways, len(tail), path)
    return Segments(
        tail=np.frombuffer(tail, dtype=np.int64).copy(),
        head=np.frombuffer(head, dtype=np.int64).copy(),
        tail_lat=np.frombuffer(tail_lat, dtype=np.float64).copy(),
        tail_lon=np.frombuffer(tail_lon, dtype=np.float64).copy(),
        head_lat=np.frombuffer(head_lat, dtype=np.float64).copy(),
        head_lon=np.frombuffer(head_lon, dtype=np.float64).copy(),
        speed_kmh=np.frombuffer(speeds, dtype=np.float64).copy(),
        direction=np.frombuffer(dirs, dtype=np.int8).copy(),
        tier=np.frombuffer(tiers, dtype=np.int8).copy(),
        ways=ways,
    )
