"""The connector stores (leases, history, subscriptions) on the embedded SQLite file, in tables of their own."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime

from ..clock import to_ms
from ..state import EntryKey
from ..store.interop import RESOLUTIONS, Delivery, InteropStores, Sample, Subscription, bucket_of
from .db import SqliteBackend

__all__ = ["SqliteHistory", "SqliteLeases", "SqliteSubscriptions", "open_sqlite_interop"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS history (
    provider_id TEXT NOT NULL, care_type TEXT NOT NULL, res INTEGER NOT NULL, bucket INTEGER NOT NULL,
    version INTEGER NOT NULL, at INTEGER NOT NULL, available INTEGER NOT NULL, held INTEGER NOT NULL,
    total INTEGER NOT NULL, valid_until INTEGER,
    PRIMARY KEY (provider_id, care_type, res, bucket)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS subscriptions (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY, sub_id TEXT NOT NULL, created_at INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_sub ON deliveries (sub_id, created_at);
"""

#: Delivery records kept per subscription.
KEEP_DELIVERIES = 200


class SqliteLeases:
    """LeaseStore on the ``leases`` table (times from the caller's clock)."""

    def __init__(self, backend: SqliteBackend) -> None:
        self._db = backend

    async def open(self) -> None:
        """Create the connector tables."""
        await self._db.run(lambda db: db.executescript(_SCHEMA))

    async def claim(self, name: str, holder: str, ttl_ms: int, now: datetime) -> bool:
        """Take ``name`` unless an unexpired claim exists."""
        t = to_ms(now)

        def fn(db: sqlite3.Connection) -> bool:
            db.execute("DELETE FROM leases WHERE name=? AND until_ms<=?", (name, t))
            cur = db.execute("INSERT OR IGNORE INTO leases VALUES (?, ?, ?)", (name, holder, t + ttl_ms))
            return cur.rowcount == 1

        return await self._db.write(fn)

    async def extend(self, name: str, holder: str, ttl_ms: int, now: datetime) -> bool:
        """Move the end of ``holder``'s claim."""
        t = to_ms(now)

        def fn(db: sqlite3.Connection) -> bool:
            cur = db.execute(
                "UPDATE leases SET until_ms=? WHERE name=? AND holder=? AND until_ms>?", (t + ttl_ms, name, holder, t)
            )
            return cur.rowcount == 1

        return await self._db.write(fn)


class SqliteHistory:
    """HistoryStore on the ``history`` table: one row per (entry, resolution, bucket)."""

    def __init__(self, backend: SqliteBackend) -> None:
        self._db = backend

    async def record(self, samples: Sequence[tuple[EntryKey, Sample]]) -> None:
        """Upsert each sample at every resolution; a bucket keeps the highest version."""
        rows = [
            (p, c, res, bucket_of(s.at_ms, res), s.version, s.at_ms, s.available, s.held, s.total, s.valid_until_ms)
            for (p, c), s in samples
            for res in RESOLUTIONS
        ]
        if not rows:
            return

        def fn(db: sqlite3.Connection) -> None:
            db.executemany(
                "INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (provider_id, care_type, res, bucket) DO UPDATE SET version=excluded.version, "
                "at=excluded.at, available=excluded.available, held=excluded.held, total=excluded.total, "
                "valid_until=excluded.valid_until WHERE excluded.version >= history.version",
                rows,
            )

        await self._db.write(fn)

    async def samples(
        self, keys: Sequence[EntryKey], resolution: int, first_bucket: int, last_bucket: int
    ) -> dict[EntryKey, list[Sample]]:
        """Per entry one look back and one range read, in one read transaction."""

        def fn(db: sqlite3.Connection) -> dict[EntryKey, list[Sample]]:
            out: dict[EntryKey, list[Sample]] = {}
            for p, c in keys:
                before = db.execute(
                    "SELECT at, version, available, held, total, valid_until FROM history "
                    "WHERE provider_id=? AND care_type=? AND res=? AND bucket<? ORDER BY bucket DESC LIMIT 1",
                    (p, c, resolution, first_bucket),
                ).fetchall()
                rows = (
                    before
                    + db.execute(
                        "SELECT at, version, available, held, total, valid_until FROM history "
                        "WHERE provider_id=? AND care_type=? AND res=? AND bucket BETWEEN ? AND ? ORDER BY bucket",
                        (p, c, resolution, first_bucket, last_bucket),
                    ).fetchall()
                )
                out[(p, c)] = list(map(Sample._make, rows))
            return out

        return await self._db.read(fn)

    async def prune(self, keep_ms: Mapping[int, int], now: datetime, keys: Sequence[EntryKey]) -> None:
        """Delete old buckets per resolution."""
        t = to_ms(now)

        def fn(db: sqlite3.Connection) -> None:
            for res, keep in keep_ms.items():
                db.execute("DELETE FROM history WHERE res=? AND bucket<?", (res, bucket_of(t - keep, res)))

        await self._db.write(fn)


class SqliteSubscriptions:
    """SubscriptionStore on the ``subscriptions`` and ``deliveries`` tables."""

    def __init__(self, backend: SqliteBackend) -> None:
        self._db = backend

    async def put(self, sub: Subscription) -> None:
        """Insert a subscription."""
        created = to_ms(sub.created_at) if sub.created_at else 0
        await self._db.write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO subscriptions VALUES (?, ?, ?)", (sub.id, created, sub.to_json())
            )
        )

    async def get(self, sub_id: str) -> Subscription | None:
        """One subscription."""
        row = await self._db.run(
            lambda db: db.execute("SELECT data FROM subscriptions WHERE id=?", (sub_id,)).fetchone()
        )
        return Subscription.from_json(row[0]) if row else None

    async def all(self) -> list[Subscription]:
        """Every subscription, oldest first."""
        rows = await self._db.run(
            lambda db: db.execute("SELECT data FROM subscriptions ORDER BY created_at, id").fetchall()
        )
        return [Subscription.from_json(r[0]) for r in rows]

    async def delete(self, sub_id: str) -> bool:
        """Remove a subscription and its deliveries."""

        def fn(db: sqlite3.Connection) -> bool:
            db.execute("DELETE FROM deliveries WHERE sub_id=?", (sub_id,))
            return db.execute("DELETE FROM subscriptions WHERE id=?", (sub_id,)).rowcount == 1

        return await self._db.write(fn)

    async def put_delivery(self, delivery: Delivery) -> None:
        """Upsert a delivery; keep the latest records of its subscription."""

        def fn(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT OR REPLACE INTO deliveries VALUES (?, ?, ?, ?)",
                (delivery.id, delivery.subscription_id, delivery.created_at_ms, delivery.to_json()),
            )
            db.execute(
                "DELETE FROM deliveries WHERE sub_id=? AND id NOT IN "
                "(SELECT id FROM deliveries WHERE sub_id=? ORDER BY created_at DESC LIMIT ?)",
                (delivery.subscription_id, delivery.subscription_id, KEEP_DELIVERIES),
            )

        await self._db.write(fn)

    async def deliveries(self, sub_id: str, limit: int = 100) -> list[Delivery]:
        """Newest first."""
        rows = await self._db.run(
            lambda db: db.execute(
                "SELECT data FROM deliveries WHERE sub_id=? ORDER BY created_at DESC, id LIMIT ?", (sub_id, limit)
            ).fetchall()
        )
        return [Delivery.from_json(r[0]) for r in rows]


def open_sqlite_interop(backend: SqliteBackend) -> InteropStores:
    """The connector stores on ``backend`` (open with ``InteropStores.open`` once the backend is open)."""
    return InteropStores(SqliteLeases(backend), SqliteHistory(backend), SqliteSubscriptions(backend))
