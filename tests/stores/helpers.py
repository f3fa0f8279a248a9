"""Builders shared by the contract tests: capacity reports, holds, one entry of a snapshot."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from capacity.state import CapacityEntry, CapacityUpdate, Hold
from capacity.store import CapacityStore

__all__ = ["entry_of", "new_hold", "upd"]


def upd(pid: str, ct: str, available: int, total: int, at: datetime, minutes: int = 60) -> CapacityUpdate:
    """A report of ``available`` of ``total`` at ``at``, valid for ``minutes``."""
    return CapacityUpdate(pid, ct, available, total, at, timedelta(minutes=minutes))


def new_hold(pid: str, ct: str, now: datetime, minutes: int = 15, hold_id: str | None = None) -> Hold:
    """A hold of one unit for a fresh request, held for ``minutes`` from ``now``."""
    return Hold(
        hold_id or uuid.uuid4().hex,
        pid,
        ct,
        "req-" + uuid.uuid4().hex[:8],
        now,
        now + timedelta(minutes=minutes),
    )


async def entry_of(store: CapacityStore, pid: str, ct: str) -> CapacityEntry:
    """The stored entry of (``pid``, ``ct``) as the snapshot shows it."""
    snap = await store.snapshot()
    return next(e for e in snap.entries if (e.provider_id, e.care_type) == (pid, ct))
