"""Bearer token grants on Redis: one hash from the token's hash to its TokenRecord JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from ..clock import from_ms, to_ms, utcnow
from ..state import TokenRecord
from .client import RedisBackend, unavailable_as_store_error
from .scripts import dumps

__all__ = ["RedisTokenStore"]


class RedisTokenStore:
    """TokenStore on Redis (``zcc:{R}:tokens``); the token itself is never stored."""

    def __init__(self, backend: RedisBackend) -> None:
        self._backend = backend
        self._key = backend.keys.tokens
        self._used = backend.keys.tokens_used
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

    @unavailable_as_store_error
    async def revoke(self, token_hash: str, now: datetime) -> bool:
        """Delete a grant with its ``token.revoked`` event in one script; False when there was none."""
        data = f'{{"token_hash":{dumps(token_hash)}}}'
        b = self._backend
        done = await b.scripts.revoke_token(
            keys=[self._key, self._used, self._events], args=[token_hash, to_ms(now), data, b.maxlen], client=b.client
        )
        return bool(int(done))

    @unavailable_as_store_error
    async def mark_used(self, used: Mapping[str, datetime]) -> None:
        """Record last-use times in one script call (the later time wins)."""
        if not used:
            return
        args: list[str | int] = []
        for h, at in used.items():
            args += [h, to_ms(at)]
        await self._backend.scripts.mark_used(keys=[self._used], args=args, client=self._backend.client)

    @unavailable_as_store_error
    async def last_used(self) -> dict[str, datetime]:
        """When each token was last used, by hash."""
        raw = await self._backend.client.hgetall(self._used)
        return {str(h): from_ms(int(v)) for h, v in raw.items()}
