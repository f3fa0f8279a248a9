"""The NEN 7513 audit log in SQLite: append-only JSON texts in a hash chain, dropped after the retention period."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from ..clock import to_ms
from ..store.chain import GENESIS, link_hash
from ..store.types import AuditRow
from .db import SqliteBackend

__all__ = ["SqliteAudit"]

_DAY_MS = 86_400_000
_NO_END = 2**62
_COLUMNS = "id, data, prev_hash, hash"


def _row(r: tuple[int, str, str, str]) -> AuditRow:
    return AuditRow(str(r[0]), r[1], seq=r[0], prev=r[2], hash=r[3])


class SqliteAudit:
    """AuditStore on the ``audit`` table; ids are increasing integers (as text), which are also the chain order."""

    def __init__(self, backend: SqliteBackend) -> None:
        self._db = backend

    async def append(self, body: str, at: datetime, patient_ref: str | None, retention_days: int) -> str:
        """Append one entry at ``at``, linked to the last one; entries older than the retention before ``at`` go.

        The link is read and written in one ``BEGIN IMMEDIATE`` transaction: a second writer, in this
        process or another on the same file, waits for it, so the chain cannot fork.
        """

        def fn(db: sqlite3.Connection) -> str:
            last = db.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
            prev = last[0] if last is not None and last[0] else GENESIS
            cur = db.execute(
                "INSERT INTO audit (ts, patient_ref, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
                (to_ms(at), patient_ref, body, prev, link_hash(prev, body)),
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
        offset: int = 0,
    ) -> list[AuditRow]:
        """Entries, oldest first (by their time, then in order of appending), filtered by patient and time."""
        lo, hi = (to_ms(since) if since else 0), (to_ms(until) if until else _NO_END)

        def fn(db: sqlite3.Connection) -> list[AuditRow]:
            if patient_ref is None:
                rows = db.execute(
                    f"SELECT {_COLUMNS} FROM audit WHERE ts >= ? AND ts <= ? ORDER BY ts, id LIMIT ? OFFSET ?",  # noqa: S608
                    (lo, hi, limit, offset),
                )
            else:
                rows = db.execute(
                    f"SELECT {_COLUMNS} FROM audit WHERE patient_ref = ? AND ts >= ? AND ts <= ? "  # noqa: S608
                    "ORDER BY ts, id LIMIT ? OFFSET ?",
                    (patient_ref, lo, hi, limit, offset),
                )
            return [_row(r) for r in rows]

        return await self._db.run(fn)

    async def chain(self, after_seq: int = 0, limit: int = 1000) -> list[AuditRow]:
        """Entries in append order (by id) after ``after_seq``."""

        def fn(db: sqlite3.Connection) -> list[AuditRow]:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM audit WHERE id > ? ORDER BY id LIMIT ?",  # noqa: S608
                (after_seq, limit),
            )
            return [_row(r) for r in rows]

        return await self._db.run(fn)
