"""The synthetic road network: nearest neighbours, a motorway layer between towns, spanning trees that connect."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_array
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree

from .geography import Array, IntArray

__all__ = ["road_edges", "road_minutes"]

_NEAREST = 4  # every place to its 4 nearest places
_TOWN_NEAREST = 4  # every town to its 4 nearest towns
_DETOUR = 1.25
_TOWN_KMH = 80.0
_LOCAL_KMH = 45.0
_MIN_MINUTES = 0.5


def _pairs(edges: IntArray) -> IntArray:
    """Undirected edges (i < j), without loops and duplicates, sorted."""
    edges = np.sort(edges.reshape(-1, 2), axis=1)
    edges = edges[edges[:, 0] != edges[:, 1]]
    result: IntArray = np.unique(edges, axis=0)
    return result


def _spanning_tree(xy: Array) -> IntArray:
    """The edges of the Euclidean minimum spanning tree of ``xy`` (distinct points)."""
    n = len(xy)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    if n <= 400:  # the complete graph: small, and safe for collinear points
        i, j = np.triu_indices(n, k=1)
        candidates = np.column_stack((i, j)).astype(np.int64)
    else:  # the Delaunay triangulation contains the Euclidean MST
        simplices = Delaunay(xy).simplices.astype(np.int64)
        candidates = _pairs(simplices[:, [0, 1, 1, 2, 2, 0]])
    weights = np.hypot(*(xy[candidates[:, 0]] - xy[candidates[:, 1]]).T)
    graph = coo_array((weights, (candidates[:, 0], candidates[:, 1])), shape=(n, n)).tocsr()
    tree = minimum_spanning_tree(graph).tocoo()
    return np.column_stack((tree.row, tree.col)).astype(np.int64)


def _nearest_edges(xy: Array, k: int) -> IntArray:
    """Each point to its ``k`` nearest other points."""
    if len(xy) < 2:
        return np.empty((0, 2), dtype=np.int64)
    k = min(k, len(xy) - 1)
    _, nearest = cKDTree(xy).query(xy, k=k + 1)
    nearest = np.asarray(nearest, dtype=np.int64).reshape(len(xy), k + 1)
    own = np.repeat(np.arange(len(xy), dtype=np.int64), k + 1)
    return np.column_stack((own, nearest.ravel()))


def road_edges(xy: Array, towns: IntArray, labels: IntArray, regions: int) -> IntArray:
    """Every road of the country as sorted index pairs."""
    parts = [_nearest_edges(xy, _NEAREST), _spanning_tree(xy)]
    parts.append(towns[_nearest_edges(xy[towns], _TOWN_NEAREST)])
    for r in range(regions):
        own = np.flatnonzero(labels == r)
        parts.append(own[_spanning_tree(xy[own])])
    return _pairs(np.concatenate(parts))


def road_minutes(xy: Array, edges: IntArray, is_town: NDArray[np.bool_]) -> Array:
    """Minutes along each road: straight-line km with a detour, at town or local speed, at least 0.5."""
    km = np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T) * _DETOUR
    speed = np.where(is_town[edges[:, 0]] & is_town[edges[:, 1]], _TOWN_KMH, _LOCAL_KMH)
    result: Array = np.maximum(np.round(km / speed * 60, 1), _MIN_MINUTES)
    return result
