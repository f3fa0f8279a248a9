"""Dispatch as array work: the live state of every place of a care type as NumPy arrays, ranked in one pass.

:class:`LiveTable` keeps, per care type of the home region, one slot per place
(aligned with the routing's matrix columns of that care type): available,
held, reported at, valid until, the stop in force until (the provider's own and
the care type's), and the place's opening hours as an index into a table of
weekly bitmaps (one bit per minute of the week, one row per distinct set of
hours). The capacity view calls :meth:`LiveTable.set_entry` and
:meth:`LiveTable.set_status` on each change; a lookup (:meth:`LiveTable.rank`)
then reads one matrix row and decides every place with vectorised operations,
by the very rules and score of :func:`routing.dispatch.rank_places` (tested to
agree with it). Times are integer microseconds since the epoch, so ages are
computed exactly as ``timedelta.total_seconds`` does.

Opening hours at arrival: the arrival's local minute of the week is now's plus
the travel time, exact unless a daylight-saving change falls between now and the
latest arrival; then the places with hours are checked one by one with
:meth:`Hours.is_open` (two nights a year).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from capacity.model import Hours, Region
from capacity.state import CapacityEntry, ProviderStatus

from .graph import UNREACHABLE
from .lookup import Routing
from .snap import Snap

__all__ = ["WHY", "CareTypeTable", "LiveTable", "Ranked", "week_bitmap"]

_NEVER: Final = np.iinfo(np.int64).min  # valid until: never reported; stop: none
_FOREVER: Final = np.iinfo(np.int64).max  # a stop without an end
_WEEK_MINUTES: Final = 7 * 24 * 60
_SCARCITY: Final = np.array([0.0, 10.0, 5.0, 0.0])  # routing.dispatch.scarcity_cost of 0, 1, 2, 3+ free
_US: Final = 1_000_000
_EPOCH: Final = datetime(1970, 1, 1).astimezone(ZoneInfo("UTC"))

#: Why a place is excluded, in the order the rules are applied (index 0: not excluded).
WHY: Final = ("", "unreachable", "closed", "stop", "stale", "full")
_OK, _UNREACHABLE, _CLOSED, _STOP, _STALE, _FULL = range(6)


def _us(at: datetime | None, none: int) -> int:
    """Microseconds since the epoch (exact integer arithmetic), or ``none``."""
    if at is None:
        return none
    d = at - _EPOCH
    return (d.days * 86_400 + d.seconds) * _US + d.microseconds


def week_bitmap(hours: Hours) -> NDArray[np.bool_]:
    """One flag per local minute of the week (Monday 00:00 first): open, by :meth:`OpeningWindow.contains`."""
    bits = np.zeros(_WEEK_MINUTES, dtype=np.bool_)
    for w in hours.windows:
        for day in w.days:
            base = day * 1440
            if w.end > w.start:
                bits[base + w.start : base + w.end] = True
            else:  # past midnight: the evening part on the day, the morning part on the next
                bits[base + w.start : base + 1440] = True
                nxt = (day + 1) % 7 * 1440
                bits[nxt : nxt + w.end] = True
    return bits


@dataclass(slots=True)
class Ranked:
    """One lookup's answer: the places decided (``slots`` of a :class:`CareTypeTable`) and their verdicts.

    ``options`` (best first) and ``excluded`` (nearest first) index the decided
    places, as do the arrays; ``slots[i]`` is the table slot of decided place ``i``.
    """

    table: CareTypeTable
    slots: NDArray[np.intp]
    options: NDArray[np.intp]
    excluded: NDArray[np.intp]
    cutoff: float  # the last proposal's score (inf: fewer than asked were found)
    travel: NDArray[np.float64]  # door-to-door minutes (inf: unreachable)
    score: NDArray[np.float64]  # inf unless a proposal could be made
    free: NDArray[np.int64]
    why: NDArray[np.int8]  # WHY index
    now_us: int

    def age(self, i: int) -> float | None:
        """Minutes since decided place ``i`` was reported (None: never), as ``timedelta.total_seconds() / 60``."""
        at = int(self.table.reported[int(self.slots[i])])
        return None if at == _NEVER else ((self.now_us - at) / _US) / 60


class CareTypeTable:
    """The places of one care type in the home region: their matrix columns and live state as arrays."""

    first = 48  # how many of the nearest places a lookup decides first

    def __init__(self, region: Region, care_type: str, provider_ids: tuple[str, ...], cols: NDArray[np.intp]) -> None:
        n = len(provider_ids)
        self.care_type = care_type
        self.provider_ids = provider_ids
        self.slot = {pid: i for i, pid in enumerate(provider_ids)}
        self.cols = cols
        self.id_rank = np.argsort(np.argsort(np.array(provider_ids, dtype=object), kind="stable"), kind="stable")
        self.available = np.zeros(n, dtype=np.int64)
        self.held = np.zeros(n, dtype=np.int64)
        self.reported = np.full(n, _NEVER, dtype=np.int64)
        self.valid_until = np.full(n, _NEVER, dtype=np.int64)
        self.provider_stop = np.full(n, _NEVER, dtype=np.int64)
        self.type_stop = np.full(n, _NEVER, dtype=np.int64)
        hours = [region.providers[pid].hours_for(care_type) for pid in provider_ids]
        distinct: dict[Hours, int] = {}
        for h in hours:
            if not h.always:
                distinct.setdefault(h, len(distinct))
        self.hours = hours
        self.hours_row = np.array([-1 if h.always else distinct[h] for h in hours], dtype=np.intp)
        self.has_hours = self.hours_row >= 0
        self.any_hours = bool(self.has_hours.any())
        # The live verdicts, computed when needed (see _verdicts).
        self._dirty, self._at, self._until = True, 0, 0
        self._why = self._why_stopped = np.zeros(n, dtype=np.int8)
        self._free = np.zeros(n, dtype=np.int64)
        self.bitmaps = np.array([week_bitmap(h) for h in distinct], dtype=np.bool_).reshape(-1, _WEEK_MINUTES)

    def set_entry(self, i: int, e: CapacityEntry) -> None:
        """The slot's capacity from an entry."""
        self.available[i], self.held[i] = e.available, e.held
        self.reported[i] = _us(e.reported_at, _NEVER)
        self.valid_until[i] = _us(e.valid_until, _NEVER)
        self._dirty = True

    def rank(
        self,
        table: NDArray[np.uint16],
        snap: Snap,
        now: datetime,
        tz: ZoneInfo,
        *,
        limit: int,
        ignore_stops: bool,
        excluded: int = 0,
    ) -> Ranked:
        """Every place decided; the ``limit`` best (lowest score, then travel, then provider id).

        Excluded, nearest first, at most ``excluded`` of them: the places that are no nearer than the
        ``limit``-th proposal's score (a place further away could never have
        ranked above it), or all of them when fewer than ``limit`` were found.
        A score is never below the travel time, so the nearest places are
        decided first and the rest only when the answer could still change.
        """
        raw = table[snap.index, self.cols]
        n = len(raw)
        k = min(n, max(self.first, 8 * limit))
        while True:
            if k < n:
                slots = np.argpartition(raw, k - 1)[:k]
                edge = int(raw[slots].max())  # every place not among them is at least this far
                edge_minutes = math.inf if edge == UNREACHABLE else edge / 10 + snap.access_minutes
            else:
                slots, edge_minutes = np.arange(n), -math.inf
            ranked = self._decide(slots, raw[slots], snap, now, tz, limit, ignore_stops, excluded)
            if k == n or (len(ranked.options) == limit and ranked.cutoff < edge_minutes):
                return ranked
            # Too few found near: most places are full or closed (night), decide them all at once.
            k = n if len(ranked.options) < limit else min(n, 4 * k)

    def _verdicts(self, now_us: int) -> tuple[NDArray[np.int8], NDArray[np.int8], NDArray[np.int64]]:
        """Every place's live verdict (with and without stops) and free units at ``now_us``.

        Computed again only after a change, or when ``now_us`` reaches the next instant a report
        expires or a stop ends (or lies before the instant they were computed at): between them
        no verdict can change.
        """
        if self._dirty or not (self._at <= now_us < self._until):
            reported = self.reported != _NEVER
            stale = ~reported | (self.valid_until <= now_us)
            free = np.where(stale, 0, np.maximum(0, self.available - self.held))
            why = np.where(stale, _STALE, np.where(free <= 0, _FULL, _OK)).astype(np.int8)
            stopped = (self.provider_stop > now_us) | (self.type_stop > now_us)
            self._why, self._free = why, free
            self._why_stopped = np.where(stopped, np.int8(_STOP), why).astype(np.int8)
            ahead = [a[a > now_us] for a in (self.valid_until, self.provider_stop, self.type_stop)]
            nxt = [int(a.min()) for a in ahead if len(a)]
            self._at, self._until, self._dirty = now_us, min(nxt, default=_FOREVER), False
        return self._why_stopped, self._why, self._free

    def _decide(  # noqa: PLR0917 - one vectorised pass, its steps named
        self,
        slots: NDArray[np.intp],
        raw: NDArray[np.uint16],
        snap: Snap,
        now: datetime,
        tz: ZoneInfo,
        limit: int,
        ignore_stops: bool,
        excluded: int,
    ) -> Ranked:
        """The places at ``slots`` (``raw``: their matrix entries) decided by the rules, in one vectorised pass."""
        now_us = _us(now, 0)
        with_stops, without_stops, free_now = self._verdicts(now_us)
        reach = raw != UNREACHABLE
        travel = np.where(reach, raw / 10 + snap.access_minutes, math.inf)
        # The first rule that holds wins: unreachable, closed, then the live verdict (stop, stale, full).
        why = (without_stops if ignore_stops else with_stops)[slots]
        closed = self._closed(slots, travel, reach, now, tz)
        if closed is not None:
            why[closed] = _CLOSED
        why[~reach] = _UNREACHABLE
        free = free_now[slots]
        ok = np.flatnonzero(why == _OK)
        age_ok = ((now_us - self.reported[slots[ok]]) / _US) / 60
        score = np.full(len(raw), math.inf)
        score[ok] = travel[ok] + _SCARCITY[np.minimum(free[ok], 3)] + age_ok / 6
        ids = self.id_rank[slots]
        if len(ok) > 4 * limit:  # only the contenders for the top places need a full sort
            kth = np.partition(score[ok], limit - 1)[limit - 1]
            ok = ok[score[ok] <= kth]
        order = ok[np.lexsort((ids[ok], travel[ok], score[ok]))][:limit]
        cutoff = float(score[order[-1]]) if len(order) == limit else math.inf
        out = np.flatnonzero((why != _OK) & (travel <= cutoff)) if excluded else np.zeros(0, dtype=np.intp)
        if len(out) > excluded:  # the nearest ``excluded`` (ties at the edge kept, for the order by id)
            edge = np.partition(travel[out], excluded - 1)[excluded - 1]
            out = out[travel[out] <= edge]
        out = out[np.lexsort((ids[out], travel[out]))][:excluded]
        return Ranked(self, slots, order, out, cutoff, travel, score, free, why, now_us)

    def _closed(
        self,
        slots: NDArray[np.intp],
        travel: NDArray[np.float64],
        reach: NDArray[np.bool_],
        now: datetime,
        tz: ZoneInfo,
    ) -> NDArray[np.bool_] | None:
        """Closed at arrival (now + travel, local time), for the reachable places with hours (None: none has hours)."""
        if not self.any_hours:
            return None
        closed = np.zeros(len(travel), dtype=np.bool_)
        check = self.has_hours[slots] & reach
        if not check.any():
            return closed
        local = now.astimezone(tz)
        latest = now + timedelta(minutes=float(travel[check].max()))
        if latest.astimezone(tz).utcoffset() != local.utcoffset():  # a DST change on the way: one by one
            for i in np.flatnonzero(check).tolist():
                closed[i] = not self.hours[slots[i]].is_open(now + timedelta(minutes=float(travel[i])), tz)
            return closed
        week_us = ((local.weekday() * 24 + local.hour) * 60 + local.minute) * 60 * _US
        week_us += local.second * _US + local.microsecond
        idx = np.flatnonzero(check)
        minute = ((week_us + np.rint(travel[idx] * 60 * _US)) // (60 * _US)).astype(np.int64) % _WEEK_MINUTES
        closed[idx] = ~self.bitmaps[self.hours_row[slots[idx]], minute]
        return closed


class LiveTable:
    """The live state of the home region's places, per care type, for array lookups (kept by the capacity view)."""

    def __init__(self, routing: Routing) -> None:
        region = routing.home
        self.routing = routing
        self.by_type: dict[str, CareTypeTable] = {}
        self._of_provider: dict[str, list[tuple[CareTypeTable, int]]] = {}
        for (region_id, ct), columns in routing.columns.items():
            if region_id != region.id:
                continue
            t = CareTypeTable(region, ct, columns.provider_ids, columns.cols)
            self.by_type[ct] = t
            for pid, i in t.slot.items():
                self._of_provider.setdefault(pid, []).append((t, i))

    def load(self, entries: Iterable[CapacityEntry], statuses: Iterable[ProviderStatus]) -> None:
        """The whole state anew (a snapshot of the view): what it does not name is unreported and open."""
        for t in self.by_type.values():
            t.available[:] = t.held[:] = 0
            t.reported[:] = t.valid_until[:] = t.provider_stop[:] = t.type_stop[:] = _NEVER
            t._dirty = True
        for e in entries:
            self.set_entry(e)
        for s in statuses:
            self.set_status(s)

    def set_entry(self, e: CapacityEntry) -> None:
        """One entry changed (unknown providers or care types, e.g. across a reload, are ignored)."""
        t = self.by_type.get(e.care_type)
        i = t.slot.get(e.provider_id) if t is not None else None
        if t is not None and i is not None:
            t.set_entry(i, e)

    def set_status(self, s: ProviderStatus) -> None:
        """A stop (or its end) of a provider or of one of its care types."""
        until = _NEVER if s.status != "stop" else _us(s.until, _FOREVER)
        for t, i in self._of_provider.get(s.provider_id, ()):
            if not s.care_type:
                t.provider_stop[i] = until
            elif s.care_type == t.care_type:
                t.type_stop[i] = until
            t._dirty = True

    def rank(
        self,
        snap: Snap,
        care_type: str,
        now: datetime,
        tz: ZoneInfo,
        *,
        limit: int,
        ignore_stops: bool = False,
        excluded: int = 0,
    ) -> Ranked | None:
        """The lookup of ``care_type`` from ``snap`` (at most ``excluded`` excluded places); None without places."""
        t = self.by_type.get(care_type)
        if t is None:
            return None
        table = self.routing.matrix.table
        return t.rank(table, snap, now, tz, limit=limit, ignore_stops=ignore_stops, excluded=excluded)
