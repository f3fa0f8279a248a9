"""The embedded store: one SQLite file in WAL mode, written from one dedicated thread.

Every write is one ``BEGIN IMMEDIATE`` transaction committed with
``synchronous=FULL``: in WAL mode that fsyncs the log on every commit, so a
write is on disk before the caller is answered (``NORMAL`` would be faster and
could lose the last commits on power loss). All SQLite calls run on a single
worker thread, so the event loop never blocks on disk and the connection is
never shared between threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from .errors import Conflict, IdempotencyMismatch, InvalidTransition, NotFound, PlaceGone, StoreUnavailable
from .model import (
    CapacityEntry,
    CapacityUpdate,
    Event,
    Hold,
    ProviderStatus,
    Region,
    Snapshot,
    TokenRecord,
    UpdateResult,
    from_ms,
    to_ms,
)
from .store import IdempotencyKey

__all__ = ["SqliteStore"]

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS capacity (
    provider_id TEXT NOT NULL, care_type TEXT NOT NULL,
    total INTEGER NOT NULL, available INTEGER NOT NULL, held INTEGER NOT NULL,
    reported_at INTEGER, valid_until INTEGER, version INTEGER NOT NULL,
    PRIMARY KEY (provider_id, care_type)
);
CREATE TABLE IF NOT EXISTS provider_status (provider_id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS holds (
    hold_id TEXT PRIMARY KEY, status TEXT NOT NULL, held_until INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS holds_active ON holds (status, held_until);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL, open INTEGER NOT NULL, created_at INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_open ON requests (open, created_at);
CREATE TABLE IF NOT EXISTS trajectories (patient_ref TEXT PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trajectory_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, patient_ref TEXT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS trajectory_events_patient ON trajectory_events (patient_ref, id);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, patient_ref TEXT, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_patient ON audit (patient_ref, ts);
CREATE INDEX IF NOT EXISTS audit_ts ON audit (ts);
"""

# Idempotency records live this long; a client retrying later than this is a new request.
IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000


def _path_of(url: str) -> str:
    """The file path of a ``sqlite:///path`` URL (``sqlite:///:memory:`` for tests)."""
    rest = url.removeprefix("sqlite://")
    if rest.startswith("/"):
        rest = rest[1:]
    return rest or "var/zcc.db"


class SqliteStore:
    """Store on one SQLite file; see the module docstring for durability."""

    def __init__(self, url: str, region_id: str) -> None:
        self.region_id = region_id
        self.path = _path_of(url)
        self._db: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._changed = asyncio.Event()

    # -- plumbing -------------------------------------------------------------

    async def _run(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``fn`` with the connection on the store's thread; map SQLite faults."""
        if self._executor is None or self._db is None:
            raise StoreUnavailable("the store is not open")
        db = self._db
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, fn, db)
        except sqlite3.OperationalError as exc:  # disk full, locked past busy_timeout, I/O error
            _LOGGER.warning("sqlite operation failed: %s", exc)
            raise StoreUnavailable(f"embedded store failed: {exc}") from exc

    async def _write(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``fn`` inside one immediate transaction, committed before returning."""

        def tx(db: sqlite3.Connection) -> _T:
            db.execute("BEGIN IMMEDIATE")
            try:
                result = fn(db)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            return result

        result = await self._run(tx)
        self._changed.set()
        return result

    async def open(self) -> None:
        """Open the file, set WAL and FULL sync, create tables, check the region."""
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zcc-sqlite")

        def connect() -> sqlite3.Connection:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=5000")
            db.executescript(_SCHEMA)
            row = db.execute("SELECT value FROM meta WHERE key='region'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta (key, value) VALUES ('region', ?)", (self.region_id,))
            elif row[0] != self.region_id:
                db.close()
                raise StoreUnavailable(
                    f"{self.path} belongs to region {row[0]!r}, not {self.region_id!r}: use another file"
                )
            return db

        loop = asyncio.get_running_loop()
        self._db = await loop.run_in_executor(self._executor, connect)

    async def close(self) -> None:
        """Close the connection and stop the thread."""
        if self._db is not None and self._executor is not None:
            db = self._db
            await asyncio.get_running_loop().run_in_executor(self._executor, db.close)
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        self._db = None
        self._executor = None

    async def ping(self) -> None:
        """Raise StoreUnavailable when the file cannot be read."""
        await self._run(lambda db: db.execute("SELECT 1").fetchone())

    # -- helpers inside a transaction -----------------------------------------

    @staticmethod
    def _event(db: sqlite3.Connection, type_: str, data: dict[str, Any], now: datetime) -> None:
        db.execute(
            "INSERT INTO events (ts, type, data) VALUES (?, ?, ?)",
            (to_ms(now), type_, json.dumps(data, separators=(",", ":"))),
        )

    @staticmethod
    def _entry(db: sqlite3.Connection, provider_id: str, care_type: str) -> CapacityEntry | None:
        row = db.execute(
            "SELECT total, available, held, reported_at, valid_until, version FROM capacity "
            "WHERE provider_id=? AND care_type=?",
            (provider_id, care_type),
        ).fetchone()
        if row is None:
            return None
        return CapacityEntry(
            provider_id,
            care_type,
            total=row[0],
            available=row[1],
            held=row[2],
            reported_at=from_ms(row[3]) if row[3] is not None else None,
            valid_until=from_ms(row[4]) if row[4] is not None else None,
            version=row[5],
        )

    @staticmethod
    def _put_entry(db: sqlite3.Connection, e: CapacityEntry) -> None:
        d = e.to_dict()
        db.execute(
            "INSERT OR REPLACE INTO capacity VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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

    @staticmethod
    def _idem_get(db: sqlite3.Connection, idem: IdempotencyKey | None, now: datetime) -> Any:
        """The stored response for ``idem``, None if new; raises on a fingerprint mismatch."""
        if idem is None:
            return None
        row = db.execute(
            "SELECT fingerprint, response, created_at FROM idempotency WHERE key=?", (idem.key,)
        ).fetchone()
        if row is None or row[2] < to_ms(now) - IDEMPOTENCY_TTL_MS:
            return None
        if row[0] != idem.fingerprint:
            raise IdempotencyMismatch(
                "this Idempotency-Key was used before with a different request body", field="Idempotency-Key"
            )
        return json.loads(row[1])

    @staticmethod
    def _idem_put(db: sqlite3.Connection, idem: IdempotencyKey | None, response: Any, now: datetime) -> None:
        if idem is not None:
            db.execute(
                "INSERT OR REPLACE INTO idempotency VALUES (?, ?, ?, ?)",
                (idem.key, idem.fingerprint, json.dumps(response), to_ms(now)),
            )

    @staticmethod
    def _hold(db: sqlite3.Connection, hold_id: str) -> Hold | None:
        row = db.execute("SELECT data FROM holds WHERE hold_id=?", (hold_id,)).fetchone()
        return Hold.from_dict(json.loads(row[0])) if row else None

    @staticmethod
    def _put_hold(db: sqlite3.Connection, h: Hold) -> None:
        db.execute(
            "INSERT OR REPLACE INTO holds VALUES (?, ?, ?, ?)",
            (h.hold_id, h.status, to_ms(h.held_until), json.dumps(h.to_dict())),
        )

    # -- capacity ---------------------------------------------------------------

    async def seed(self, region: Region, now: datetime) -> None:
        """Create a stale entry for every offer without one."""

        def fn(db: sqlite3.Connection) -> None:
            db.executemany(
                "INSERT OR IGNORE INTO capacity VALUES (?, ?, ?, 0, 0, NULL, NULL, 0)",
                [(p.id, o.care_type, o.total) for p, o in region.offers()],
            )

        await self._write(fn)

    async def snapshot(self) -> Snapshot:
        """All entries, statuses and active holds at one event id (one read transaction)."""

        def fn(db: sqlite3.Connection) -> Snapshot:
            db.execute("BEGIN")
            try:
                last = db.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]
                entries = tuple(
                    CapacityEntry(
                        r[0],
                        r[1],
                        total=r[2],
                        available=r[3],
                        held=r[4],
                        reported_at=from_ms(r[5]) if r[5] is not None else None,
                        valid_until=from_ms(r[6]) if r[6] is not None else None,
                        version=r[7],
                    )
                    for r in db.execute("SELECT * FROM capacity ORDER BY provider_id, care_type")
                )
                statuses = tuple(
                    ProviderStatus.from_dict(json.loads(r[0])) for r in db.execute("SELECT data FROM provider_status")
                )
                holds = tuple(
                    Hold.from_dict(json.loads(r[0])) for r in db.execute("SELECT data FROM holds WHERE status='held'")
                )
            finally:
                db.execute("COMMIT")
            return Snapshot(entries, statuses, holds, str(last))

        return await self._run(fn)

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
        """Apply reports in one transaction; older reports are stale_ignored."""

        def fn(db: sqlite3.Connection) -> tuple[list[UpdateResult], bool]:
            replay = self._idem_get(db, idem, now)
            if replay is not None:
                return [UpdateResult(**r) for r in replay], True
            results: list[UpdateResult] = []
            for u in updates:
                cur = self._entry(db, u.provider_id, u.care_type) or CapacityEntry(
                    u.provider_id, u.care_type, total=u.total
                )
                if cur.reported_at is not None and u.reported_at < cur.reported_at:
                    results.append(UpdateResult(u.provider_id, u.care_type, "stale_ignored"))
                    continue
                new = CapacityEntry(
                    u.provider_id,
                    u.care_type,
                    total=u.total,
                    available=u.available,
                    held=cur.held,
                    reported_at=u.reported_at,
                    valid_until=u.valid_until,
                    version=cur.version + 1,
                )
                new = CapacityEntry.from_dict(new.to_dict())  # millisecond precision, as stored
                self._put_entry(db, new)
                self._event(db, "capacity.updated", {"op": op_id, "entry": new.to_dict()}, now)
                results.append(UpdateResult(u.provider_id, u.care_type, "applied", new))
            self._idem_put(db, idem, [r.to_dict() for r in results], now)
            return results, False

        return await self._write(fn)

    async def set_status(self, status: ProviderStatus, op_id: str) -> ProviderStatus:
        """Store a provider's stop status with the next version."""

        def fn(db: sqlite3.Connection) -> ProviderStatus:
            row = db.execute("SELECT data FROM provider_status WHERE provider_id=?", (status.provider_id,)).fetchone()
            version = json.loads(row[0])["version"] + 1 if row else 1
            d = status.to_dict() | {"version": version}
            db.execute("INSERT OR REPLACE INTO provider_status VALUES (?, ?)", (status.provider_id, json.dumps(d)))
            now = status.set_at or from_ms(0)
            self._event(db, "provider.status", {"op": op_id, "status": d}, now)
            return ProviderStatus.from_dict(d)

        return await self._write(fn)

    # -- holds ------------------------------------------------------------------

    async def hold(
        self,
        hold: Hold,
        now: datetime,
        idem: IdempotencyKey | None = None,
    ) -> tuple[Hold, CapacityEntry]:
        """Take one free unit atomically."""
        hold = Hold.from_dict(hold.to_dict())  # millisecond precision, as stored

        def fn(db: sqlite3.Connection) -> tuple[Hold, CapacityEntry]:
            replay = self._idem_get(db, idem, now)
            hold_id = replay["hold_id"] if replay is not None else hold.hold_id
            existing = self._hold(db, hold_id)
            if existing is not None:
                entry = self._entry(db, existing.provider_id, existing.care_type)
                assert entry is not None
                return existing, entry
            entry = self._entry(db, hold.provider_id, hold.care_type)
            if entry is None:
                raise NotFound(f"{hold.provider_id} offers no {hold.care_type}", field="care_type")
            row = db.execute("SELECT data FROM provider_status WHERE provider_id=?", (hold.provider_id,)).fetchone()
            if row is not None and ProviderStatus.from_dict(json.loads(row[0])).stopped(now):
                raise PlaceGone(f"{hold.provider_id} is under a stop")
            if entry.stale(now):
                raise PlaceGone(f"capacity of {hold.provider_id} {hold.care_type} is stale (unknown)")
            if entry.available - entry.held <= 0:
                raise PlaceGone(f"no free {hold.care_type} left at {hold.provider_id}")
            new = CapacityEntry(
                entry.provider_id,
                entry.care_type,
                total=entry.total,
                available=entry.available,
                held=entry.held + 1,
                reported_at=entry.reported_at,
                valid_until=entry.valid_until,
                version=entry.version + 1,
            )
            self._put_entry(db, new)
            self._put_hold(db, hold)
            self._event(db, "hold.created", {"hold": hold.to_dict(), "entry": new.to_dict()}, now)
            self._idem_put(db, idem, {"hold_id": hold.hold_id}, now)
            return hold, new

        return await self._write(fn)

    def _end_hold(self, db: sqlite3.Connection, hold: Hold, status: str, now: datetime) -> tuple[Hold, CapacityEntry]:
        """Move a held hold to ``status`` and give back or consume its unit (inside a transaction)."""
        entry = self._entry(db, hold.provider_id, hold.care_type)
        assert entry is not None
        consumed = 1 if status == "confirmed" else 0
        new = CapacityEntry(
            entry.provider_id,
            entry.care_type,
            total=entry.total,
            available=max(0, entry.available - consumed),
            held=max(0, entry.held - 1),
            reported_at=entry.reported_at,
            valid_until=entry.valid_until,
            version=entry.version + 1,
        )
        ended = hold.ended(status, now)  # type: ignore[arg-type]
        self._put_entry(db, new)
        self._put_hold(db, ended)
        self._event(db, f"hold.{status}", {"hold": ended.to_dict(), "entry": new.to_dict()}, now)
        return ended, new

    async def confirm_hold(self, hold_id: str, now: datetime) -> tuple[Hold, CapacityEntry]:
        """Hold -> placement; idempotent."""

        def fn(db: sqlite3.Connection) -> tuple[Hold, CapacityEntry] | str:
            hold = self._hold(db, hold_id)
            if hold is None:
                raise NotFound(f"no hold {hold_id}")
            if hold.status == "confirmed":
                entry = self._entry(db, hold.provider_id, hold.care_type)
                assert entry is not None
                return hold, entry
            if hold.status != "held":
                raise InvalidTransition(f"the hold was {hold.status} and cannot be confirmed")
            if hold.held_until <= now:
                # Past its time: expire it now (committed), then refuse.
                self._end_hold(db, hold, "expired", now)
                return "expired"
            return self._end_hold(db, hold, "confirmed", now)

        result = await self._write(fn)
        if isinstance(result, str):
            raise InvalidTransition("the hold expired before it was confirmed")
        return result

    async def release_hold(self, hold_id: str, now: datetime, status: str = "released") -> tuple[Hold, CapacityEntry]:
        """End a hold and give its unit back; idempotent."""

        def fn(db: sqlite3.Connection) -> tuple[Hold, CapacityEntry]:
            hold = self._hold(db, hold_id)
            if hold is None:
                raise NotFound(f"no hold {hold_id}")
            if hold.status != "held":
                if hold.status == status:
                    entry = self._entry(db, hold.provider_id, hold.care_type)
                    assert entry is not None
                    return hold, entry
                raise InvalidTransition(f"the hold was already {hold.status}")
            return self._end_hold(db, hold, status, now)

        return await self._write(fn)

    async def expire_holds(self, now: datetime) -> list[Hold]:
        """Expire every hold past its time."""

        def fn(db: sqlite3.Connection) -> list[Hold]:
            rows = db.execute(
                "SELECT data FROM holds WHERE status='held' AND held_until <= ?", (to_ms(now),)
            ).fetchall()
            out = []
            for (data,) in rows:
                ended, _ = self._end_hold(db, Hold.from_dict(json.loads(data)), "expired", now)
                out.append(ended)
            db.execute("DELETE FROM idempotency WHERE created_at < ?", (to_ms(now) - IDEMPOTENCY_TTL_MS,))
            return out

        return await self._write(fn)

    async def get_hold(self, hold_id: str) -> Hold | None:
        """One hold by id."""
        return await self._run(lambda db: self._hold(db, hold_id))

    # -- event log ----------------------------------------------------------------

    async def events_after(self, last_id: str, limit: int = 1000, block_ms: int = 0) -> list[Event]:
        """Events with an id above ``last_id``; waits up to ``block_ms`` for a write in this process."""

        def fn(db: sqlite3.Connection) -> list[Event]:
            rows = db.execute(
                "SELECT id, ts, type, data FROM events WHERE id > ? ORDER BY id LIMIT ?",
                (int(last_id or 0), limit),
            ).fetchall()
            return [Event(str(r[0]), from_ms(r[1]), r[2], json.loads(r[3])) for r in rows]

        self._changed.clear()
        events = await self._run(fn)
        if events or block_ms <= 0:
            return events
        # Another process may share the file, so a timeout re-reads even without a local write.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), block_ms / 1000)
        return await self._run(fn)

    async def append_event(self, type_: str, data: dict[str, Any], now: datetime) -> str:
        """Append an application event; returns its id."""

        def fn(db: sqlite3.Connection) -> str:
            self._event(db, type_, data, now)
            return str(db.execute("SELECT last_insert_rowid()").fetchone()[0])

        return await self._write(fn)

    # -- requests -----------------------------------------------------------------

    async def put_request(
        self,
        request_id: str,
        data: dict[str, Any],
        *,
        open_: bool,
        expected_version: int | None,
        op_id: str,
        now: datetime,
        event: tuple[str, dict[str, Any]] | None = None,
        trajectory_event: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> int:
        """Create or compare-and-set a request record, with its event, in one transaction."""

        def write(db: sqlite3.Connection, version: int | None, payload: str) -> None:
            if version is None:
                db.execute("INSERT INTO requests VALUES (?, 1, ?, ?, ?)", (request_id, int(open_), to_ms(now), payload))
            else:
                db.execute(
                    "UPDATE requests SET version=?, open=?, data=? WHERE id=?",
                    (version, int(open_), payload, request_id),
                )

        return await self._put_doc(
            "SELECT version FROM requests WHERE id=?",
            request_id,
            data,
            write,
            expected_version,
            op_id,
            now,
            event,
            trajectory_event,
            data.get("patient_ref"),
        )

    async def _put_doc(  # noqa: PLR0917 - one private call shape for both document kinds
        self,
        version_sql: str,
        doc_id: str,
        data: dict[str, Any],
        write: Callable[[sqlite3.Connection, int | None, str], None],
        expected_version: int | None,
        op_id: str,
        now: datetime,
        event: tuple[str, dict[str, Any]] | None,
        trajectory_event: dict[str, Any] | list[dict[str, Any]] | None,
        patient_ref: str | None,
    ) -> int:
        """Compare-and-set one document with its event and trajectory event, in one transaction."""
        op = IdempotencyKey(f"op:{op_id}", "")

        def fn(db: sqlite3.Connection) -> int:
            done = self._idem_get(db, op, now)
            if done is not None:
                return int(done)
            row = db.execute(version_sql, (doc_id,)).fetchone()
            payload = json.dumps(data, separators=(",", ":"))
            if expected_version is None:
                if row is not None:
                    raise Conflict(f"{doc_id} exists already")
                write(db, None, payload)
                version = 1
            else:
                if row is None:
                    raise NotFound(f"no record {doc_id}")
                if row[0] != expected_version:
                    raise Conflict(f"{doc_id} was changed meanwhile (version {row[0]}); read it again")
                version = expected_version + 1
                write(db, version, payload)
            if event is not None:
                self._event(db, event[0], event[1], now)
            if trajectory_event is not None and patient_ref:
                events = trajectory_event if isinstance(trajectory_event, list) else [trajectory_event]
                db.executemany(
                    "INSERT INTO trajectory_events (patient_ref, data) VALUES (?, ?)",
                    [(patient_ref, json.dumps(e, separators=(",", ":"))) for e in events],
                )
            self._idem_put(db, op, version, now)
            return version

        return await self._write(fn)

    async def put_trajectory(
        self,
        patient_ref: str,
        data: dict[str, Any],
        *,
        expected_version: int | None,
        op_id: str,
        now: datetime,
        event: tuple[str, dict[str, Any]] | None = None,
        trajectory_event: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> int:
        """Create or compare-and-set a trajectory record, with its event and trajectory event, in one transaction."""

        def write(db: sqlite3.Connection, version: int | None, payload: str) -> None:
            if version is None:
                db.execute("INSERT INTO trajectories VALUES (?, 1, ?)", (patient_ref, payload))
            else:
                db.execute(
                    "UPDATE trajectories SET version=?, data=? WHERE patient_ref=?", (version, payload, patient_ref)
                )

        return await self._put_doc(
            "SELECT version FROM trajectories WHERE patient_ref=?",
            patient_ref,
            data,
            write,
            expected_version,
            op_id,
            now,
            event,
            trajectory_event,
            patient_ref,
        )

    async def get_trajectory(self, patient_ref: str) -> tuple[dict[str, Any] | None, int, list[dict[str, Any]]]:
        """The record (None if never written), its version (0 if none) and its events, oldest first."""

        def fn(db: sqlite3.Connection) -> tuple[dict[str, Any] | None, int, list[dict[str, Any]]]:
            row = db.execute("SELECT data, version FROM trajectories WHERE patient_ref=?", (patient_ref,)).fetchone()
            events = [
                json.loads(r[0])
                for r in db.execute(
                    "SELECT data FROM trajectory_events WHERE patient_ref=? ORDER BY id", (patient_ref,)
                )
            ]
            return (json.loads(row[0]) if row else None), (row[1] if row else 0), events

        return await self._run(fn)

    async def append_audit(self, entry: dict[str, Any], now: datetime, retention_days: int) -> str:
        """Append an audit entry (NEN 7513); entries past the retention are removed."""

        def fn(db: sqlite3.Connection) -> str:
            cur = db.execute(
                "INSERT INTO audit (ts, patient_ref, data) VALUES (?, ?, ?)",
                (to_ms(now), entry.get("patient_ref"), json.dumps(entry, separators=(",", ":"))),
            )
            db.execute("DELETE FROM audit WHERE ts < ?", (to_ms(now) - retention_days * 86_400_000,))
            return str(cur.lastrowid)

        return await self._write(fn)

    async def list_audit(
        self,
        *,
        patient_ref: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Audit entries, oldest first, filtered by patient and time."""
        lo, hi = (to_ms(since) if since else 0), (to_ms(until) if until else 2**62)

        def fn(db: sqlite3.Connection) -> list[dict[str, Any]]:
            if patient_ref is None:
                rows = db.execute(
                    "SELECT id, data FROM audit WHERE ts >= ? AND ts <= ? ORDER BY id LIMIT ?", (lo, hi, limit)
                )
            else:
                rows = db.execute(
                    "SELECT id, data FROM audit WHERE patient_ref = ? AND ts >= ? AND ts <= ? ORDER BY id LIMIT ?",
                    (patient_ref, lo, hi, limit),
                )
            return [json.loads(r[1]) | {"id": str(r[0])} for r in rows]

        return await self._run(fn)

    async def get_request(self, request_id: str) -> tuple[dict[str, Any], int] | None:
        """A request record and its version."""

        def fn(db: sqlite3.Connection) -> tuple[dict[str, Any], int] | None:
            row = db.execute("SELECT data, version FROM requests WHERE id=?", (request_id,)).fetchone()
            return (json.loads(row[0]), row[1]) if row else None

        return await self._run(fn)

    async def list_requests(self, *, open_only: bool = True) -> list[tuple[dict[str, Any], int]]:
        """Request records, oldest first."""
        sql = (
            "SELECT data, version FROM requests WHERE open=1 ORDER BY created_at"
            if open_only
            else "SELECT data, version FROM requests ORDER BY created_at"
        )
        return await self._run(lambda db: [(json.loads(r[0]), r[1]) for r in db.execute(sql)])

    # -- tokens -------------------------------------------------------------------

    async def put_token(self, token_hash: str, record: TokenRecord) -> None:
        """Store a token grant."""
        await self._write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO tokens VALUES (?, ?)", (token_hash, json.dumps(record.to_dict()))
            )
        )

    async def get_token(self, token_hash: str) -> TokenRecord | None:
        """The grant of a token hash."""

        def fn(db: sqlite3.Connection) -> TokenRecord | None:
            row = db.execute("SELECT data FROM tokens WHERE hash=?", (token_hash,)).fetchone()
            return TokenRecord.from_dict(json.loads(row[0])) if row else None

        return await self._run(fn)

    async def count_tokens(self) -> int:
        """Number of stored tokens."""
        return int(await self._run(lambda db: db.execute("SELECT COUNT(*) FROM tokens").fetchone()[0]))
