"""What readers of the capacity view get: board rows, and the changes a subscriber is sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from .clock import iso
from .jsontypes import JSONObject
from .state import CapacityEntry, ProviderStatus

__all__ = ["BoardChange", "BoardEntry", "BoardReloaded", "HealthChanged", "RowsChanged", "stop_json"]


@dataclass(frozen=True, slots=True)
class BoardEntry:
    """One row of the board: an entry with what a reader needs to judge it."""

    entry: CapacityEntry
    kind: str
    provider_name: str
    stale: bool
    stop: ProviderStatus | None

    def to_json(self, now: datetime) -> JSONObject:
        """The API shape of a board entry."""
        e = self.entry
        return {
            "provider_id": e.provider_id,
            "provider_name": self.provider_name,
            "kind": self.kind,
            "care_type": e.care_type,
            "available": e.available,
            "held": e.held,
            "total": e.total,
            # Unknown, not free, when stale or stopped.
            "free": None if self.stale else (0 if self.stop else e.free(now)),
            "reported_at": iso(e.reported_at),
            "valid_until": iso(e.valid_until),
            "age_seconds": int((now - e.reported_at).total_seconds()) if e.reported_at else None,
            "stale": self.stale,
            "stop": stop_json(self.stop),
        }


def stop_json(stop: ProviderStatus | None) -> JSONObject | None:
    """The API shape of a stop in force: reason, expected end, since when, and whose (a care type, or null)."""
    if stop is None:
        return None
    return {
        "reason": stop.reason,
        "until": iso(stop.until),
        "since": iso(stop.set_at),
        "care_type": stop.care_type or None,
    }


@dataclass(frozen=True, slots=True)
class RowsChanged:
    """Board rows that changed, as they are now (one entry, or every entry of a provider whose stop changed)."""

    rows: tuple[BoardEntry, ...]


@dataclass(frozen=True, slots=True)
class HealthChanged:
    """The view was cut off from the store (degraded) or is back."""

    degraded: bool


@dataclass(frozen=True, slots=True)
class BoardReloaded:
    """The whole board changed (a snapshot was loaded, the region file was reloaded): read it again."""


BoardChange: TypeAlias = RowsChanged | HealthChanged | BoardReloaded
