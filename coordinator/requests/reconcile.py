"""The reconciliation: heals what a lost reply left half done; run in the background by every instance.

A transition that touches the capacity store and then the request record is two writes; when the
answer of the first is lost (or the service stops in between) the client is told the outcome is
unknown, and a repeat with its Idempotency-Key completes it. When nobody repeats, this does, each
case counted by kind:

- ``confirmed_hold``: the request reads reserved but the store confirmed its hold (a confirmation
  whose answer was lost): the placement is written into the request.
- ``ended_hold``: the request reads reserved but its hold was released or expired meanwhile (the
  request's own write was lost): the request is open again.
- ``orphan_hold``: an active hold that no request refers to (taken, then the request's write was
  lost and another place chosen, or the request was never written): its place is given back once
  the hold is older than the grace period, which is longer than any reservation in flight takes.

Every step is idempotent and compare-and-set on the request, so instances may run it at once.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from capacity.clock import utcnow
from capacity.errors import Conflict, NotFound

from .service import RequestService

__all__ = ["KINDS", "reconcile"]

_LOGGER = logging.getLogger(__name__)

#: What the reconciliation heals (the labels of its metric).
KINDS = ("confirmed_hold", "ended_hold", "orphan_hold")


async def reconcile(service: RequestService, grace: timedelta) -> Counter[str]:
    """One pass over the open requests and the active holds; how many of each kind it healed."""
    healed: Counter[str] = Counter()
    capacity = service.capacity
    referenced: set[str] = set()
    for record, version in await service.list_stored():
        held = record.hold
        if record.status != "reserved" or held is None:
            continue
        referenced.add(held.hold_id)
        hold = await capacity.get_hold(held.hold_id)
        if hold is None or hold.status == "held":
            continue
        try:
            if hold.status == "confirmed":
                await service.place(record, version, hold, None, None)
                healed["confirmed_hold"] += 1
            elif await service.hold_expired(hold):
                healed["ended_hold"] += 1
        except Conflict:  # the request moved on meanwhile (an instance or a nurse was quicker)
            continue
    cutoff = utcnow() - grace
    for hold in list(capacity.view.holds.values()):
        if hold.hold_id in referenced or hold.created_at > cutoff:
            continue
        found = await service.stored(hold.request_id)
        if found is not None:
            record = found[0]
            if record.status == "reserved" and record.hold is not None and record.hold.hold_id == hold.hold_id:
                continue
        current = await capacity.get_hold(hold.hold_id)
        if current is None or current.status != "held":
            continue
        try:
            await capacity.release(hold.hold_id)
        except (Conflict, NotFound):
            continue
        _LOGGER.warning(
            "gave back orphan hold %s at %s %s (request %s)",
            hold.hold_id,
            hold.provider_id,
            hold.care_type,
            hold.request_id,
        )
        healed["orphan_hold"] += 1
    return healed
