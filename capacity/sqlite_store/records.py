"""Request and trajectory records in SQLite: JSON text changed by compare-and-set, with their events."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from ..clock import to_ms
from ..rules import next_doc_version
from ..store.types import Document, DocWrite, IdempotencyKey, Trail
from .db import SqliteBackend, idem_get, idem_put
from .events import log_event

__all__ = ["SqliteRecords"]

# Writes one record: (connection, the write, its new version).
_Writer = Callable[[sqlite3.Connection, DocWrite, int], None]


class SqliteRecords:
    """RecordStore on the ``requests``, ``trajectories`` and ``trajectory_events`` tables."""

    def __init__(self, backend: SqliteBackend) -> None:
        self._db = backend

    async def _put(self, version_sql: str, write: DocWrite, store: _Writer, patient_ref: str | None) -> int:
        """Compare-and-set one record with its event and trajectory events, in one transaction.

        A write whose ``op_id`` was done before answers that write's version and changes nothing.
        """
        op = IdempotencyKey(f"op:{write.op_id}", "")

        def fn(db: sqlite3.Connection) -> int:
            done = idem_get(db, op, write.now)
            if done is not None:
                return int(done)
            row = db.execute(version_sql, (write.doc_id,)).fetchone()
            version = next_doc_version(write.doc_id, row[0] if row is not None else None, write.expected_version)
            store(db, write, version)
            if write.event is not None:
                log_event(db, write.event.type, write.event.data, write.now)
            if write.trajectory_events and patient_ref:
                db.executemany(
                    "INSERT INTO trajectory_events (patient_ref, data) VALUES (?, ?)",
                    [(patient_ref, e) for e in write.trajectory_events],
                )
            idem_put(db, op, version, write.now)
            return version

        return await self._db.write(fn)

    async def put_request(self, write: DocWrite, *, open_: bool) -> int:
        """Create or compare-and-set a request record (created at ``write.now``), atomically with its events."""

        def store(db: sqlite3.Connection, w: DocWrite, version: int) -> None:
            if version == 1:
                db.execute(
                    "INSERT INTO requests (id, version, open, created_at, data) VALUES (?, 1, ?, ?, ?)",
                    (w.doc_id, int(open_), to_ms(w.now), w.body),
                )
            else:
                db.execute(
                    "UPDATE requests SET version=?, open=?, data=? WHERE id=?", (version, int(open_), w.body, w.doc_id)
                )

        return await self._put("SELECT version FROM requests WHERE id=?", write, store, write.patient_ref)

    async def get_request(self, request_id: str) -> Document | None:
        """A request record, or None."""

        def fn(db: sqlite3.Connection) -> Document | None:
            row = db.execute("SELECT data, version FROM requests WHERE id=?", (request_id,)).fetchone()
            return Document(row[0], row[1]) if row is not None else None

        return await self._db.run(fn)

    async def list_requests(self, *, open_only: bool = True) -> list[Document]:
        """Request records (the open ones by default), oldest first by creation."""
        sql = (
            "SELECT data, version FROM requests WHERE open=1 ORDER BY created_at, rowid"
            if open_only
            else "SELECT data, version FROM requests ORDER BY created_at, rowid"
        )
        return await self._db.run(lambda db: [Document(r[0], r[1]) for r in db.execute(sql)])

    async def put_trajectory(self, write: DocWrite) -> int:
        """Create or compare-and-set a patient's trajectory record (``write.doc_id`` is the patient_ref)."""

        def store(db: sqlite3.Connection, w: DocWrite, version: int) -> None:
            if version == 1:
                db.execute("INSERT INTO trajectories (patient_ref, version, data) VALUES (?, 1, ?)", (w.doc_id, w.body))
            else:
                db.execute("UPDATE trajectories SET version=?, data=? WHERE patient_ref=?", (version, w.body, w.doc_id))

        return await self._put(
            "SELECT version FROM trajectories WHERE patient_ref=?", write, store, write.patient_ref or write.doc_id
        )

    async def get_trajectory(self, patient_ref: str) -> Trail:
        """The patient's record (None if never written) and events, oldest first, read together."""

        def fn(db: sqlite3.Connection) -> Trail:
            row = db.execute("SELECT data, version FROM trajectories WHERE patient_ref=?", (patient_ref,)).fetchone()
            events = tuple(
                r[0]
                for r in db.execute(
                    "SELECT data FROM trajectory_events WHERE patient_ref=? ORDER BY id", (patient_ref,)
                )
            )
            return Trail(Document(row[0], row[1]) if row is not None else None, events)

        return await self._db.read(fn)
