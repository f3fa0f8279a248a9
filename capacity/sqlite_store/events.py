"""The region's event log in the ``events`` table; blocked readers wake up on a write of this process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Mapping
from datetime import datetime

from ..clock import from_ms, to_ms
from ..state import Event
from .db import SqliteBackend

__all__ = ["SqliteEventLog", "log_event"]


def log_event(db: sqlite3.Connection, type_: str, data: Mapping[str, object], now: datetime) -> str:
    """Append an event inside the caller's transaction; returns its id."""
    cur = db.execute(
        "INSERT INTO events (ts, type, data) VALUES (?, ?, ?)",
        (to_ms(now), type_, json.dumps(data, separators=(",", ":"))),
    )
    return str(cur.lastrowid)


class SqliteEventLog:
    """EventLog on the backend's ``events`` table; ids are increasing integers (as text)."""

    def __init__(self, backend: SqliteBackend) -> None:
        self._db = backend
        self._changed = asyncio.Event()
        backend.on_commit(self._changed.set)

    async def events_after(self, last_id: str, limit: int = 1000, block_ms: int = 0) -> list[Event]:
        """Events with an id above ``last_id``; waits up to ``block_ms`` for a write in this process."""

        def fn(db: sqlite3.Connection) -> list[Event]:
            rows = db.execute(
                "SELECT id, ts, type, data FROM events WHERE id > ? ORDER BY id LIMIT ?",
                (int(last_id or 0), limit),
            ).fetchall()
            return [Event(str(r[0]), from_ms(r[1]), r[2], json.loads(r[3])) for r in rows]

        self._changed.clear()
        events = await self._db.run(fn)
        if events or block_ms <= 0:
            return events
        # Another process may share the file, so a timeout re-reads even without a local write.
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel that arrives just as the
        # event is set (a write at shutdown), and the follower would read on until the shutdown grace ran out.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(block_ms / 1000):
                await self._changed.wait()
        return await self._db.run(fn)

    async def append_event(self, type_: str, data: Mapping[str, object], now: datetime) -> str:
        """Append an event that is not part of another write; returns its id."""
        return await self._db.write(lambda db: log_event(db, type_, data, now))
