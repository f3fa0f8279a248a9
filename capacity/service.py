"""The capacity service: the only way into capacity state, and the only writer of the capacity view.

A write goes handler -> service -> store; the store appends the change to the region's event log;
the service brings the view up to the log (:meth:`CapacityService.sync`), and readers (board,
SSE stream, dispatch, matching) read the view. This instance's own writes and other instances'
writes reach the view by that one path: a write returns once the view shows it (read your own
writes), and the follower (:meth:`CapacityService.follow`) applies what other instances write.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from .clock import utcnow
from .errors import StoreUnavailable
from .model import Region
from .state import CapacityEntry, CapacityUpdate, Event, Hold, ProviderStatus, Snapshot, UpdateResult
from .store import CapacityStore, EventLog, IdempotencyKey
from .view import CapacityView

__all__ = ["CapacityService", "EventListener", "raise_if_cancelling"]

_LOGGER = logging.getLogger(__name__)

# Events read per pull of the log.
_PULL_LIMIT = 1000


def raise_if_cancelling() -> None:
    """Re-raise a cancellation that a library turned into another error.

    On Python 3.11 a cancel that lands as ``asyncio.timeout`` expires comes out as TimeoutError
    (which a store maps to StoreUnavailable); a retry loop that then carries on would never stop,
    and shutdown would wait for it forever.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class EventListener(Protocol):
    """Something else kept current from the region's event log (the token grants): sees the events of its kind."""

    def apply_event(self, event: Event) -> None:
        """Apply one event (no I/O: events carry the full new state)."""

    def resynced(self) -> None:
        """The log was not followed for a while (the view reloaded a snapshot): events may have been missed."""


class CapacityService:
    """Capacity writes of one region (reports, stops, holds) and the view that follows the event log."""

    def __init__(
        self,
        store: CapacityStore,
        events: EventLog,
        region: Region,
        *,
        wait_seconds: float = 2.0,
    ) -> None:
        self._store = store
        self._events = events
        self.view = CapacityView(region)
        # How long a write waits for the view to show it before answering anyway (the write stands).
        self.wait_seconds = wait_seconds
        #: Seconds left of the caller's deadline (None: no deadline); a write waits for the view half of that at most.
        self.time_left: Callable[[], float | None] = lambda: None
        self._pull_lock = asyncio.Lock()
        self._listeners: list[tuple[str, EventListener]] = []

    def add_listener(self, prefix: str, listener: EventListener) -> None:
        """Also give the events whose type starts with ``prefix`` to ``listener``, as the view follows the log."""
        self._listeners.append((prefix, listener))

    @property
    def region(self) -> Region:
        """The region the view serves."""
        return self.view.region

    # -- start and follow ----------------------------------------------------------

    async def start(self, now: datetime) -> None:
        """Create the region's missing entries and load the view from a snapshot."""
        await self._store.seed(self.view.region, now)
        self.view.load(await self._store.snapshot())

    async def reload_region(self, region: Region, now: datetime) -> None:
        """Serve a reloaded region file: create the entries of new offers, then switch the view over."""
        await self._store.seed(region, now)
        self.view.set_region(region)

    async def peek(self, region_id: str) -> Snapshot | None:
        """Another region's state in the same store (a neighbour's board), or None."""
        return await self._store.peek(region_id)

    async def sync(self, block_ms: int = 0) -> int:
        """Bring the view up to the store's log (waiting up to ``block_ms`` for news); how many events it applied.

        One pull at a time: a caller that waited for another's pull finds its result applied.
        """
        async with self._pull_lock:
            return await self._pull(block_ms)

    async def _pull(self, block_ms: int) -> int:
        """One read of the log, applied (the caller holds the pull lock).

        A view cut off from the store (or never loaded) reloads a snapshot first instead of
        trusting its log position: a Redis that restarted may have a shorter log than we saw.
        """
        view = self.view
        if view.degraded or not view.loaded:
            view.load(await self._store.snapshot())
            view.set_degraded(False)
            _LOGGER.info("capacity view loaded at event %s", view.last_event_id)
            for _, listener in self._listeners:
                listener.resynced()
        events = await self._events.events_after(view.last_event_id, _PULL_LIMIT, block_ms)
        listeners = self._listeners
        for event in events:
            view.apply_event(event)
            for prefix, listener in listeners:
                if event.type.startswith(prefix):
                    listener.apply_event(event)
        return len(events)

    async def follow(self, *, block_ms: int = 1000, max_backoff: float = 2.0, batch_wait: float = 0.005) -> None:
        """Keep the view current from the store's log until cancelled; mark it degraded while cut off."""
        backoff = 0.1
        while True:
            try:
                if await self.sync(block_ms):
                    # Under load from other instances, gather a few milliseconds of events per read.
                    await asyncio.sleep(batch_wait)
                backoff = 0.1
            except StoreUnavailable as exc:
                raise_if_cancelling()
                if not self.view.degraded:
                    _LOGGER.warning("store unreachable, serving the board degraded: %s", exc.detail)
                self.view.set_degraded(True)
                await asyncio.sleep(backoff)
                backoff = min(max_backoff, backoff * 2)
            except asyncio.CancelledError:
                raise
            except Exception:
                raise_if_cancelling()
                _LOGGER.exception("capacity view follower failed; retrying")
                await asyncio.sleep(backoff)
                backoff = min(max_backoff, backoff * 2)

    async def _shown(self, reached: Callable[[], bool]) -> None:
        """Return once the view shows a write of this instance (``reached``), or after ``wait_seconds``.

        The write is durable in the store already; if the view cannot catch up now (the store went
        away just after the write) the answer still stands and the follower catches up later.
        """
        if reached() or self.view.degraded:
            return  # often the follower's read brought it already; a view cut off reloads by itself
        wait = self.wait_seconds
        left = self.time_left()
        if left is not None:
            wait = min(wait, max(0.0, left / 2))  # leave the caller's deadline room for its next writes
        try:
            async with asyncio.timeout(wait):
                while not reached():
                    async with self._pull_lock:
                        # The pull we waited for (often the follower's) may have brought it already.
                        if not reached():
                            await self._pull(0)
        except (TimeoutError, StoreUnavailable):
            raise_if_cancelling()
            _LOGGER.warning("the capacity view did not show this instance's write within %.2f s", wait)

    async def _entry_shown(self, entry: CapacityEntry | None) -> None:
        if entry is not None:
            await self._shown(lambda: self.view.has_entry(entry.key, entry.version))

    # -- writes ----------------------------------------------------------------------

    async def report(
        self, updates: Sequence[CapacityUpdate], idem: IdempotencyKey | None = None
    ) -> tuple[list[UpdateResult], bool]:
        """Apply validated reports atomically; returns the results and whether they are a replay."""
        results, replay = await self._store.apply_updates(updates, secrets.token_hex(12), utcnow(), idem)
        for r in results:
            await self._entry_shown(r.entry)
        return results, replay

    async def set_status(self, status: ProviderStatus, op_id: str | None = None) -> ProviderStatus:
        """Stop or open a provider; returns the stored status. A repeated ``op_id`` answers the first write."""
        stored = await self._store.set_status(status, op_id or secrets.token_hex(12))
        await self._shown(lambda: self.view.has_status(stored.key, stored.version))
        return stored

    async def hold(self, hold: Hold, idem: IdempotencyKey | None = None) -> tuple[Hold, CapacityEntry]:
        """Take one free unit for ``hold`` (PlaceGone when none is free)."""
        stored, entry = await self._store.hold(hold, utcnow(), idem)
        await self._entry_shown(entry)
        return stored, entry

    async def confirm(self, hold_id: str) -> tuple[Hold, CapacityEntry]:
        """A hold becomes a placement (the unit is used)."""
        hold, entry = await self._store.confirm_hold(hold_id, utcnow())
        await self._entry_shown(entry)
        return hold, entry

    async def release(self, hold_id: str) -> tuple[Hold, CapacityEntry]:
        """Give a held unit back."""
        hold, entry = await self._store.release_hold(hold_id, utcnow())
        await self._entry_shown(entry)
        return hold, entry

    async def return_unit(self, hold_id: str, available: int | None = None) -> CapacityEntry:
        """Give back the unit a placement used (the patient left): one more free, or the provider's count."""
        entry = await self._store.return_unit(hold_id, utcnow(), available)
        await self._entry_shown(entry)
        return entry

    async def expire(self) -> list[Hold]:
        """End every hold past its time; returns the holds that ended now."""
        ended = await self._store.expire_holds(utcnow())
        if ended:
            await self.sync()
        return ended

    async def get_hold(self, hold_id: str) -> Hold | None:
        """One hold by id, in whatever state."""
        return await self._store.get_hold(hold_id)
