"""Install the connectors in an app: their key, and a cleanup context that opens their stores and runs their tasks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from capacity.errors import StoreUnavailable
from capacity.store.interop import open_interop_stores

from .connectors import build_connectors
from .keys import CAPACITY, CONNECTORS, METRICS, ROUTING, SETTINGS, STORES

__all__ = ["setup_connectors"]

_LOGGER = logging.getLogger(__name__)

_STOP_SECONDS = 5.0


def setup_connectors(app: web.Application) -> None:
    """Build the connectors (no I/O) and run them between the store's opening and its closing.

    Call after the store's cleanup context is installed: this one opens after it and closes before it.
    """
    settings = app[SETTINGS]
    stores = open_interop_stores(app[STORES].backend)
    app[CONNECTORS] = build_connectors(settings, stores, app[CAPACITY], app[ROUTING], app[METRICS])
    app.cleanup_ctx.append(_connectors_ctx)


async def _connectors_ctx(app: web.Application) -> AsyncIterator[None]:
    """Create the connector tables, then run the poller, the history recorder, the webhooks and the detector."""
    c, settings = app[CONNECTORS], app[SETTINGS]
    await c.stores.open()
    try:
        await c.webhooks.refresh()
    except StoreUnavailable as exc:
        _LOGGER.warning("subscriptions not read at start: %s", exc.detail)
    jobs = {
        "zcc-feeds": c.poller.run(),
        "zcc-history": c.recorder.run(),
        "zcc-webhooks": c.webhooks.run(),
        "zcc-events": c.detector.run(settings.event_check_seconds),
    }
    tasks = [asyncio.create_task(job, name=name) for name, job in jobs.items()]
    yield
    for task in tasks:
        task.cancel()
    done, pending = await asyncio.wait(tasks, timeout=_STOP_SECONDS)
    for task in pending:
        _LOGGER.error("connector task %s did not stop on cancel", task.get_name())
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            _LOGGER.error("connector task %s had failed: %r", task.get_name(), task.exception())
    with contextlib.suppress(StoreUnavailable):
        await c.recorder.flush()
