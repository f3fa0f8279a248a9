"""Capacity state: entries, provider stops, holds, reports and their results, the event log's events.

Plain, immutable dataclasses with no I/O. Times are timezone-aware UTC ``datetime`` objects here and
epoch milliseconds inside the stores (``to_dict``/``from_dict``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal, TypeAlias

from .clock import from_ms, to_ms
from .jsontypes import JSONObject

__all__ = [
    "CapacityEntry",
    "CapacityUpdate",
    "EntryHint",
    "EntryKey",
    "Event",
    "Hold",
    "HoldStatus",
    "LazyJson",
    "ProviderStatus",
    "Snapshot",
    "TokenRecord",
    "UpdateResult",
    "status_key",
]

HoldStatus: TypeAlias = Literal["held", "confirmed", "released", "expired"]
EntryKey: TypeAlias = tuple[str, str]


@dataclass(frozen=True, slots=True)
class CapacityEntry:
    """The live capacity of one care type at one provider.

    ``available`` is what the provider last reported free; ``held`` is how many
    of those zcc holds for requests; free means ``available - held``. An entry
    that was never reported, or whose ``valid_until`` has passed, is stale: its
    availability is unknown, not free.
    """

    provider_id: str
    care_type: str
    total: int
    available: int = 0
    held: int = 0
    reported_at: datetime | None = None
    valid_until: datetime | None = None
    version: int = 0

    @property
    def key(self) -> EntryKey:
        """The (provider, care type) key."""
        return (self.provider_id, self.care_type)

    def stale(self, now: datetime) -> bool:
        """True when the entry was never reported or its validity has passed."""
        return self.valid_until is None or self.valid_until <= now

    def free(self, now: datetime) -> int:
        """Units that can be held now: 0 when stale."""
        if self.stale(now):
            return 0
        return max(0, self.available - self.held)

    def to_dict(self) -> JSONObject:
        """A plain dict for storage and events (times as epoch ms)."""
        return {
            "provider_id": self.provider_id,
            "care_type": self.care_type,
            "total": self.total,
            "available": self.available,
            "held": self.held,
            "reported_at": to_ms(self.reported_at) if self.reported_at else None,
            "valid_until": to_ms(self.valid_until) if self.valid_until else None,
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CapacityEntry:
        """Inverse of :meth:`to_dict`."""
        ra, vu = d.get("reported_at"), d.get("valid_until")
        return cls(
            provider_id=str(d["provider_id"]),
            care_type=str(d["care_type"]),
            total=int(d["total"]),
            available=int(d["available"]),
            held=int(d["held"]),
            reported_at=from_ms(int(ra)) if ra is not None else None,
            valid_until=from_ms(int(vu)) if vu is not None else None,
            version=int(d.get("version", 0)),
        )


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    """A provider's stop status, of the whole provider or (``care_type``) of one care type.

    A stop with ``until`` in the past reads as open. A care type's stop and the provider's own are
    kept apart (each has its ``key``), so an SEH stop leaves the hospital's admission beds offered.
    """

    provider_id: str
    status: Literal["open", "stop"] = "open"
    reason: str = ""
    until: datetime | None = None
    set_at: datetime | None = None
    version: int = 0
    care_type: str = ""

    @property
    def key(self) -> str:
        """Where the store keeps it: the provider id, or ``provider|care_type`` for one care type."""
        return status_key(self.provider_id, self.care_type)

    def stopped(self, now: datetime) -> bool:
        """True while a stop is in force."""
        if self.status != "stop":
            return False
        return self.until is None or self.until > now

    def to_dict(self) -> JSONObject:
        """A plain dict for storage and events (times as epoch ms)."""
        return {
            "provider_id": self.provider_id,
            "status": self.status,
            "reason": self.reason,
            "until": to_ms(self.until) if self.until else None,
            "set_at": to_ms(self.set_at) if self.set_at else None,
            "version": self.version,
            # Empty for a stop of the whole provider (as every status stored before care-type stops).
            "care_type": self.care_type,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ProviderStatus:
        """Inverse of :meth:`to_dict`."""
        until, set_at = d.get("until"), d.get("set_at")
        return cls(
            provider_id=str(d["provider_id"]),
            status="stop" if d.get("status") == "stop" else "open",
            reason=str(d.get("reason") or ""),
            until=from_ms(int(until)) if until is not None else None,
            set_at=from_ms(int(set_at)) if set_at is not None else None,
            version=int(d.get("version", 0)),
            care_type=str(d.get("care_type") or ""),
        )


def status_key(provider_id: str, care_type: str = "") -> str:
    """The key of a provider's own stop status (``care_type`` empty) or of one of its care types."""
    return f"{provider_id}|{care_type}" if care_type else provider_id


@dataclass(frozen=True, slots=True)
class Hold:
    """One unit of a (provider, care type) held for a request until ``held_until``."""

    hold_id: str
    provider_id: str
    care_type: str
    request_id: str
    created_at: datetime
    held_until: datetime
    status: HoldStatus = "held"
    ended_at: datetime | None = None

    def to_dict(self) -> JSONObject:
        """A plain dict for storage and events (times as epoch ms)."""
        return {
            "hold_id": self.hold_id,
            "provider_id": self.provider_id,
            "care_type": self.care_type,
            "request_id": self.request_id,
            "created_at": to_ms(self.created_at),
            "held_until": to_ms(self.held_until),
            "status": self.status,
            "ended_at": to_ms(self.ended_at) if self.ended_at else None,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Hold:
        """Inverse of :meth:`to_dict`."""
        ended = d.get("ended_at")
        status: HoldStatus = d["status"]
        return cls(
            hold_id=str(d["hold_id"]),
            provider_id=str(d["provider_id"]),
            care_type=str(d["care_type"]),
            request_id=str(d["request_id"]),
            created_at=from_ms(int(d["created_at"])),
            held_until=from_ms(int(d["held_until"])),
            status=status,
            ended_at=from_ms(int(ended)) if ended is not None else None,
        )

    def ended(self, status: HoldStatus, at: datetime) -> Hold:
        """A copy in a final state."""
        return replace(self, status=status, ended_at=at)


@dataclass(frozen=True, slots=True)
class CapacityUpdate:
    """A provider's report of one (provider, care type): validated before it reaches a store."""

    provider_id: str
    care_type: str
    available: int
    total: int
    reported_at: datetime
    valid_for: timedelta

    @property
    def valid_until(self) -> datetime:
        """When this report stops being fresh."""
        return self.reported_at + self.valid_for


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """What a store did with one update: ``applied`` or ``stale_ignored``."""

    provider_id: str
    care_type: str
    status: Literal["applied", "stale_ignored"]
    # The entry as stored after an applied update (None when ignored or replayed),
    # so the writing instance can update its view without waiting for the log.
    entry: CapacityEntry | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, str]:
        """The API shape."""
        return {"provider_id": self.provider_id, "care_type": self.care_type, "status": self.status}


@dataclass(frozen=True, slots=True)
class EntryHint:
    """Which entry, at which version, an event carries: lets a reader skip what it has without decoding."""

    provider_id: str
    care_type: str
    version: int


class LazyJson(Mapping[str, Any]):
    """A JSON object decoded on first access."""

    __slots__ = ("_raw", "_value")

    def __init__(self, raw: str) -> None:
        self._raw = raw
        self._value: dict[str, Any] | None = None

    def _get(self) -> JSONObject:
        if self._value is None:
            self._value = json.loads(self._raw)
        return self._value

    def __getitem__(self, key: str) -> Any:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __eq__(self, other: object) -> bool:
        return dict(self._get()) == (dict(other) if isinstance(other, Mapping) else other)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the append-only event log; ``id`` orders events within a store."""

    id: str
    ts: datetime
    type: str
    data: Mapping[str, Any]
    hint: EntryHint | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A bearer token's grant; only the token's hash is ever stored."""

    token_id: str
    role: str
    providers: tuple[str, ...] = ()
    practitioner: str | None = None
    created_at: datetime | None = None
    label: str = ""
    #: The person (or system, for a feed) the token belongs to, as the audit log names them.
    name: str = ""

    def to_dict(self) -> JSONObject:
        """A plain dict for storage."""
        return {
            "token_id": self.token_id,
            "role": self.role,
            "providers": list(self.providers),
            "practitioner": self.practitioner,
            "created_at": to_ms(self.created_at) if self.created_at else None,
            "label": self.label,
            "name": self.name,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TokenRecord:
        """Inverse of :meth:`to_dict`."""
        ca = d.get("created_at")
        return cls(
            token_id=str(d["token_id"]),
            role=str(d["role"]),
            providers=tuple(d.get("providers") or ()),
            practitioner=d.get("practitioner"),
            created_at=from_ms(int(ca)) if ca is not None else None,
            label=str(d.get("label") or ""),
            name=str(d.get("name") or ""),
        )


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The whole capacity state of a store at one point of its event log."""

    entries: tuple[CapacityEntry, ...]
    statuses: tuple[ProviderStatus, ...]
    holds: tuple[Hold, ...]
    last_event_id: str
