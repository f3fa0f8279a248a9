"""Capacity entries, provider stops and holds in SQLite: the rules of ``capacity.rules``, one transaction each."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..clock import from_ms, to_ms
from ..model import Region
from ..rules import (
    HoldEnd,
    apply_report,
    confirm,
    next_status,
    release,
    release_status,
    stop_in_force,
    take_unit,
    unknown_hold,
)
from ..state import CapacityEntry, CapacityUpdate, Hold, ProviderStatus, Snapshot, UpdateResult, status_key
from ..store.types import IdempotencyKey
from .db import IDEMPOTENCY_TTL_MS, SqliteBackend, idem_get, idem_put
from .events import log_event

__all__ = ["SqliteCapacity"]

_SELECT_ENTRIES = (
    "SELECT provider_id, care_type, total, available, held, reported_at, valid_until, version FROM capacity"
)


def _entry_of(row: Any) -> CapacityEntry:
    """An entry from a row of ``_SELECT_ENTRIES``."""
    return CapacityEntry(
        row[0],
        row[1],
        total=row[2],
        available=row[3],
        held=row[4],
        reported_at=from_ms(row[5]) if row[5] is not None else None,
        valid_until=from_ms(row[6]) if row[6] is not None else None,
        version=row[7],
    )


def _entry(db: sqlite3.Connection, provider_id: str, care_type: str) -> CapacityEntry | None:
    row = db.execute(_SELECT_ENTRIES + " WHERE provider_id=? AND care_type=?", (provider_id, care_type)).fetchone()
    return _entry_of(row) if row is not None else None


def _put_entry(db: sqlite3.Connection, e: CapacityEntry) -> None:
    d = e.to_dict()
    db.execute(
        "INSERT OR REPLACE INTO capacity (provider_id, care_type, total, available, held, reported_at, valid_until, "
        "version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            d["provider_id"],
            d["care_type"],
            d["total"],
            d["available"],
            d["held"],
            d["reported_at"],
            d["valid_until"],
            d["version"],
        ),
    )


def _status(db: sqlite3.Connection, key: str) -> ProviderStatus | None:
    """The stored status under ``key`` (ProviderStatus.key: the provider, or ``provider|care_type``)."""
    row = db.execute("SELECT data FROM provider_status WHERE provider_id=?", (key,)).fetchone()
    return ProviderStatus.from_dict(json.loads(row[0])) if row is not None else None


def _hold(db: sqlite3.Connection, hold_id: str) -> Hold | None:
    row = db.execute("SELECT data FROM holds WHERE hold_id=?", (hold_id,)).fetchone()
    return Hold.from_dict(json.loads(row[0])) if row is not None else None


def _put_hold(db: sqlite3.Connection, h: Hold) -> None:
    db.execute(
        "INSERT OR REPLACE INTO holds VALUES (?, ?, ?, ?)",
        (h.hold_id, h.status, to_ms(h.held_until), json.dumps(h.to_dict())),
    )


def _entry_of_hold(db: sqlite3.Connection, hold: Hold) -> CapacityEntry:
    entry = _entry(db, hold.provider_id, hold.care_type)
    if entry is None:  # entries are never deleted, and a hold is only taken on an existing one
        raise AssertionError(f"hold {hold.hold_id} refers to a missing entry")
    return entry


def _store_end(db: sqlite3.Connection, end: HoldEnd, now: datetime) -> None:
    """Write a hold's end decided by the rules, with its event."""
    if end.changed:
        _put_entry(db, end.entry)
        _put_hold(db, end.hold)
        log_event(db, f"hold.{end.hold.status}", {"hold": end.hold.to_dict(), "entry": end.entry.to_dict()}, now)


class SqliteCapacity:
    """CapacityStore of one region on the SQLite backend."""

    def __init__(self, backend: SqliteBackend) -> None:
        self._db = backend
        self.region_id = backend.region_id

    async def seed(self, region: Region, now: datetime) -> None:
        """Create a stale entry for every offer without one; existing entries keep their state."""

        def fn(db: sqlite3.Connection) -> None:
            db.executemany(
                "INSERT OR IGNORE INTO capacity (provider_id, care_type, total, available, held, reported_at, "
                "valid_until, version) VALUES (?, ?, ?, 0, 0, NULL, NULL, 0)",
                [(p.id, o.care_type, o.total) for p, o in region.offers()],
            )

        await self._db.write(fn)

    async def snapshot(self) -> Snapshot:
        """All entries, statuses and active holds at one event id (one read transaction)."""

        def fn(db: sqlite3.Connection) -> Snapshot:
            last = db.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]
            entries = tuple(_entry_of(r) for r in db.execute(_SELECT_ENTRIES + " ORDER BY provider_id, care_type"))
            statuses = tuple(
                ProviderStatus.from_dict(json.loads(r[0])) for r in db.execute("SELECT data FROM provider_status")
            )
            holds = tuple(
                Hold.from_dict(json.loads(r[0])) for r in db.execute("SELECT data FROM holds WHERE status='held'")
            )
            return Snapshot(entries, statuses, holds, str(last))

        return await self._db.read(fn)

    async def peek(self, region_id: str) -> Snapshot | None:
        """None: an embedded store holds one region, so neighbours' capacity is not visible here."""
        return None

    async def apply_updates(
        self,
        updates: Sequence[CapacityUpdate],
        op_id: str,
        now: datetime,
        idem: IdempotencyKey | None = None,
    ) -> tuple[list[UpdateResult], bool]:
        """Apply reports in one transaction; older reports are stale_ignored; a known key replays."""

        def fn(db: sqlite3.Connection) -> tuple[list[UpdateResult], bool]:
            replay = idem_get(db, idem, now)
            if replay is not None:
                return [UpdateResult(**r) for r in replay], True
            results: list[UpdateResult] = []
            for u in updates:
                status, new = apply_report(_entry(db, u.provider_id, u.care_type), u)
                if new is not None:
                    _put_entry(db, new)
                    log_event(db, "capacity.updated", {"op": op_id, "entry": new.to_dict()}, now)
                results.append(UpdateResult(u.provider_id, u.care_type, status, new))
            idem_put(db, idem, [r.to_dict() for r in results], now)
            return results, False

        return await self._db.write(fn)

    async def set_status(self, status: ProviderStatus, op_id: str) -> ProviderStatus:
        """Store a provider's stop status with the next version; a repeated ``op_id`` answers the first write."""
        op = IdempotencyKey(f"op:{op_id}", "")
        at = status.set_at or from_ms(0)

        def fn(db: sqlite3.Connection) -> ProviderStatus:
            done = idem_get(db, op, at)
            if done is not None:
                return ProviderStatus.from_dict(done)
            stored = next_status(_status(db, status.key), status)
            d = stored.to_dict()
            # The column named provider_id holds the status key: a care type's stop is a row of its own.
            db.execute("INSERT OR REPLACE INTO provider_status VALUES (?, ?)", (status.key, json.dumps(d)))
            log_event(db, "provider.status", {"op": op_id, "status": d}, at)
            idem_put(db, op, d, at)
            return stored

        return await self._db.write(fn)

    async def hold(self, hold: Hold, now: datetime, idem: IdempotencyKey | None = None) -> tuple[Hold, CapacityEntry]:
        """Take one free unit atomically; a known hold id or Idempotency-Key answers with the first hold."""
        hold = Hold.from_dict(hold.to_dict())  # millisecond precision, as stored

        def fn(db: sqlite3.Connection) -> tuple[Hold, CapacityEntry]:
            # The hold id first (a repeat of this very hold), then the key (the same request, a new hold id).
            existing = _hold(db, hold.hold_id)
            if existing is None:
                replay = idem_get(db, idem, now)
                if replay is not None:
                    existing = _hold(db, replay["hold_id"])
            if existing is not None:
                return existing, _entry_of_hold(db, existing)
            stop = stop_in_force(
                _status(db, hold.provider_id), _status(db, status_key(hold.provider_id, hold.care_type)), now
            )
            entry = take_unit(_entry(db, hold.provider_id, hold.care_type), stop, hold, now)
            _put_entry(db, entry)
            _put_hold(db, hold)
            log_event(db, "hold.created", {"hold": hold.to_dict(), "entry": entry.to_dict()}, now)
            idem_put(db, idem, {"hold_id": hold.hold_id}, now)
            return hold, entry

        return await self._db.write(fn)

    async def confirm_hold(self, hold_id: str, now: datetime) -> tuple[Hold, CapacityEntry]:
        """Hold -> placement; idempotent. A hold past its time is expired (committed) and refused."""

        def fn(db: sqlite3.Connection) -> HoldEnd:
            hold = _hold(db, hold_id)
            if hold is None:
                raise unknown_hold(hold_id)
            end = confirm(_entry_of_hold(db, hold), hold, now)
            _store_end(db, end, now)
            return end

        end = await self._db.write(fn)
        if end.refused is not None:
            raise end.refused
        return end.hold, end.entry

    async def release_hold(self, hold_id: str, now: datetime, status: str = "released") -> tuple[Hold, CapacityEntry]:
        """End a hold as ``released`` or ``expired`` and give its unit back; idempotent."""
        final = release_status(status)

        def fn(db: sqlite3.Connection) -> HoldEnd:
            hold = _hold(db, hold_id)
            if hold is None:
                raise unknown_hold(hold_id)
            end = release(_entry_of_hold(db, hold), hold, final, now)
            _store_end(db, end, now)
            return end

        end = await self._db.write(fn)
        return end.hold, end.entry

    async def expire_holds(self, now: datetime) -> list[Hold]:
        """Expire every hold past its time (earliest first); drops idempotency records past theirs."""

        def fn(db: sqlite3.Connection) -> list[Hold]:
            rows = db.execute(
                "SELECT data FROM holds WHERE status='held' AND held_until <= ? ORDER BY held_until, hold_id",
                (to_ms(now),),
            ).fetchall()
            out: list[Hold] = []
            for (data,) in rows:
                hold = Hold.from_dict(json.loads(data))
                end = release(_entry_of_hold(db, hold), hold, "expired", now)
                _store_end(db, end, now)
                out.append(end.hold)
            db.execute("DELETE FROM idempotency WHERE created_at < ?", (to_ms(now) - IDEMPOTENCY_TTL_MS,))
            return out

        return await self._db.write(fn)

    async def get_hold(self, hold_id: str) -> Hold | None:
        """One hold by id, in whatever state."""
        return await self._db.run(lambda db: _hold(db, hold_id))
