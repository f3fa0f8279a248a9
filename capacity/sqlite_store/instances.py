"""Instance heartbeats in SQLite: one row per instance id."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from ..clock import to_ms
from ..store.instances import HEARTBEAT_KEEP_MS, from_json, to_json
from ..store.types import InstanceInfo
from .db import SqliteBackend

__all__ = ["SqliteInstances"]


class SqliteInstances:
    """InstanceRegistry on the ``instances`` table."""

    def __init__(self, backend: SqliteBackend) -> None:
        self._db = backend

    async def announce(self, info: InstanceInfo) -> None:
        """Replace the instance's heartbeat; drop heartbeats older than a day."""
        seen = to_ms(info.seen_at)

        def fn(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT OR REPLACE INTO instances (id, seen_at, data) VALUES (?, ?, ?)",
                (info.instance_id, seen, to_json(info)),
            )
            db.execute("DELETE FROM instances WHERE seen_at < ?", (seen - HEARTBEAT_KEEP_MS,))

        await self._db.write(fn)

    async def seen_since(self, since: datetime) -> list[InstanceInfo]:
        """Heartbeats at or after ``since``."""
        rows = await self._db.run(
            lambda db: db.execute(
                "SELECT data FROM instances WHERE seen_at >= ? ORDER BY id", (to_ms(since),)
            ).fetchall()
        )
        return [from_json(r[0]) for r in rows]
