"""Opening and closing the address geocoder with the app (only when one is configured)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from ..keys import ROUTING, SETTINGS
from .geocoder import PdokGeocoder

__all__ = ["geocoder_ctx"]

_LOGGER = logging.getLogger(__name__)


async def geocoder_ctx(app: web.Application) -> AsyncIterator[None]:
    """A cleanup context: the geocoder's HTTP client session, opened before and closed after serving."""
    settings = app[SETTINGS]
    if not settings.geocoder_url:
        yield
        return
    session = aiohttp.ClientSession(headers={"User-Agent": "zcc (zorgcoordinatie)"})
    app[ROUTING].geocoder = PdokGeocoder(session, settings.geocoder_url, timeout=settings.geocoder_timeout_seconds)
    _LOGGER.info(
        "geocoding by address through %s (timeout %.1f s)", settings.geocoder_url, settings.geocoder_timeout_seconds
    )
    try:
        yield
    finally:
        app[ROUTING].geocoder = None
        await session.close()
