"""Webhook notifications to a region's care teams: queued, retried with backoff, never blocking a request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from prometheus_client import Counter

__all__ = ["Notifier"]

_LOGGER = logging.getLogger(__name__)


class Notifier:
    """POSTs JSON to one URL from a background worker; a full queue drops (and logs) rather than blocks."""

    def __init__(
        self,
        url: str | None,
        deliveries: Counter,
        *,
        attempts: int = 6,
        first_backoff: float = 0.5,
        timeout: float = 5.0,
        queue_size: int = 10_000,
    ) -> None:
        self.url = url
        self.deliveries = deliveries
        self.attempts = attempts
        self.first_backoff = first_backoff
        self.timeout = timeout
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(queue_size)

    def notify(self, payload: dict[str, Any]) -> None:
        """Queue a notification; returns at once."""
        if self.url is None:
            return
        try:
            self._queue.put_nowait(payload)
        except asyncio.QueueFull:
            self.deliveries.labels("dropped").inc()
            _LOGGER.error("webhook queue full: dropped a notification for %s", payload.get("patient_ref"))

    async def run(self) -> AsyncIterator[None]:
        """Cleanup-context body: the worker runs between setup and cleanup."""
        if self.url is None:
            yield
            return
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session:
            task = asyncio.create_task(self._work(session))
            yield
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _work(self, session: aiohttp.ClientSession) -> None:
        assert self.url is not None
        while True:
            payload = await self._queue.get()
            delay = self.first_backoff
            for attempt in range(1, self.attempts + 1):
                try:
                    async with session.post(self.url, json=payload) as resp:
                        if resp.status < 300:
                            self.deliveries.labels("delivered").inc()
                            break
                        _LOGGER.warning("webhook answered %s (attempt %d)", resp.status, attempt)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    _LOGGER.warning("webhook failed (attempt %d): %s", attempt, exc)
                self.deliveries.labels("retried").inc()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
            else:
                self.deliveries.labels("failed").inc()
                _LOGGER.error("webhook gave up after %d attempts for %s", self.attempts, payload.get("request_id"))
