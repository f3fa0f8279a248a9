"""The in-memory capacity view: the board every read is served from.

Each service instance holds one view, and only its :class:`~capacity.service.CapacityService`
changes it: from a store snapshot, then event by event from the store's event log. Events carry
the full new state of an entry or stop with a version, so applying one twice never moves an entry
backwards. Readers (board, dispatch, matching) read it; subscribers (the SSE stream) are sent
each change with the rows it changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol

from .board import BoardChange, BoardEntry, BoardReloaded, HealthChanged, RowsChanged
from .clock import utcnow
from .model import Region
from .state import CapacityEntry, EntryKey, Event, Hold, ProviderStatus, Snapshot, status_key

__all__ = ["SUBSCRIBER_QUEUE", "CapacityView", "ChangeListener", "Subscription"]

_LOGGER = logging.getLogger(__name__)

# A subscriber that falls this far behind is dropped; it reconnects and gets a fresh board.
SUBSCRIBER_QUEUE = 2000

#: A subscriber's queue of changes; ``None`` means: stop (shutdown or too slow).
Subscription = asyncio.Queue[BoardChange | None]


class ChangeListener(Protocol):
    """Told every change of the view as it is applied (dispatch's arrays, ``routing.live.LiveTable``)."""

    def load(self, entries: Iterable[CapacityEntry], statuses: Iterable[ProviderStatus]) -> None:
        """The whole state anew."""

    def set_entry(self, e: CapacityEntry) -> None:
        """One entry's new state."""

    def set_status(self, s: ProviderStatus) -> None:
        """One stop status's new state."""


class CapacityView:
    """The board in memory: entries, provider stops and active holds of one region."""

    def __init__(self, region: Region) -> None:
        self.region = region
        self.entries: dict[EntryKey, CapacityEntry] = {}
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
        self._subscribers: set[Subscription] = set()
        self._listener: ChangeListener | None = None

    def follow(self, listener: ChangeListener | None) -> None:
        """Keep ``listener`` in step from now on (given the whole state first); it replaces the one before."""
        if listener is not None:
            listener.load(self.entries.values(), self.statuses.values())
        self._listener = listener

    # -- changed only by the capacity service ------------------------------------

    def set_region(self, region: Region) -> None:
        """Serve a reloaded region file (its providers and offers); subscribers reload the board."""
        self.region = region
        self._publish(BoardReloaded())

    def load(self, snap: Snapshot) -> None:
        """Replace the whole state with a snapshot and tell subscribers to reload."""
        self.entries = {e.key: e for e in snap.entries}
        self.statuses = {s.key: s for s in snap.statuses}
        self.holds = {h.hold_id: h for h in snap.holds}
        self.last_event_id = snap.last_event_id
        self.loaded = True
        if self._listener is not None:
            self._listener.load(self.entries.values(), self.statuses.values())
        self._publish(BoardReloaded())

    def apply_event(self, event: Event) -> None:
        """Apply one event of the store's log; an entry or stop it already has at that version is skipped."""
        hint = event.hint
        skip_entry = False
        if hint is not None:
            cur = self.entries.get((hint.provider_id, hint.care_type))
            # Decoding the event is the costly part: the hint says whether there is anything new in it.
            skip_entry = cur is not None and cur.version >= hint.version
        if not skip_entry:
            data = event.data
            entry = data.get("entry")
            if entry is not None:
                cur = self.entries.get((entry["provider_id"], entry["care_type"]))
                if cur is None or cur.version < entry["version"]:
                    self._apply_entry(CapacityEntry.from_dict(entry))
            if event.type.startswith("hold.") and "hold" in data:
                self._apply_hold(Hold.from_dict(data["hold"]))
            if event.type == "provider.status":
                self._apply_status(ProviderStatus.from_dict(data["status"]))
        self.last_event_id = event.id
        self.events_applied += 1
        self.lag_seconds = max(0.0, (utcnow() - event.ts).total_seconds())

    def set_degraded(self, degraded: bool) -> None:
        """Mark the view as (not) cut off from the store; subscribers are told on a change."""
        if degraded != self.degraded:
            self.degraded = degraded
            self._publish(HealthChanged(degraded))

    def _apply_entry(self, entry: CapacityEntry) -> None:
        self.entries[entry.key] = entry
        if self._listener is not None:
            self._listener.set_entry(entry)
        # The row is built only for subscribers: most changes under load have none.
        row = self.board_entry(entry.key, utcnow()) if self._subscribers else None
        self._publish(RowsChanged((row,) if row is not None else ()))

    def _apply_status(self, status: ProviderStatus) -> None:
        cur = self.statuses.get(status.key)
        if cur is not None and cur.version >= status.version:
            return
        self.statuses[status.key] = status
        if self._listener is not None:
            self._listener.set_status(status)
        rows: list[BoardEntry] = []
        if self._subscribers:
            cts = [status.care_type] if status.care_type else None
            rows = self.board(utcnow(), providers=[status.provider_id], care_types=cts)
        self._publish(RowsChanged(tuple(rows)))

    def _apply_hold(self, hold: Hold) -> None:
        if hold.status == "held":
            self.holds[hold.hold_id] = hold
        else:
            self.holds.pop(hold.hold_id, None)

    # -- reading --------------------------------------------------------------

    def has_entry(self, key: EntryKey, version: int) -> bool:
        """Whether the view has ``key`` at ``version`` or newer."""
        cur = self.entries.get(key)
        return cur is not None and cur.version >= version

    def has_status(self, key: str, version: int) -> bool:
        """Whether the view has the stop status under ``key`` (ProviderStatus.key) at ``version`` or newer."""
        cur = self.statuses.get(key)
        return cur is not None and cur.version >= version

    def stop_of(self, provider_id: str, now: datetime, care_type: str | None = None) -> ProviderStatus | None:
        """The stop in force: the provider's own, else (given ``care_type``) that care type's; or None."""
        st = self.statuses.get(provider_id)
        if st is not None and st.stopped(now):
            return st
        if care_type:
            st = self.statuses.get(status_key(provider_id, care_type))
            if st is not None and st.stopped(now):
                return st
        return None

    def stops(self, now: datetime) -> list[ProviderStatus]:
        """Every stop in force now, of whole providers and of single care types."""
        return [s for s in self.statuses.values() if s.stopped(now)]

    def board_entry(self, key: EntryKey, now: datetime) -> BoardEntry | None:
        """One board row, or None for an unknown key."""
        e = self.entries.get(key)
        p = self.region.providers.get(key[0])
        if e is None or p is None:
            return None
        return BoardEntry(e, p.kind, p.name, e.stale(now), self.stop_of(p.id, now, key[1]))

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
            for ct in p.offers:
                if cts and ct not in cts:
                    continue
                e = self.entries.get((pid, ct))
                if e is not None:
                    out.append(BoardEntry(e, p.kind, p.name, e.stale(now), self.stop_of(pid, now, ct)))
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

    def subscribe(self) -> Subscription:
        """A queue of changes; ``None`` means: stop (shutdown or too slow)."""
        q: Subscription = asyncio.Queue(SUBSCRIBER_QUEUE)
        self._subscribers.add(q)
        return q

    def unsubscribe(self, q: Subscription) -> None:
        """Stop sending changes to ``q``."""
        self._subscribers.discard(q)

    def close_subscribers(self) -> None:
        """Tell every subscriber to end (on shutdown)."""
        for q in list(self._subscribers):
            self._drop(q)

    def _drop(self, q: Subscription) -> None:
        self._subscribers.discard(q)
        while True:
            try:
                q.put_nowait(None)
                return
            except asyncio.QueueFull:
                with contextlib.suppress(asyncio.QueueEmpty):
                    q.get_nowait()

    def _publish(self, change: BoardChange) -> None:
        self.changes += 1
        for q in list(self._subscribers):
            try:
                q.put_nowait(change)
            except asyncio.QueueFull:
                _LOGGER.warning("dropping a board subscriber that fell %d changes behind", SUBSCRIBER_QUEUE)
                self._drop(q)
