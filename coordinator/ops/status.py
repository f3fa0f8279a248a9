"""``zcc status``: the store, the instances seen in the last minute (with their versions and view lag), and
what the instances report besides (audit spool depth, feeds: when those parts exist)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from capacity.clock import iso, utcnow
from capacity.errors import StoreUnavailable
from capacity.store import InstanceInfo, Stores

__all__ = ["SEEN_WITHIN", "gather_status", "redact", "render_status"]

SEEN_WITHIN = timedelta(minutes=1)


def redact(url: str) -> str:
    """The store URL without a password (``redis://:secret@host`` -> ``redis://:***@host``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _instance(info: InstanceInfo, now_s: float) -> dict[str, Any]:
    return {
        "instance_id": info.instance_id,
        "version": info.version,
        "host": info.host,
        "pid": info.pid,
        "started_at": iso(info.started_at),
        "seen_seconds_ago": round(max(0.0, now_s - info.seen_at.timestamp()), 1),
        "view_lag_seconds": info.view_lag_seconds,
        "degraded": info.degraded,
        "last_event_id": info.last_event_id,
        **dict(info.extra or {}),
    }


async def gather_status(stores: Stores, url: str, region_id: str) -> dict[str, Any]:
    """Open the stores, read who is serving, close them; ``store.reachable`` False when the store is not there."""
    status: dict[str, Any] = {"region": region_id, "store": {"url": redact(url), "reachable": False}, "instances": []}
    try:
        await stores.backend.open()
    except StoreUnavailable as exc:
        status["store"]["error"] = exc.detail
        return status
    try:
        start = time.perf_counter()
        await stores.backend.ping()
        status["store"].update(reachable=True, ping_ms=round((time.perf_counter() - start) * 1000, 2))
        now = utcnow()
        seen = await stores.instances.seen_since(now - SEEN_WITHIN)
        status["instances"] = [_instance(i, now.timestamp()) for i in seen]
    except StoreUnavailable as exc:
        status["store"].update(reachable=False, error=exc.detail)
    finally:
        await stores.backend.close()
    return status


def render_status(status: dict[str, Any]) -> str:
    """The status as lines for a terminal."""
    store = status["store"]
    if store["reachable"]:
        head = f"store    {store['url']}: reachable ({store['ping_ms']} ms)"
    else:
        head = f"store    {store['url']}: UNREACHABLE: {store.get('error', '')}"
    lines = [head, f"region   {status['region']}"]
    instances = status["instances"]
    lines.append(f"instances seen in the last minute: {len(instances)}")
    for i in instances:
        extra = {k: v for k, v in i.items() if k not in _SHOWN}
        lines.append(
            f"  {i['instance_id']}  zcc {i['version']}  on {i['host']}  seen {i['seen_seconds_ago']} s ago  "
            f"view lag {i['view_lag_seconds']} s  last event {i['last_event_id']}"
            + ("  DEGRADED" if i["degraded"] else "")
            + "".join(f"  {k} {v}" for k, v in sorted(extra.items()))
        )
    return "\n".join(lines)


_SHOWN = {
    "instance_id",
    "version",
    "host",
    "pid",
    "started_at",
    "seen_seconds_ago",
    "view_lag_seconds",
    "degraded",
    "last_event_id",
}
