"""Group commit: concurrent writes share a call, each keeps its own answer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from capacity.batching import GroupCommit


async def test_concurrent_items_share_calls_and_keep_their_own_results() -> None:
    calls: list[list[int]] = []

    async def flush(items: list[int]) -> Sequence[int | BaseException]:
        calls.append(items)
        await asyncio.sleep(0.01)  # the store round trip the other submits queue behind, not a wait
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]

    gc: GroupCommit[int, int] = GroupCommit(flush, max_items=8)
    results = await asyncio.gather(*(gc.submit(i) for i in range(20)), return_exceptions=True)
    assert [r if isinstance(r, int) else str(r) for r in results] == [
        i * 10 if i % 2 == 0 else f"odd {i}" for i in range(20)
    ]
    assert sorted(i for c in calls for i in c) == list(range(20))  # every item sent exactly once
    assert len(calls) < 20 and max(len(c) for c in calls) <= 8


async def test_a_failed_call_fails_only_its_own_items() -> None:
    async def flush(items: list[int]) -> Sequence[int | BaseException]:
        await asyncio.sleep(0)
        if 0 in items:
            raise ConnectionError("store down")
        return items

    gc: GroupCommit[int, int] = GroupCommit(flush, max_items=1)
    results = await asyncio.gather(*(gc.submit(i) for i in range(3)), return_exceptions=True)
    assert isinstance(results[0], ConnectionError) and results[1:] == [1, 2]


async def test_a_lone_write_goes_out_at_once() -> None:
    async def flush(items: list[int]) -> Sequence[int | BaseException]:
        return items

    gc: GroupCommit[int, int] = GroupCommit(flush)
    assert await asyncio.wait_for(gc.submit(7), 1) == 7
    assert (gc.flushes, gc.items) == (1, 1)
    await gc.close()
