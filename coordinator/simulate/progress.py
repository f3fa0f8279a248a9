"""A small progress bar on stderr (no dependency): redrawn in place on a terminal, in steps of 10% otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """``update(label, fraction)`` while a run goes; ``done()`` ends the line."""

    def __init__(self, stream: TextIO | None = None, *, width: int = 30, interval: float = 0.1) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.interval = interval
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.perf_counter()
        self._last_draw = 0.0
        self._last_decile = -1
        self._label = ""

    def update(self, label: str, fraction: float) -> None:
        """Show ``label`` at ``fraction`` (0..1) done; cheap to call often."""
        fraction = min(1.0, max(0.0, fraction))
        if label != self._label:
            if self._label and self.tty:
                self.stream.write("\n")
            self._label, self._last_decile = label, -1
        now = time.perf_counter()
        if self.tty:
            if now - self._last_draw < self.interval and fraction < 1.0:
                return
            self._last_draw = now
            self.stream.write("\r" + self._line(label, fraction, now))
        else:
            decile = int(fraction * 10)
            if decile == self._last_decile:
                return
            self._last_decile = decile
            self.stream.write(self._line(label, fraction, now) + "\n")
        self.stream.flush()

    def _line(self, label: str, fraction: float, now: float) -> str:
        filled = round(self.width * fraction)
        bar = "#" * filled + "." * (self.width - filled)
        return f"{label:<12} [{bar}] {fraction * 100:5.1f}%  {now - self.started:6.1f} s"

    def done(self) -> None:
        """End the bar's line."""
        if self.tty and self._label:
            self.stream.write("\n")
            self.stream.flush()
        self._label = ""
