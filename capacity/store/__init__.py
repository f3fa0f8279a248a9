"""The store contracts (one Protocol per kind of state) and ``open_stores``, which picks the backend by URL."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidInput
from .protocols import AuditStore, Backend, CapacityStore, EventLog, InstanceRegistry, RecordStore, TokenStore
from .types import AuditRow, Document, DocWrite, IdempotencyKey, InstanceInfo, LogEvent, Stores, Trail

__all__ = [
    "AuditRow",
    "AuditStore",
    "Backend",
    "CapacityStore",
    "DocWrite",
    "Document",
    "EventLog",
    "IdempotencyKey",
    "InstanceInfo",
    "InstanceRegistry",
    "LogEvent",
    "RecordStore",
    "Stores",
    "TokenStore",
    "Trail",
    "open_stores",
]


def open_stores(url: str, region_id: str, **options: Any) -> Stores:
    """The stores of ``region_id`` on the backend of ``url`` (not yet opened: ``await stores.backend.open()``).

    ``sqlite:///path`` is the embedded default; ``redis://host:port/db`` a Redis server.
    ``options`` go to the backend (e.g. ``socket_timeout`` for Redis).
    """
    if url.startswith("sqlite://"):
        from ..sqlite_store import open_sqlite

        return open_sqlite(url, region_id, **options)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from ..redis_store import open_redis

        return open_redis(url, region_id, **options)
    raise InvalidInput(f"unknown store URL scheme in {url!r}: use sqlite:/// or redis://", field="store")
