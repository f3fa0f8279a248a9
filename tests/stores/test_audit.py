"""AuditStore contract: append-only JSON texts, filtered by patient and time, kept for the retention."""

from __future__ import annotations

from datetime import timedelta

from capacity.clock import utcnow
from capacity.store import Stores


def entry(n: int, patient_ref: str | None, action: str = "read") -> str:
    """An audit entry as its owner serialises it."""
    ref = "null" if patient_ref is None else f'"{patient_ref}"'
    return f'{{"patient_ref":{ref},"action":"{action}","n":{n}}}'


async def test_audit_is_append_only_filtered_and_kept_for_the_retention(stores: Stores) -> None:
    audit = stores.audit
    now = utcnow()
    old = now - timedelta(days=400)
    await audit.append(entry(0, "p-1"), old, "p-1", 365)
    await audit.append(entry(1, "p-1"), now, "p-1", 365)  # trims the old one
    await audit.append(entry(2, "p-2", "update"), now + timedelta(milliseconds=1), "p-2", 365)
    await audit.append(entry(3, None, "search"), now + timedelta(milliseconds=2), None, 365)
    assert [r.body for r in await audit.query()] == [
        entry(1, "p-1"),
        entry(2, "p-2", "update"),
        entry(3, None, "search"),
    ]
    assert [r.body for r in await audit.query(patient_ref="p-1")] == [entry(1, "p-1")]
    assert await audit.query(until=now - timedelta(days=1)) == []
    assert [r.body for r in await audit.query(since=now - timedelta(seconds=5), limit=2)] == [
        entry(1, "p-1"),
        entry(2, "p-2", "update"),
    ]
    rows = await audit.query()
    assert all(r.id for r in rows) and len({r.id for r in rows}) == 3


async def test_append_returns_the_id_the_query_shows(stores: Stores) -> None:
    now = utcnow()
    ids = [await stores.audit.append(entry(i, "p-9"), now + timedelta(milliseconds=i), "p-9", 30) for i in range(3)]
    assert [r.id for r in await stores.audit.query(patient_ref="p-9")] == ids


async def test_time_filters_include_their_bounds(stores: Stores) -> None:
    now = utcnow().replace(microsecond=0)
    for i in range(3):
        await stores.audit.append(entry(i, None), now + timedelta(minutes=i), None, 30)
    window = await stores.audit.query(since=now + timedelta(minutes=1), until=now + timedelta(minutes=2))
    assert [r.body for r in window] == [entry(1, None), entry(2, None)]


async def test_entries_come_oldest_first_whatever_the_order_of_appending(stores: Stores) -> None:
    now = utcnow()
    await stores.audit.append(entry(1, "p-1"), now, "p-1", 30)
    await stores.audit.append(entry(0, "p-1"), now - timedelta(minutes=1), "p-1", 30)
    assert [r.body for r in await stores.audit.query()] == [entry(0, "p-1"), entry(1, "p-1")]
    assert [r.body for r in await stores.audit.query(patient_ref="p-1")] == [entry(0, "p-1"), entry(1, "p-1")]
