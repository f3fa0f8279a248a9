"""The connector stores (leases, history, subscriptions) on Redis, every key in the region's hash slot.

Keys (``R`` the region, all under the ``{R}`` hash tag, so a script touching several is cluster-safe)::

    zcc:{R}:lease:<name>                  string  the holder's id, PX the lease's time to live
    zcc:{R}:hist:<res>:<provider|care>    zset    "bucket:version:at:available:held:total:valid_until" by bucket
    zcc:{R}:subscriptions                 hash    id -> Subscription JSON (with its secret)
    zcc:{R}:deliveries:<id>               hash    delivery id -> Delivery JSON (the latest 200)

A lease is ``SET NX PX`` (one command) and its extension a compare-and-expire script, so it works on a
single server as it is; history's upsert is one script per batch (``lua/history_record.lua``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from importlib import resources

from redis.commands.core import AsyncScript

from ..clock import to_ms
from ..state import EntryKey
from ..store.interop import RESOLUTIONS, Delivery, InteropStores, Sample, Subscription, bucket_of
from .client import RedisBackend, unavailable_as_store_error
from .keys import entry_field
from .modes import AnyRedis

__all__ = ["RedisHistory", "RedisLeases", "RedisSubscriptions", "open_redis_interop"]

#: Delivery records kept per subscription.
KEEP_DELIVERIES = 200


class _Scripts:
    """The two scripts of this module, registered once per client."""

    def __init__(self) -> None:
        self._client: AnyRedis | None = None
        self.extend: AsyncScript | None = None
        self.record: AsyncScript | None = None

    def of(self, client: AnyRedis) -> _Scripts:
        if self._client is not client:
            lua = resources.files("capacity.redis_store").joinpath("lua")
            self.extend = client.register_script(lua.joinpath("lease_extend.lua").read_text(encoding="utf-8"))
            self.record = client.register_script(lua.joinpath("history_record.lua").read_text(encoding="utf-8"))
            self._client = client
        return self


class _Base:
    def __init__(self, backend: RedisBackend, scripts: _Scripts) -> None:
        self._backend = backend
        self._scripts = scripts
        self._prefix = backend.keys.prefix

    @property
    def where(self) -> str:
        """Where the Redis is, for error texts."""
        return self._backend.where


class RedisLeases(_Base):
    """LeaseStore on Redis (the server's clock decides expiry)."""

    @unavailable_as_store_error
    async def claim(self, name: str, holder: str, ttl_ms: int, now: datetime) -> bool:
        """``SET NX PX``: taken only when no claim exists."""
        return bool(await self._backend.client.set(self._prefix + "lease:" + name, holder, nx=True, px=max(1, ttl_ms)))

    @unavailable_as_store_error
    async def extend(self, name: str, holder: str, ttl_ms: int, now: datetime) -> bool:
        """Compare-and-expire in one script."""
        scripts = self._scripts.of(self._backend.client)
        assert scripts.extend is not None
        keys: list[str] = [self._prefix + "lease:" + name]
        args: list[str | int] = [holder, max(1, ttl_ms)]
        # Through the writer: on Sentinel and Cluster acknowledged after WAIT like every write.
        return bool(await self._backend.writer.script(scripts.extend, keys, args))


def _member(bucket: int, s: Sample) -> str:
    vu = "-" if s.valid_until_ms is None else str(s.valid_until_ms)
    return f"{bucket}:{s.version}:{s.at_ms}:{s.available}:{s.held}:{s.total}:{vu}"


def _sample(member: str) -> Sample:
    _, version, at, available, held, total, vu = member.split(":")
    return Sample(int(at), int(version), int(available), int(held), int(total), None if vu == "-" else int(vu))


class RedisHistory(_Base):
    """HistoryStore on one sorted set per (resolution, entry)."""

    def _key(self, res: int, key: EntryKey) -> str:
        return f"{self._prefix}hist:{res}:{entry_field(*key)}"

    @unavailable_as_store_error
    async def record(self, samples: Sequence[tuple[EntryKey, Sample]]) -> None:
        """One script call per batch of samples (idempotent: a retry keeps the same versions)."""
        keys: list[str] = []
        args: list[str | int] = []
        for key, s in samples:
            for res in RESOLUTIONS:
                bucket = bucket_of(s.at_ms, res)
                keys.append(self._key(res, key))
                args.extend((bucket, s.version, _member(bucket, s)))
        if keys:
            scripts = self._scripts.of(self._backend.client)
            assert scripts.record is not None
            await self._backend.writer.script(scripts.record, keys, args)

    @unavailable_as_store_error
    async def samples(
        self, keys: Sequence[EntryKey], resolution: int, first_bucket: int, last_bucket: int
    ) -> dict[EntryKey, list[Sample]]:
        """Per entry one look back and one range read, pipelined."""
        async with self._backend.client.pipeline(transaction=False) as pipe:
            for key in keys:
                k = self._key(resolution, key)
                pipe.zrange(k, f"({first_bucket}", "-inf", byscore=True, desc=True, offset=0, num=1)
                pipe.zrange(k, first_bucket, last_bucket, byscore=True)
            replies = await pipe.execute()
        return {key: [_sample(m) for m in (*replies[2 * i], *replies[2 * i + 1])] for i, key in enumerate(keys)}

    @unavailable_as_store_error
    async def prune(self, keep_ms: Mapping[int, int], now: datetime, keys: Sequence[EntryKey]) -> None:
        """ZREMRANGEBYSCORE the old buckets of every entry of the region."""
        t = to_ms(now)
        async with self._backend.client.pipeline(transaction=False) as pipe:
            for res, keep in keep_ms.items():
                for key in keys:
                    pipe.zremrangebyscore(self._key(res, key), "-inf", f"({bucket_of(t - keep, res)}")
            await pipe.execute()


class RedisSubscriptions(_Base):
    """SubscriptionStore on a hash of subscriptions and a hash of deliveries per subscription."""

    @unavailable_as_store_error
    async def put(self, sub: Subscription) -> None:
        """HSET the subscription."""
        await self._backend.client.hset(self._prefix + "subscriptions", sub.id, sub.to_json())

    @unavailable_as_store_error
    async def get(self, sub_id: str) -> Subscription | None:
        """HGET one subscription."""
        raw = await self._backend.client.hget(self._prefix + "subscriptions", sub_id)
        return Subscription.from_json(raw) if raw else None

    @unavailable_as_store_error
    async def all(self) -> list[Subscription]:
        """Every subscription, oldest first."""
        subs = [Subscription.from_json(v) for v in (await self._backend.client.hvals(self._prefix + "subscriptions"))]
        return sorted(subs, key=lambda s: (s.created_at.timestamp() if s.created_at else 0.0, s.id))

    @unavailable_as_store_error
    async def delete(self, sub_id: str) -> bool:
        """HDEL the subscription, DEL its deliveries."""
        client = self._backend.client
        removed = await client.hdel(self._prefix + "subscriptions", sub_id)
        await client.delete(self._prefix + "deliveries:" + sub_id)
        return bool(removed)

    @unavailable_as_store_error
    async def put_delivery(self, delivery: Delivery) -> None:
        """HSET the delivery; trim the oldest beyond the kept number."""
        client = self._backend.client
        key = self._prefix + "deliveries:" + delivery.subscription_id
        await client.hset(key, delivery.id, delivery.to_json())
        if await client.hlen(key) > KEEP_DELIVERIES:
            found = sorted((Delivery.from_json(v) for v in await client.hvals(key)), key=lambda d: d.created_at_ms)
            await client.hdel(key, *(d.id for d in found[: len(found) - KEEP_DELIVERIES]))

    @unavailable_as_store_error
    async def deliveries(self, sub_id: str, limit: int = 100) -> list[Delivery]:
        """Newest first."""
        found = [Delivery.from_json(v) for v in await self._backend.client.hvals(self._prefix + "deliveries:" + sub_id)]
        found.sort(key=lambda d: (-d.created_at_ms, d.id))
        return found[:limit]


def open_redis_interop(backend: RedisBackend) -> InteropStores:
    """The connector stores on ``backend`` (usable once the backend is open)."""
    scripts = _Scripts()
    return InteropStores(
        RedisLeases(backend, scripts), RedisHistory(backend, scripts), RedisSubscriptions(backend, scripts)
    )
