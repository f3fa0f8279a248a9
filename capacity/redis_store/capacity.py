"""Capacity entries, provider stops and holds of one region on Redis: every write one Lua script.

Concurrent ``apply_updates`` calls share one script call (group commit, ``capacity.batching``);
each is still checked against its own op record, applied and answered on its own.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from redis.commands.core import AsyncScript

from ..batching import GroupCommit
from ..clock import to_ms
from ..errors import InvalidInput
from ..model import Region
from ..state import CapacityEntry, CapacityUpdate, Hold, ProviderStatus, Snapshot, UpdateResult
from ..store.types import IdempotencyKey
from .client import RedisBackend, unavailable_as_store_error
from .keys import RegionKeys, entry_field
from .scripts import CALL_OP_TTL_S, IDEMPOTENCY_TTL_S, Scripts, as_list, dumps, error_of, parse_json

__all__ = ["RedisCapacityStore"]

# expire_holds ends at most this many holds per script run, to keep Redis responsive;
# the rest go on the next run.
_EXPIRE_BATCH = 100
_EXPIRE_MAX = 2000


@dataclass(frozen=True, slots=True)
class _UpdateOp:
    """One apply_updates call waiting for its group's script call."""

    op_id: str
    now_ms: int
    payload: list[dict[str, Any]]
    idem: IdempotencyKey | None


_UpdateReply: TypeAlias = tuple[list[UpdateResult], bool]


class RedisCapacityStore:
    """CapacityStore on Redis; see ``capacity.redis_store`` for keys, idempotency and durability."""

    def __init__(self, backend: RedisBackend) -> None:
        self.region_id = backend.region_id
        self._backend = backend
        self._keys = backend.keys
        self._updates: GroupCommit[_UpdateOp, _UpdateReply] = GroupCommit(self._flush_updates)
        backend.on_close(self._updates.close)

    @property
    def where(self) -> str:
        """Where the Redis is, for error texts."""
        return self._backend.where

    @property
    def _lua(self) -> Scripts:
        return self._backend.scripts

    async def _run(self, script: AsyncScript, keys: Sequence[str], args: Sequence[str | int]) -> Any:
        """Run a write script (acknowledged once the replicas have it) and parse its JSON reply."""
        return parse_json(await self._backend.writer.script(script, keys, args))

    @unavailable_as_store_error
    async def seed(self, region: Region, now: datetime) -> None:
        """Create a stale entry for every offer without one (HSETNX keeps existing state)."""
        async with self._backend.client.pipeline(transaction=False) as pipe:
            for p, o in region.offers():
                entry = CapacityEntry(p.id, o.care_type, total=o.total)
                pipe.hsetnx(self._keys.capacity, entry_field(p.id, o.care_type), dumps(entry.to_dict()))
            await pipe.execute()

    @unavailable_as_store_error
    async def snapshot(self) -> Snapshot:
        """Entries, statuses, active holds and the last event id, read by one script (atomically)."""
        return await self._snapshot(self._keys)

    @unavailable_as_store_error
    async def peek(self, region_id: str) -> Snapshot | None:
        """Another region's state in the same Redis (its own hash slot: a separate call)."""
        return await self._snapshot(RegionKeys.of(region_id))

    async def _snapshot(self, k: RegionKeys) -> Snapshot:
        b = self._backend
        keys = [k.capacity, k.status, k.holds, k.due, k.events]
        caps, statuses, holds, last_id = await b.writer.script(b.scripts.snapshot, keys, [], read_only=True)
        entries = sorted((CapacityEntry.from_dict(json.loads(c)) for c in caps), key=lambda e: e.key)
        return Snapshot(
            tuple(entries),
            tuple(ProviderStatus.from_dict(json.loads(s)) for s in statuses),
            tuple(Hold.from_dict(json.loads(h)) for h in holds),
            str(last_id),
        )

    @unavailable_as_store_error
    async def apply_updates(
        self,
        updates: Sequence[CapacityUpdate],
        op_id: str,
        now: datetime,
        idem: IdempotencyKey | None = None,
    ) -> tuple[list[UpdateResult], bool]:
        """Apply reports atomically; older reports are stale_ignored; a repeated op_id changes nothing.

        Concurrent calls share one script call (group commit); each is still
        checked, applied and answered on its own.
        """
        payload = [
            {
                "provider_id": u.provider_id,
                "care_type": u.care_type,
                "available": u.available,
                "total": u.total,
                "reported_at": to_ms(u.reported_at),
                "valid_until": to_ms(u.valid_until),
            }
            for u in updates
        ]
        return await self._updates.submit(_UpdateOp(op_id, to_ms(now), payload, idem))

    async def _flush_updates(self, ops: list[_UpdateOp]) -> list[_UpdateReply | BaseException]:
        """One script call for several update ops; a per-op error comes back as an exception instance."""
        k = self._keys
        keys = [k.capacity, k.events]
        spec: list[dict[str, Any]] = []
        for op in ops:
            keys.append(k.op(op.op_id))
            item: dict[str, Any] = {"op_id": op.op_id, "now": op.now_ms, "updates": op.payload, "op_key": len(keys)}
            if op.idem is not None:
                keys.append(k.idem(op.idem.key))
                item["idem_key"] = len(keys)
                item["fp"] = op.idem.fingerprint
            spec.append(item)
        b = self._backend
        replies = await b.writer.script(b.scripts.apply_updates, keys, [b.maxlen, IDEMPOTENCY_TTL_S, dumps(spec)])
        return [_update_reply(json.loads(raw)) for raw in replies]

    @unavailable_as_store_error
    async def set_status(self, status: ProviderStatus, op_id: str) -> ProviderStatus:
        """Store a provider's stop status with the next version."""
        k = self._keys
        ts = to_ms(status.set_at) if status.set_at else 0
        result = await self._run(
            self._lua.set_status,
            [k.status, k.events, k.op(op_id)],
            [op_id, dumps(status.to_dict()), ts, self._backend.maxlen, IDEMPOTENCY_TTL_S, status.key],
        )
        return ProviderStatus.from_dict(result)

    @unavailable_as_store_error
    async def hold(
        self,
        hold: Hold,
        now: datetime,
        idem: IdempotencyKey | None = None,
    ) -> tuple[Hold, CapacityEntry]:
        """Take one free unit in one script; the hold id is the op id."""
        k = self._keys
        keys = [k.capacity, k.status, k.holds, k.due, k.events, k.op(hold.hold_id)]
        args: list[str | int] = [to_ms(now), dumps(hold.to_dict()), self._backend.maxlen, IDEMPOTENCY_TTL_S]
        if idem is not None:
            keys.append(k.idem(idem.key))
            args.append(idem.fingerprint)
        result = await self._run(self._lua.hold, keys, args)
        return Hold.from_dict(result["hold"]), CapacityEntry.from_dict(result["entry"])

    async def _end_hold(self, hold_id: str, status: str, now: datetime) -> tuple[Hold, CapacityEntry]:
        k = self._keys
        result = await self._run(
            self._lua.end_hold,
            [k.capacity, k.holds, k.due, k.events, k.op(f"{hold_id}:{status}")],
            [to_ms(now), hold_id, status, self._backend.maxlen, IDEMPOTENCY_TTL_S],
        )
        return Hold.from_dict(result["hold"]), CapacityEntry.from_dict(result["entry"])

    @unavailable_as_store_error
    async def confirm_hold(self, hold_id: str, now: datetime) -> tuple[Hold, CapacityEntry]:
        """Hold -> placement; idempotent. A hold past its time is expired and refused."""
        return await self._end_hold(hold_id, "confirmed", now)

    @unavailable_as_store_error
    async def release_hold(self, hold_id: str, now: datetime, status: str = "released") -> tuple[Hold, CapacityEntry]:
        """End a hold as ``released`` or ``expired`` and give its unit back; idempotent."""
        if status not in ("released", "expired"):
            raise InvalidInput(f"a hold ends as released or expired, not {status!r}", field="status")
        return await self._end_hold(hold_id, status, now)

    @unavailable_as_store_error
    async def expire_holds(self, now: datetime) -> list[Hold]:
        """Expire the holds past their time, up to a bound per call (the rest on the next call)."""
        k = self._keys
        result = await self._run(
            self._lua.expire_holds,
            [k.capacity, k.holds, k.due, k.events, k.op(f"expire:{uuid.uuid4().hex}")],
            [to_ms(now), self._backend.maxlen, CALL_OP_TTL_S, _EXPIRE_BATCH, _EXPIRE_MAX],
        )
        return [Hold.from_dict(h) for h in as_list(result)]

    @unavailable_as_store_error
    async def get_hold(self, hold_id: str) -> Hold | None:
        """One hold by id."""
        raw = await self._backend.client.hget(self._keys.holds, hold_id)
        return Hold.from_dict(json.loads(raw)) if raw is not None else None


def _update_reply(result: dict[str, Any]) -> _UpdateReply | BaseException:
    """One op's reply of apply_updates.lua: its results and replay flag, or its domain error."""
    if "err" in result:
        return error_of(result)
    # The entries as stored, so the caller's view need not wait for the stream (absent on replay).
    stored = {(e["provider_id"], e["care_type"]): CapacityEntry.from_dict(e) for e in as_list(result.get("entries"))}
    results = [
        UpdateResult(r["provider_id"], r["care_type"], r["status"], stored.get((r["provider_id"], r["care_type"])))
        for r in as_list(result["results"])
    ]
    return results, bool(result["replay"])
