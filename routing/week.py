"""The week's clock of opening hours: one flag per local minute of the week, and the local minute of an arrival.

Opening hours (:class:`~capacity.model.Hours`) as a bitmap over the 10,080 minutes of a week
(:func:`week_bitmap`, Monday 00:00 first, exactly as :meth:`OpeningWindow.contains`), read at
arrivals: many at once with :func:`open_at` (exact to the microsecond, across a DST change too),
or one by one against :func:`week_us`, the local microsecond of the week at an instant, which is
exact for any arrival within a day of it unless the zone changes its offset in the next two days.
Shared by dispatch (``routing/live.py``) and the batch (``routing/matching/offers.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from capacity.model import Hours

__all__ = ["DAY_US", "MINUTE_US", "US", "WEEK_MINUTES", "epoch_us", "open_at", "week_bitmap", "week_us"]

WEEK_MINUTES: Final = 7 * 24 * 60
US: Final = 1_000_000
MINUTE_US: Final = 60 * US
DAY_US: Final = 86_400 * US
_US_PER_MINUTE: Final = MINUTE_US
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)  # a Thursday: weekday 3
_SAMPLE_US: Final = 30 * _US_PER_MINUTE  # how finely the span of arrivals is searched for offset changes
_UTC_DAYS: dict[tuple[str, int], int | None] = {}  # (zone, UTC day) -> its UTC offset in us, None: it changes


def epoch_us(at: datetime) -> int:
    """Microseconds since the epoch, in exact integer arithmetic (as ``timedelta`` counts them)."""
    d = at - _EPOCH
    return (d.days * 86_400 + d.seconds) * US + d.microseconds


def week_us(now_us: int, tz: ZoneInfo) -> int | None:
    """The local microsecond of the week (Monday 00:00 is 0) at ``now_us``, exact for any arrival within a day.

    None when the zone's UTC offset changes within two days of the start of this UTC day (two nights a
    year): an arrival may then fall on the other side of the change.
    """
    day = now_us // DAY_US
    key = (tz.key, day)
    if key not in _UTC_DAYS:
        if len(_UTC_DAYS) > 256:
            _UTC_DAYS.clear()
        start = _EPOCH + timedelta(days=day)
        first, later = start.astimezone(tz).utcoffset(), (start + timedelta(days=2)).astimezone(tz).utcoffset()
        _UTC_DAYS[key] = None if first != later or first is None else (first // timedelta(microseconds=1))
    offset = _UTC_DAYS[key]
    return None if offset is None else (now_us + offset + 3 * DAY_US) % (7 * DAY_US)  # 1970-01-01 was a Thursday


@lru_cache(maxsize=4096)
def week_bitmap(hours: Hours) -> NDArray[np.bool_]:
    """Whether ``hours`` are open at each local minute of the week (0 = Monday 00:00), as ``OpeningWindow.contains``."""
    minute = np.arange(WEEK_MINUTES)
    weekday, of_day = minute // (24 * 60), minute % (24 * 60)
    week = np.zeros(WEEK_MINUTES, dtype=bool)
    if hours.always:
        week[:] = True
    for w in hours.windows:
        days = np.array(sorted(w.days), dtype=np.int64)
        on_day = np.isin(weekday, days)
        if w.end > w.start:
            week |= on_day & (w.start <= of_day) & (of_day < w.end)
        else:  # past midnight: the evening part on the listed day, the morning part on the next
            week |= (on_day & (of_day >= w.start)) | (np.isin((weekday - 1) % 7, days) & (of_day < w.end))
    week.flags.writeable = False  # shared by every table through the cache
    return week


def _micros(minutes: NDArray[np.float64]) -> NDArray[np.int64]:
    """``timedelta(minutes=x)`` in microseconds for every x, rounded as CPython rounds it (half to even)."""
    whole = np.trunc(minutes)
    return whole.astype(np.int64) * _US_PER_MINUTE + np.rint((minutes - whole) * _US_PER_MINUTE).astype(np.int64)


def _offset_us(at_us: int, tz: ZoneInfo) -> int:
    """The UTC offset of ``tz`` at ``at_us`` microseconds after the epoch, in microseconds."""
    offset = (_EPOCH + timedelta(microseconds=at_us)).astimezone(tz).utcoffset()
    return 0 if offset is None else offset // timedelta(microseconds=1)


def _offsets(lo: int, hi: int, tz: ZoneInfo) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Where the UTC offset changes within [lo, hi] (epoch microseconds) and the offset from each change on.

    Returns (starts, offsets): offsets[k] holds from starts[k] (starts[0] = lo). The span is sampled
    every 30 minutes and each change found to the microsecond by bisection: exact unless a zone
    changed its offset twice within 30 minutes.
    """
    samples = [*range(lo, hi, _SAMPLE_US), hi]
    offs = [_offset_us(t, tz) for t in samples]
    starts, values = [lo], [offs[0]]
    for k in range(1, len(samples)):
        if offs[k] == offs[k - 1]:
            continue
        a, b = samples[k - 1], samples[k]
        while b - a > 1:  # offset(a) == offs[k - 1] != offset(b)
            mid = (a + b) // 2
            if _offset_us(mid, tz) == offs[k - 1]:
                a = mid
            else:
                b = mid
        starts.append(b)
        values.append(_offset_us(b, tz))
    return np.array(starts, dtype=np.int64), np.array(values, dtype=np.int64)


def open_at(
    week: NDArray[np.bool_], rows: NDArray[np.intp], now: datetime, tz: ZoneInfo, minutes: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Whether bitmap row ``rows[k]`` of ``week`` is open at now + ``minutes[k]`` in ``tz``, for every k.

    The same answer as ``Hours.is_open(now + timedelta(minutes=minutes[k]), tz)``, to the microsecond,
    also when the UTC offset changes (DST) between the arrivals.
    """
    if len(minutes) == 0:
        return np.zeros(0, dtype=bool)
    now_us = (now - _EPOCH) // timedelta(microseconds=1)
    arrival = now_us + _micros(np.asarray(minutes, dtype=np.float64))
    starts, offs = _offsets(int(arrival.min()), int(arrival.max()), tz)
    offset = offs[0] if len(offs) == 1 else offs[np.searchsorted(starts, arrival, side="right") - 1]
    local_minute = np.floor_divide(arrival + offset, _US_PER_MINUTE)
    is_open: NDArray[np.bool_] = week[rows, (local_minute + 3 * 24 * 60) % WEEK_MINUTES]  # the epoch: a Thursday
    return is_open
