"""Joining places to the imported network: each region location and postcode centroid snapped to its
nearest road node, and the region file put together around the contracted network."""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from capacity.errors import ConfigError
from capacity.model import ROAD_TIERS
from capacity.region.network import Bounds
from capacity.region.roads import MAX_SPEED_KMH, MIN_SPEED_KMH
from routing.graph import MAX_SNAP_KM

from .network import Network
from .speeds import TIERS

__all__ = ["Place", "SnappedPlaces", "network_section", "read_postcodes", "snap_places"]

_EARTH_KM = 6371.0088
# An access road is at least this long (a road is longer than 0 km): 6 seconds at the access tier's speed.
_MIN_ACCESS_KM = 0.05
# A road of the network is at least a metre long (two OSM nodes on one spot still take a little time).
_MIN_KM = 0.001


@dataclass(frozen=True, slots=True)
class Place:
    """A location of the region file (or a postcode centroid) to join to the network."""

    id: str
    name: str
    lat: float
    lon: float
    postcode: bool = False


@dataclass(frozen=True, slots=True)
class SnappedPlaces:
    """The places that lie on the network, each with its node and straight-line distance; the ones too far."""

    places: tuple[Place, ...]
    nodes: NDArray[np.int64]
    km: NDArray[np.float64]
    too_far: tuple[tuple[Place, float], ...]


def read_postcodes(path: Path, bounds: Bounds, taken: set[str]) -> tuple[list[Place], int]:
    """The postcode centroids of a PC4 table (postcode, lat, lon, place) inside ``bounds``, as places;
    and how many lie outside."""
    places: list[Place] = []
    outside = 0
    try:
        with path.open(newline="", encoding="utf-8") as f:
            for line, row in enumerate(csv.DictReader(f), start=2):
                try:
                    code = row["postcode"].strip()
                    lat, lon = float(row["lat"]), float(row["lon"])
                except (KeyError, ValueError, AttributeError):
                    raise ConfigError(
                        f"{path} line {line}: a postcode row needs postcode, lat and lon", field="postcodes"
                    ) from None
                loc_id = f"pc-{code.lower()}"
                if loc_id in taken:
                    continue
                if not bounds.contains(lat, lon):
                    outside += 1
                    continue
                taken.add(loc_id)
                place = (row.get("place") or "").strip()
                places.append(Place(loc_id, f"{code} {place}".strip(), lat, lon, postcode=True))
    except OSError as exc:
        raise ConfigError(f"cannot read the postcode table {path}: {exc.strerror or exc}", field="postcodes") from None
    return places, outside


def _project(lat: NDArray[np.float64], lon: NDArray[np.float64], lat0: float) -> NDArray[np.float64]:
    k = math.pi / 180 * _EARTH_KM
    return np.column_stack((lon * k * math.cos(math.radians(lat0)), lat * k))


def snap_places(net: Network, places: Sequence[Place], max_km: float = MAX_SNAP_KM) -> SnappedPlaces:
    """Each place's nearest network node; places further than ``max_km`` from every node are set apart."""
    if not places or net.nodes == 0:
        return SnappedPlaces((), np.empty(0, dtype=np.int64), np.empty(0), tuple((p, math.inf) for p in places))
    lat0 = float(net.lat.mean())
    tree = cKDTree(_project(net.lat, net.lon, lat0))
    lat = np.array([p.lat for p in places], dtype=np.float64)
    lon = np.array([p.lon for p in places], dtype=np.float64)
    km, nodes = tree.query(_project(lat, lon, lat0))
    near = km <= max_km
    kept = tuple(p for p, ok in zip(places, near.tolist(), strict=True) if ok)
    far = tuple((p, float(d)) for p, d, ok in zip(places, km.tolist(), near.tolist(), strict=True) if not ok)
    return SnappedPlaces(kept, nodes[near].astype(np.int64), km[near], far)


def _junction_id(osm_id: int) -> str:
    return f"osm-{osm_id}"


def _road(a: str, b: str, km: float, minutes: float, tier: int) -> dict[str, Any]:
    """A road of the region file: its km and the speed that gives its minutes (the chain's own mix of speeds)."""
    km = max(km, _MIN_KM)
    speed = min(max(km / max(minutes, 1e-6) * 60, MIN_SPEED_KMH), MAX_SPEED_KMH)
    return {"from": a, "to": b, "km": round(km, 3), "speed": round(speed, 1), "tier": TIERS[tier]}


def network_section(net: Network, snapped: SnappedPlaces) -> dict[str, list[dict[str, Any]]]:
    """The network's nodes as ``junction`` locations, and its ``roads`` with an access road per place.

    A pair of opposite arcs with the same minutes is written as one two-way road, any other arc as a
    ``oneway`` road, each with its km and the speed that gives its minutes. A place's access road runs
    both ways at the ``access`` tier's speed over the straight line to its node.
    """
    ids = [_junction_id(i) for i in net.osm_ids.tolist()]
    junctions = [
        {"id": jid, "name": f"OSM-knoop {osm_id}", "lat": round(la, 7), "lon": round(lo, 7), "kind": "junction"}
        for jid, osm_id, la, lo in zip(ids, net.osm_ids.tolist(), net.lat.tolist(), net.lon.tolist(), strict=True)
    ]
    arcs: Mapping[tuple[int, int], tuple[float, float, int]] = {
        (t, h): (m, k, tier)
        for t, h, m, k, tier in zip(
            net.tails.tolist(),
            net.heads.tolist(),
            net.minutes.tolist(),
            net.km.tolist(),
            net.tier.tolist(),
            strict=True,
        )
    }
    roads: list[dict[str, Any]] = []
    for (t, h), (minutes, km, tier) in arcs.items():
        back = arcs.get((h, t))
        if back is not None and round(back[0], 3) == round(minutes, 3):
            if t < h:
                roads.append(_road(ids[t], ids[h], km, minutes, tier))
        else:
            roads.append(_road(ids[t], ids[h], km, minutes, tier) | {"oneway": True})
    access = TIERS.index("access")
    access_kmh = ROAD_TIERS["access"]
    for place, node, straight in zip(snapped.places, snapped.nodes.tolist(), snapped.km.tolist(), strict=True):
        km = max(straight, _MIN_ACCESS_KM)
        roads.append(_road(place.id, ids[node], km, km / access_kmh * 60, access))
    return {"junctions": junctions, "roads": roads}
