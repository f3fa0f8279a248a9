"""CapacityStore.return_unit on every backend: a placement's unit comes back once, capped, logged."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from capacity.clock import utcnow
from capacity.errors import InvalidTransition, NotFound
from capacity.store import Stores

from .helpers import entry_of, new_hold, upd


async def placed(stores: Stores, available: int = 3, total: int = 5) -> str:
    """One confirmed hold at vvt-a elv_hoog (``available`` of ``total`` reported before); its id."""
    store, now = stores.capacity, utcnow()
    await store.apply_updates([upd("vvt-a", "elv_hoog", available, total, now)], uuid.uuid4().hex, now)
    h, _ = await store.hold(new_hold("vvt-a", "elv_hoog", now), now)
    await store.confirm_hold(h.hold_id, now)
    return h.hold_id


async def test_the_unit_comes_back_once_and_the_change_is_logged(stores: Stores) -> None:
    hold_id = await placed(stores)
    store, now = stores.capacity, utcnow()
    assert (await entry_of(store, "vvt-a", "elv_hoog")).available == 2
    first = await store.return_unit(hold_id, now)
    again = await store.return_unit(hold_id, now + timedelta(seconds=5))  # a retried report
    assert first.available == again.available == 3
    assert (await entry_of(store, "vvt-a", "elv_hoog")).available == 3
    events = [e for e in await stores.events.events_after("0") if e.type == "capacity.returned"]
    assert len(events) == 1 and events[0].data["entry"]["available"] == 3


async def test_the_providers_own_count_is_taken_and_never_above_the_total(stores: Stores) -> None:
    store, now = stores.capacity, utcnow()
    set_to = await store.return_unit(await placed(stores), now, available=1)
    assert set_to.available == 1
    capped = await store.return_unit(await placed(stores, available=5, total=5), now)
    assert capped.available == 5  # 5 reported, 1 placed (4), 1 back: 5, not 6
    over = await store.return_unit(await placed(stores), now, available=99)
    assert over.available == over.total == 5


async def test_only_a_placements_unit_comes_back(stores: Stores) -> None:
    store, now = stores.capacity, utcnow()
    await store.apply_updates([upd("vvt-a", "elv_hoog", 3, 5, now)], "op1", now)
    held, _ = await store.hold(new_hold("vvt-a", "elv_hoog", now), now)
    with pytest.raises(InvalidTransition, match="held"):
        await store.return_unit(held.hold_id, now)
    with pytest.raises(NotFound):
        await store.return_unit("no-such-hold", now)
    assert (await entry_of(store, "vvt-a", "elv_hoog")).available == 3
