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

    ``sqlite:///path`` is the embedded default; ``redis://host:port/db`` one Redis server;
    ``redis+sentinel://host:port[,host:port...]/service[/db]`` the primary a set of Sentinels names;
    ``redis+cluster://host:port[,host:port...]`` a Redis Cluster. ``options`` go to the backend
    (for Redis e.g. ``socket_timeout``, ``min_replicas``).
    """
    if url.startswith("sqlite://"):
        from ..sqlite_store import open_sqlite

        return open_sqlite(url, region_id, **options)
    if url.startswith(("redis://", "rediss://", "unix://", "redis+sentinel://", "redis+cluster://")):
        from ..redis_store import open_redis

        return open_redis(url, region_id, **options)
    raise InvalidInput(
        f"unknown store URL scheme in {url!r}: use sqlite:///, redis://, redis+sentinel:// or redis+cluster://",
        field="store",
    )
