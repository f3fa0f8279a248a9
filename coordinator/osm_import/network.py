"""The car network as a directed graph in numpy arrays: built from segments, its largest strongly
connected part, and degree-2 chains contracted into single arcs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from capacity.region.network import Bounds

from .reader import Segments

__all__ = ["Network", "build_network", "contract", "largest_strong_part"]

_EARTH_KM = 6371.0088
# Arcs shorter than this (two nodes at one spot) still take a little time: a road takes more than 0 minutes.
_MIN_MINUTES = 0.001


@dataclass(frozen=True, slots=True)
class Network:
    """Nodes (OSM id and coordinates, by index) and directed arcs between them with their minutes, km and tier."""

    osm_ids: NDArray[np.int64]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    tails: NDArray[np.int64]
    heads: NDArray[np.int64]
    minutes: NDArray[np.float64]
    km: NDArray[np.float64]
    tier: NDArray[np.int8]  # index in speeds.TIERS: the lowest tier along the arc

    @property
    def nodes(self) -> int:
        """How many nodes."""
        return len(self.osm_ids)

    @property
    def arcs(self) -> int:
        """How many arcs (a two-way road counts twice)."""
        return len(self.tails)

    def csr(self) -> csr_array:
        """The arcs as a sparse matrix of minutes (row: tail, column: head)."""
        return csr_array((self.minutes, (self.tails, self.heads)), shape=(self.nodes, self.nodes))


def _haversine_km(
    lat1: NDArray[np.float64], lon1: NDArray[np.float64], lat2: NDArray[np.float64], lon2: NDArray[np.float64]
) -> NDArray[np.float64]:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    km: NDArray[np.float64] = 2 * _EARTH_KM * np.arcsin(np.sqrt(a))
    return km


_Arcs = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.int8]]


def _fastest(
    tails: NDArray[np.int64],
    heads: NDArray[np.int64],
    minutes: NDArray[np.float64],
    km: NDArray[np.float64],
    tier: NDArray[np.int8],
) -> _Arcs:
    """Of parallel arcs the fastest (with its km and tier); self-loops dropped."""
    keep = tails != heads
    tails, heads, minutes, km, tier = tails[keep], heads[keep], minutes[keep], km[keep], tier[keep]
    order = np.lexsort((minutes, heads, tails))
    tails, heads, minutes, km, tier = tails[order], heads[order], minutes[order], km[order], tier[order]
    first = np.ones(len(tails), dtype=bool)
    first[1:] = (tails[1:] != tails[:-1]) | (heads[1:] != heads[:-1])
    return tails[first], heads[first], minutes[first], km[first], tier[first]


def build_network(seg: Segments, bounds: Bounds) -> Network:
    """Every segment with both ends inside ``bounds`` as arcs: forward, backward or both as the way runs."""
    inside = (
        (seg.tail_lat >= bounds.south)
        & (seg.tail_lat <= bounds.north)
        & (seg.tail_lon >= bounds.west)
        & (seg.tail_lon <= bounds.east)
        & (seg.head_lat >= bounds.south)
        & (seg.head_lat <= bounds.north)
        & (seg.head_lon >= bounds.west)
        & (seg.head_lon <= bounds.east)
    )
    n = int(inside.sum())
    ids = np.concatenate([seg.tail[inside], seg.head[inside]])
    lats = np.concatenate([seg.tail_lat[inside], seg.head_lat[inside]])
    lons = np.concatenate([seg.tail_lon[inside], seg.head_lon[inside]])
    osm_ids, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    t, h = inverse[:n].astype(np.int64), inverse[n:].astype(np.int64)
    km = _haversine_km(lats[:n], lons[:n], lats[n:], lons[n:])
    minutes = np.maximum(km / seg.speed_kmh[inside] * 60.0, _MIN_MINUTES)
    tier = seg.tier[inside]
    direction = seg.direction[inside]
    fwd, bwd = direction >= 0, direction <= 0
    arcs = _fastest(
        np.concatenate([t[fwd], h[bwd]]),
        np.concatenate([h[fwd], t[bwd]]),
        np.concatenate([minutes[fwd], minutes[bwd]]),
        np.concatenate([km[fwd], km[bwd]]),
        np.concatenate([tier[fwd], tier[bwd]]),
    )
    return Network(osm_ids, lats[first], lons[first], *arcs)


def largest_strong_part(net: Network) -> Network:
    """The largest part in which every node reaches every other over the roads as they run."""
    if net.nodes == 0:
        return net
    _count, labels = connected_components(net.csr(), directed=True, connection="strong")
    main = int(np.bincount(labels).argmax())
    keep = labels == main
    new_index = np.cumsum(keep) - 1
    arc_keep = keep[net.tails] & keep[net.heads]
    return Network(
        net.osm_ids[keep],
        net.lat[keep],
        net.lon[keep],
        new_index[net.tails[arc_keep]],
        new_index[net.heads[arc_keep]],
        net.minutes[arc_keep],
        net.km[arc_keep],
        net.tier[arc_keep],
    )


def _passable(net: Network, pinned: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Nodes in the middle of a chain: two neighbours, passed straight through (both ways, or one way)."""
    out = net.csr()
    inc = csr_array(out.T)
    out_deg, in_deg = np.diff(out.indptr), np.diff(inc.indptr)
    candidate = ~pinned & (((out_deg == 2) & (in_deg == 2)) | ((out_deg == 1) & (in_deg == 1)))
    result = np.zeros(net.nodes, dtype=bool)
    out_ptr, out_idx = out.indptr, out.indices
    in_ptr, in_idx = inc.indptr, inc.indices
    for v in np.flatnonzero(candidate).tolist():
        outs = set(out_idx[out_ptr[v] : out_ptr[v + 1]].tolist())
        ins = set(in_idx[in_ptr[v] : in_ptr[v + 1]].tolist())
        if len(outs) == 2:
            result[v] = outs == ins  # a two-way road passing through
        else:
            result[v] = outs != ins  # a one-way road passing through (not a dead end's turn)
    return result


def contract(net: Network, pinned: NDArray[np.bool_]) -> Network:
    """Every chain of pass-through nodes replaced by one arc with the chain's minutes and km; pinned nodes stay."""
    passable = _passable(net, pinned)
    if passable.all():  # one ring of road and nothing on it: keep one node
        passable[0] = False
    # The arcs by tail (a csr layout built by hand, so each arc keeps its km and tier beside its minutes).
    order = np.lexsort((net.heads, net.tails))
    ptr = np.searchsorted(net.tails[order], np.arange(net.nodes + 1)).tolist()
    idx, weight = net.heads[order].tolist(), net.minutes[order].tolist()
    arc_km, arc_tier = net.km[order].tolist(), net.tier[order].tolist()
    through = passable.tolist()
    tails: list[int] = []
    heads: list[int] = []
    minutes: list[float] = []
    kms: list[float] = []
    worst: list[int] = []
    for k in np.flatnonzero(~passable).tolist():
        for e in range(ptr[k], ptr[k + 1]):
            prev, x, total, dist, low = k, idx[e], weight[e], arc_km[e], arc_tier[e]
            steps = 0
            while through[x] and steps <= net.nodes:
                lo, hi = ptr[x], ptr[x + 1]
                nxt = idx[lo] if hi - lo == 1 or idx[lo] != prev else idx[lo + 1]
                e_next = lo if idx[lo] == nxt else lo + 1
                total += weight[e_next]
                dist += arc_km[e_next]
                low = max(low, arc_tier[e_next])
                prev, x = x, nxt
                steps += 1
            tails.append(k)
            heads.append(x)
            minutes.append(total)
            kms.append(dist)
            worst.append(low)
    kept = ~passable
    new_index = np.cumsum(kept) - 1
    arcs = _fastest(
        new_index[np.array(tails, dtype=np.int64)],
        new_index[np.array(heads, dtype=np.int64)],
        np.array(minutes, dtype=np.float64),
        np.array(kms, dtype=np.float64),
        np.array(worst, dtype=np.int8),
    )
    return Network(net.osm_ids[kept], net.lat[kept], net.lon[kept], *arcs)
