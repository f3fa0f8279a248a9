"""Webhook delivery: each event to each subscriber once across instances, signed, retried, recorded.

Every instance finds the same events (it follows the same event log), so before delivering, an
instance claims ``webhook:<subscription>:<event key>`` in the lease store for a day: the one that
gets the claim delivers, the others skip it. A delivery is POSTed with ``X-Zcc-Signature:
sha256=<HMAC-SHA256 of the body with the subscription's secret>``, retried with a doubling, jittered
backoff, and recorded after every attempt (``GET /api/v1/subscriptions/{id}/deliveries``). Finding
an event only queues it: nothing here runs inside a request. An instance that stops mid-delivery
leaves that delivery at its last recorded state (its claim keeps others from repeating it).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import aiohttp

from capacity.clock import iso, to_ms, utcnow
from capacity.errors import StoreUnavailable
from capacity.service import raise_if_cancelling
from capacity.store.interop import Delivery, LeaseStore, Subscription, SubscriptionStore

from .model import EVENTS, signature

__all__ = ["Notice", "WebhookSettings", "Webhooks"]

_LOGGER = logging.getLogger(__name__)

_CLAIM_MS = 24 * 3600 * 1000


@dataclass(frozen=True, slots=True)
class Notice:
    """One event found: its name, a key that every instance makes the same, when, and what it says."""

    event: str
    key: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """Attempts per delivery, the first backoff (doubling), each attempt's timeout, concurrency."""

    attempts: int = 6
    first_backoff_seconds: float = 1.0
    timeout_seconds: float = 5.0
    refresh_seconds: float = 2.0
    max_concurrent: int = 16
    queue_size: int = 10_000


class Webhooks:
    """Queues notices and delivers them from background tasks (see the module docstring)."""

    def __init__(
        self,
        subscriptions: SubscriptionStore,
        leases: LeaseStore,
        holder: str,
        region_id: str,
        settings: WebhookSettings,
    ) -> None:
        self._store = subscriptions
        self._leases = leases
        self._holder = holder
        self._region_id = region_id
        self.settings = settings
        #: The subscriptions as last read from the store.
        self.subscriptions: list[Subscription] = []
        self._queue: asyncio.Queue[tuple[Subscription, Notice]] = asyncio.Queue(settings.queue_size)
        self._tasks: set[asyncio.Task[None]] = set()

    def wants(self, sub: Subscription, event: str) -> bool:
        """Whether ``sub`` asked for ``event`` (all events when it named none)."""
        return event in (sub.events or EVENTS)

    def publish(self, notice: Notice, targets: Sequence[Subscription] | None = None) -> None:
        """Queue ``notice`` for every subscription that wants it (or for ``targets``); returns at once."""
        for sub in targets if targets is not None else self.subscriptions:
            if not self.wants(sub, notice.event):
                continue
            try:
                self._queue.put_nowait((sub, notice))
            except asyncio.QueueFull:
                _LOGGER.error("webhook queue full: dropped %s for subscription %s", notice.event, sub.id)

    def added(self, sub: Subscription) -> None:
        """A subscription created on this instance: deliver to it from now on (others read it within seconds)."""
        if all(s.id != sub.id for s in self.subscriptions):
            self.subscriptions = [*self.subscriptions, sub]

    def removed(self, sub_id: str) -> None:
        """A subscription deleted on this instance."""
        self.subscriptions = [s for s in self.subscriptions if s.id != sub_id]

    async def refresh(self) -> None:
        """Read the subscriptions from the store."""
        self.subscriptions = await self._store.all()

    async def run(self) -> None:
        """Refresh the subscriptions and deliver queued notices until cancelled."""
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout_seconds)
        limit = asyncio.Semaphore(self.settings.max_concurrent)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            refresher = asyncio.create_task(self._refresh_loop(), name="zcc-webhook-subscriptions")
            try:
                while True:
                    sub, notice = await self._queue.get()
                    await limit.acquire()
                    task = asyncio.create_task(self._deliver(session, sub, notice), name="zcc-webhook-delivery")
                    self._tasks.add(task)
                    task.add_done_callback(self._done(limit))
            finally:
                refresher.cancel()
                for task in list(self._tasks):
                    task.cancel()
                await asyncio.gather(refresher, *self._tasks, return_exceptions=True)

    def _done(self, limit: asyncio.Semaphore) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            limit.release()

        return done

    async def _refresh_loop(self) -> None:
        while True:
            try:
                await self.refresh()
            except StoreUnavailable as exc:
                raise_if_cancelling()
                _LOGGER.info("subscriptions not refreshed: %s", exc.detail)
            await asyncio.sleep(self.settings.refresh_seconds)

    async def _record(self, delivery: Delivery) -> None:
        try:
            await self._store.put_delivery(delivery)
        except StoreUnavailable as exc:
            raise_if_cancelling()
            _LOGGER.warning("delivery %s not recorded: %s", delivery.id, exc.detail)

    async def _deliver(self, session: aiohttp.ClientSession, sub: Subscription, notice: Notice) -> None:
        """Claim, then POST until a 2xx or the attempts are used up, recording each attempt."""
        try:
            if not await self._leases.claim(f"webhook:{sub.id}:{notice.key}", self._holder, _CLAIM_MS, utcnow()):
                return  # another instance delivers it
        except StoreUnavailable as exc:
            raise_if_cancelling()
            _LOGGER.warning("cannot claim %s for subscription %s: %s", notice.event, sub.id, exc.detail)
            return
        delivery_id = hashlib.sha256(f"{sub.id}|{notice.key}".encode()).hexdigest()[:24]
        body = json.dumps(
            {
                "id": delivery_id,
                "subscription_id": sub.id,
                "event": notice.event,
                "region": self._region_id,
                "occurred_at": iso(notice.at),
                "data": notice.data,
            },
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Zcc-Signature": signature(sub.secret, body),
            "X-Zcc-Event": notice.event,
            "X-Zcc-Delivery": delivery_id,
        }
        record = Delivery(delivery_id, sub.id, notice.event, to_ms(utcnow()), updated_at_ms=to_ms(utcnow()))
        await self._record(record)
        delay = self.settings.first_backoff_seconds
        for attempt in range(1, self.settings.attempts + 1):
            status: int | None = None
            error = ""
            try:
                async with session.post(sub.url, data=body, headers=headers, allow_redirects=False) as resp:
                    status = resp.status
            except TimeoutError:
                raise_if_cancelling()
                error = "no answer within the timeout"
            except (aiohttp.ClientError, ValueError, OSError) as exc:  # ValueError: a URL that cannot be encoded
                error = f"{type(exc).__name__}: {exc}"[:300]
            ok = status is not None and 200 <= status < 300
            last = attempt == self.settings.attempts
            state = "delivered" if ok else ("failed" if last else "retrying")
            if not ok and status is not None:
                error = f"HTTP {status}"
            record = replace(
                record,
                status=state,
                attempts=attempt,
                last_status=status,
                last_error=error,
                updated_at_ms=to_ms(utcnow()),
            )
            await self._record(record)
            if ok:
                _LOGGER.info("webhook %s delivered to subscription %s (attempt %d)", notice.event, sub.id, attempt)
                return
            _LOGGER.warning("webhook %s to subscription %s: %s (attempt %d)", notice.event, sub.id, error, attempt)
            if not last:
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))  # noqa: S311 (jitter)
                delay = min(delay * 2, 300.0)
        _LOGGER.error(
            "webhook %s to subscription %s failed after %d attempts", notice.event, sub.id, self.settings.attempts
        )
