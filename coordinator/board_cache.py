"""A cache of rendered board bodies for the busiest read."""

from __future__ import annotations

from typing import Any

__all__ = ["BoardCache"]


class BoardCache:
    """Rendered board bodies, reused while the view is unchanged and the wall-clock second is the same.

    Ages and staleness move with the clock, so a body lives at most one second;
    any change to the view (a report, a hold, a stop, degraded) invalidates it at once.
    """

    def __init__(self, max_items: int = 256) -> None:
        self.max_items = max_items
        self._items: dict[tuple[Any, ...], tuple[int, int, bytes]] = {}

    def get(self, key: tuple[Any, ...], changes: int, second: int) -> bytes | None:
        """The cached body for ``key`` if still current."""
        hit = self._items.get(key)
        if hit is not None and hit[0] == changes and hit[1] == second:
            return hit[2]
        return None

    def put(self, key: tuple[Any, ...], changes: int, second: int, body: bytes) -> None:
        """Remember a rendered body."""
        if len(self._items) >= self.max_items:
            self._items.clear()
        self._items[key] = (changes, second, body)
