"""What crosses the store contracts besides capacity state: idempotency keys, records as JSON text, the set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .protocols import AuditStore, Backend, CapacityStore, EventLog, InstanceRegistry, RecordStore, TokenStore

__all__ = ["AuditRow", "DocWrite", "Document", "IdempotencyKey", "InstanceInfo", "LogEvent", "Stores", "Trail"]


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """A client's Idempotency-Key, scoped by the caller, with a fingerprint of the request body."""

    key: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class LogEvent:
    """An event to append to the region's event log with a write: its type and JSON object."""

    type: str
    data: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Document:
    """A stored record (a request or a trajectory record) as JSON text, with its version."""

    body: str
    version: int


@dataclass(frozen=True, slots=True)
class DocWrite:
    """One compare-and-set write of a record and what is appended with it, in one atomic step.

    The store keeps ``body`` as it is (JSON text: the record's owner serialises it). An update must
    name the stored version (``expected_version``); a create (``None``) of an existing id is refused.
    ``trajectory_events`` (JSON texts) are appended to the trajectory events of ``patient_ref``.
    A retried call with the same ``op_id`` returns the first answer and changes nothing.
    """

    doc_id: str
    body: str
    expected_version: int | None
    op_id: str
    now: datetime
    event: LogEvent | None = None
    patient_ref: str | None = None
    trajectory_events: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Trail:
    """A patient's trajectory record (None if never written) and its events (JSON texts), oldest first.

    Events exist without a record: the request lifecycle appends them for any patient.
    """

    record: Document | None
    events: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One stored audit entry: its store-given id, the entry as JSON text and its link in the hash chain.

    ``seq`` is the entry's position in append order (1, 2, ...); ``prev`` the hash of the entry before
    it and ``hash`` its own (``capacity.store.chain``). Entries stored before the chain existed have
    ``seq`` 0 and empty hashes.
    """

    id: str
    body: str
    seq: int = 0
    prev: str = ""
    hash: str = ""


@dataclass(frozen=True, slots=True)
class InstanceInfo:
    """What a running instance announces about itself (its heartbeat), for ``zcc status``.

    ``extra`` holds what other parts report when they exist (audit spool depth, feed states): JSON values.
    """

    instance_id: str
    version: str
    host: str
    pid: int
    started_at: datetime
    seen_at: datetime
    view_lag_seconds: float = 0.0
    degraded: bool = False
    last_event_id: str = "0"
    extra: Mapping[str, object] | None = None


@dataclass(frozen=True, slots=True)
class Stores:
    """The stores of one region on one backend; each consumer takes only the one it uses."""

    backend: Backend
    capacity: CapacityStore
    events: EventLog
    records: RecordStore
    audit: AuditStore
    tokens: TokenStore
    instances: InstanceRegistry
