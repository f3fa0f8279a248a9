"""Backup and restore of one region's keys on Redis, as JSON lines.

A backup is consistent: one Lua script copies every key of the region (``COPY``, server side) to short-lived
copies in the same hash slot, in one atomic step; the copies are then read in chunks (``HSCAN``, ``XRANGE``,
``ZRANGE``, ``LRANGE``) while the service goes on writing, and deleted. The file is readable text, restores on
any Redis 7 (a ``DUMP`` payload is tied to the server's RDB version), and keeps each key's time to live.

The file: a header line ``{"format": "zcc-redis-backup", "version": 1, "region", "taken_at", ...}``, one line
per chunk of a key ``{"key": suffix, "type", "pttl", "data"}``, and a trailer ``{"end": true, "keys", "lines"}``
without which a restore refuses the file (it was cut short). A restore replaces every key of the region;
the instances of the region must be stopped (their views would not know).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..clock import iso, utcnow
from ..errors import InvalidInput
from .client import RedisBackend, unavailable_as_store_error
from .scripts import lua_source

__all__ = ["FORMAT", "export_region", "import_region", "read_backup"]

FORMAT = "zcc-redis-backup"
_CHUNK = 1000
_COPY_TTL_MS = 3_600_000  # a backup that dies half-way leaves copies that vanish within the hour


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


class _Export:
    """One export run: the copies of this backup id, read and written out chunk by chunk."""

    def __init__(self, backend: RedisBackend, out: IO[str]) -> None:
        self.backend = backend
        self.where = backend.where
        self.out = out
        self.lines = 0

    def write(self, obj: dict[str, Any]) -> None:
        self.out.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.lines += 1

    async def key(self, copy: str, suffix: str, type_: str, pttl: int) -> None:
        client = self.backend.client
        head = {"key": suffix, "type": type_, "pttl": pttl}
        if type_ == "string":
            self.write({**head, "data": await client.get(copy)})
        elif type_ == "hash":
            cursor: int = 0
            while True:
                cursor, fields = await client.hscan(copy, cursor, count=_CHUNK)
                if fields:
                    self.write({**head, "data": fields})
                if cursor == 0:
                    break
        elif type_ == "list":
            n = await client.llen(copy)
            for start in range(0, n, _CHUNK):
                self.write({**head, "data": await client.lrange(copy, start, start + _CHUNK - 1)})
        elif type_ == "set":
            self.write({**head, "data": sorted(await client.smembers(copy))})
        elif type_ == "zset":
            n = await client.zcard(copy)
            for start in range(0, n, _CHUNK):
                scored: list[Any] = await client.zrange(copy, start, start + _CHUNK - 1, withscores=True)
                self.write({**head, "data": [[m, s] for m, s in scored]})
        elif type_ == "stream":
            low = "-"
            while True:
                entries: list[Any] = await client.xrange(copy, min=low, max="+", count=_CHUNK) or []
                if not entries:
                    break
                self.write({**head, "data": [[eid, body] for eid, body in entries]})
                low = f"({entries[-1][0]}"
        else:  # a key of a kind zcc never writes: say so rather than lose it silently
            raise InvalidInput(f"cannot back up key {suffix!r} of type {type_}", field="store")


@unavailable_as_store_error
async def export_region(backend: RedisBackend, out: IO[str]) -> dict[str, Any]:
    """Write a consistent export of the region's keys to ``out``; returns its header with the counts."""
    keys, client = backend.keys, backend.client
    backup_id = secrets.token_hex(6)
    marker = f"{keys.prefix}backup:{backup_id}"
    script = client.register_script(lua_source("backup_copy"))
    taken_at = utcnow()
    listed = await script(keys=[marker], args=[keys.prefix, _glob_escape(keys.prefix) + "*", backup_id, _COPY_TTL_MS])
    header = {"format": FORMAT, "version": 1, "region": backend.region_id, "taken_at": iso(taken_at)}
    run = _Export(backend, out)
    run.write({**header, "keys": len(listed)})
    copies = [f"{marker}:{suffix}" for suffix, _, _ in listed]
    try:
        for (suffix, type_, pttl), copy in zip(listed, copies, strict=True):
            await run.key(copy, str(suffix), str(type_), int(pttl))
    finally:
        for part in _chunks(copies):
            await client.unlink(*part)
    run.write({"end": True, "keys": len(listed), "lines": run.lines + 1})
    return {**header, "keys": len(listed), "lines": run.lines}


def read_backup(path: Path, region_id: str) -> dict[str, Any]:
    """The header of a complete backup file of ``region_id``; InvalidInput when it is not one."""
    with path.open(encoding="utf-8") as f:
        try:
            header = json.loads(f.readline() or "null")
        except json.JSONDecodeError:
            header = None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise InvalidInput(f"{path} is not a zcc Redis backup", field="in")
        if header.get("region") != region_id:
            raise InvalidInput(f"{path} is a backup of region {header.get('region')!r}, not {region_id!r}", field="in")
        last = None
        for line in f:
            last = line
        trailer = json.loads(last) if last else {}
        if not trailer.get("end") or trailer.get("keys") != header.get("keys"):
            raise InvalidInput(f"{path} is cut short (no end line): it cannot be restored", field="in")
    return header


@unavailable_as_store_error
async def import_region(backend: RedisBackend, path: Path) -> dict[str, Any]:
    """Replace every key of the region with the backup's; returns the backup's header."""
    header = read_backup(path, backend.region_id)
    client, prefix = backend.client, backend.keys.prefix
    old = [k async for k in client.scan_iter(match=_glob_escape(prefix) + "*", count=_CHUNK)]
    for part in _chunks(old):
        await client.unlink(*part)
    with path.open(encoding="utf-8") as f:
        next(f)
        for line in f:
            item = json.loads(line)
            if item.get("end"):
                break
            await _put(backend, prefix + item["key"], item["type"], item["data"], int(item["pttl"]))
    return header


async def _put(backend: RedisBackend, key: str, type_: str, data: Any, pttl: int) -> None:
    """Write one chunk of a key back (its expiry too); a pipeline per chunk."""
    pipe = backend.client.pipeline(transaction=False)
    if type_ == "string":
        pipe.set(key, data)
    elif type_ == "hash":
        pipe.hset(key, mapping=data)
    elif type_ == "list":
        pipe.rpush(key, *data)
    elif type_ == "set":
        pipe.sadd(key, *data)
    elif type_ == "zset":
        pipe.zadd(key, {m: float(s) for m, s in data})
    elif type_ == "stream":
        for eid, fields in data:
            pipe.xadd(key, fields, id=eid)
    if pttl > 0:
        pipe.pexpire(key, pttl)
    await pipe.execute()
