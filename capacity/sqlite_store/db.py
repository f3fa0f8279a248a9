"""The embedded backend: one SQLite file in WAL mode, one connection used from one dedicated thread.

Every write is one ``BEGIN IMMEDIATE`` transaction committed with ``synchronous=FULL``: in WAL mode
that fsyncs the log on every commit, so a write is on disk before the caller is answered (``NORMAL``
would be faster and could lose the last commits on power loss). All SQLite calls run on a single worker
thread, so the event loop never blocks on disk and the connection is never shared between threads.
Several processes may share the file: ``busy_timeout`` lets a writer wait for another's transaction.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from ..clock import to_ms
from ..errors import StoreUnavailable
from ..rules import check_fingerprint
from ..store.types import IdempotencyKey

__all__ = ["IDEMPOTENCY_TTL_MS", "SqliteBackend", "idem_get", "idem_put", "path_of"]

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
CREATE TABLE IF NOT EXISTS token_use (hash TEXT PRIMARY KEY, last_used INTEGER NOT NULL);
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
CREATE TABLE IF NOT EXISTS instances (id TEXT PRIMARY KEY, seen_at INTEGER NOT NULL, data TEXT NOT NULL);
"""

# Idempotency records live this long; a client retrying later than this is a new request.
IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000


def path_of(url: str) -> str:
    """The file path of a ``sqlite:///path`` URL (``sqlite:///:memory:`` for tests)."""
    rest = url.removeprefix("sqlite://")
    if rest.startswith("/"):
        rest = rest[1:]
    return rest or "var/zcc.db"


class SqliteBackend:
    """The connection every SQLite store of a set shares; see the module docstring for durability."""

    def __init__(self, url: str, region_id: str) -> None:
        self.region_id = region_id
        self.path = path_of(url)
        self.where = self.path
        self._db: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        # Called on the event loop after every committed write (the event log wakes its blocked readers).
        self._on_commit: list[Callable[[], None]] = []

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on the event loop) after every write this process commits."""
        self._on_commit.append(callback)

    async def run(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``fn`` with the connection on the store's thread; SQLite faults become StoreUnavailable."""
        if self._executor is None or self._db is None:
            raise StoreUnavailable("the store is not open")
        db = self._db
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, fn, db)
        except sqlite3.OperationalError as exc:  # disk full, locked past busy_timeout, I/O error
            _LOGGER.warning("sqlite operation failed: %s", exc)
            raise StoreUnavailable(f"embedded store failed: {exc}") from exc

    async def write(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``fn`` inside one immediate transaction, committed (and on disk) before returning.

        An exception from ``fn`` rolls the whole transaction back and is raised as it is.
        """

        def tx(db: sqlite3.Connection) -> _T:
            db.execute("BEGIN IMMEDIATE")
            try:
                result = fn(db)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            return result

        result = await self.run(tx)
        for callback in self._on_commit:
            callback()
        return result

    async def read(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``fn`` inside one read transaction: everything it reads is of one point in time."""

        def tx(db: sqlite3.Connection) -> _T:
            db.execute("BEGIN")
            try:
                return fn(db)
            finally:
                db.execute("COMMIT")

        return await self.run(tx)

    async def open(self) -> None:
        """Open the file, set WAL and FULL sync, create the tables, check the file is this region's."""
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
        """Close the connection and stop the thread (writes in flight finish first: one thread, in order)."""
        if self._db is not None and self._executor is not None:
            db = self._db
            await asyncio.get_running_loop().run_in_executor(self._executor, db.close)
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        self._db = None
        self._executor = None

    async def ping(self) -> None:
        """Raise StoreUnavailable when the file cannot be read."""
        await self.run(lambda db: db.execute("SELECT 1").fetchone())


# -- idempotency and op records (inside a transaction) -------------------------------------------


def idem_get(db: sqlite3.Connection, idem: IdempotencyKey | None, now: datetime) -> Any:
    """The stored response for ``idem`` (decoded JSON), None if new or past its time; raises on a mismatch."""
    if idem is None:
        return None
    row = db.execute("SELECT fingerprint, response, created_at FROM idempotency WHERE key=?", (idem.key,)).fetchone()
    if row is None or row[2] < to_ms(now) - IDEMPOTENCY_TTL_MS:
        return None
    check_fingerprint(row[0], idem.fingerprint)
    return json.loads(row[1])


def idem_put(db: sqlite3.Connection, idem: IdempotencyKey | None, response: Any, now: datetime) -> None:
    """Record ``response`` (JSON-able) as the answer to ``idem``."""
    if idem is not None:
        db.execute(
            "INSERT OR REPLACE INTO idempotency VALUES (?, ?, ?, ?)",
            (idem.key, idem.fingerprint, json.dumps(response), to_ms(now)),
        )
