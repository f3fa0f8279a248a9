"""Capacity history: recorded from the event log on every instance, answered per step for a time range.

Every instance follows the region's event log, so every instance records each changed entry; the
store keeps one sample per bucket (the highest version), so the records of several instances are the
same write repeated, and an instance that was down misses nothing another recorded. Old buckets are
dropped per resolution: the 5-minute ones after ``fine_days``, the hourly, 6-hourly and daily ones
after ``retention_days``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from capacity.clock import from_ms, to_ms, utcnow
from capacity.errors import InvalidInput, StoreUnavailable
from capacity.history import Point, pick_resolution, points
from capacity.service import CapacityService, raise_if_cancelling
from capacity.state import CapacityEntry, EntryKey, Event
from capacity.store.interop import RESOLUTIONS, HistoryStore, Sample, bucket_of

__all__ = ["MAX_POINTS", "HistoryAnswer", "HistoryRecorder", "HistoryService", "default_step", "parse_step"]

_LOGGER = logging.getLogger(__name__)

#: Points one answer may hold (a week at 5 minutes, a year at 6 hours).
MAX_POINTS = 2016
# Samples kept in memory while the store is away, at most.
_MAX_PENDING = 100_000
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_step(raw: str) -> int:
    """A step in seconds from ``300``, ``5m``, ``1h`` or ``1d``: a whole multiple of 5 minutes."""
    text = raw.strip().lower()
    unit = 1
    if text and text[-1] in _UNITS:
        unit, text = _UNITS[text[-1]], text[:-1]
    if not text.isdigit():
        raise InvalidInput(f"step {raw!r} must be seconds or a number with m, h or d (e.g. 300, 5m, 1h)", field="step")
    step = int(text) * unit
    if step < 300 or step % 300:
        raise InvalidInput(f"step must be a whole multiple of 5 minutes (300 s), not {step} s", field="step")
    return step


class HistoryRecorder:
    """An event listener that queues a sample per changed entry, and the task that writes them."""

    def __init__(self, store: HistoryStore, capacity: CapacityService, *, fine_days: int, retention_days: int) -> None:
        self._store = store
        self._capacity = capacity
        self._pending: dict[tuple[EntryKey, int], Sample] = {}
        self._versions: dict[EntryKey, int] = {}
        self.keep_s = {r: (fine_days if r == 300 else retention_days) * 86400 for r in RESOLUTIONS}

    def apply_event(self, event: Event) -> None:
        """Queue the entry an event carries (skipped when this version was queued already)."""
        hint = event.hint
        if hint is not None and self._versions.get((hint.provider_id, hint.care_type), -1) >= hint.version:
            return
        raw = event.data.get("entry")
        if raw is None:
            return
        self._add(CapacityEntry.from_dict(raw), event.ts)

    def resynced(self) -> None:
        """The view reloaded a snapshot: record every entry as it stands now."""
        self.record_view()

    def record_view(self) -> None:
        """Queue a sample of every entry of the view, at the current time."""
        now = utcnow()
        for entry in list(self._capacity.view.entries.values()):
            self._add(entry, now)

    def _add(self, entry: CapacityEntry, at: datetime) -> None:
        if len(self._pending) >= _MAX_PENDING:
            return
        self._versions[entry.key] = max(entry.version, self._versions.get(entry.key, -1))
        self._pending[(entry.key, entry.version)] = Sample.of(entry, at)

    async def flush(self) -> int:
        """Write what is queued; on a store failure it stays queued. How many samples were written."""
        if not self._pending:
            return 0
        batch = list(self._pending.items())
        await self._store.record([(key, s) for (key, _), s in batch])
        for k, _ in batch:
            self._pending.pop(k, None)
        return len(batch)

    async def run(self, *, flush_seconds: float = 1.0, prune_seconds: float = 3600.0) -> None:
        """Write the queue every ``flush_seconds``; drop old buckets every ``prune_seconds``; until cancelled."""
        self.record_view()
        next_prune = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                await self.flush()
                if loop.time() >= next_prune:
                    keys = [(p.id, o.care_type) for p, o in self._capacity.region.offers()]
                    keep_ms = {r: s * 1000 for r, s in self.keep_s.items()}
                    await self._store.prune(keep_ms, utcnow(), keys)
                    next_prune = loop.time() + prune_seconds
            except StoreUnavailable as exc:
                raise_if_cancelling()
                _LOGGER.info("history not written now (%d samples wait): %s", len(self._pending), exc.detail)
            await asyncio.sleep(flush_seconds)


@dataclass(frozen=True, slots=True)
class HistoryAnswer:
    """The points of one history query and how they were made."""

    points: list[Point]
    step_seconds: int
    resolution_seconds: int
    first: datetime
    last: datetime


class HistoryService:
    """Answers history queries from the store."""

    def __init__(self, store: HistoryStore, keep_s: dict[int, int]) -> None:
        self._store = store
        self.keep_s = keep_s

    async def query(self, keys: list[EntryKey], start: datetime, end: datetime, step_s: int) -> HistoryAnswer:
        """The summed state of ``keys`` at every multiple of ``step_s`` from ``start`` to ``end``."""
        step_ms = step_s * 1000
        first = -(-to_ms(start) // step_ms) * step_ms
        last = (to_ms(end) // step_ms) * step_ms
        if last < first:
            raise InvalidInput("the range from..to holds no whole step: widen it or take a smaller step", field="from")
        count = (last - first) // step_ms + 1
        if count > MAX_POINTS:
            raise InvalidInput(
                f"{count} points asked; at most {MAX_POINTS}: take a larger step or a shorter range", field="step"
            )
        now_ms = to_ms(utcnow())
        res = pick_resolution(step_s, first, now_ms, self.keep_s)
        samples = await self._store.samples(keys, res, bucket_of(first, res), bucket_of(last, res))
        times = list(range(first, last + 1, step_ms))
        return HistoryAnswer(points(samples, times), step_s, res, from_ms(first), from_ms(last))


def default_step(start: datetime, end: datetime) -> int:
    """5 minutes up to two days, an hour up to 60 days, else a day."""
    span = end - start
    if span <= timedelta(days=2):
        return 300
    if span <= timedelta(days=60):
        return 3600
    return 86400
