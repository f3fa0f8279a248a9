"""Every store call of a request within the request's one deadline, and what a failure means to its client.

A failed store call tells the client one of two things. **Nothing changed**: no write of this
request reached the store (StoreUnavailable: repeat when the store is back). **Outcome unknown**: a
write was sent and its answer lost, or an earlier write of the same request went through and a later
step failed (OutcomeUnknown: repeat with the same Idempotency-Key, which applies it once or answers
it again). The guard keeps that ledger in the request's :class:`~coordinator.deadline.Budget`: a
write counts from the moment it is sent until the store refuses it as a whole (a domain error such
as a place gone, which changes nothing).

Every call runs within the request's deadline (``asyncio.timeout_at``), so redis-py's retries of
one call cannot outlive it, nor can all the calls of the request together. While the
capacity view is cut off from the store (degraded), the first store call of a request probes the
store with a ping under a short budget, so a request during an outage is answered in a fraction of
a second and can say that nothing changed. Calls outside a budget (the view follower) pass through.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar, cast

from capacity.errors import OutcomeUnknown, StoreUnavailable, ZccError
from capacity.messages import msg
from capacity.service import raise_if_cancelling
from capacity.store import AuditStore, CapacityStore, EventLog, RecordStore, Stores, TokenStore

from .deadline import Budget, current_budget

__all__ = ["WRITES", "StoreGuard", "guard_stores"]

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

#: The methods of each store that write (each may have been applied when its answer is lost).
WRITES: Mapping[str, frozenset[str]] = {
    "capacity": frozenset(
        {"seed", "apply_updates", "set_status", "hold", "confirm_hold", "release_hold", "expire_holds", "return_unit"}
    ),
    "events": frozenset({"append_event"}),
    "records": frozenset({"put_request", "put_trajectory"}),
    "audit": frozenset({"append"}),
    "tokens": frozenset({"put", "revoke"}),
}

#: How long the probe of a store known to be cut off may take.
PROBE_SECONDS = 0.25


class StoreGuard:
    """Runs store calls within the running request's budget; see the module docstring."""

    def __init__(
        self, ping: Callable[[], Awaitable[None]], where: Callable[[], str], *, probe_seconds: float = PROBE_SECONDS
    ) -> None:
        self._ping = ping
        self._where = where
        self.probe_seconds = probe_seconds
        #: Whether the view is cut off from the store now (set by the app once the view exists).
        self.degraded: Callable[[], bool] = lambda: False

    async def run(self, fn: Callable[..., Awaitable[_T]], name: str, write: bool, *args: Any, **kwargs: Any) -> _T:
        """Call ``fn`` within the budget; a failure becomes StoreUnavailable or OutcomeUnknown by the ledger."""
        b = current_budget()
        if b is None:
            return await fn(*args, **kwargs)
        if not b.probed and self.degraded():
            b.probed = True
            await self._probe(b)
        if b.remaining() <= 0:
            b.failed = True
            raise self._error(b, f"{name}: not tried, the request's store deadline of {b.seconds:g} s has passed")
        if write:
            b.writes += 1
        try:
            async with asyncio.timeout_at(b.deadline):
                return await fn(*args, **kwargs)
        except TimeoutError:
            raise_if_cancelling()
            b.failed = True
            raise self._error(b, f"{name}: no answer within the request's store deadline of {b.seconds:g} s") from None
        except StoreUnavailable as exc:
            b.failed = True
            raise self._error(b, f"{name}: {exc.detail}") from exc
        except ZccError:
            if write:
                b.writes -= 1  # refused as a whole by the store: this write changed nothing
            raise

    async def _probe(self, b: Budget) -> None:
        """Ping under a short budget before the first call of a request while the view is cut off."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout_at(min(b.deadline, loop.time() + self.probe_seconds)):
                await self._ping()
        except (TimeoutError, StoreUnavailable) as exc:
            raise_if_cancelling()
            b.failed = True
            why = exc.detail if isinstance(exc, StoreUnavailable) else "no answer to a ping"
            raise self._error(b, f"the store is cut off ({why})") from None

    def _error(self, b: Budget, why: str) -> StoreUnavailable:
        """Nothing changed when no write of the request was sent; else the outcome is unknown."""
        where = self._where()
        if b.writes:
            _LOGGER.warning("outcome unknown after %d write(s) to %s: %s", b.writes, where, why)
            return OutcomeUnknown(msg("error.outcome_unknown", where=where, writes=b.writes, why=why))
        return StoreUnavailable(msg("error.store_unavailable", where=where, why=why))


class _Guarded:
    """A store whose coroutine methods run through the guard; other attributes pass through unchanged."""

    def __init__(self, inner: object, guard: StoreGuard, writes: frozenset[str]) -> None:
        self._inner = inner
        self._guard = guard
        self._writes = writes

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not inspect.iscoroutinefunction(attr):
            return attr
        guard, write = self._guard, name in self._writes

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await guard.run(attr, name, write, *args, **kwargs)

        self.__dict__[name] = call  # bound once: later calls skip __getattr__
        return call

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            setattr(self._inner, name, value)


def guard_stores(stores: Stores, guard: StoreGuard) -> Stores:
    """The same stores, every call run through ``guard`` (the backend and the instance registry are not wrapped)."""
    return replace(
        stores,
        capacity=cast(CapacityStore, _Guarded(stores.capacity, guard, WRITES["capacity"])),
        events=cast(EventLog, _Guarded(stores.events, guard, WRITES["events"])),
        records=cast(RecordStore, _Guarded(stores.records, guard, WRITES["records"])),
        audit=cast(AuditStore, _Guarded(stores.audit, guard, WRITES["audit"])),
        tokens=cast(TokenStore, _Guarded(stores.tokens, guard, WRITES["tokens"])),
    )
