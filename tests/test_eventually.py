"""The tests' waiting helper: retries until the check passes, returns its value, fails with the last error."""

from __future__ import annotations

import pytest

from .eventually import eventually


async def test_an_async_check_is_retried_until_it_passes_and_its_value_returned() -> None:
    calls: list[int] = []

    async def third_time_lucky() -> str:
        calls.append(1)
        assert len(calls) >= 3, f"only {len(calls)} calls"
        return "done"

    assert await eventually(third_time_lucky, interval=0) == "done"
    assert len(calls) == 3


async def test_a_sync_check_works_too() -> None:
    calls: list[int] = []

    def second_time() -> int:
        calls.append(1)
        assert len(calls) == 2
        return 42

    assert await eventually(second_time, interval=0) == 42


async def test_a_check_that_never_passes_fails_with_what_and_the_last_error() -> None:
    calls: list[int] = []

    def never() -> None:
        calls.append(1)
        raise AssertionError(f"attempt {len(calls)}")

    with pytest.raises(AssertionError, match=r"^the light: still failing after 0.05 s: attempt \d+$") as info:
        await eventually(never, timeout=0.05, interval=0.01, what="the light")
    assert len(calls) > 1 and str(info.value).endswith(f"attempt {len(calls)}")
    assert isinstance(info.value.__cause__, AssertionError)


async def test_another_exception_is_not_retried() -> None:
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise KeyError("no such thing")

    with pytest.raises(KeyError):
        await eventually(broken)
    assert calls == [1]
