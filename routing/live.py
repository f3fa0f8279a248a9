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
from .week import MINUTE_US, US, WEEK_MINUTES, epoch_us, open_at, week_bitmap, week_us

__all__ = ["STOP", "WHY", "CareTypeTable", "Decided", "LiveTable", "Ranked"]

_NEVER: Final = np.iinfo(np.int64).min  # valid until: never reported; stop: none
_FOREVER: Final = np.iinfo(np.int64).max  # a stop without an end
_SCARCITY_OF: Final = (0.0, 10.0, 5.0, 0.0)  # routing.dispatch.scarcity_cost of 0, 1, 2, 3+ free
_SCARCITY: Final = np.array(_SCARCITY_OF)
_US: Final = US

#: Why a place is excluded, in the order the rules are applied (index 0: not excluded).
WHY: Final = ("", "unreachable", "closed", "stop", "stale", "full")
_OK, _UNREACHABLE, _CLOSED, _STOP, _STALE, _FULL = range(6)
STOP: Final = _STOP  # the WHY index of a place under a stop


_SAFE_MINUTES: Final = 24 * 60  # arrivals this far ahead are checked by the week's clock


def _us(at: datetime | None, none: int) -> int:
    """Microseconds since the epoch, or ``none``."""
    return none if at is None else epoch_us(at)


@dataclass(frozen=True, slots=True)
class Decided:
    """One place of a lookup: its table slot, travel, score (inf unless proposed), free units and WHY index."""

    slot: int
    travel: float
    score: float
    free: int
    why: int


@dataclass(slots=True)
class Ranked:
    """One lookup's answer: the proposals (best first) and the excluded places asked for (nearest first)."""

    table: CareTypeTable
    options: list[Decided]
    excluded: list[Decided]
    cutoff: float  # the last proposal's score (inf: fewer than asked were found)
    now_us: int

    def age(self, d: Decided) -> float | None:
        """Minutes since the place was reported (None: never), as ``timedelta.total_seconds() / 60``."""
        at = int(self.table.reported[d.slot])
        return None if at == _NEVER else ((self.now_us - at) / _US) / 60


class CareTypeTable:
    """The places of one care type in the home region: their matrix columns and live state as arrays."""

    first = 16  # how many of the nearest places that may take a patient a lookup decides first
    scalar_at_most = 64  # candidates decided one by one in Python; more at once as arrays

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
        self._id_ranks: list[int] = self.id_rank.tolist()
        self._hours_rows: list[int] = self.hours_row.tolist()
        self._all = np.arange(n)
        # The live verdicts, computed when needed (see _verdicts).
        self._dirty, self._at, self._until = True, 0, 0
        self._why = self._why_stopped = np.zeros(n, dtype=np.int8)
        self._free = np.zeros(n, dtype=np.int64)
        self._ok = self._ok_stopped = self._ok_cols = self._ok_stopped_cols = np.zeros(0, dtype=np.intp)
        self.bitmaps = np.array([week_bitmap(h) for h in distinct], dtype=np.bool_).reshape(-1, WEEK_MINUTES)
        self._bitmap_bytes = [row.tobytes() for row in self.bitmaps]  # one byte per minute, for a scalar check

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
        """The ``limit`` best places (lowest score, then travel, then provider id) and the excluded asked for.

        Only the places whose live state lets them take a patient now (kept
        per change, see :meth:`_verdicts`) can be proposed; of those the
        nearest are decided first (a score is never below the travel time) and
        the rest only when the answer could still change. Excluded, nearest
        first, at most ``excluded``: the places no nearer than the ``limit``-th
        proposal's score (a place further away could never have ranked above
        it), or all of them when fewer than ``limit`` were found.
        """
        row = table[snap.index]
        now_us = _us(now, 0)
        self._verdicts(now_us)
        ok_slots, ok_cols = (self._ok, self._ok_cols) if ignore_stops else (self._ok_stopped, self._ok_stopped_cols)
        raw_ok = row.take(ok_cols)
        n = len(ok_slots)
        k = min(n, max(self.first, 3 * limit))
        while True:
            edge_minutes = -math.inf
            if k < n:
                part = np.argpartition(raw_ok, k - 1)[:k]
                edge = int(raw_ok[part].max())  # every place not among them is at least this far
                edge_minutes = math.inf if edge == UNREACHABLE else edge / 10 + snap.access_minutes
                found = self._best(ok_slots[part], raw_ok[part], snap, now, now_us, tz, limit)
            else:
                found = self._best(ok_slots, raw_ok, snap, now, now_us, tz, limit)
            cutoff = found[limit - 1][0] if len(found) >= limit else math.inf
            if k == n or cutoff < edge_minutes:
                break
            # Too few found near: most places are closed (night) or out of reach, decide them all at once.
            k = n if len(found) < limit else min(n, 4 * k)
        free = self._free
        options = [Decided(slot, travel, score, int(free[slot]), _OK) for score, travel, _, slot in found[:limit]]
        out = self._excluded(row, snap, now, now_us, tz, ignore_stops, cutoff, excluded) if excluded else []
        return Ranked(self, options, out, cutoff, now_us)

    def _best(  # noqa: PLR0917 - the candidates and the lookup's moment
        self,
        slots: NDArray[np.intp],
        raw: NDArray[np.uint16],
        snap: Snap,
        now: datetime,
        now_us: int,
        tz: ZoneInfo,
        limit: int,
    ) -> list[tuple[float, float, int, int]]:
        """(score, travel, id rank, slot) of the ``limit`` best candidates open at arrival, best first.

        The candidates' live state allows them (see :meth:`rank`); what is left is
        per lookup: reachable, open at arrival, and the score. Vectorised to the
        travel and opening hours; the score per candidate in plain Python, which
        for the few dozen candidates a lookup decides is cheaper than more array calls.
        """
        if len(slots) > self.scalar_at_most:
            return self._best_of_many(slots, raw, snap, now, now_us, tz, limit)
        access, clock = snap.access_minutes, week_us(now_us, tz) if self.any_hours else None
        ids, rows, bitmaps = self._id_ranks, self._hours_rows, self._bitmap_bytes
        found = []
        per_slot = zip(
            slots.tolist(),
            raw.tolist(),
            self._free.take(slots).tolist(),
            self.reported.take(slots).tolist(),
            strict=True,
        )
        for slot, tenths, f, at in per_slot:
            if tenths == UNREACHABLE:
                continue
            minutes = tenths / 10 + access
            h = rows[slot]
            if h >= 0:
                if clock is None or minutes > _SAFE_MINUTES:  # a DST change may fall before the arrival
                    if not self.hours[slot].is_open(now + timedelta(minutes=minutes), tz):
                        continue
                elif not bitmaps[h][(clock + round(minutes * MINUTE_US)) // MINUTE_US % WEEK_MINUTES]:
                    continue
            score = minutes + _SCARCITY_OF[min(f, 3)] + (((now_us - at) / _US) / 60) / 6
            found.append((score, minutes, ids[slot], slot))
        found.sort()
        return found[:limit]

    def _best_of_many(  # noqa: PLR0917 - the candidates and the lookup's moment
        self,
        slots: NDArray[np.intp],
        raw: NDArray[np.uint16],
        snap: Snap,
        now: datetime,
        now_us: int,
        tz: ZoneInfo,
        limit: int,
    ) -> list[tuple[float, float, int, int]]:
        """:meth:`_best` for many candidates (a night when most places near are closed): as array operations."""
        reach = raw != UNREACHABLE
        travel = np.where(reach, raw / 10 + snap.access_minutes, math.inf)
        closed = self._closed(slots, travel, reach, now, tz)
        open_ = reach if closed is None else reach & ~closed
        ok = np.flatnonzero(open_)
        age = ((now_us - self.reported.take(slots[ok])) / _US) / 60
        score = travel[ok] + _SCARCITY[np.minimum(self._free.take(slots[ok]), 3)] + age / 6
        if len(ok) > limit:  # the ``limit`` best, with every tie at the edge for the order by id
            keep = score <= np.partition(score, limit - 1)[limit - 1]
            ok, score = ok[keep], score[keep]
        ids = self.id_rank.take(slots[ok])
        order = np.lexsort((ids, travel[ok], score))[:limit]
        return [(float(score[i]), float(travel[ok[i]]), int(ids[i]), int(slots[ok[i]])) for i in order.tolist()]

    def _excluded(  # noqa: PLR0917 - a lookup's parts
        self,
        row: NDArray[np.uint16],
        snap: Snap,
        now: datetime,
        now_us: int,
        tz: ZoneInfo,
        ignore_stops: bool,
        cutoff: float,
        at_most: int,
    ) -> list[Decided]:
        """The places that cannot take the patient and are no further than ``cutoff``, nearest first."""
        raw = row.take(self.cols)
        reach = raw != UNREACHABLE
        travel = np.where(reach, raw / 10 + snap.access_minutes, math.inf)
        why = (self._why if ignore_stops else self._why_stopped).copy()
        closed = self._closed(self._all, travel, reach, now, tz)
        if closed is not None:
            why[closed] = _CLOSED
        why[~reach] = _UNREACHABLE
        out = np.flatnonzero((why != _OK) & (travel <= cutoff))
        if len(out) > at_most:  # the nearest ``at_most`` (ties at the edge kept, for the order by id)
            edge = np.partition(travel[out], at_most - 1)[at_most - 1]
            out = out[travel[out] <= edge]
        out = out[np.lexsort((self.id_rank[out], travel[out]))][:at_most]
        return [Decided(s, float(travel[s]), math.inf, int(self._free[s]), int(why[s])) for s in out.tolist()]

    def _verdicts(self, now_us: int) -> None:
        """Every place's live verdict (with and without stops), free units, and the places that may take a patient.

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
            self._ok = np.flatnonzero(why == _OK)
            self._ok_stopped = np.flatnonzero(self._why_stopped == _OK)
            self._ok_cols, self._ok_stopped_cols = self.cols.take(self._ok), self.cols.take(self._ok_stopped)
            ahead = [a[a > now_us] for a in (self.valid_until, self.provider_stop, self.type_stop)]
            nxt = [int(a.min()) for a in ahead if len(a)]
            self._at, self._until, self._dirty = now_us, min(nxt, default=_FOREVER), False

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
        idx = np.flatnonzero(check)
        closed[idx] = ~open_at(self.bitmaps, self.hours_row[slots[idx]], now, tz, travel[idx])
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
