"""Group commit: concurrent writes that arrive while one is in flight go to the store together.

Under load most of the cost of a small write is the round trip and the client
library around it, not the work in the store. A :class:`GroupCommit` sends the
first write at once and, while it is in flight, collects the next ones into a
single call; each caller still gets its own result or its own error. At low
load a write waits for nothing but the next turn of the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

_T = TypeVar("_T")
_R = TypeVar("_R")


class GroupCommit(Generic[_T, _R]):
    """Coalesce ``submit`` calls into calls of ``flush`` with up to ``max_items`` items.

    ``flush`` returns one result per item, or an exception instance for an item
    that failed on its own; an exception raised by ``flush`` fails every item
    of that call.
    """

    def __init__(
        self,
        flush: Callable[[list[_T]], Awaitable[Sequence[_R | BaseException]]],
        max_items: int = 64,
    ) -> None:
        self._flush = flush
        self.max_items = max_items
        self._pending: list[tuple[_T, asyncio.Future[_R]]] = []
        self._task: asyncio.Task[None] | None = None
        self.flushes = 0
        self.items = 0

    async def submit(self, item: _T) -> _R:
        """Queue ``item``; its result once the call carrying it returns."""
        fut: asyncio.Future[_R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, fut))
        if self._task is None:
            self._task = asyncio.create_task(self._drain())
        return await fut

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch = self._pending[: self.max_items]
                del self._pending[: self.max_items]
                self.flushes += 1
                self.items += len(batch)
                try:
                    results = await self._flush([item for item, _ in batch])
                except asyncio.CancelledError:
                    for _, fut in batch + self._pending:
                        fut.cancel()
                    self._pending.clear()
                    raise
                except Exception as exc:
                    for _, fut in batch:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                for (_, fut), result in zip(batch, results, strict=True):
                    if fut.done():  # the caller gave up waiting; the write stands
                        continue
                    if isinstance(result, BaseException):
                        fut.set_exception(result)
                    else:
                        fut.set_result(result)
        finally:
            self._task = None

    async def close(self) -> None:
        """Wait for the writes in flight; fail those that never started."""
        task = self._task
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for _, fut in self._pending:
            fut.cancel()
        self._pending.clear()
