"""The store contract: one Protocol that the SQLite and Redis stores both fulfil.

Every write is atomic and durable before it returns; every write is appended
to the store's event log, whose events carry the full new state of what
changed so that an in-memory view can follow the log without reading back.
Writes take an ``op_id`` that the store records with the write: a retried
call with the same ``op_id`` returns the first result and changes nothing
(redis-py retries timed-out commands by itself, see ``redis_store``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from .model import (
    CapacityEntry,
    CapacityUpdate,
    Event,
    Hold,
    ProviderStatus,
    Region,
    Snapshot,
    TokenRecord,
    UpdateResult,
)

__all__ = ["IdempotencyKey", "Store", "open_store"]


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """A client's Idempotency-Key, scoped by the caller, with a fingerprint of the request body."""

    key: str
    fingerprint: str


class Store(Protocol):
    """Durable capacity state, holds, idempotency records, tokens and the event log of one region."""

    region_id: str

    async def open(self) -> None:
        """Connect and create what is missing (tables, scripts)."""

    async def close(self) -> None:
        """Release connections."""

    async def ping(self) -> None:
        """Raise StoreUnavailable when the store cannot be reached."""

    async def seed(self, region: Region, now: datetime) -> None:
        """Create an (unreported, hence stale) entry for every offer of the region that has none.

        Existing entries keep their state; a changed configured total is not
        applied here (the next report from the provider sets it).
        """

    async def snapshot(self) -> Snapshot:
        """Every entry, provider status and active hold, with the last event id they include."""

    async def peek(self, region_id: str) -> Snapshot | None:
        """Another region's state when this store holds several regions (Redis), else None."""

    async def apply_updates(
        self,
        updates: Sequence[CapacityUpdate],
        op_id: str,
        now: datetime,
        idem: IdempotencyKey | None = None,
    ) -> tuple[list[UpdateResult], bool]:
        """Apply capacity reports atomically; an older report than the stored one is ``stale_ignored``.

        Returns the results and whether they are a replay of an earlier call
        with the same idempotency key (then nothing was applied now). Raises
        IdempotencyMismatch when ``idem`` was used before with another fingerprint.
        Reported ``total`` replaces the stored total; holds are kept.
        """

    async def set_status(self, status: ProviderStatus, op_id: str) -> ProviderStatus:
        """Set a provider's stop status; returns the stored status (with its new version)."""

    async def hold(
        self,
        hold: Hold,
        now: datetime,
        idem: IdempotencyKey | None = None,
    ) -> tuple[Hold, CapacityEntry]:
        """Take one free unit (available - held > 0, entry fresh) for ``hold``; atomic.

        Raises PlaceGone when no unit is free, NotFound for an unknown entry,
        IdempotencyMismatch for a reused key. Repeating the same ``hold_id`` or
        idempotency key returns the first hold and takes nothing more.
        """

    async def confirm_hold(self, hold_id: str, now: datetime) -> tuple[Hold, CapacityEntry]:
        """Turn a hold into a placement: held - 1 and available - 1. Idempotent.

        Raises InvalidTransition when the hold was released or expired, NotFound when unknown.
        """

    async def release_hold(self, hold_id: str, now: datetime, status: str = "released") -> tuple[Hold, CapacityEntry]:
        """End a hold and give its unit back (held - 1). Idempotent for the same final status.

        ``status`` is ``released`` or ``expired``. Raises InvalidTransition on a
        confirmed hold, NotFound when unknown.
        """

    async def expire_holds(self, now: datetime) -> list[Hold]:
        """Release every hold whose ``held_until`` has passed, as ``expired``."""

    async def get_hold(self, hold_id: str) -> Hold | None:
        """One hold by id, in whatever state."""

    async def events_after(self, last_id: str, limit: int = 1000, block_ms: int = 0) -> list[Event]:
        """Events after ``last_id`` (``"0"`` for all) in order; may wait ``block_ms`` for new ones."""

    async def append_event(self, type_: str, data: dict[str, Any], now: datetime) -> str:
        """Append an event that is not part of a capacity write (e.g. a request's triage)."""

    async def put_request(
        self,
        request_id: str,
        data: dict[str, Any],
        *,
        open_: bool,
        expected_version: int | None,
        op_id: str,
        now: datetime,
        event: tuple[str, dict[str, Any]] | None = None,
        trajectory_event: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> int:
        """Create (``expected_version`` None) or update a request record, with an event, atomically.

        Optimistic concurrency: an update whose ``expected_version`` is not the
        stored one raises Conflict and changes nothing; a create of an existing
        id raises Conflict. Returns the new version (1 on create). ``open_``
        keeps the record in the set of open requests. A retried call with the
        same ``op_id`` returns the first answer. ``trajectory_event`` (one or a list) is
        appended, in the same atomic write, to the trajectory events of the record's ``patient_ref``.
        """

    async def get_request(self, request_id: str) -> tuple[dict[str, Any], int] | None:
        """A request record and its version, or None."""

    async def list_requests(self, *, open_only: bool = True) -> list[tuple[dict[str, Any], int]]:
        """Request records (the open ones by default), oldest first."""

    async def put_trajectory(
        self,
        patient_ref: str,
        data: dict[str, Any],
        *,
        expected_version: int | None,
        op_id: str,
        now: datetime,
        event: tuple[str, dict[str, Any]] | None = None,
        trajectory_event: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> int:
        """Create or compare-and-set a patient's trajectory record (as put_request does for requests)."""

    async def get_trajectory(self, patient_ref: str) -> tuple[dict[str, Any] | None, int, list[dict[str, Any]]]:
        """The trajectory record (None if never written), its version (0 if none) and its events, oldest first.

        Events exist without a record: the request lifecycle appends them for any patient.
        """

    async def append_audit(self, entry: dict[str, Any], now: datetime, retention_days: int) -> str:
        """Append one audit entry (append-only; entries older than ``retention_days`` are dropped)."""

    async def list_audit(
        self,
        *,
        patient_ref: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Audit entries, oldest first, filtered by patient reference and time."""

    async def put_token(self, token_hash: str, record: TokenRecord) -> None:
        """Store a token's grant under the hash of the token."""

    async def get_token(self, token_hash: str) -> TokenRecord | None:
        """The grant of a token hash, or None."""

    async def count_tokens(self) -> int:
        """How many tokens exist (to tell an operator how to make the first one)."""


def open_store(url: str, region_id: str, **options: Any) -> Store:
    """A store for ``url``: ``sqlite:///path`` (embedded default) or ``redis://host:port/db``."""
    from .errors import InvalidInput

    if url.startswith("sqlite://"):
        from .sqlite_store import SqliteStore

        return SqliteStore(url, region_id, **options)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis_store import RedisStore

        return RedisStore(url, region_id, **options)
    raise InvalidInput(f"unknown store URL scheme in {url!r}: use sqlite:/// or redis://", field="store")
