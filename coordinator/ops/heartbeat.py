"""Each instance announces itself in the store every few seconds, so ``zcc status`` can list who serves."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable
from datetime import datetime
from importlib import metadata

from capacity.clock import utcnow
from capacity.errors import StoreUnavailable
from capacity.service import raise_if_cancelling
from capacity.store import InstanceInfo, InstanceRegistry
from capacity.view import CapacityView

__all__ = ["HEARTBEAT_SECONDS", "Heartbeat", "zcc_version"]

_LOGGER = logging.getLogger(__name__)

#: How often an instance announces itself; ``zcc status`` lists those seen in the last minute.
HEARTBEAT_SECONDS = 10.0


def zcc_version() -> str:
    """The installed zcc version."""
    try:
        return metadata.version("zcc")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


class Heartbeat:
    """This instance's identity and what it reports; other parts add a figure with :meth:`report`."""

    def __init__(self, view: CapacityView, *, interval: float = HEARTBEAT_SECONDS) -> None:
        self.view = view
        self.interval = interval
        self.instance_id = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"
        self.started_at = utcnow()
        self._reporters: dict[str, Callable[[], object]] = {}

    def report(self, name: str, read: Callable[[], object]) -> None:
        """Announce ``read()`` (a JSON value) as ``name`` with every heartbeat (e.g. the audit spool's depth)."""
        self._reporters[name] = read

    def info(self, now: datetime) -> InstanceInfo:
        """The heartbeat as of ``now``."""
        return InstanceInfo(
            instance_id=self.instance_id,
            version=zcc_version(),
            host=socket.gethostname(),
            pid=os.getpid(),
            started_at=self.started_at,
            seen_at=now,
            view_lag_seconds=round(self.view.lag_seconds, 3),
            degraded=self.view.degraded,
            last_event_id=self.view.last_event_id,
            extra={name: read() for name, read in self._reporters.items()},
        )

    async def run(self, registry: InstanceRegistry) -> None:
        """Announce now and then every ``interval`` seconds until cancelled; a store fault only skips a beat."""
        while True:
            try:
                await registry.announce(self.info(utcnow()))
            except StoreUnavailable as exc:
                raise_if_cancelling()
                _LOGGER.debug("heartbeat skipped: %s", exc.detail)
            await asyncio.sleep(self.interval)
