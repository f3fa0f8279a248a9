"""One store deadline per request: every store call of the request shares it, and what it has written so far.

Without it each store call spends its own retry budget (redis-py retries a timed-out command), so a
request that makes four store calls against a frozen Redis answers after four budgets. A
:class:`Budget` lives in a context variable for the length of one request; ``coordinator.store_guard``
runs every store call within its deadline and reads its ledger (how many writes the request sent) to
tell "nothing changed" from "outcome unknown" when a call fails. Background tasks run without a
budget unless they open one (:func:`budget`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from aiohttp import web

__all__ = ["Budget", "budget", "current_budget", "narrowed", "setup_deadline"]

_CURRENT: ContextVar[Budget | None] = ContextVar("zcc_store_budget", default=None)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(slots=True)
class Budget:
    """The store budget of one request: its deadline (event-loop time) and its ledger of store calls."""

    deadline: float
    seconds: float
    #: Writes sent to the store by this request and not refused by it: each may have been applied.
    writes: int = 0
    #: A store call of this request failed (a caller may go on without it, e.g. the care plan's hints).
    failed: bool = False
    #: The store was probed once for this request (done while the view is cut off from the store).
    probed: bool = False

    def remaining(self) -> float:
        """Seconds left until the deadline (negative once it passed)."""
        return self.deadline - asyncio.get_running_loop().time()


def current_budget() -> Budget | None:
    """The budget of the running request, or None outside one."""
    return _CURRENT.get()


@contextlib.contextmanager
def budget(seconds: float) -> Iterator[Budget]:
    """Run the block under a fresh budget of ``seconds`` from now (a request, or one round of a background job)."""
    b = Budget(asyncio.get_running_loop().time() + seconds, seconds)
    token = _CURRENT.set(b)
    try:
        yield b
    finally:
        _CURRENT.reset(token)


@contextlib.contextmanager
def narrowed(seconds: float) -> Iterator[Budget | None]:
    """Bring the current deadline forward to at most ``seconds`` from now for the block (the ledger is shared)."""
    b = _CURRENT.get()
    if b is None:
        yield None
        return
    before = b.deadline, b.seconds
    b.deadline = min(b.deadline, asyncio.get_running_loop().time() + seconds)
    b.seconds = min(b.seconds, seconds)
    try:
        yield b
    finally:
        b.deadline, b.seconds = before


def setup_deadline(app: web.Application, seconds: float) -> None:
    """Install the middleware that gives every request one store deadline of ``seconds``."""

    @web.middleware
    async def deadline_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/api/v1/capacity/stream":
            return await handler(request)  # a stream reads the in-memory view only, for as long as it is open
        with budget(seconds):
            return await handler(request)

    app.middlewares.append(deadline_middleware)
