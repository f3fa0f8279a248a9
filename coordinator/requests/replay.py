"""Idempotency-Keys of request writes: the id a keyed request is created under, and a repeat recognised.

A request keeps the keys it was written with (a hash of the caller-scoped key and the fingerprint of
the call) in its own record, so a repeat is recognised by the very compare-and-set that stores the
change: no separate record that a lost reply could leave behind. A request created with a key gets
an id derived from it, so a repeat of the creation finds the first one instead of opening a second.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets

from capacity.errors import IdempotencyMismatch, InvalidInput, InvalidTransition
from capacity.messages import msg
from capacity.service import CapacityService
from capacity.state import Hold
from capacity.store import IdempotencyKey

from ..records import RequestRecord

__all__ = ["hold_id_for", "is_repeat", "key_id", "remember", "request_id_for", "take_hold"]


def key_id(idem: IdempotencyKey) -> str:
    """The stored name of a caller-scoped key (a hash: the key itself is the caller's)."""
    return hashlib.sha256(idem.key.encode()).hexdigest()[:24]


def request_id_for(idem: IdempotencyKey) -> str:
    """The id of the request created with ``idem``: the same key always names the same request."""
    return "req-" + hashlib.sha256(b"request\n" + idem.key.encode()).hexdigest()[:16]


def hold_id_for(request_id: str, version: int, provider_id: str, care_type: str) -> str:
    """The hold a reservation of this request, at this version, of this place takes.

    A repeated reservation (its reply was lost, and the request was not written) takes the same hold
    again instead of a second unit; once the request moves on (a new version), a new hold id.
    """
    raw = f"{request_id}\n{version}\n{provider_id}\n{care_type}".encode()
    return hashlib.sha256(raw).hexdigest()[:24]


def is_repeat(record: RequestRecord, idem: IdempotencyKey | None) -> bool:
    """Whether ``idem`` was already written into ``record``; IdempotencyMismatch when it was, for another call."""
    if idem is None:
        return False
    seen = record.idempotency.get(key_id(idem))
    if seen is None:
        return False
    if seen != idem.fingerprint:
        raise IdempotencyMismatch(
            "this Idempotency-Key was used before with a different request; use a new key for a new request",
            field="Idempotency-Key",
        )
    return True


def remember(record: RequestRecord, idem: IdempotencyKey | None) -> None:
    """Keep ``idem`` in the record that is about to be written."""
    if idem is not None:
        record.idempotency[key_id(idem)] = idem.fingerprint


async def take_hold(capacity: CapacityService, hold: Hold, idem: IdempotencyKey | None) -> Hold:
    """Take ``hold`` (its id from :func:`hold_id_for`): a repeat gets the same hold and takes no more.

    When that id was held before and has ended (expired, or given back as an orphan) a fresh id is
    taken; when the Idempotency-Key's own hold has ended the reservation is over (409).
    """
    for attempt in range(2):
        stored, _ = await capacity.hold(hold, idem)
        if stored.request_id != hold.request_id:
            raise InvalidInput(msg("error.key_other_request"), field="Idempotency-Key")
        if stored.status == "held":
            return stored
        if stored.hold_id != hold.hold_id or attempt:
            raise InvalidTransition(msg("error.hold_ended", hold_status=stored.status))
        hold = dataclasses.replace(hold, hold_id=secrets.token_hex(12))
    raise AssertionError("unreachable")
