"""Capacity history as a time series: the state of entries at evenly spaced points, summed (pure, no I/O).

Each point ``t`` takes, per entry, the last sample at or before ``t``; an entry counts only while that
sample was fresh at ``t`` (a report valid then). A point where no entry was fresh is a gap (``None``
values), never zeros: unknown is not empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .state import EntryKey
from .store.interop import RESOLUTIONS, Sample

__all__ = ["Point", "pick_resolution", "points"]


@dataclass(frozen=True, slots=True)
class Point:
    """The summed state at one instant; ``free``/``held``/``total`` are None where nothing was fresh."""

    at_ms: int
    free: int | None
    held: int | None
    total: int | None
    reporting: int
    entries: int


def pick_resolution(step_s: int, first_ms: int, now_ms: int, keep_s: Mapping[int, int]) -> int:
    """The coarsest kept resolution that divides ``step_s`` and still holds data from ``first_ms``.

    The coarsest reads the fewest rows and gives the same answer: a point at a multiple of the step is
    a multiple of the resolution, and the bucket ending there holds the last sample before it.
    Falls back to the coarsest one that divides ``step_s`` (older points are then gaps).
    """
    fitting = [r for r in reversed(RESOLUTIONS) if step_s % r == 0]
    for r in fitting:
        if now_ms - keep_s.get(r, 0) * 1000 <= first_ms:
            return r
    return fitting[0] if fitting else RESOLUTIONS[0]


def points(samples: Mapping[EntryKey, Sequence[Sample]], times: Sequence[int]) -> list[Point]:
    """The summed state at each of ``times`` (epoch ms, ascending) from each entry's samples (oldest first)."""
    n = len(times)
    free = [0] * n
    held = [0] * n
    total = [0] * n
    reporting = [0] * n
    for series in samples.values():
        i, m = 0, len(series)
        cur: Sample | None = None
        for j, t in enumerate(times):
            while i < m and series[i][0] <= t:  # at_ms (tuple index: this loop runs a million times a year)
                cur = series[i]
                i += 1
            if cur is not None:
                _, _, available, h, tot, valid_until = cur
                if valid_until is not None and valid_until > t:
                    free[j] += available - h if available > h else 0
                    held[j] += h
                    total[j] += tot
                    reporting[j] += 1
    count = len(samples)
    return [
        Point(t, free[j], held[j], total[j], reporting[j], count)
        if reporting[j]
        else Point(t, None, None, None, 0, count)
        for j, t in enumerate(times)
    ]
