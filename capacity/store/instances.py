"""The JSON form of an instance's heartbeat, shared by the backends."""

from __future__ import annotations

import json

from ..clock import from_ms, to_ms
from .types import InstanceInfo

__all__ = ["HEARTBEAT_KEEP_MS", "from_json", "to_json"]

# A heartbeat older than this is dropped when the next one is written (an instance that is gone for good).
HEARTBEAT_KEEP_MS = 24 * 3600 * 1000


def to_json(info: InstanceInfo) -> str:
    """The stored form of a heartbeat."""
    return json.dumps(
        {
            "instance_id": info.instance_id,
            "version": info.version,
            "host": info.host,
            "pid": info.pid,
            "started_at": to_ms(info.started_at),
            "seen_at": to_ms(info.seen_at),
            "view_lag_seconds": info.view_lag_seconds,
            "degraded": info.degraded,
            "last_event_id": info.last_event_id,
            "extra": dict(info.extra or {}),
        }
    )


def from_json(text: str | bytes) -> InstanceInfo:
    """Inverse of :func:`to_json`."""
    d = json.loads(text)
    return InstanceInfo(
        instance_id=d["instance_id"],
        version=d["version"],
        host=d["host"],
        pid=int(d["pid"]),
        started_at=from_ms(d["started_at"]),
        seen_at=from_ms(d["seen_at"]),
        view_lag_seconds=float(d.get("view_lag_seconds", 0.0)),
        degraded=bool(d.get("degraded", False)),
        last_event_id=str(d.get("last_event_id", "0")),
        extra=d.get("extra") or {},
    )
