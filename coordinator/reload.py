"""Background jobs that keep routing current: the first build, reloads on file changes and SIGHUP, neighbours' capacity.

The region file(s) and the triage protocol are reloaded when their modification time changes (checked every
``reload_seconds``) or at once when ``app[RELOAD]`` is set (``zcc serve`` sets it on SIGHUP). A file that does not
validate is logged and ignored: the service keeps serving the last good one.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from pathlib import Path

from aiohttp import web

from capacity.clock import utcnow
from capacity.errors import ConfigError, StoreUnavailable
from capacity.model import Region
from capacity.region import default_config_dir, default_region_path, load_care_types, load_region
from capacity.service import raise_if_cancelling
from routing.live import LiveTable

from .keys import CAPACITY, RELOAD, REQUESTS, ROUTING, SETTINGS
from .matrix_cache import routing_with_cache
from .routing_state import NeighbourBoard, read_postcode_table
from .settings import Settings
from .triage import load_protocol
from .triage.checker import TRIAGE_FILE

__all__ = ["follow_neighbours", "install_sighup", "keep_routing_current", "load_regions"]

_LOGGER = logging.getLogger(__name__)


def load_regions(settings: Settings) -> tuple[Region, tuple[Region, ...]]:
    """The home region and its neighbours from the configured files (raises ConfigError)."""
    care_types = load_care_types(settings.care_types_path)
    home = load_region(settings.config_path, care_types)
    neighbours = tuple(load_region(p, care_types) for p in settings.neighbour_configs)
    return home, neighbours


def install_sighup(app: web.Application) -> None:
    """Reload the region file and the triage protocol on SIGHUP (for ``zcc serve``; tests set ``app[RELOAD]``)."""

    async def on_startup(app: web.Application) -> None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, app[RELOAD].set)

    async def on_cleanup(app: web.Application) -> None:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)


def _watched(settings: Settings) -> list[Path]:
    return [settings.config_path or default_region_path(), *settings.neighbour_configs]


def _triage_file(settings: Settings) -> Path:
    return settings.triage_path or default_config_dir() / TRIAGE_FILE


async def _signalled(event: asyncio.Event, seconds: float) -> bool:
    """Wait up to ``seconds`` for ``event`` (a SIGHUP); whether it came (and clear it)."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return False
    event.clear()
    return True


async def _reload_protocol(app: web.Application) -> None:
    """Read the triage protocol again and use it for the next request; an invalid file keeps the last good one."""
    settings = app[SETTINGS]
    try:
        protocol = await asyncio.get_running_loop().run_in_executor(None, load_protocol, settings.triage_path)
    except ConfigError as exc:
        _LOGGER.error("triage protocol changed but is invalid, keeping the last good one: %s", exc)
        return
    app[REQUESTS].protocol = protocol
    _LOGGER.info("triage protocol reloaded: %d complaints", len(protocol.complaints))


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


def _freeze_what_lives_on() -> None:
    """Keep the garbage collector off what lives as long as the service: the region, the board, the routing.

    A national region is some 300,000 tracked objects; every full collection walked them all, a pause
    of 146 ms (measured) in the middle of some lookup. ``gc.freeze`` moves them out of its reach
    (they are freed normally when dropped; a reload's new region is frozen in turn).
    """
    gc.collect()
    gc.freeze()


async def keep_routing_current(app: web.Application) -> None:
    """Build the routing off the event loop, then rebuild it whenever a region file changes.

    A changed file that does not validate is logged and ignored: the service
    keeps serving the last good region.
    """
    settings, state, capacity = app[SETTINGS], app[ROUTING], app[CAPACITY]
    view = capacity.view
    loop = asyncio.get_running_loop()
    state.postcodes, state.municipalities = await loop.run_in_executor(None, _postcodes_for, settings, view.region.id)
    routing = await loop.run_in_executor(
        None, routing_with_cache, view.region, state.neighbours, settings.matrix_cache_dir
    )
    state.swap(routing, await loop.run_in_executor(None, LiveTable, routing), view)
    if settings.gc_freeze:
        _freeze_what_lives_on()
    paths = _watched(settings)
    stamps = _mtimes(paths)
    triage_file = _triage_file(settings)
    triage_stamp = _mtimes([triage_file])
    while True:
        forced = await _signalled(app[RELOAD], settings.reload_seconds)
        if forced:
            _LOGGER.info("SIGHUP: reloading the region file and the triage protocol")
        if forced or _mtimes([triage_file]) != triage_stamp:
            triage_stamp = _mtimes([triage_file])
            await _reload_protocol(app)
        now_stamps = _mtimes(paths)
        if now_stamps == stamps and not forced:
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
        routing = await loop.run_in_executor(None, routing_with_cache, home, neighbours, settings.matrix_cache_dir)
        live = await loop.run_in_executor(None, LiveTable, routing)
        try:
            await capacity.reload_region(home, utcnow())
        except StoreUnavailable as exc:
            raise_if_cancelling()
            _LOGGER.warning("cannot seed the reloaded region yet (%s); retrying", exc.detail)
            continue  # stamps unchanged: the next round tries again
        stamps = now_stamps
        state.neighbours = neighbours
        state.boards = {r.id: state.boards.get(r.id, NeighbourBoard()) for r in neighbours}
        state.swap(routing, live, view)
        if settings.gc_freeze:
            _freeze_what_lives_on()
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
            board.statuses = {s.key: s for s in snap.statuses}
            board.read_at = utcnow()
        await asyncio.sleep(settings.neighbour_poll_seconds)
