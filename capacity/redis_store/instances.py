"""Instance heartbeats on Redis: one hash ``zcc:{R}:instances`` from instance id to its heartbeat JSON."""

from __future__ import annotations

from datetime import datetime

from ..store.instances import HEARTBEAT_KEEP_MS, from_json, to_json
from ..store.types import InstanceInfo
from .client import RedisBackend, unavailable_as_store_error

__all__ = ["RedisInstances"]


class RedisInstances:
    """InstanceRegistry on Redis; a heartbeat is one HSET (idempotent, so a retried one is harmless)."""

    def __init__(self, backend: RedisBackend) -> None:
        self._backend = backend
        self._key = backend.keys.prefix + "instances"

    @property
    def where(self) -> str:
        """Where the Redis is, for error texts."""
        return self._backend.where

    @unavailable_as_store_error
    async def announce(self, info: InstanceInfo) -> None:
        """Replace the instance's heartbeat; drop those older than a day."""
        client = self._backend.client
        await client.hset(self._key, info.instance_id, to_json(info))
        old = [
            i.instance_id
            for i in map(from_json, (await client.hgetall(self._key)).values())
            if (info.seen_at - i.seen_at).total_seconds() * 1000 > HEARTBEAT_KEEP_MS
        ]
        if old:
            await client.hdel(self._key, *old)

    @unavailable_as_store_error
    async def seen_since(self, since: datetime) -> list[InstanceInfo]:
        """Heartbeats at or after ``since``."""
        found = (from_json(v) for v in (await self._backend.client.hgetall(self._key)).values())
        return sorted((i for i in found if i.seen_at >= since), key=lambda i: i.instance_id)
