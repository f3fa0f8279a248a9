"""The one source of "now" for the domain, and the time formats the stores and the API use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["from_ms", "iso", "set_clock", "to_ms", "utcnow"]


def _system_clock() -> datetime:
    return datetime.now(UTC)


# The system clock unless a simulation swaps in its own through set_clock. Code takes the time only
# through utcnow() or a ``now`` argument, so one hook here moves the whole service onto a simulated clock.
_clock: Callable[[], datetime] = _system_clock


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Make ``utcnow()`` return ``clock()`` (aware UTC); ``None`` restores the system clock.

    For the region simulation (``zcc simulate``) and tests only: a running service never sets it.
    """
    global _clock  # noqa: PLW0603 - the one documented process-wide hook
    _clock = _system_clock if clock is None else clock


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the system clock unless :func:`set_clock` set another)."""
    return _clock()


def to_ms(dt: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    return int(dt.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """Aware UTC datetime of epoch milliseconds."""
    return datetime.fromtimestamp(ms / 1000, UTC)


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 UTC to the second with a Z, or None."""
    if dt is None:
        return None
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
