"""The NEN 7513 audit log on Redis: sorted sets by time, one for all and one per patient, in a hash chain."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime

from ..clock import to_ms
from ..errors import StoreUnavailable
from ..store.chain import GENESIS, link_hash
from ..store.types import AuditRow
from .client import RedisBackend, unavailable_as_store_error

__all__ = ["RedisAuditStore", "parse_member"]

_DAY_MS = 86_400_000
# Appends that lost the race for the chain's end retry this often before giving up (each loses only
# to an append that succeeded, so this bounds nothing but a pathological pile-up).
_MAX_LINK_TRIES = 200


def parse_member(member: str) -> AuditRow:
    """The row of a member ``"<id> <seq> <prev> <hash> <body>"`` (or ``"<id> <body>"`` from before the chain)."""
    entry_id, _, rest = member.partition(" ")
    if rest.startswith("{"):
        return AuditRow(entry_id, rest)
    seq, prev, hash_, body = rest.split(" ", 3)
    return AuditRow(entry_id, body, seq=int(seq), prev=prev, hash=hash_)


class RedisAuditStore:
    """AuditStore on Redis; an entry is the member ``"<id> <seq> <prev> <hash> <body>"`` scored by its time in ms.

    A sorted set by time (not a stream) so the retention and time filters use the entry's own time;
    a second set per patient keeps a patient's trail cheap to read. The id is made here, so a
    retried append (redis-py retries a timed-out command) is recognised by the script: no duplicate.
    The chain's end (``audit:head``) is checked and moved by the same script that appends
    (``lua/append_audit.lua``); the SHA-256 of the link is computed here, as Redis's Lua has none.
    """

    def __init__(self, backend: RedisBackend) -> None:
        self._backend = backend
        self._keys = backend.keys
        # Entries of one millisecond sort by member: a counter first in the id keeps them in append order.
        self._seq = itertools.count()
        self._head = ""  # the chain's end as last seen: "<seq> <hash>", or "" for an empty log

    @property
    def where(self) -> str:
        """Where the Redis is, for error texts."""
        return self._backend.where

    def _new_id(self, at_ms: int) -> str:
        return f"{at_ms}-{next(self._seq) % 0x1000000:06x}{secrets.token_hex(3)}"

    @unavailable_as_store_error
    async def append(self, body: str, at: datetime, patient_ref: str | None, retention_days: int) -> str:
        """Append an entry (JSON text) at ``at`` linked to the chain's end; past the retention go in the same step."""
        k = self._keys
        at_ms = to_ms(at)
        entry_id = self._new_id(at_ms)
        cutoff = at_ms - retention_days * _DAY_MS
        keys = [k.audit, k.audit_head] + ([k.patient_audit(patient_ref)] if patient_ref else [])
        for _ in range(_MAX_LINK_TRIES):
            expected = self._head
            prev = expected.partition(" ")[2] or GENESIS
            digest = link_hash(prev, body)
            args: list[str | int] = [entry_id, at_ms, body, cutoff, expected, prev, digest, retention_days * 86_400]
            status, value = await self._backend.writer.script(self._backend.scripts.append_audit, keys, args)
            if status in ("ok", b"ok"):
                self._head = f"{int(value)} {digest}"
                return entry_id
            self._head = value.decode() if isinstance(value, bytes) else str(value)
        raise StoreUnavailable("the audit log's end kept moving; the entry was not appended")

    @unavailable_as_store_error
    async def query(
        self,
        *,
        patient_ref: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[AuditRow]:
        """Entries, oldest first, filtered by patient and time (both ends inclusive)."""
        k = self._keys
        key = k.patient_audit(patient_ref) if patient_ref is not None else k.audit
        lo = to_ms(since) if since else "-inf"
        hi = to_ms(until) if until else "+inf"
        members = await self._backend.client.zrangebyscore(key, lo, hi, start=offset, num=limit)
        return [parse_member(str(m)) for m in members]

    @unavailable_as_store_error
    async def chain(self, after_seq: int = 0, limit: int = 1000) -> list[AuditRow]:
        """Entries in append order after ``after_seq`` (reads the whole log: meant for ``zcc audit verify``)."""
        members = await self._backend.client.zrange(self._keys.audit, 0, -1)
        rows = sorted((parse_member(str(m)) for m in members), key=lambda r: r.seq)
        return [r for r in rows if r.seq > after_seq or (r.seq == 0 and after_seq == 0)][:limit]
