"""The one way a test waits: retry an assertion until it passes or the time is up, never a fixed sleep."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar, overload

__all__ = ["eventually"]

_T = TypeVar("_T")


# ASYNC109 (use asyncio.timeout instead of a timeout argument) does not fit here: cancelling a check
# half-way would lose the last AssertionError, which is the message a failing test should show.


@overload
async def eventually(
    check: Callable[[], Awaitable[_T]],
    *,
    timeout: float = 5.0,  # noqa: ASYNC109
    interval: float = 0.02,
    what: str = "the check",
) -> _T: ...


@overload
async def eventually(
    check: Callable[[], _T],
    *,
    timeout: float = 5.0,  # noqa: ASYNC109
    interval: float = 0.02,
    what: str = "the check",
) -> _T: ...


async def eventually(
    check: Callable[[], Awaitable[_T] | _T],
    *,
    timeout: float = 5.0,  # noqa: ASYNC109
    interval: float = 0.02,
    what: str = "the check",
) -> _T:
    """Call ``check`` (sync or async) until it raises no AssertionError nor answers False; return its answer.

    ``check`` asserts what it waits for; any other exception fails at once. After ``timeout`` seconds
    the last AssertionError is raised again, prefixed by ``what`` (what the test was waiting for).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            result = check()
            value = await result if inspect.isawaitable(result) else result
            # A check that answers False instead of asserting is waited for too, never taken as passed.
            assert value is not False, "the check answered False"
            return value
        except AssertionError as exc:
            if loop.time() >= deadline:
                raise AssertionError(f"{what}: still failing after {timeout:g} s: {exc}") from exc
        await asyncio.sleep(interval)
