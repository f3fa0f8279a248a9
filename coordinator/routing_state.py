"""The live routing of a service: built off the event loop, rebuilt when a region file changes.

Also holds the neighbouring regions' capacity (read from a shared Redis) for
the cross-border view, the region's postcode table and place names, and the
address geocoder when one is configured.
"""

from __future__ import annotations

import asyncio
import csv
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from capacity.errors import StoreUnavailable
from capacity.messages import msg
from capacity.model import Region
from capacity.state import CapacityEntry, ProviderStatus
from capacity.view import CapacityView
from routing.dispatch import Place
from routing.graph import Snap
from routing.live import LiveTable
from routing.lookup import Routing

from .places.geocoder import Geocoder
from .places.names import PlaceIndex

__all__ = ["NeighbourBoard", "RoutingState", "load_postcodes", "read_postcode_table"]

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
        self.live: LiveTable | None = None  # the places' live state as arrays, for dispatch lookups
        self.neighbours = neighbours
        self.boards: dict[str, NeighbourBoard] = {r.id: NeighbourBoard() for r in neighbours}
        self.postcodes: dict[str, tuple[float, float, str]] = {}
        self.municipalities: dict[str, str] = {}  # PC4 -> the municipality's location id
        self.geocoder: Geocoder | None = None
        # The place names of the current routing's region, built on first use (off the event loop):
        # at national size the index takes some 17 MB and a second to build, spent only when used.
        self._places: tuple[Routing, PlaceIndex] | None = None
        self._places_lock = asyncio.Lock()
        self.ready = asyncio.Event()
        self.builds = 0

    def get(self) -> Routing:
        """The routing, or a 503 while the first build runs."""
        if self.current is None:
            raise StoreUnavailable(msg("error.matrix_building"))
        return self.current

    def get_live(self) -> tuple[Routing, LiveTable]:
        """The routing and the live arrays built on it, or a 503 while the first build runs."""
        routing, live = self.get(), self.live
        assert live is not None  # set with the routing
        return routing, live

    def swap(self, routing: Routing, live: LiveTable, view: CapacityView) -> None:
        """Make ``routing`` current, with ``live`` (built on it) kept in step with ``view`` from now on."""
        view.follow(live)
        self.current, self.live = routing, live
        self.builds += 1
        self.ready.set()

    async def places(self) -> PlaceIndex:
        """The place names of the current region (and its postcode table), built off the event loop once."""
        routing = self.get()
        async with self._places_lock:
            if self._places is None or self._places[0] is not routing:
                loop = asyncio.get_running_loop()
                index = await loop.run_in_executor(
                    None, PlaceIndex, routing.home, dict(self.postcodes), dict(self.municipalities)
                )
                self._places = (routing, index)
            return self._places[1]

    def border_places(
        self, routing: Routing, snap: Snap, care_types: Sequence[str], now: datetime, at_most: int = 40
    ) -> Iterator[Place]:
        """The nearest places of the neighbouring regions (``cross_region``), with the capacity last read of them."""
        for region in self.neighbours:
            board = self.boards.get(region.id)
            for ct in care_types:
                for pid, minutes in routing.nearest(snap, region.id, ct, at_most=at_most):
                    status = board.statuses.get(pid) if board else None
                    yield Place(
                        region.id,
                        region.name,
                        region.providers[pid],
                        ct,
                        board.entries.get((pid, ct)) if board else None,
                        status if status is not None and status.stopped(now) else None,
                        minutes,
                        cross_region=True,
                    )


def load_postcodes(path: Path) -> dict[str, tuple[float, float, str]]:
    """PC4 -> (lat, lon, place) from a CSV with columns postcode, lat, lon, place."""
    return read_postcode_table(path)[0]


def read_postcode_table(path: Path) -> tuple[dict[str, tuple[float, float, str]], dict[str, str]]:
    """PC4 -> (lat, lon, place), and PC4 -> municipality where the CSV has that (optional) column."""
    out: dict[str, tuple[float, float, str]] = {}
    municipalities: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code = row["postcode"].strip()
            out[code] = (float(row["lat"]), float(row["lon"]), row["place"].strip())
            if row.get("municipality"):
                municipalities[code] = row["municipality"].strip()
    _LOGGER.info("loaded %d postcodes from %s", len(out), path)
    return out, municipalities
