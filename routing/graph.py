"""The road graph of a region (networkx), snapping of a coordinate to it, and the travel-time matrix.

The graph is the model: nodes are locations keyed ``(region id, location id)``
with their coordinates, edges are roads weighted in minutes, directed (a road
both ways is two edges; a one-way road one). A patient's coordinate snaps to the
nearest town or site of the home region (:mod:`routing.snap`). Travel times run from the patient to the provider:
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
from typing import Any, Literal, TypeAlias

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from capacity.model import Region

from .snap import ACCESS_SPEED_KMH, MAX_SNAP_KM, NodeId, Snap, Snapper, haversine_km

__all__ = [
    "ACCESS_SPEED_KMH",
    "MAX_SNAP_KM",
    "UNREACHABLE",
    "NodeId",
    "RoadGraph",
    "Snap",
    "TravelMatrix",
    "haversine_km",
    "provider_columns",
]

_LOGGER = logging.getLogger(__name__)

Kernel: TypeAlias = Literal["scipy", "networkx"]

# uint16 tenths of a minute; this value means unreachable.
UNREACHABLE = np.iinfo(np.uint16).max


class RoadGraph:
    """The networkx road graph of a home region and, optionally, its neighbours joined by border roads."""

    def __init__(self, home: Region, neighbours: Sequence[Region] = (), *, snapper: Snapper | None = None) -> None:
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
        # The home region's towns and sites first (see snap.matrix_rows): their indices are the matrix rows.
        self.snapper = snapper or Snapper(home)
        rows = self.snapper.rows
        in_rows = set(rows)
        rest = [(home.id, lid) for lid in home.locations if (home.id, lid) not in in_rows]
        others = [n for n in g.nodes if n[0] != home.id]
        self.nodes: list[NodeId] = rows + rest + others
        self.index = {n: i for i, n in enumerate(self.nodes)}
        self.n_home = len(rows)

    def snap(self, lat: float, lon: float, *, max_km: float = MAX_SNAP_KM) -> Snap:
        """The nearest home node and the access time; OutsideRegion when none is within ``max_km``."""
        return self.snapper.snap(lat, lon, max_km=max_km)

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


def provider_columns(regions: Iterable[Region]) -> tuple[list[NodeId], dict[tuple[str, str], int]]:
    """The matrix columns: each provider location once (in file order), and each provider's column."""
    sources: list[NodeId] = []
    col_of: dict[NodeId, int] = {}
    providers: dict[tuple[str, str], int] = {}
    for region in regions:
        for p in region.providers.values():
            node = (region.id, p.location)
            if node not in col_of:
                col_of[node] = len(sources)
                sources.append(node)
            providers[(region.id, p.id)] = col_of[node]
    return sources, providers


class TravelMatrix:
    """Minutes from every home node to every provider location of the graph.

    ``providers`` maps a provider key ``(region id, provider id)`` to its
    column; ``minutes(row)`` gives one home node's travel times to all columns.
    Built from a :class:`RoadGraph` (Dijkstra), or with :meth:`of_table` from a
    table computed before (the service's on-disk cache, memory-mapped).
    """

    def __init__(self, graph: RoadGraph, *, kernel: Kernel = "scipy", chunk: int = 64) -> None:
        start = time.perf_counter()
        self.graph: RoadGraph | None = graph
        self.sources, self.providers = provider_columns(graph.regions.values())
        self.kernel: str = kernel
        self.table: NDArray[np.uint16] = (
            _scipy_table(graph, self.sources, chunk) if kernel == "scipy" else _networkx_table(graph, self.sources)
        )
        self.build_seconds = time.perf_counter() - start
        _LOGGER.info(
            "travel matrix %d nodes x %d provider locations (%s, %.1f MB) in %.2f s",
            self.table.shape[0],
            self.table.shape[1],
            kernel,
            self.table.nbytes / 1e6,
            self.build_seconds,
        )

    @classmethod
    def of_table(cls, regions: Iterable[Region], table: NDArray[np.uint16], kernel: str) -> TravelMatrix:
        """A matrix over ``table`` (rows: the home region's matrix rows; columns: :func:`provider_columns`)."""
        sources, providers = provider_columns(regions)
        if table.ndim != 2 or table.shape[1] != len(sources) or table.dtype != np.uint16:
            raise ValueError(f"a table of shape {table.shape} ({table.dtype}) does not fit {len(sources)} columns")
        out = cls.__new__(cls)
        out.graph, out.sources, out.providers = None, sources, providers
        # A plain array over the mapped pages: np.memmap's own Python methods run on every slice of it.
        out.kernel, out.table, out.build_seconds = kernel, np.asarray(table), 0.0
        return out

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
