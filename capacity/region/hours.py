"""Opening hours of providers and their offers: ``"24/7"`` or weekly windows of days and times."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from capacity.config_check import MISSING, FieldChecker, kind_of, suggest
from capacity.model import Hours, OpeningWindow

__all__ = ["DAY_NAMES", "HoursChecker", "parse_hours"]

#: Day names of opening windows, index 0 = Monday as in ``datetime.weekday()``.
DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_DAY_INDEX = {name: i for i, name in enumerate(DAY_NAMES)}
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})")
_WINDOW_KEYS = frozenset({"days", "from", "to"})
_ALWAYS = Hours()


class HoursChecker(FieldChecker):
    """The checks of opening hours, for any file that has them."""

    __slots__ = ()

    def hours(self, value: object, path: str) -> Hours | None:
        """Opening hours at ``path``: ``"24/7"`` or a non-empty list of windows ``{days, from, to}``."""
        if isinstance(value, str) and value.strip().lower() == "24/7":
            return _ALWAYS
        raw = self.as_list(
            value,
            path,
            "opening hours",
            '"24/7" or a list of windows',
            empty='opening hours have no windows: list at least one, or write "24/7"',
        )
        if raw is None:
            return None
        windows: list[OpeningWindow] = []
        texts: list[str] = []
        for _i, wpath, window in self.entries(raw, path, "an opening window", _WINDOW_KEYS):
            days = self.days(window, wpath)
            start = self.time(window, "from", wpath)
            end = self.time(window, "to", wpath)
            if days is None or start is None or end is None:
                continue
            windows.append(OpeningWindow(days=days[0], start=start[0], end=end[0]))
            texts.append(f"{days[1]} {start[1]}-{end[1]}")
        # Every window without a problem was added: fewer means one was reported.
        if len(windows) < len(raw):
            return None
        return Hours(always=False, windows=tuple(windows), text="; ".join(texts))

    def days(self, window: Mapping[Any, Any], wpath: str) -> tuple[frozenset[int], str] | None:
        """The days of a window (weekday numbers) and how to write them, from "mon-fri" or a list of days."""
        path = f"{wpath}.days"
        value = self.get(window, "days", wpath)
        if value is MISSING:
            return None
        parts: list[object]
        if isinstance(value, str):
            parts = [p for p in (s.strip() for s in value.split(",")) if p]
        elif isinstance(value, list):
            parts = list(value)
        else:
            self.add(path, f'days must be a string like "mon-fri" or a list of days, not {kind_of(value)}')
            return None
        if not parts:
            self.add(path, "days is empty: name at least one day (mon, tue, wed, thu, fri, sat, sun)")
            return None
        days: set[int] = set()
        names: list[str] = []
        ok = True
        for part in parts:
            if not isinstance(part, str) or not part.strip():
                self.add(path, f"a day must be a name like 'mon' or a range like 'mon-fri', not {kind_of(part)}")
                ok = False
                continue
            name = part.strip().lower()
            first, dash, last = name.partition("-")
            a = self.day(first.strip(), path)
            b = self.day(last.strip(), path) if dash else a
            if a is None or b is None:
                ok = False
                continue
            # A range may wrap around the week: fri-mon is fri, sat, sun, mon.
            day = a
            while True:
                days.add(day)
                if day == b:
                    break
                day = (day + 1) % 7
            names.append(name)
        if not ok:
            return None
        return frozenset(days), ",".join(names)

    def day(self, name: str, path: str) -> int | None:
        """The weekday number of a day name (0 = Monday)."""
        index = _DAY_INDEX.get(name)
        if index is None:
            self.add(
                path,
                f"unknown day name {name!r}{suggest(name, DAY_NAMES)}; use mon, tue, wed, thu, fri, sat, sun",
            )
        return index

    def time(self, window: Mapping[Any, Any], key: str, wpath: str) -> tuple[int, str] | None:
        """A window's ``from`` or ``to`` as minutes after midnight and as "HH:MM" (``to`` may be "24:00")."""
        path = f"{wpath}.{key}"
        value = self.get(window, key, wpath)
        if value is MISSING:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and 60 <= value <= 24 * 60:
            # YAML 1.1 reads an unquoted 17:00 as the base-60 number 1020.
            hours, minutes = divmod(value, 60)
            self.add(
                path,
                f'time must be a quoted "HH:MM" string; YAML read an unquoted {hours}:{minutes:02d} '
                f"as the number {value}",
            )
            return None
        if not isinstance(value, str):
            self.add(path, f'time must be a string "HH:MM", not {kind_of(value)}')
            return None
        match = _TIME_RE.fullmatch(value.strip())
        if match is None:
            self.add(path, f'time {value!r} is not a valid "HH:MM" time')
            return None
        hh, mm = int(match.group(1)), int(match.group(2))
        if key == "to" and (hh, mm) == (24, 0):
            return 24 * 60, "24:00"
        if hh > 23 or mm > 59:
            limit = '"00:00" to "24:00"' if key == "to" else '"00:00" to "23:59"'
            self.add(path, f"time {value!r} is not a valid time of day ({key} runs from {limit})")
            return None
        return hh * 60 + mm, f"{hh:02d}:{mm:02d}"


def parse_hours(value: object, field: str = "hours") -> Hours:
    """Parse opening hours (``"24/7"`` or a list of weekly windows); raise ConfigError if invalid."""
    checker = HoursChecker()
    return checker.built(checker.hours(value, field), "the opening hours")
