"""The NEN 7513 audit log in SQLite: append-only JSON texts, dropped after the retention period."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from ..clock import to_ms
from ..store.types import AuditRow
from .db import SqliteBackend

__all__ = ["SqliteAudit"]

_DAY_MS = 86_400_000
_NO_END = 2**62


class SqliteAudit:
    """AuditStore on the ``audit`` table; ids are increasing integers (as text)."""

    def __init__(self, backend: SqliteBackend) -> None:
        self._db = backend

    async def append(self, body: str, at: datetime, patient_ref: str | None, retention_days: int) -> str:
        """Append one entry at ``at``; entries older than ``retention_days`` before ``at`` are removed."""

        def fn(db: sqlite3.Connection) -> str:
            cur = db.execute(
                "INSERT INTO audit (ts, patient_ref, data) VALUES (?, ?, ?)", (to_ms(at), patient_ref, body)
            )
            db.execute("DELETE FROM audit WHERE ts < ?", (to_ms(at) - retention_days * _DAY_MS,))
            return str(cur.lastrowid)

        return await self._db.write(fn)

    async def query(
        self,
        *,
        patient_ref: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[AuditRow]:
        """Entries, oldest first (by their time, then in order of appending), filtered by patient and time."""
        lo, hi = (to_ms(since) if since else 0), (to_ms(until) if until else _NO_END)

        def fn(db: sqlite3.Connection) -> list[AuditRow]:
            if patient_ref is None:
                rows = db.execute(
                    "SELECT id, data FROM audit WHERE ts >= ? AND ts <= ? ORDER BY ts, id LIMIT ?", (lo, hi, limit)
                )
            else:
                rows = db.execute(
                    "SELECT id, data FROM audit WHERE patient_ref = ? AND ts >= ? AND ts <= ? ORDER BY ts, id LIMIT ?",
                    (patient_ref, lo, hi, limit),
                )
            return [AuditRow(str(r[0]), r[1]) for r in rows]

        return await self._db.run(fn)
