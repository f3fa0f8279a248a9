"""The live routing of a service: built off the event loop, rebuilt when a region file changes.

Also holds the neighbouring regions' capacity (read from a shared Redis) for
the cross-border view, and the region's postcode table.
"""

from __future__ import annotations

import asyncio
import csv
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from capacity.errors import StoreUnavailable
from capacity.model import Region
from capacity.state import CapacityEntry, ProviderStatus
from routing.lookup import Routing

__all__ = ["NeighbourBoard", "RoutingState", "load_postcodes"]

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class NeighbourBoard:
    """What this service last read of a neighbouring region's capacity."""

    entries: dict[tuple[str, str], CapacityEntry] = field(default_factory=dict)
    statuses: dict[str, ProviderStatus] = field(default_factory=dict)
    read_at: datetime | None = None


class RoutingState:
    """The current :class:`Routing`, swapped whole when it is rebuilt; readers never see a half-built one."""

    def __init__(self, neighbours: tuple[Region, ...] = ()) -> None:
        self.current: Routing | None = None
        self.neighbours = neighbours
        self.boards: dict[str, NeighbourBoard] = {r.id: NeighbourBoard() for r in neighbours}
        self.postcodes: dict[str, tuple[float, float, str]] = {}
        self.ready = asyncio.Event()
        self.builds = 0

    def get(self) -> Routing:
        """The routing, or a 503 while the first build runs."""
        if self.current is None:
            raise StoreUnavailable("the travel-time matrix is still being built; try again in a few seconds")
        return self.current

    def swap(self, routing: Routing) -> None:
        """Make ``routing`` current."""
        self.current = routing
        self.builds += 1
        self.ready.set()


def load_postcodes(path: Path) -> dict[str, tuple[float, float, str]]:
    """PC4 -> (lat, lon, place) from a CSV with columns postcode, lat, lon, place."""
    out: dict[str, tuple[float, float, str]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[row["postcode"].strip()] = (float(row["lat"]), float(row["lon"]), row["place"].strip())
    _LOGGER.info("loaded %d postcodes from %s", len(out), path)
    return out
