"""Bearer token grants on Redis: one hash from the token's hash to its TokenRecord JSON."""

from __future__ import annotations

import json

from ..clock import to_ms, utcnow
from ..state import TokenRecord
from .client import RedisBackend, unavailable_as_store_error
from .scripts import dumps

__all__ = ["RedisTokenStore"]


class RedisTokenStore:
    """TokenStore on Redis (``zcc:{R}:tokens``); the token itself is never stored."""

    def __init__(self, backend: RedisBackend) -> None:
        self._backend = backend
        self._key = backend.keys.tokens
        self._events = backend.keys.events

    @property
    def where(self) -> str:
        """Where the Redis is, for error texts."""
        return self._backend.where

    @unavailable_as_store_error
    async def put(self, token_hash: str, record: TokenRecord) -> None:
        """Store a token grant with its ``token.created`` event in one MULTI/EXEC (acknowledged after WAIT).

        A retried call stores the same grant again and may append the event twice: both harmless
        (applying the event is idempotent).
        """
        grant = dumps(record.to_dict())
        now = to_ms(record.created_at or utcnow())
        data = f'{{"token_hash":{dumps(token_hash)},"grant":{grant}}}'
        xadd = ("XADD", self._events, "MAXLEN", "~", self._backend.maxlen, "*")
        await self._backend.writer.transaction(
            self._key,
            [("HSET", self._key, token_hash, grant), (*xadd, "ts", now, "type", "token.created", "data", data)],
        )

    @unavailable_as_store_error
    async def all(self) -> dict[str, TokenRecord]:
        """Every grant, by token hash."""
        raw = await self._backend.client.hgetall(self._key)
        return {str(h): TokenRecord.from_dict(json.loads(v)) for h, v in raw.items()}

    @unavailable_as_store_error
    async def get(self, token_hash: str) -> TokenRecord | None:
        """The grant of a token hash."""
        raw = await self._backend.client.hget(self._key, token_hash)
        return TokenRecord.from_dict(json.loads(raw)) if raw is not None else None

    @unavailable_as_store_error
    async def count(self) -> int:
        """Number of stored tokens."""
        return int(await self._backend.client.hlen(self._key))
