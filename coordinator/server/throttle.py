"""Rate-limited log lines: a flood of one kind (out of open files, refused connections) logs one line per interval.

A record belongs to a kind when it says so (``extra={"throttle": "<kind>"}``) or when it is about
running out of file descriptors (EMFILE/ENFILE, "Too many open files", wherever it is logged from:
asyncio's accept loop, aiohttp, the store). The first line of a kind in an interval passes; the
rest are counted, and the count is written on the next line of that kind that passes or by
``flush`` once the interval is over, so an operator sees how many lines were left out.
"""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["OPEN_FILES", "LogThrottle"]

_LOGGER = logging.getLogger(__name__)

#: The kind of every record about running out of file descriptors.
OPEN_FILES = "open-files"
_OUT_OF_FILES = (errno.EMFILE, errno.ENFILE)
_VERDICT = "_zcc_throttle_verdict"  # one decision per record, however many handlers see it


@dataclass(slots=True)
class _Kind:
    last_passed: float
    suppressed: int = 0
    first_suppressed: float = 0.0
    sample: str = ""


def _kind_of(record: logging.LogRecord) -> str:
    """The record's kind; "" for a record that is never held back."""
    kind = getattr(record, "throttle", None)
    if isinstance(kind, str):
        return kind
    exc = record.exc_info[1] if record.exc_info else None
    if isinstance(exc, OSError) and exc.errno in _OUT_OF_FILES:
        return OPEN_FILES
    if "Too many open files" in record.getMessage():
        return OPEN_FILES
    return ""


class LogThrottle(logging.Filter):
    """A filter for log handlers: at most one line of each kind per ``interval`` seconds."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self._clock = clock
        self._kinds: dict[str, _Kind] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether ``record`` is written (a record of a kind already written this interval is counted instead)."""
        verdict = getattr(record, _VERDICT, None)
        if verdict is not None:
            return bool(verdict)
        kind = _kind_of(record)
        passed = not kind or self._decide(kind, record)
        setattr(record, _VERDICT, passed)
        return passed

    def _decide(self, name: str, record: logging.LogRecord) -> bool:
        now = self._clock()
        kind = self._kinds.get(name)
        if kind is not None and now - kind.last_passed < self.interval:
            if not kind.suppressed:
                kind.first_suppressed = now
            kind.suppressed += 1
            kind.sample = record.getMessage().splitlines()[0][:200] if record.msg else ""
            return False
        if kind is not None and kind.suppressed:
            # Format now and drop the arguments: the count is appended to the finished text.
            held = f"{kind.suppressed} more like this in the last {now - kind.first_suppressed:.0f} s"
            record.msg = f"{record.getMessage()} [{held}]"
            record.args = None
        self._kinds[name] = _Kind(last_passed=now)
        return True

    def flush(self) -> None:
        """Log the count of each kind whose lines were held back and whose interval is over."""
        now = self._clock()
        for name, kind in self._kinds.items():
            if kind.suppressed and now - kind.last_passed >= self.interval:
                _LOGGER.warning(
                    "%d more log lines of kind %s in the last %.0f s, the last: %s",
                    kind.suppressed,
                    name,
                    now - kind.first_suppressed,
                    kind.sample,
                    extra={"throttle": ""},
                )
                self._kinds[name] = _Kind(last_passed=now)

    def install(self, logger: logging.Logger | None = None) -> None:
        """Filter every handler of ``logger`` (the root logger by default), where all records end up."""
        for handler in (logger or logging.getLogger()).handlers:
            handler.addFilter(self)

    def uninstall(self, logger: logging.Logger | None = None) -> None:
        """Stop filtering the handlers ``install`` filtered."""
        for handler in (logger or logging.getLogger()).handlers:
            handler.removeFilter(self)
