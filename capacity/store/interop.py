"""The store contracts of the connectors (issue 16): leases, capacity history, webhook subscriptions.

Kept beside the core contracts (``protocols``) rather than in ``Stores`` so that each backend adds
them in modules of their own; ``open_interop_stores`` builds them over an opened core backend.

- :class:`LeaseStore`: a named claim with a time to live, so that one instance of many does a job
  (poll a feed, deliver a webhook) and the others skip it.
- :class:`HistoryStore`: the capacity entries over time, kept compact as the last sample of each
  time bucket at a few resolutions (5 minutes, an hour, a day).
- :class:`SubscriptionStore`: webhook subscriptions (with their secret, never shown) and the record
  of each delivery.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from ..clock import from_ms, to_ms
from ..errors import InvalidInput
from ..state import CapacityEntry, EntryKey

__all__ = [
    "RESOLUTIONS",
    "Delivery",
    "HistoryStore",
    "InteropStores",
    "LeaseStore",
    "Sample",
    "Subscription",
    "SubscriptionStore",
    "bucket_of",
    "open_interop_stores",
]

#: The resolutions history keeps, in seconds: 5 minutes, an hour, 6 hours, a day.
RESOLUTIONS: tuple[int, ...] = (300, 3600, 21600, 86400)


def bucket_of(at_ms: int, resolution: int) -> int:
    """The bucket of a sample at ``at_ms``: bucket ``k`` holds the samples in ((k-1)R, kR] (R in ms)."""
    r = resolution * 1000
    return -(-at_ms // r)


class Sample(NamedTuple):
    """One capacity entry's state from ``at_ms`` on (epoch ms), as history keeps it.

    A named tuple, not a dataclass: a year's query builds tens of thousands from database rows.
    """

    at_ms: int
    version: int
    available: int
    held: int
    total: int
    valid_until_ms: int | None

    @classmethod
    def of(cls, entry: CapacityEntry, at: datetime) -> Sample:
        """The sample of ``entry`` as it stood at ``at``."""
        return cls(
            to_ms(at),
            entry.version,
            entry.available,
            entry.held,
            entry.total,
            to_ms(entry.valid_until) if entry.valid_until else None,
        )

    def fresh_at(self, t_ms: int) -> bool:
        """Whether the entry was fresh at ``t_ms`` (a report valid then)."""
        return self.valid_until_ms is not None and self.valid_until_ms > t_ms


@dataclass(frozen=True, slots=True)
class Subscription:
    """A webhook: where to POST, the secret its deliveries are signed with, which events, the thresholds."""

    id: str
    url: str
    secret: str
    events: tuple[str, ...]
    thresholds: Mapping[str, int] = field(default_factory=dict)
    created_at: datetime | None = None
    created_by: str = ""

    def to_json(self) -> str:
        """The stored form (with the secret: only the store and the signer see it)."""
        return json.dumps(
            {
                "id": self.id,
                "url": self.url,
                "secret": self.secret,
                "events": list(self.events),
                "thresholds": dict(self.thresholds),
                "created_at": to_ms(self.created_at) if self.created_at else None,
                "created_by": self.created_by,
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Subscription:
        """Inverse of :meth:`to_json`."""
        d = json.loads(text)
        ca = d.get("created_at")
        return cls(
            id=d["id"],
            url=d["url"],
            secret=d["secret"],
            events=tuple(d.get("events") or ()),
            thresholds={str(k): int(v) for k, v in (d.get("thresholds") or {}).items()},
            created_at=from_ms(int(ca)) if ca is not None else None,
            created_by=str(d.get("created_by") or ""),
        )

    def public(self) -> dict[str, Any]:
        """The API shape: never the secret."""
        return {
            "id": self.id,
            "url": self.url,
            "events": list(self.events),
            "thresholds": dict(self.thresholds),
            "created_at": self.created_at.isoformat().replace("+00:00", "Z") if self.created_at else None,
        }


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook delivery and how it went: ``pending``, ``retrying``, ``delivered`` or ``failed``."""

    id: str
    subscription_id: str
    event: str
    created_at_ms: int
    status: str = "pending"
    attempts: int = 0
    last_status: int | None = None
    last_error: str = ""
    updated_at_ms: int = 0

    def to_json(self) -> str:
        """The stored form."""
        return json.dumps(
            {
                "id": self.id,
                "subscription_id": self.subscription_id,
                "event": self.event,
                "created_at": self.created_at_ms,
                "status": self.status,
                "attempts": self.attempts,
                "last_status": self.last_status,
                "last_error": self.last_error,
                "updated_at": self.updated_at_ms,
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Delivery:
        """Inverse of :meth:`to_json`."""
        d = json.loads(text)
        return cls(
            id=d["id"],
            subscription_id=d["subscription_id"],
            event=d["event"],
            created_at_ms=int(d["created_at"]),
            status=d.get("status", "pending"),
            attempts=int(d.get("attempts", 0)),
            last_status=d.get("last_status"),
            last_error=str(d.get("last_error") or ""),
            updated_at_ms=int(d.get("updated_at") or 0),
        )


class LeaseStore(Protocol):
    """Named claims with a time to live, shared by every instance of a region."""

    async def claim(self, name: str, holder: str, ttl_ms: int, now: datetime) -> bool:
        """Take ``name`` for ``ttl_ms`` when nobody holds it unexpired (the holder itself included); True if taken."""

    async def extend(self, name: str, holder: str, ttl_ms: int, now: datetime) -> bool:
        """Set the time left of ``holder``'s claim to ``ttl_ms``; False when ``holder`` does not hold it."""


class HistoryStore(Protocol):
    """Capacity entries over time: the last sample per (entry, resolution, bucket)."""

    async def record(self, samples: Sequence[tuple[EntryKey, Sample]]) -> None:
        """Keep each sample in its bucket at every resolution unless the bucket has a later version; idempotent."""

    async def samples(
        self, keys: Sequence[EntryKey], resolution: int, first_bucket: int, last_bucket: int
    ) -> dict[EntryKey, list[Sample]]:
        """The samples of ``keys`` at ``resolution`` in buckets ``first_bucket..last_bucket``, oldest first.

        Each list starts with the entry's last sample before ``first_bucket``, if there is one: the
        state at the start of the range.
        """

    async def prune(self, keep_ms: Mapping[int, int], now: datetime, keys: Sequence[EntryKey]) -> None:
        """Drop, per resolution, the samples older than ``keep_ms[resolution]`` milliseconds."""


class SubscriptionStore(Protocol):
    """Webhook subscriptions and their deliveries."""

    async def put(self, sub: Subscription) -> None:
        """Store a subscription (its id is new)."""

    async def get(self, sub_id: str) -> Subscription | None:
        """One subscription, or None."""

    async def all(self) -> list[Subscription]:
        """Every subscription, oldest first."""

    async def delete(self, sub_id: str) -> bool:
        """Remove a subscription and its deliveries; False when unknown."""

    async def put_delivery(self, delivery: Delivery) -> None:
        """Store (or replace) a delivery record; a subscription keeps its latest ``keep`` records."""

    async def deliveries(self, sub_id: str, limit: int = 100) -> list[Delivery]:
        """A subscription's deliveries, newest first."""


@dataclass(frozen=True, slots=True)
class InteropStores:
    """The connector stores of one region on one backend."""

    leases: LeaseStore
    history: HistoryStore
    subscriptions: SubscriptionStore

    async def open(self) -> None:
        """Create what the backend lacks (SQLite tables); the core backend must be open."""
        opener = getattr(self.leases, "open", None)
        if opener is not None:
            await opener()


def open_interop_stores(backend: object) -> InteropStores:
    """The connector stores on the core ``backend`` of ``open_stores`` (SQLite or Redis)."""
    from ..redis_store.client import RedisBackend
    from ..sqlite_store.db import SqliteBackend

    if isinstance(backend, SqliteBackend):
        from ..sqlite_store.interop import open_sqlite_interop

        return open_sqlite_interop(backend)
    if isinstance(backend, RedisBackend):
        from ..redis_store.interop import open_redis_interop

        return open_redis_interop(backend)
    raise InvalidInput(f"no connector stores for a backend of type {type(backend).__name__}", field="store")
