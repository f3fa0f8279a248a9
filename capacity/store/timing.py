"""Time every store call by operation: a thin proxy around each store of a set, with no metrics library here.

The caller (the service's metrics) passes ``observer(op)``, which returns the function that records one
duration in seconds for that operation; it is asked once per operation, so a call costs two
``perf_counter`` reads and one observe. The event log's ``events_after`` is not timed: the follower
blocks in it on purpose, so its duration is a wait, not a latency.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

from .types import Stores

__all__ = ["Observer", "TimedStore", "timed_stores"]

#: op name ("capacity.hold") -> the function that records one duration in seconds.
Observer = Callable[[str], Callable[[float], None]]

_UNTIMED = frozenset({"events_after"})


class TimedStore:
    """Forwards everything to ``inner``; its coroutine methods are timed under ``<kind>.<method>``."""

    def __init__(self, inner: object, kind: str, observer: Observer) -> None:
        self._inner = inner
        self._kind = kind
        self._observer = observer

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name.startswith("_") or name in _UNTIMED or not inspect.iscoroutinefunction(attr):
            return attr
        observe = self._observer(f"{self._kind}.{name}")

        @functools.wraps(attr)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await attr(*args, **kwargs)
            finally:
                observe(time.perf_counter() - start)

        # Cached on the proxy: the next call finds it without __getattr__.
        object.__setattr__(self, name, timed)
        return timed

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            setattr(self._inner, name, value)


def timed_stores(stores: Stores, observer: Observer) -> Stores:
    """The same stores, each call timed by operation (the backend's open, close and ping are not)."""
    return replace(
        stores,
        capacity=cast(Any, TimedStore(stores.capacity, "capacity", observer)),
        events=cast(Any, TimedStore(stores.events, "events", observer)),
        records=cast(Any, TimedStore(stores.records, "records", observer)),
        audit=cast(Any, TimedStore(stores.audit, "audit", observer)),
        tokens=cast(Any, TimedStore(stores.tokens, "tokens", observer)),
    )
