"""The synthetic country's places: where they lie on Dutch land, how many live there, which region they fall in."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

__all__ = [
    "LAT_RANGE",
    "LON_RANGE",
    "POPULATION",
    "TIMEZONE",
    "Array",
    "IntArray",
    "kmeans",
    "populations",
    "project",
    "sample_places",
]

# The sampling box (inside capacity.region's NL_LAT_RANGE / NL_LON_RANGE).
LAT_RANGE = (50.75, 53.45)
LON_RANGE = (3.40, 7.15)
#: Inhabitants of the Netherlands, spread over the generated places.
POPULATION = 17_900_000
TIMEZONE = "Europe/Amsterdam"

_LAT0, _LON0 = 52.1, 5.3  # projection origin, the middle of the country
_KM_PER_DEG_LAT = 111.2
_KM_PER_DEG_LON = 111.32 * math.cos(math.radians(_LAT0))
_COORD_DECIMALS = 5  # about 1 m
_PARETO_ALPHA = 1.2
_MAX_PLACE = 900_000  # Amsterdam-sized at most

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _on_land(lat: Array, lon: Array) -> NDArray[np.bool_]:
    """Roughly the Dutch land area inside the sampling box: sea, IJsselmeer and neighbours cut away."""
    sea = (
        ((lat > 52.4) & (lon < 4.6))  # North Sea off Noord-Holland
        | ((lat > 52.9) & (lon < 5.0))  # Texel and the Waddenzee
        | ((lat > 53.2) & (lon < 5.5))  # Waddenzee off Friesland
        | ((lat > 51.98) & (lat <= 52.4) & (lon < 4.13 + (lat - 51.98)))  # the Holland coast
        | ((lat >= 52.45) & (lat <= 52.95) & (lon >= 5.05) & (lon <= 5.65))  # IJsselmeer and Markermeer
    )
    abroad = (
        ((lat < 51.25) & (lon < 5.55))  # Belgium
        | ((lat < 51.0) & (lon > 6.1))  # Germany beside Zuid-Limburg
        | ((lat < 51.8) & (lon > 6.25))  # Germany beside Noord-Limburg
        | ((lat < 52.6) & (lon > 7.05))  # Germany beside Twente
    )
    result: NDArray[np.bool_] = ~(sea | abroad)
    return result


def project(lat: Array, lon: Array) -> Array:
    """Equirectangular km around the middle of the country."""
    return np.column_stack(((lon - _LON0) * _KM_PER_DEG_LON, (lat - _LAT0) * _KM_PER_DEG_LAT))


def sample_places(rng: np.random.Generator, n: int) -> tuple[Array, Array]:
    """``n`` distinct (after rounding) coordinates on land, in draw order."""
    lat: Array = np.empty(0)
    lon: Array = np.empty(0)
    scale = 10**_COORD_DECIMALS
    while len(lat) < n:
        batch = 2 * (n - len(lat)) + 64
        la = np.round(rng.uniform(*LAT_RANGE, batch), _COORD_DECIMALS)
        lo = np.round(rng.uniform(*LON_RANGE, batch), _COORD_DECIMALS)
        keep = _on_land(la, lo)
        lat, lon = np.concatenate((lat, la[keep])), np.concatenate((lon, lo[keep]))
        # Two places on one (rounded) spot would be a zero-length road and break the triangulation.
        key = np.rint(lat * scale).astype(np.int64) * (1000 * scale) + np.rint(lon * scale).astype(np.int64)
        _, first = np.unique(key, return_index=True)
        first.sort()
        lat, lon = lat[first], lon[first]
    return lat[:n], lon[:n]


def populations(rng: np.random.Generator, n: int) -> IntArray:
    """Pareto-distributed inhabitants summing to about the Dutch population."""
    raw = rng.pareto(_PARETO_ALPHA, n) + 1.0
    pop = np.minimum(raw / raw.sum() * POPULATION, _MAX_PLACE)
    result: IntArray = np.maximum(np.rint(pop), 20).astype(np.int64)
    return result


def kmeans(xy: Array, k: int, rng: np.random.Generator, iterations: int = 60) -> IntArray:
    """Labels 0..k-1 of a k-means clustering (k-means++ start); no cluster is empty."""
    n = len(xy)
    centers = np.empty((k, 2))
    centers[0] = xy[rng.integers(n)]
    d2 = ((xy - centers[0]) ** 2).sum(axis=1)
    for j in range(1, k):
        centers[j] = xy[rng.choice(n, p=d2 / d2.sum())] if d2.sum() > 0 else xy[rng.integers(n)]
        d2 = np.minimum(d2, ((xy - centers[j]) ** 2).sum(axis=1))
    labels = np.zeros(n, dtype=np.int64)
    for _ in range(iterations):
        distance, nearest = cKDTree(centers).query(xy)
        labels = np.asarray(nearest, dtype=np.int64)
        counts = np.bincount(labels, minlength=k)
        sums = np.column_stack([np.bincount(labels, weights=xy[:, d], minlength=k) for d in (0, 1)])
        moved = centers.copy()
        filled = counts > 0
        moved[filled] = sums[filled] / counts[filled, None]
        for j in np.flatnonzero(~filled).tolist():  # an empty cluster restarts at the worst-served point
            far = int(np.argmax(distance))
            moved[j] = xy[far]
            distance[far] = 0.0
        if np.allclose(moved, centers) and filled.all():
            break
        centers = moved
    counts = np.bincount(labels, minlength=k)
    for j in np.flatnonzero(counts == 0).tolist():  # only when points are fewer than distinct centres can hold
        donor = int(np.argmax(counts))
        moved_point = int(np.flatnonzero(labels == donor)[0])
        labels[moved_point] = j
        counts[donor] -= 1
        counts[j] += 1
    # Number the regions from north to south, then west to east.
    lat_mean = np.array([xy[labels == j, 1].mean() for j in range(k)])
    lon_mean = np.array([xy[labels == j, 0].mean() for j in range(k)])
    order = np.lexsort((lon_mean, -lat_mean))
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    result: IntArray = rank[labels]
    return result
