"""The region's event log on Redis: one stream, read by XRANGE or by a blocking XREAD with its own deadline."""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from redis.exceptions import ResponseError

from ..clock import from_ms, to_ms
from ..state import EntryHint, Event, LazyJson
from .client import RedisBackend, unavailable_as_store_error
from .scripts import CALL_OP_TTL_S, dumps
from .writes import is_refusal

__all__ = ["RedisEventLog", "events_of_entries", "events_of_xread"]


def _event_of(entry_id: str, fields: Mapping[str, str]) -> Event:
    hint: EntryHint | None = None
    if "ek" in fields:
        pid, _, ct = fields["ek"].partition("|")
        hint = EntryHint(pid, ct, int(fields["ev"]))
    return Event(entry_id, from_ms(int(fields["ts"])), fields["type"], LazyJson(fields["data"]), hint)


def events_of_entries(entries: Any) -> list[Event]:
    """Events from stream entries ``[[id, fields], ...]``; fields a flat list (raw) or a dict."""
    out: list[Event] = []
    for entry_id, raw_fields in entries or ():
        if isinstance(raw_fields, Mapping):
            fields = dict(raw_fields)
        else:
            it = iter(raw_fields)
            fields = dict(zip(it, it, strict=True))
        out.append(_event_of(entry_id, fields))
    return out


def events_of_xread(reply: Any) -> list[Event]:
    """Events from a raw XREAD reply of one stream: RESP2 ``[[name, entries]]``, RESP3 ``{name: entries}``."""
    if not reply:
        return []
    streams = reply.values() if isinstance(reply, Mapping) else (s[1] for s in reply)
    return [ev for entries in streams for ev in events_of_entries(entries)]


class RedisEventLog:
    """EventLog on a Redis stream (``zcc:{R}:events``); the writes of the other stores append to it."""

    def __init__(self, backend: RedisBackend) -> None:
        self._backend = backend
        self._keys = backend.keys

    @property
    def where(self) -> str:
        """Where the Redis is, for error texts."""
        return self._backend.where

    @unavailable_as_store_error
    async def events_after(self, last_id: str, limit: int = 1000, block_ms: int = 0) -> list[Event]:
        """Events after ``last_id`` (``"0"``: from the start); with ``block_ms`` waits for new ones."""
        if block_ms > 0:
            return await self._read_blocking(last_id or "0", limit, block_ms)
        start = "-" if last_id in ("", "0", "0-0") else f"({last_id}"
        entries = await self._backend.client.xrange(self._keys.events, start, "+", count=limit)
        return events_of_entries(entries)

    async def _read_blocking(self, last_id: str, limit: int, block_ms: int) -> list[Event]:
        """XREAD BLOCK on a lent connection to the stream's primary, with a read timeout longer than the block.

        The client's commands time out after ``socket_timeout``, shorter than a
        block, so this borrows a connection (from the pool, or from the cluster
        node that owns the region's slot) and reads with its own deadline. A
        read that fails or is cancelled by the deadline closes the connection,
        so a late reply never reaches the next command on it. Not retried: a
        read changes nothing and the caller polls again.
        """
        try:
            async with self._backend.pinned(self._keys.events) as conn:
                async with asyncio.timeout(block_ms / 1000 + self._backend.options.socket_timeout + 1.0):
                    await conn.send_command(
                        "XREAD", "COUNT", limit, "BLOCK", block_ms, "STREAMS", self._keys.events, last_id
                    )
                    # math.inf: no socket timeout on this read; the deadline above bounds it.
                    reply = await conn.read_response(timeout=math.inf)
        except ResponseError as exc:
            if is_refusal(exc):  # MOVED after a cluster failover: the next read goes to the new primary
                await self._backend.mode.heal(exc)
            raise
        return events_of_xread(reply)

    @unavailable_as_store_error
    async def append_event(self, type_: str, data: Mapping[str, object], now: datetime) -> str:
        """Append an application event; returns its stream id (a fresh op id guards redis-py's retries)."""
        b = self._backend
        op = self._keys.op(f"event:{uuid.uuid4().hex}")
        reply = await b.writer.script(
            b.scripts.append_event,
            [self._keys.events, op],
            [to_ms(now), type_, dumps(data), b.maxlen, CALL_OP_TTL_S],
        )
        return str(reply)
