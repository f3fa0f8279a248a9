"""The road graph of a region (networkx), snapping of a coordinate to it, and the travel-time matrix.

The graph is the model: nodes are locations keyed ``(region id, location id)``
with their coordinates, edges are roads weighted in minutes, directed (a road
both ways is two edges; a one-way road one). A patient's coordinate snaps to the
nearest town or site of the home region (never to a road junction, which has no
way in from the street) plus an access time (straight-line distance at
:data:`ACCESS_SPEED_KMH`). Travel times run from the patient to the provider:
the matrix is Dijkstra from each provider location over the reversed graph. The bulk travel-time
matrix, every home node to every place a provider sits, is computed once per
graph with ``scipy.sparse.csgraph`` (measured ~19x faster than networkx's
Dijkstra on a 5,000-node graph, see ``bench/dispatch.py``); networkx stays
available as a kernel for checking.

Memory: the matrix holds ``home towns and sites x provider locations`` travel
times as uint16 tenths of a minute (2 bytes each): 50,000 places x 1,000
provider locations is 100 MB. Junctions have no row (nothing snaps to them).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from capacity.errors import InvalidInput, OutsideRegion
from capacity.messages import msg
from capacity.model import Region

__all__ = [
    "ACCESS_SPEED_KMH",
    "MAX_SNAP_KM",
    "NodeId",
    "RoadGraph",
    "Snap",
    "TravelMatrix",
    "haversine_km",
]

_LOGGER = logging.getLogger(__name__)

NodeId: TypeAlias = tuple[str, str]
Kernel: TypeAlias = Literal["scipy", "networkx"]

# Straight-line speed from a patient's address to the nearest graph node: local roads with detours.
ACCESS_SPEED_KMH = 30.0
# A coordinate further than this from every location of the region is outside it.
MAX_SNAP_KM = 15.0
# uint16 tenths of a minute; this value means unreachable.
UNREACHABLE = np.iinfo(np.uint16).max
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


class RoadGraph:
    """The networkx road graph of a home region and, optionally, its neighbours joined by border roads."""

    def __init__(self, home: Region, neighbours: Sequence[Region] = ()) -> None:
        self.home = home
        self.regions = {r.id: r for r in (home, *neighbours)}
        # Directed only when a road is one-way: an undirected graph holds each road once, which at
        # national size (120,000 roads) saves some 60 MB over a DiGraph with both directions.
        directed = any(road.oneway for region in self.regions.values() for road in region.roads)
        g: nx.Graph = nx.DiGraph() if directed else nx.Graph()
        self.directed = directed
        for region in self.regions.values():
            for loc in region.locations.values():
                g.add_node((region.id, loc.id), lat=loc.lat, lon=loc.lon, name=loc.name)
            for road in region.roads:
                a, b = (region.id, road.a), (region.id, road.b)
                _add_road(g, a, b, road.minutes)
                if not road.oneway:
                    _add_road(g, b, a, road.minutes)
        for region in self.regions.values():
            for road in region.border_roads:
                other, _, other_loc = road.b.partition(":")
                if other in self.regions and other_loc in self.regions[other].locations:
                    _add_road(g, (region.id, road.a), (other, other_loc), road.minutes)
                    _add_road(g, (other, other_loc), (region.id, road.a), road.minutes)
        self.graph = g
        # The home region's towns and sites first: their indices are the matrix rows. Its junctions (which
        # no coordinate snaps to) have no row, so an imported network's many junctions cost no matrix
        # memory; a region of junctions alone keeps them all as rows.
        home_nodes = [(home.id, lid) for lid in home.locations]
        rows = [n for n in home_nodes if home.locations[n[1]].kind != "junction"] or home_nodes
        in_rows = set(rows)
        rest = [n for n in home_nodes if n not in in_rows]
        others = [n for n in g.nodes if n[0] != home.id]
        self.nodes: list[NodeId] = rows + rest + others
        self.index = {n: i for i, n in enumerate(self.nodes)}
        self.n_home = len(rows)
        self._snap_rows = np.arange(len(rows), dtype=np.intp)
        lat = np.array([g.nodes[n]["lat"] for n in rows], dtype=np.float64)
        lon = np.array([g.nodes[n]["lon"] for n in rows], dtype=np.float64)
        self._lat0 = float(lat.mean()) if len(lat) else 52.0
        self._tree = cKDTree(self._project(lat, lon))

    def _project(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
        """Equirectangular km around the region's mean latitude: exact enough within a country to find neighbours."""
        k = math.pi / 180 * _EARTH_KM
        return np.column_stack((lon * k * math.cos(math.radians(self._lat0)), lat * k))

    def snap(self, lat: float, lon: float, *, max_km: float = MAX_SNAP_KM) -> Snap:
        """The nearest home node and the access time; OutsideRegion when none is within ``max_km``."""
        if not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
            raise InvalidInput(msg("error.lat_lon_range"), field="lat" if abs(lat) > 90 else "lon")
        k = math.pi / 180 * _EARTH_KM
        _, j = self._tree.query((lon * k * math.cos(math.radians(self._lat0)), lat * k))
        i = int(self._snap_rows[int(j)])
        node = self.nodes[i]
        data = self.graph.nodes[node]
        km = haversine_km(lat, lon, data["lat"], data["lon"])
        if km > max_km:
            raise OutsideRegion(
                f"({lat:.4f}, {lon:.4f}) is {km:.0f} km from the nearest place of region {self.home.id} "
                f"({data['name']}); this service covers {self.home.name} only",
                field="lat",
            )
        return Snap(node, i, km, km / ACCESS_SPEED_KMH * 60)

    def csr(self, *, reverse: bool = False) -> csr_array:
        """The graph as a sparse matrix of minutes (row: from, column: to), in ``self.nodes`` order.

        ``reverse`` swaps every edge: Dijkstra from a node over it gives the minutes *to* that node.
        """
        n = len(self.nodes)
        rows, cols, vals = [], [], []
        for a, b, minutes in self.graph.edges(data="minutes"):
            i, j = self.index[a], self.index[b]
            rows.append(j if reverse else i)
            cols.append(i if reverse else j)
            vals.append(minutes)
            if not self.directed:  # an undirected road is both ways
                rows.append(i if reverse else j)
                cols.append(j if reverse else i)
                vals.append(minutes)
        return csr_array((np.array(vals, dtype=np.float64), (rows, cols)), shape=(n, n))


def _add_road(g: nx.Graph, a: NodeId, b: NodeId, minutes: float) -> None:
    """Add a road from ``a`` to ``b``; of two parallel roads the faster one counts."""
    if g.has_edge(a, b) and g.edges[a, b]["minutes"] <= minutes:
        return
    g.add_edge(a, b, minutes=float(minutes))


class TravelMatrix:
    """Minutes from every home node to every provider location of the graph.

    ``providers`` maps a provider key ``(region id, provider id)`` to its
    column; ``minutes(row)`` gives one home node's travel times to all columns.
    """

    def __init__(self, graph: RoadGraph, *, kernel: Kernel = "scipy", chunk: int = 64) -> None:
        start = time.perf_counter()
        self.graph = graph
        self.providers: dict[tuple[str, str], int] = {}
        sources: list[NodeId] = []
        col_of: dict[NodeId, int] = {}
        for region in graph.regions.values():
            for p in region.providers.values():
                node = (region.id, p.location)
                if node not in col_of:
                    col_of[node] = len(sources)
                    sources.append(node)
                self.providers[(region.id, p.id)] = col_of[node]
        self.sources = sources
        self.kernel = kernel
        self.table = _scipy_table(graph, sources, chunk) if kernel == "scipy" else _networkx_table(graph, sources)
        self.build_seconds = time.perf_counter() - start
        _LOGGER.info(
            "travel matrix %d nodes x %d provider locations (%s, %.1f MB) in %.2f s",
            self.table.shape[0],
            self.table.shape[1],
            kernel,
            self.table.nbytes / 1e6,
            self.build_seconds,
        )

    def minutes(self, row: int) -> NDArray[np.float32]:
        """Minutes from home node ``row`` to every provider location (inf when unreachable)."""
        raw = self.table[row]
        out: NDArray[np.float32] = raw.astype(np.float32) / np.float32(10)
        out[raw == UNREACHABLE] = np.inf
        return out

    def provider_minutes(self, row: int, region_id: str, provider_id: str) -> float:
        """Minutes from home node ``row`` to one provider (inf when unreachable)."""
        v = int(self.table[row, self.providers[(region_id, provider_id)]])
        return math.inf if v == UNREACHABLE else v / 10


def _to_tenths(minutes: NDArray[np.float64]) -> NDArray[np.uint16]:
    out = np.where(np.isfinite(minutes), np.minimum(np.rint(minutes * 10), UNREACHABLE - 1), UNREACHABLE)
    return out.astype(np.uint16)


def _scipy_table(graph: RoadGraph, sources: Sequence[NodeId], chunk: int) -> NDArray[np.uint16]:
    """Dijkstra to each provider location (from it over the reversed graph) with scipy, in chunks.

    Chunks bound the float64 scratch memory.
    """
    csr = graph.csr(reverse=True)
    table = np.empty((graph.n_home, len(sources)), dtype=np.uint16)
    idx = np.array([graph.index[s] for s in sources], dtype=np.int64)
    for lo in range(0, len(idx), chunk):
        dist = dijkstra(csr, directed=True, indices=idx[lo : lo + chunk])
        table[:, lo : lo + chunk] = _to_tenths(dist[:, : graph.n_home]).T
    return table


def _networkx_table(graph: RoadGraph, sources: Iterable[NodeId]) -> NDArray[np.uint16]:
    """The same table with networkx's Dijkstra (the reference kernel; slower)."""
    src = list(sources)
    table = np.full((graph.n_home, len(src)), UNREACHABLE, dtype=np.uint16)
    towards = graph.graph.reverse(copy=False) if isinstance(graph.graph, nx.DiGraph) else graph.graph
    for j, s in enumerate(src):
        lengths: dict[Any, float] = nx.single_source_dijkstra_path_length(towards, s, weight="minutes")
        for node, minutes in lengths.items():
            i = graph.index[node]
            if i < graph.n_home:
                table[i, j] = min(round(minutes * 10), UNREACHABLE - 1)
    return table
