"""The NEN 7513 audit log on Redis: sorted sets by the entry's time, one for all and one per patient."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime

from ..clock import to_ms
from ..store.types import AuditRow
from .client import RedisBackend, unavailable_as_store_error

__all__ = ["RedisAuditStore"]

_DAY_MS = 86_400_000


class RedisAuditStore:
    """AuditStore on Redis; an entry is the member ``"<id> <body>"`` scored by its time in ms.

    A sorted set by time (not a stream) so the retention and time filters use the entry's own time;
    a second set per patient keeps a patient's trail cheap to read. The id is made here, so a
    retried append (redis-py retries a timed-out command) adds the same member again: no duplicate.
    """

    def __init__(self, backend: RedisBackend) -> None:
        self._backend = backend
        self._keys = backend.keys
        # Entries of one millisecond sort by member: a counter first in the id keeps them in append order.
        self._seq = itertools.count()

    @property
    def where(self) -> str:
        """Where the Redis is, for error texts."""
        return self._backend.where

    def _new_id(self, at_ms: int) -> str:
        return f"{at_ms}-{next(self._seq) % 0x1000000:06x}{secrets.token_hex(3)}"

    @unavailable_as_store_error
    async def append(self, body: str, at: datetime, patient_ref: str | None, retention_days: int) -> str:
        """Append an entry (JSON text) at ``at``; entries past the retention are removed in the same step."""
        k = self._keys
        at_ms = to_ms(at)
        entry_id = self._new_id(at_ms)
        member = f"{entry_id} {body}"
        cutoff = at_ms - retention_days * _DAY_MS
        commands: list[tuple[str | int, ...]] = [
            ("ZADD", k.audit, at_ms, member),
            ("ZREMRANGEBYSCORE", k.audit, "-inf", f"({cutoff}"),
        ]
        if patient_ref:
            mine = k.patient_audit(patient_ref)
            commands += [
                ("ZADD", mine, at_ms, member),
                ("ZREMRANGEBYSCORE", mine, "-inf", f"({cutoff}"),
                ("EXPIRE", mine, retention_days * 86_400),
            ]
        await self._backend.writer.transaction(k.audit, commands)
        return entry_id

    @unavailable_as_store_error
    async def query(
        self,
        *,
        patient_ref: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[AuditRow]:
        """Entries, oldest first, filtered by patient and time (both ends inclusive)."""
        k = self._keys
        key = k.patient_audit(patient_ref) if patient_ref is not None else k.audit
        lo = to_ms(since) if since else "-inf"
        hi = to_ms(until) if until else "+inf"
        members = await self._backend.client.zrangebyscore(key, lo, hi, start=0, num=limit)
        rows = []
        for member in members:
            entry_id, _, body = str(member).partition(" ")
            rows.append(AuditRow(entry_id, body))
        return rows
