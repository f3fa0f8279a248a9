"""The routing of one service: snapping, travel matrix and, per care type, its places nearest first.

The road graph (networkx) is needed only to compute the matrix; it is dropped
once the matrix is built, and never built when the matrix is handed over
ready (the service's on-disk cache, memory-mapped: see ``coordinator/matrix_cache.py``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from capacity.model import Region

from .graph import UNREACHABLE, Kernel, RoadGraph, TravelMatrix
from .snap import Snap, Snapper

__all__ = ["Columns", "Routing", "build_routing"]


@dataclass(frozen=True, slots=True)
class Columns:
    """The providers of one region offering one care type, and their matrix columns."""

    provider_ids: tuple[str, ...]
    cols: NDArray[np.intp]


class Routing:
    """Everything a lookup needs, built once per region file (CPU-bound: build it off the event loop).

    ``table``: the travel matrix computed before for exactly these regions
    (rows :func:`routing.snap.matrix_rows`, columns :func:`routing.graph.provider_columns`);
    without it the matrix is computed here with ``kernel``.
    """

    def __init__(
        self,
        home: Region,
        neighbours: Sequence[Region] = (),
        *,
        kernel: Kernel = "scipy",
        table: NDArray[np.uint16] | None = None,
    ) -> None:
        start = time.perf_counter()
        self.home = home
        self.neighbours = {r.id: r for r in neighbours}
        self.snapper = Snapper(home)
        regions = (home, *neighbours)
        if table is None:
            self.matrix = TravelMatrix(RoadGraph(home, neighbours, snapper=self.snapper), kernel=kernel)
            self.matrix.graph = None  # the graph's memory goes back; nothing reads it after the build
            self.from_cache = False
        else:
            if table.shape[0] != len(self.snapper.rows):
                raise ValueError(f"a table of {table.shape[0]} rows does not fit {len(self.snapper.rows)} places")
            self.matrix = TravelMatrix.of_table(regions, table, "cached")
            self.from_cache = True
        self.columns: dict[tuple[str, str], Columns] = {}
        for region in regions:
            per_type: dict[str, list[str]] = {}
            for p in region.providers.values():
                for ct in p.offers:
                    per_type.setdefault(ct, []).append(p.id)
            for ct, pids in per_type.items():
                cols = np.array([self.matrix.providers[(region.id, pid)] for pid in pids], dtype=np.intp)
                self.columns[(region.id, ct)] = Columns(tuple(pids), cols)
        self.build_seconds = time.perf_counter() - start

    def snap(self, lat: float, lon: float) -> Snap:
        """Where a coordinate joins the home region's graph (OutsideRegion when it is not in the region)."""
        return self.snapper.snap(lat, lon)

    def nearest(
        self, snap: Snap, region_id: str, care_type: str, *, at_most: int | None = None
    ) -> Iterator[tuple[str, float]]:
        """(provider id, door-to-door minutes) of the region's places of ``care_type``, nearest first.

        ``at_most`` bounds how many of the nearest are given: at national size a care type has
        thousands of places, and a lookup that finds the nearest hundreds closed stops there.
        """
        columns = self.columns.get((region_id, care_type))
        if columns is None:
            return
        raw = self.matrix.table[snap.index, columns.cols]
        if at_most is not None and at_most < len(raw):
            part = np.argpartition(raw, at_most - 1)[:at_most]
            order = part[np.argsort(raw[part], kind="stable")]
        else:
            order = np.argsort(raw, kind="stable")
        for i in order:
            v = int(raw[i])
            minutes = float("inf") if v == UNREACHABLE else v / 10 + snap.access_minutes
            yield columns.provider_ids[int(i)], minutes


def build_routing(
    home: Region,
    neighbours: Sequence[Region] = (),
    *,
    kernel: Kernel = "scipy",
    table: NDArray[np.uint16] | None = None,
) -> Routing:
    """Build the routing of a home region and its neighbours (on ``table`` when it was computed before)."""
    return Routing(home, neighbours, kernel=kernel, table=table)
