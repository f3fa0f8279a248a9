"""Background jobs that keep routing current: the first build, rebuilds on file changes, neighbours' capacity."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aiohttp import web

from capacity.clock import utcnow
from capacity.errors import ConfigError, StoreUnavailable
from capacity.model import Region
from capacity.region import default_config_dir, default_region_path, load_care_types, load_region
from capacity.service import raise_if_cancelling
from routing.lookup import build_routing

from .keys import CAPACITY, ROUTING, SETTINGS
from .routing_state import NeighbourBoard, read_postcode_table
from .settings import Settings

__all__ = ["follow_neighbours", "keep_routing_current", "load_regions"]

_LOGGER = logging.getLogger(__name__)


def load_regions(settings: Settings) -> tuple[Region, tuple[Region, ...]]:
    """The home region and its neighbours from the configured files (raises ConfigError)."""
    care_types = load_care_types(settings.care_types_path)
    home = load_region(settings.config_path, care_types)
    neighbours = tuple(load_region(p, care_types) for p in settings.neighbour_configs)
    return home, neighbours


def _watched(settings: Settings) -> list[Path]:
    return [settings.config_path or default_region_path(), *settings.neighbour_configs]


def _mtimes(paths: list[Path]) -> dict[Path, float]:
    out = {}
    for p in paths:
        try:
            out[p] = p.stat().st_mtime
        except OSError:
            out[p] = -1.0
    return out


def _postcodes_for(settings: Settings, region_id: str) -> tuple[dict[str, tuple[float, float, str]], dict[str, str]]:
    path = settings.postcodes_path or default_config_dir() / "postcodes" / f"{region_id}.csv"
    return read_postcode_table(path) if path.is_file() else ({}, {})


async def keep_routing_current(app: web.Application) -> None:
    """Build the routing off the event loop, then rebuild it whenever a region file changes.

    A changed file that does not validate is logged and ignored: the service
    keeps serving the last good region.
    """
    settings, state, capacity = app[SETTINGS], app[ROUTING], app[CAPACITY]
    view = capacity.view
    loop = asyncio.get_running_loop()
    state.postcodes, state.municipalities = await loop.run_in_executor(None, _postcodes_for, settings, view.region.id)
    routing = await loop.run_in_executor(None, build_routing, view.region, state.neighbours)
    state.swap(routing)
    paths = _watched(settings)
    stamps = _mtimes(paths)
    while True:
        await asyncio.sleep(settings.reload_seconds)
        now_stamps = _mtimes(paths)
        if now_stamps == stamps:
            continue
        try:
            home, neighbours = await loop.run_in_executor(None, load_regions, settings)
        except ConfigError as exc:
            _LOGGER.error("region file changed but is invalid, keeping the last good one: %s", exc)
            stamps = now_stamps
            continue
        if home.id != view.region.id:
            _LOGGER.error("region file now describes region %s, not %s: ignored", home.id, view.region.id)
            stamps = now_stamps
            continue
        routing = await loop.run_in_executor(None, build_routing, home, neighbours)
        try:
            await capacity.reload_region(home, utcnow())
        except StoreUnavailable as exc:
            raise_if_cancelling()
            _LOGGER.warning("cannot seed the reloaded region yet (%s); retrying", exc.detail)
            continue  # stamps unchanged: the next round tries again
        stamps = now_stamps
        state.neighbours = neighbours
        state.boards = {r.id: state.boards.get(r.id, NeighbourBoard()) for r in neighbours}
        state.swap(routing)
        _LOGGER.info(
            "region %s reloaded: %d providers, routing rebuilt in %.2f s",
            home.id,
            len(home.providers),
            routing.build_seconds,
        )


async def follow_neighbours(app: web.Application) -> None:
    """Read the neighbouring regions' capacity from the shared store every few seconds (Redis only)."""
    settings, state, capacity = app[SETTINGS], app[ROUTING], app[CAPACITY]
    while True:
        for region in state.neighbours:
            try:
                snap = await capacity.peek(region.id)
            except StoreUnavailable as exc:
                raise_if_cancelling()
                _LOGGER.debug("cannot read neighbour %s: %s", region.id, exc.detail)
                continue
            if snap is None:
                continue
            board = state.boards.setdefault(region.id, NeighbourBoard())
            board.entries = {e.key: e for e in snap.entries}
            board.statuses = {s.provider_id: s for s in snap.statuses}
            board.read_at = utcnow()
        await asyncio.sleep(settings.neighbour_poll_seconds)
