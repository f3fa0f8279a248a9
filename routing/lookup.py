"""The routing of one service: road graph, travel matrix and, per care type, its places nearest first."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from capacity.model import Region

from .graph import UNREACHABLE, Kernel, RoadGraph, Snap, TravelMatrix

__all__ = ["Routing", "build_routing"]


@dataclass(frozen=True, slots=True)
class _Columns:
    """The providers of one region offering one care type, and their matrix columns."""

    provider_ids: tuple[str, ...]
    cols: NDArray[np.intp]


class Routing:
    """Everything a lookup needs, built once per region file (CPU-bound: build it off the event loop)."""

    def __init__(self, home: Region, neighbours: Sequence[Region] = (), *, kernel: Kernel = "scipy") -> None:
        start = time.perf_counter()
        self.home = home
        self.neighbours = {r.id: r for r in neighbours}
        self.graph = RoadGraph(home, neighbours)
        self.matrix = TravelMatrix(self.graph, kernel=kernel)
        self._columns: dict[tuple[str, str], _Columns] = {}
        for region in (home, *neighbours):
            per_type: dict[str, list[str]] = {}
            for p in region.providers.values():
                for ct in p.offers:
                    per_type.setdefault(ct, []).append(p.id)
            for ct, pids in per_type.items():
                cols = np.array([self.matrix.providers[(region.id, pid)] for pid in pids], dtype=np.intp)
                self._columns[(region.id, ct)] = _Columns(tuple(pids), cols)
        self.build_seconds = time.perf_counter() - start

    def snap(self, lat: float, lon: float) -> Snap:
        """Where a coordinate joins the home region's graph (OutsideRegion when it is not in the region)."""
        return self.graph.snap(lat, lon)

    def nearest(
        self, snap: Snap, region_id: str, care_type: str, *, at_most: int | None = None
    ) -> Iterator[tuple[str, float]]:
        """(provider id, door-to-door minutes) of the region's places of ``care_type``, nearest first.

        ``at_most`` bounds how many of the nearest are given: at national size a care type has
        thousands of places, and a lookup that finds the nearest hundreds closed stops there.
        """
        columns = self._columns.get((region_id, care_type))
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


def build_routing(home: Region, neighbours: Sequence[Region] = (), *, kernel: Kernel = "scipy") -> Routing:
    """Build the routing of a home region and its neighbours."""
    return Routing(home, neighbours, kernel=kernel)
