"""The embedded backend: every store of a region on one SQLite file (see ``db`` for durability)."""

from __future__ import annotations

from ..store.types import Stores
from .audit import SqliteAudit
from .capacity import SqliteCapacity
from .db import SqliteBackend
from .events import SqliteEventLog
from .instances import SqliteInstances
from .records import SqliteRecords
from .tokens import SqliteTokens

__all__ = [
    "SqliteAudit",
    "SqliteBackend",
    "SqliteCapacity",
    "SqliteEventLog",
    "SqliteInstances",
    "SqliteRecords",
    "SqliteTokens",
    "open_sqlite",
]


def open_sqlite(url: str, region_id: str) -> Stores:
    """The stores of ``region_id`` on the SQLite file of ``url`` (``sqlite:///path``); open with ``backend.open()``."""
    backend = SqliteBackend(url, region_id)
    return Stores(
        backend=backend,
        capacity=SqliteCapacity(backend),
        events=SqliteEventLog(backend),
        records=SqliteRecords(backend),
        audit=SqliteAudit(backend),
        tokens=SqliteTokens(backend),
        instances=SqliteInstances(backend),
    )
