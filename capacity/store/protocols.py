"""The store contracts: one small Protocol per kind of state, fulfilled by every backend.

Every write is atomic and durable before it returns. Capacity writes and record writes append to
the region's event log, whose events carry the full new state of what changed, so an in-memory
view can follow the log without reading back. Writes take an ``op_id`` (or an idempotency key)
that the store records with the write: a retried call with the same ``op_id`` returns the first
result and changes nothing (redis-py retries timed-out commands by itself).

The backends: ``capacity.sqlite_store`` (embedded, one file) and ``capacity.redis_store``; both
pass the same contract tests (tests/stores/).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from ..model import Region
from ..state import CapacityEntry, CapacityUpdate, Event, Hold, ProviderStatus, Snapshot, TokenRecord, UpdateResult
from .types import AuditRow, Document, DocWrite, IdempotencyKey, InstanceInfo, Trail

__all__ = ["AuditStore", "Backend", "CapacityStore", "EventLog", "InstanceRegistry", "RecordStore", "TokenStore"]


class Backend(Protocol):
    """The connection every store of one backend shares: opened once, closed once."""

    @property
    def where(self) -> str:
        """Where the data lives, for logs and error texts (a file path, host:port, the primary now)."""

    async def open(self) -> None:
        """Connect and create what is missing (tables, scripts)."""

    async def close(self) -> None:
        """Finish writes in flight and release connections."""

    async def ping(self) -> None:
        """Raise StoreUnavailable when the store cannot be reached."""


class CapacityStore(Protocol):
    """Capacity entries, provider stops and holds of one region; every change goes to the event log."""

    region_id: str

    async def seed(self, region: Region, now: datetime) -> None:
        """Create an (unreported, hence stale) entry for every offer of the region that has none.

        Existing entries keep their state; a changed configured total is not applied here
        (the next report from the provider sets it).
        """

    async def snapshot(self) -> Snapshot:
        """Every entry, provider status and active hold, with the last event id they include."""

    async def peek(self, region_id: str) -> Snapshot | None:
        """Another region's state when this backend holds several regions (Redis), else None."""

    async def apply_updates(
        self,
        updates: Sequence[CapacityUpdate],
        op_id: str,
        now: datetime,
        idem: IdempotencyKey | None = None,
    ) -> tuple[list[UpdateResult], bool]:
        """Apply capacity reports atomically; a report older than the stored one is ``stale_ignored``.

        Returns the results and whether they replay an earlier call with the same idempotency key
        (then nothing was applied now). Raises IdempotencyMismatch when ``idem`` was used before
        with another fingerprint. A reported ``total`` replaces the stored total; holds are kept.
        """

    async def set_status(self, status: ProviderStatus, op_id: str) -> ProviderStatus:
        """Set a provider's stop status; returns the stored status (with its new version)."""

    async def hold(self, hold: Hold, now: datetime, idem: IdempotencyKey | None = None) -> tuple[Hold, CapacityEntry]:
        """Take one free unit (available - held > 0, entry fresh, no stop) for ``hold``; atomic.

        Raises PlaceGone when no unit is free, NotFound for an unknown entry, IdempotencyMismatch
        for a reused key. Repeating the same ``hold_id`` or idempotency key returns the first hold
        and takes nothing more.
        """

    async def confirm_hold(self, hold_id: str, now: datetime) -> tuple[Hold, CapacityEntry]:
        """Turn a hold into a placement: held - 1 and available - 1. Idempotent.

        A hold past its time is expired instead and refused (InvalidTransition); so is a released
        or expired hold. NotFound when unknown.
        """

    async def release_hold(self, hold_id: str, now: datetime, status: str = "released") -> tuple[Hold, CapacityEntry]:
        """End a hold and give its unit back (held - 1). Idempotent for the same final status.

        ``status`` is ``released`` or ``expired``. Raises InvalidTransition on a confirmed hold,
        NotFound when unknown.
        """

    async def expire_holds(self, now: datetime) -> list[Hold]:
        """Release every hold whose ``held_until`` has passed, as ``expired`` (bounded per call)."""

    async def get_hold(self, hold_id: str) -> Hold | None:
        """One hold by id, in whatever state."""


class EventLog(Protocol):
    """The region's append-only event log: what followers (other instances) read."""

    async def events_after(self, last_id: str, limit: int = 1000, block_ms: int = 0) -> list[Event]:
        """Events after ``last_id`` (``"0"`` for all) in order; may wait ``block_ms`` for new ones."""

    async def append_event(self, type_: str, data: Mapping[str, object], now: datetime) -> str:
        """Append an event that is not part of another write; returns its id."""


class RecordStore(Protocol):
    """Request and trajectory records: JSON documents changed by compare-and-set, with their events."""

    async def put_request(self, write: DocWrite, *, open_: bool) -> int:
        """Create or update a request record with its event and trajectory events, atomically.

        Raises Conflict when ``write.expected_version`` is not the stored one (or on a create of an
        existing id) and changes nothing; NotFound on an update of an unknown id. Returns the new
        version (1 on create). ``open_`` keeps the record in the set of open requests.
        """

    async def get_request(self, request_id: str) -> Document | None:
        """A request record, or None."""

    async def list_requests(self, *, open_only: bool = True) -> list[Document]:
        """Request records (the open ones by default), oldest first by creation."""

    async def put_trajectory(self, write: DocWrite) -> int:
        """Create or compare-and-set a patient's trajectory record (``write.doc_id`` is the patient_ref).

        ``write.trajectory_events`` go to the events of ``write.patient_ref``, or of ``write.doc_id`` when None.
        """

    async def get_trajectory(self, patient_ref: str) -> Trail:
        """The patient's record and events."""


class AuditStore(Protocol):
    """The NEN 7513 audit log: append-only, kept for a retention period."""

    async def append(self, body: str, at: datetime, patient_ref: str | None, retention_days: int) -> str:
        """Append one entry (JSON text) at ``at``; entries older than ``retention_days`` are dropped."""

    async def query(
        self,
        *,
        patient_ref: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[AuditRow]:
        """Entries, oldest first, filtered by patient reference and time."""


class TokenStore(Protocol):
    """Bearer token grants, stored under the hash of the token (never the token).

    Every instance keeps the grants in memory, loaded with :meth:`all` and kept current from the
    event log: a ``token.created`` event (``{"token_hash", "grant"}``) is appended with each
    :meth:`put` in the same atomic step; a revocation appends ``token.revoked`` (``{"token_hash"}``)
    with its delete the same way.
    """

    async def put(self, token_hash: str, record: TokenRecord) -> None:
        """Store a token's grant and append its ``token.created`` event, atomically."""

    async def get(self, token_hash: str) -> TokenRecord | None:
        """The grant of a token hash, or None."""

    async def all(self) -> dict[str, TokenRecord]:
        """Every grant, by token hash."""

    async def count(self) -> int:
        """How many tokens exist (to tell an operator how to make the first one)."""

    async def revoke(self, token_hash: str, now: datetime) -> bool:
        """Delete a grant and append its ``token.revoked`` event, atomically; False when there was none."""

    async def mark_used(self, used: Mapping[str, datetime]) -> None:
        """Record when tokens (by hash) were last used; a later time is never replaced by an earlier one."""

    async def last_used(self) -> dict[str, datetime]:
        """When each token was last used, by hash (a token never used is absent)."""


class InstanceRegistry(Protocol):
    """The instances serving a region, as each announces itself (a heartbeat); read by ``zcc status``."""

    async def announce(self, info: InstanceInfo) -> None:
        """Record ``info`` under its instance id (replacing the previous heartbeat); old entries are dropped."""

    async def seen_since(self, since: datetime) -> list[InstanceInfo]:
        """The instances whose last heartbeat is at or after ``since``, by instance id."""
