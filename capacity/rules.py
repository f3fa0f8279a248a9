"""The capacity rules as pure functions: reports, holds and their ends, stops, record versions, idempotency.

The SQLite store calls these inside its transactions; the Redis store's Lua scripts mirror them step by
step (tests/stores/test_rules_agree.py runs both on the same operations). No I/O here. Times are compared
at the millisecond precision the stores keep, and what a rule returns is already at that precision.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from .clock import from_ms, to_ms
from .errors import Conflict, IdempotencyMismatch, InvalidInput, InvalidTransition, NotFound, PlaceGone
from .state import CapacityEntry, CapacityUpdate, Hold, HoldStatus, ProviderStatus

__all__ = [
    "HoldEnd",
    "apply_report",
    "check_fingerprint",
    "confirm",
    "end_hold",
    "next_doc_version",
    "next_status",
    "release",
    "release_status",
    "stop_in_force",
    "take_unit",
    "unknown_hold",
]


def _ms(dt: datetime) -> datetime:
    """``dt`` cut to whole milliseconds, as a store keeps it."""
    return from_ms(to_ms(dt))


def apply_report(
    current: CapacityEntry | None, update: CapacityUpdate
) -> tuple[Literal["applied", "stale_ignored"], CapacityEntry | None]:
    """What a report does to the stored entry: the new entry, or ``stale_ignored`` when it is older.

    A report older than the stored one never overwrites it (an equally old one does). The report's
    ``available`` and ``total`` replace the stored ones; units held stay held. An offer without an entry
    gets one.
    """
    stored_at = current.reported_at if current is not None else None
    if stored_at is not None and to_ms(update.reported_at) < to_ms(stored_at):
        return "stale_ignored", None
    held, version = (current.held, current.version) if current is not None else (0, 0)
    return "applied", CapacityEntry(
        update.provider_id,
        update.care_type,
        total=update.total,
        available=update.available,
        held=held,
        reported_at=_ms(update.reported_at),
        valid_until=_ms(update.valid_until),
        version=version + 1,
    )


def take_unit(entry: CapacityEntry | None, stop: ProviderStatus | None, hold: Hold, now: datetime) -> CapacityEntry:
    """The entry with one more unit held for ``hold``; raises when no unit may be taken.

    NotFound when the provider does not offer the care type; PlaceGone under a stop in force (``stop``:
    the provider's own or its care type's, see :func:`stop_in_force`), when the capacity is stale (never
    reported or past its validity), or when no unit is free.
    """
    if entry is None:
        raise NotFound(f"{hold.provider_id} offers no {hold.care_type}", field="care_type")
    if stop is not None and stop.stopped(now):
        raise PlaceGone(f"{hold.provider_id} is under a stop")
    if entry.stale(now):
        raise PlaceGone(f"capacity of {hold.provider_id} {hold.care_type} is stale (unknown)")
    if entry.available - entry.held <= 0:
        raise PlaceGone(f"no free {hold.care_type} left at {hold.provider_id}")
    return replace(entry, held=entry.held + 1, version=entry.version + 1)


def stop_in_force(
    provider: ProviderStatus | None, care_type: ProviderStatus | None, now: datetime
) -> ProviderStatus | None:
    """The stop that keeps new patients away: the whole provider's first, else its care type's; None when open."""
    for stop in (provider, care_type):
        if stop is not None and stop.stopped(now):
            return stop
    return None


def end_hold(entry: CapacityEntry, hold: Hold, status: HoldStatus, now: datetime) -> tuple[Hold, CapacityEntry]:
    """An active hold moved to its final ``status``: its unit is given back, and consumed when confirmed."""
    consumed = 1 if status == "confirmed" else 0
    new = replace(
        entry,
        available=max(0, entry.available - consumed),
        held=max(0, entry.held - 1),
        version=entry.version + 1,
    )
    return hold.ended(status, _ms(now)), new


@dataclass(frozen=True, slots=True)
class HoldEnd:
    """The outcome of ending a hold: what to store (when ``changed``) and answer, or a refusal to raise.

    ``refused`` is set when the change is still to be stored but the caller is refused (a confirmation
    that came after the hold's time expires the hold instead).
    """

    hold: Hold
    entry: CapacityEntry
    changed: bool
    refused: InvalidTransition | None = None


def confirm(entry: CapacityEntry, hold: Hold, now: datetime) -> HoldEnd:
    """Turn a hold into a placement; a confirmed hold is answered as it is (idempotent).

    Raises InvalidTransition for a released or expired hold. A hold past its time is expired now and the
    confirmation refused.
    """
    if hold.status == "confirmed":
        return HoldEnd(hold, entry, changed=False)
    if hold.status != "held":
        raise InvalidTransition(f"the hold was {hold.status} and cannot be confirmed")
    if hold.held_until <= now:
        ended, new = end_hold(entry, hold, "expired", now)
        return HoldEnd(ended, new, changed=True, refused=InvalidTransition("the hold expired before it was confirmed"))
    ended, new = end_hold(entry, hold, "confirmed", now)
    return HoldEnd(ended, new, changed=True)


def release_status(status: str) -> HoldStatus:
    """``status`` as the final status of a release: ``released`` or ``expired``, else InvalidInput."""
    if status == "released":
        return "released"
    if status == "expired":
        return "expired"
    raise InvalidInput(f"a hold ends as released or expired, not {status!r}", field="status")


def release(entry: CapacityEntry, hold: Hold, status: HoldStatus, now: datetime) -> HoldEnd:
    """End a hold as ``status`` (released or expired); a hold already so is answered as it is.

    Raises InvalidTransition when the hold ended otherwise (confirmed, or the other of the two).
    """
    if hold.status == status:
        return HoldEnd(hold, entry, changed=False)
    if hold.status != "held":
        raise InvalidTransition(f"the hold was already {hold.status}")
    ended, new = end_hold(entry, hold, status, now)
    return HoldEnd(ended, new, changed=True)


def unknown_hold(hold_id: str) -> NotFound:
    """The error for a hold id that names no hold."""
    return NotFound(f"no hold {hold_id}")


def next_status(stored: ProviderStatus | None, status: ProviderStatus) -> ProviderStatus:
    """``status`` as stored after ``stored``: the next version, times in milliseconds."""
    version = stored.version + 1 if stored is not None else 1
    return ProviderStatus.from_dict(status.to_dict() | {"version": version})


def check_fingerprint(stored: str, given: str) -> None:
    """Raise IdempotencyMismatch when an Idempotency-Key comes again with another request body."""
    if stored != given:
        raise IdempotencyMismatch(
            "this Idempotency-Key was used before with a different request body", field="Idempotency-Key"
        )


def next_doc_version(doc_id: str, stored: int | None, expected: int | None) -> int:
    """The version a compare-and-set write of a record gets; raises when the write must not happen.

    A create (``expected`` None) of an existing record is a Conflict; an update names the stored
    version (else Conflict) of an existing record (else NotFound).
    """
    if expected is None:
        if stored is not None:
            raise Conflict(f"{doc_id} exists already")
        return 1
    if stored is None:
        raise NotFound(f"no record {doc_id}")
    if stored != expected:
        raise Conflict(f"{doc_id} was changed meanwhile (version {stored}); read it again")
    return expected + 1
