"""Slots for Server-Sent Events streams: a cap per client address and in all, answered 503 when full."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

__all__ = ["StreamSlots"]


class StreamSlots:
    """Counts open streams; ``hold`` takes a slot for the life of one stream or refuses with 503 and Retry-After."""

    def __init__(self, max_total: int, max_per_client: int, *, retry_after: int = 5) -> None:
        self.max_total = max_total
        self.max_per_client = max_per_client  # 0: no per-address cap
        self.retry_after = retry_after
        self._by_client: dict[str, int] = {}
        self._total = 0

    def __len__(self) -> int:
        return self._total

    @contextmanager
    def hold(self, client: str) -> Iterator[None]:
        """A slot for one stream of ``client``; raises 503 (Retry-After) when the client or the service is full."""
        held = self._by_client.get(client, 0)
        if self.max_per_client and held >= self.max_per_client:
            raise self._full(
                f"your address {client} already has {held} live streams open, the most one address may have; "
                "close one (the board page needs only one per tab) and retry"
            )
        if self._total >= self.max_total:
            raise self._full(f"the service serves {self._total} live streams, its limit; retry shortly")
        self._by_client[client] = held + 1
        self._total += 1
        try:
            yield
        finally:
            self._total -= 1
            left = self._by_client[client] - 1
            if left:
                self._by_client[client] = left
            else:
                del self._by_client[client]

    def _full(self, detail: str) -> web.HTTPServiceUnavailable:
        return web.HTTPServiceUnavailable(text=detail, headers={"Retry-After": str(self.retry_after)})
