"""The in-memory capacity view: the board every read is served from, kept current from the event log.

Each service instance holds one view. It starts from a store snapshot and then
follows the store's event log (:func:`follow`); events carry the full new
state of an entry with a version, so applying one twice, or out of order with
a write this instance applied directly, never moves an entry backwards.
Subscribers (the SSE stream) get every change through a bounded queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import StoreUnavailable
from .model import CapacityEntry, Event, Hold, ProviderStatus, Region, Snapshot, utcnow
from .store import Store

__all__ = ["BoardEntry", "CapacityView", "follow", "raise_if_cancelling"]

_LOGGER = logging.getLogger(__name__)

# A subscriber that falls this far behind is dropped; it reconnects and gets a fresh board.
SUBSCRIBER_QUEUE = 2000


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 UTC with a Z, or None."""
    if dt is None:
        return None
    return dt.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class BoardEntry:
    """One row of the board: an entry with what a reader needs to judge it."""

    entry: CapacityEntry
    kind: str
    provider_name: str
    stale: bool
    stop: ProviderStatus | None

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The API shape of a board entry."""
        e = self.entry
        return {
            "provider_id": e.provider_id,
            "provider_name": self.provider_name,
            "kind": self.kind,
            "care_type": e.care_type,
            "available": e.available,
            "held": e.held,
            "total": e.total,
            # Unknown, not free, when stale or stopped.
            "free": None if self.stale else (0 if self.stop else e.free(now)),
            "reported_at": iso(e.reported_at),
            "valid_until": iso(e.valid_until),
            "age_seconds": int((now - e.reported_at).total_seconds()) if e.reported_at else None,
            "stale": self.stale,
            "stop": None
            if self.stop is None
            else {"reason": self.stop.reason, "until": iso(self.stop.until), "since": iso(self.stop.set_at)},
        }


class CapacityView:
    """The board in memory: entries, provider stops and active holds of one region."""

    def __init__(self, region: Region) -> None:
        self.region = region
        self.entries: dict[tuple[str, str], CapacityEntry] = {}
        self.statuses: dict[str, ProviderStatus] = {}
        self.holds: dict[str, Hold] = {}
        self.last_event_id = "0"
        self.degraded = False
        self.loaded = False
        # Seconds between an event's write and its arrival here (the last one seen).
        self.lag_seconds = 0.0
        self.events_applied = 0
        # Counts every change; readers use it to know when a cached rendering is out of date.
        self.changes = 0
        self._subscribers: set[asyncio.Queue[dict[str, Any] | None]] = set()

    # -- loading and applying -------------------------------------------------

    def set_region(self, region: Region) -> None:
        """Serve a reloaded region file (its providers and offers); subscribers reload the board."""
        self.region = region
        self._publish({"type": "reload"})

    def load(self, snap: Snapshot) -> None:
        """Replace the whole state with a snapshot and tell subscribers to reload."""
        self.entries = {e.key: e for e in snap.entries}
        self.statuses = {s.provider_id: s for s in snap.statuses}
        self.holds = {h.hold_id: h for h in snap.holds}
        self.last_event_id = snap.last_event_id
        self.loaded = True
        self._publish({"type": "reload"})

    def apply_entry(self, entry: CapacityEntry) -> bool:
        """Take ``entry`` if it is newer than what the view has; True if it changed."""
        cur = self.entries.get(entry.key)
        if cur is not None and cur.version >= entry.version:
            return False
        self.entries[entry.key] = entry
        self._publish({"type": "entry", "key": entry.key})
        return True

    def apply_status(self, status: ProviderStatus) -> bool:
        """Take a provider status if newer; True if it changed."""
        cur = self.statuses.get(status.provider_id)
        if cur is not None and cur.version >= status.version:
            return False
        self.statuses[status.provider_id] = status
        self._publish({"type": "status", "provider_id": status.provider_id})
        return True

    def apply_hold(self, hold: Hold) -> None:
        """Track a hold while it is active."""
        if hold.status == "held":
            self.holds[hold.hold_id] = hold
        else:
            self.holds.pop(hold.hold_id, None)

    def apply_event(self, event: Event) -> None:
        """Apply one event of the store's log."""
        hint = event.hint
        if event.type == "capacity.updated" and hint is not None:
            cur = self.entries.get((hint.provider_id, hint.care_type))
            if cur is not None and cur.version >= hint.version:
                self._advance(event)  # this instance applied it already (its own write)
                return
        data = event.data
        entry = data.get("entry")
        if entry is not None:
            cur = self.entries.get((entry["provider_id"], entry["care_type"]))
            # Most events of this instance's own writes are already applied: skip building them again.
            if cur is None or cur.version < entry["version"]:
                self.apply_entry(CapacityEntry.from_dict(entry))
        if event.type.startswith("hold.") and "hold" in data:
            self.apply_hold(Hold.from_dict(data["hold"]))
        if event.type == "provider.status":
            self.apply_status(ProviderStatus.from_dict(data["status"]))
        self._advance(event)

    def _advance(self, event: Event) -> None:
        self.last_event_id = event.id
        self.events_applied += 1
        self.lag_seconds = max(0.0, (utcnow() - event.ts).total_seconds())

    def set_degraded(self, degraded: bool) -> None:
        """Mark the view as (not) cut off from the store; subscribers are told on a change."""
        if degraded != self.degraded:
            self.degraded = degraded
            self._publish({"type": "health", "degraded": degraded})

    # -- reading --------------------------------------------------------------

    def stop_of(self, provider_id: str, now: datetime) -> ProviderStatus | None:
        """The stop in force for a provider, or None."""
        st = self.statuses.get(provider_id)
        return st if st is not None and st.stopped(now) else None

    def board_entry(self, key: tuple[str, str], now: datetime) -> BoardEntry | None:
        """One board row, or None for an unknown key."""
        e = self.entries.get(key)
        p = self.region.providers.get(key[0])
        if e is None or p is None:
            return None
        return BoardEntry(e, p.kind, p.name, e.stale(now), self.stop_of(p.id, now))

    def board(
        self,
        now: datetime,
        *,
        care_types: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
        providers: Iterable[str] | None = None,
    ) -> list[BoardEntry]:
        """Board rows in region order, filtered by care type, provider kind and provider id."""
        cts, ks = (set(x) if x else None for x in (care_types, kinds))
        if providers:
            wanted = set(providers)
            pids: Iterable[str] = [pid for pid in self.region.providers if pid in wanted]
        else:
            pids = self.region.providers
        out: list[BoardEntry] = []
        for pid in pids:
            p = self.region.providers[pid]
            if ks and p.kind not in ks:
                continue
            stop = self.stop_of(pid, now)
            for ct in p.offers:
                if cts and ct not in cts:
                    continue
                e = self.entries.get((pid, ct))
                if e is not None:
                    out.append(BoardEntry(e, p.kind, p.name, e.stale(now), stop))
        return out

    def totals(self, now: datetime) -> Mapping[str, tuple[int, int, int]]:
        """Per care type: (available, held, free) summed over fresh entries."""
        acc: dict[str, list[int]] = {}
        for e in self.entries.values():
            a = acc.setdefault(e.care_type, [0, 0, 0])
            if not e.stale(now):
                a[0] += e.available
                a[1] += e.held
                a[2] += e.free(now)
        return {k: (v[0], v[1], v[2]) for k, v in acc.items()}

    # -- subscribers ----------------------------------------------------------

    def subscribe(self) -> asyncio.Queue[dict[str, Any] | None]:
        """A queue of changes; ``None`` means: stop (shutdown or too slow)."""
        q: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(SUBSCRIBER_QUEUE)
        self._subscribers.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[dict[str, Any] | None]) -> None:
        """Stop sending changes to ``q``."""
        self._subscribers.discard(q)

    def close_subscribers(self) -> None:
        """Tell every subscriber to end (on shutdown)."""
        for q in list(self._subscribers):
            self._drop(q)

    def _drop(self, q: asyncio.Queue[dict[str, Any] | None]) -> None:
        self._subscribers.discard(q)
        while True:
            try:
                q.put_nowait(None)
                return
            except asyncio.QueueFull:
                with contextlib.suppress(asyncio.QueueEmpty):
                    q.get_nowait()

    def _publish(self, change: dict[str, Any]) -> None:
        self.changes += 1
        for q in list(self._subscribers):
            try:
                q.put_nowait(change)
            except asyncio.QueueFull:
                _LOGGER.warning("dropping a board subscriber that fell %d changes behind", SUBSCRIBER_QUEUE)
                self._drop(q)


def raise_if_cancelling() -> None:
    """Re-raise a cancellation that a library turned into another error.

    On Python 3.11 a cancel that lands as ``asyncio.timeout`` expires comes out
    as TimeoutError (which a store maps to StoreUnavailable); a retry loop that
    then carries on would never stop, and shutdown would wait for it forever.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def follow(
    store: Store,
    view: CapacityView,
    *,
    block_ms: int = 1000,
    max_backoff: float = 2.0,
    batch_wait: float = 0.005,
) -> None:
    """Keep ``view`` current from the store's log until cancelled; mark it degraded while cut off.

    After the store comes back the view reloads a snapshot instead of trusting
    the log position: a Redis that restarted may have a shorter log than we saw.
    """
    backoff = 0.1
    while True:
        try:
            if view.degraded or not view.loaded:
                view.load(await store.snapshot())
                view.set_degraded(False)
                _LOGGER.info("capacity view loaded at event %s", view.last_event_id)
            events = await store.events_after(view.last_event_id, 1000, block_ms)
            for event in events:
                view.apply_event(event)
            backoff = 0.1
            if events:
                # Under load, gather a few milliseconds of events per read instead of one read per write.
                await asyncio.sleep(batch_wait)
        except StoreUnavailable as exc:
            raise_if_cancelling()
            if not view.degraded:
                _LOGGER.warning("store unreachable, serving the board degraded: %s", exc.detail)
            view.set_degraded(True)
            await asyncio.sleep(backoff)
            backoff = min(max_backoff, backoff * 2)
        except asyncio.CancelledError:
            raise
        except Exception:
            raise_if_cancelling()
            _LOGGER.exception("capacity view follower failed; retrying")
            await asyncio.sleep(backoff)
            backoff = min(max_backoff, backoff * 2)
