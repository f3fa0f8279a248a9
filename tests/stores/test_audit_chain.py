"""The audit log's hash chain on both stores: linked in append order, unforked under concurrent writers,
and a stored entry altered afterwards is found by the check."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from datetime import timedelta
from typing import Any

from capacity.clock import utcnow
from capacity.store import Stores, open_stores
from capacity.store.chain import GENESIS, link_hash, verify

from .test_audit import entry


async def test_each_entry_carries_the_hash_of_the_one_before(stores: Stores) -> None:
    now = utcnow()
    for i in range(4):
        # Appended out of time order: the chain follows the order of appending, not the entries' times.
        await stores.audit.append(entry(i, "p-1"), now - timedelta(seconds=i), "p-1", 30)
    rows = await stores.audit.chain()
    assert [r.body for r in rows] == [entry(i, "p-1") for i in range(4)]
    assert rows[0].prev == GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev == before.hash
    assert all(r.hash == link_hash(r.prev, r.body) for r in rows)
    check = await verify(stores.audit)
    assert (check.checked, check.broken) == (4, None)
    shown = await stores.audit.query(patient_ref="p-1")
    assert {r.hash for r in shown} == {r.hash for r in rows}


async def test_concurrent_writers_on_two_connections_never_fork_the_chain(stores: Stores, backend_url: str) -> None:
    other = open_stores(backend_url, stores.capacity.region_id)
    await other.backend.open()
    try:
        now = utcnow()

        async def write(store: Stores, who: int) -> None:
            for i in range(25):
                await store.audit.append(entry(who * 100 + i, None), now, None, 30)

        await asyncio.gather(write(stores, 1), write(other, 2), write(stores, 3), write(other, 4))
    finally:
        await other.backend.close()
    rows = await stores.audit.chain()
    assert len(rows) == 100 and len({r.prev for r in rows}) == 100  # no two entries link to the same one
    check = await verify(stores.audit)
    assert (check.checked, check.broken) == (100, None)


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


async def _tamper(stores: Stores, backend_url: str, new_body: str) -> None:
    """Change the text of the third stored entry behind the service's back, as an intruder with store access."""
    if backend_url.startswith("sqlite"):
        db = sqlite3.connect(backend_url.removeprefix("sqlite:///"))
        db.execute(
            "UPDATE audit SET data = ? WHERE id = (SELECT id FROM audit ORDER BY id LIMIT 1 OFFSET 2)", (new_body,)
        )
        db.commit()
        db.close()
        return
    # Redis in any mode (one server, Sentinel's primary, the cluster node of the region's slot): its own client.
    r: Any = stores.backend.client  # type: ignore[attr-defined]
    key = f"zcc:{{{stores.capacity.region_id}}}:audit"
    members = [(_text(m), sc) for m, sc in await r.zrange(key, 0, -1, withscores=True)]
    member, score = sorted(members, key=lambda m: int(m[0].split(" ")[1]))[2]
    head = " ".join(member.split(" ")[:4])
    await r.zrem(key, member)
    await r.zadd(key, {f"{head} {new_body}": score})


async def test_an_altered_entry_is_the_first_broken_link(stores: Stores, backend_url: str) -> None:
    now = utcnow()
    for i in range(5):
        await stores.audit.append(entry(i, "p-1"), now + timedelta(milliseconds=i), "p-1", 30)
    third = (await stores.audit.chain())[2]
    await _tamper(stores, backend_url, entry(2, "p-1", action="update"))
    check = await verify(stores.audit)
    assert check.broken is not None
    assert (check.broken.seq, check.broken.id, check.broken.code) == (third.seq, third.id, "altered")


async def test_a_removed_entry_breaks_the_link_of_the_next(stores: Stores, backend_url: str) -> None:
    now = utcnow()
    for i in range(4):
        await stores.audit.append(entry(i, None), now + timedelta(milliseconds=i), None, 30)
    rows = await stores.audit.chain()
    if backend_url.startswith("sqlite"):
        db = sqlite3.connect(backend_url.removeprefix("sqlite:///"))
        db.execute("DELETE FROM audit WHERE id = ?", (int(rows[1].id),))
        db.commit()
        db.close()
    else:
        r: Any = stores.backend.client  # type: ignore[attr-defined]
        key = f"zcc:{{{stores.capacity.region_id}}}:audit"
        all_members = [_text(m) for m in await r.zrange(key, 0, -1)]
        await r.zrem(key, next(m for m in all_members if m.startswith(rows[1].id + " ")))
    check = await verify(stores.audit)
    assert check.broken is not None and (check.broken.id, check.broken.code) == (rows[2].id, "unlinked")
