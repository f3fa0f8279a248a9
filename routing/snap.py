"""Where a coordinate joins the road network: the nearest town or site of the home region, plus an access time.

A patient's coordinate snaps to the nearest town or site of the home region
(never to a road junction, which has no way in from the street) plus an access
time (straight-line distance at :data:`ACCESS_SPEED_KMH`). The rows of the
travel-time matrix are these snap targets, in :attr:`Snapper.rows` order.
Built from the region's locations alone: no road graph is needed to snap, so a
service whose matrix comes from the cache never builds one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from capacity.errors import InvalidInput, OutsideRegion
from capacity.messages import msg
from capacity.model import Region

__all__ = ["ACCESS_SPEED_KMH", "MAX_SNAP_KM", "NodeId", "Snap", "Snapper", "haversine_km", "matrix_rows"]

NodeId: TypeAlias = tuple[str, str]

# Straight-line speed from a patient's address to the nearest graph node: local roads with detours.
ACCESS_SPEED_KMH = 30.0
# A coordinate further than this from every location of the region is outside it.
MAX_SNAP_KM = 15.0
_EARTH_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(math.sqrt(a))


@dataclass(frozen=True, slots=True)
class Snap:
    """Where a coordinate joins the road graph."""

    node: NodeId
    index: int  # row of the node in the travel matrix
    distance_km: float
    access_minutes: float


def _ring(cx: int, cy: int, r: int) -> list[tuple[int, int]]:
    """The cells at Chebyshev distance ``r`` from ``(cx, cy)``."""
    if r == 0:
        return [(cx, cy)]
    top = [(cx + dx, cy + r) for dx in range(-r, r + 1)]
    bottom = [(cx + dx, cy - r) for dx in range(-r, r + 1)]
    sides = [(cx + side, cy + dy) for side in (-r, r) for dy in range(-r + 1, r)]
    return top + bottom + sides


def matrix_rows(home: Region) -> list[NodeId]:
    """The home region's towns and sites, in file order: the rows of the travel matrix.

    Its junctions (which no coordinate snaps to) have no row, so an imported
    network's many junctions cost no matrix memory; a region of junctions alone
    keeps them all as rows.
    """
    nodes = [(home.id, lid) for lid in home.locations]
    return [n for n in nodes if home.locations[n[1]].kind != "junction"] or nodes


class Snapper:
    """The nearest matrix row of a coordinate: a grid of buckets over the rows' projected coordinates.

    A lookup walks the rings of cells around the coordinate's cell until the
    nearest row found is nearer than any cell further out can be: a few dict
    reads and distances in plain Python, about one row per cell. A coordinate
    with no row within the grid's reach (outside the region) asks the k-d tree,
    exact everywhere. A lookup is per request and cold in the CPU's caches:
    measured 4x cheaper in the served process than the k-d tree alone.
    """

    def __init__(self, home: Region) -> None:
        self.home = home
        self.rows = matrix_rows(home)
        locations = home.locations
        self._lat = np.array([locations[n[1]].lat for n in self.rows], dtype=np.float64)
        self._lon = np.array([locations[n[1]].lon for n in self.rows], dtype=np.float64)
        self._lat0 = float(self._lat.mean()) if len(self._lat) else 52.0
        xy = self._project(self._lat, self._lon)
        self._xy: list[tuple[float, float]] = [(float(a), float(b)) for a, b in xy.tolist()]
        self._tree = cKDTree(xy)
        span = np.ptp(xy, axis=0) if len(xy) else np.zeros(2)
        self._cell = max(0.5, math.sqrt(float(span[0] * span[1]) / max(1, len(xy))))
        self._grid: dict[tuple[int, int], list[tuple[float, float, int]]] = {}
        for i, (x, y) in enumerate(xy.tolist()):
            self._grid.setdefault((math.floor(x / self._cell), math.floor(y / self._cell)), []).append((x, y, i))
        self._rings = math.ceil(2 * MAX_SNAP_KM / self._cell) + 1
        self._kx = math.pi / 180 * _EARTH_KM * math.cos(math.radians(self._lat0))

    def _project(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
        """Equirectangular km around the region's mean latitude: exact enough within a country to find neighbours."""
        k = math.pi / 180 * _EARTH_KM
        return np.column_stack((lon * k * math.cos(math.radians(self._lat0)), lat * k))

    def _project_point(self, lat: float, lon: float) -> tuple[float, float]:
        """One coordinate projected as the rows are (see ``_project``)."""
        return lon * self._kx, lat * (math.pi / 180 * _EARTH_KM)

    def _nearest(self, x: float, y: float) -> int:
        """The row nearest to projected ``(x, y)`` (of two equally near, the first)."""
        c, grid = self._cell, self._grid
        cx, cy = math.floor(x / c), math.floor(y / c)
        best, found = math.inf, -1
        for r in range(self._rings + 1):
            for cell in _ring(cx, cy, r):
                for px, py, i in grid.get(cell, ()):
                    d = (px - x) ** 2 + (py - y) ** 2
                    if d < best or (d == best and i < found):
                        best, found = d, i
            # Every row in a cell further out is more than r cells' width away.
            if found >= 0 and best <= (r * c) ** 2:
                return found
        return int(self._tree.query((x, y))[1])

    def name(self, snap: Snap) -> str:
        """The name of the town or site a coordinate snapped to."""
        return self.home.locations[snap.node[1]].name

    def snap(self, lat: float, lon: float, *, max_km: float = MAX_SNAP_KM) -> Snap:
        """The nearest row and the access time; OutsideRegion when none is within ``max_km``."""
        if not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
            raise InvalidInput(msg("error.lat_lon_range"), field="lat" if abs(lat) > 90 else "lon")
        i = self._nearest(*self._project_point(lat, lon))
        node = self.rows[i]
        km = haversine_km(lat, lon, float(self._lat[i]), float(self._lon[i]))
        if km > max_km:
            raise OutsideRegion(
                f"({lat:.4f}, {lon:.4f}) is {km:.0f} km from the nearest place of region {self.home.id} "
                f"({self.home.locations[node[1]].name}); this service covers {self.home.name} only",
                field="lat",
            )
        return Snap(node, i, km, km / ACCESS_SPEED_KMH * 60)
