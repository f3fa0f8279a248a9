"""Bearer token grants in SQLite, stored under the token's hash."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import datetime

from ..clock import from_ms, to_ms, utcnow
from ..state import TokenRecord
from .db import SqliteBackend
from .events import log_event

__all__ = ["SqliteTokens"]


class SqliteTokens:
    """TokenStore on the ``tokens`` table."""

    def __init__(self, backend: SqliteBackend) -> None:
        self._db = backend

    async def put(self, token_hash: str, record: TokenRecord) -> None:
        """Store a token's grant (replacing one under the same hash) with its ``token.created`` event."""
        grant = record.to_dict()
        now = record.created_at or utcnow()

        def fn(db: sqlite3.Connection) -> None:
            db.execute("INSERT OR REPLACE INTO tokens (hash, data) VALUES (?, ?)", (token_hash, json.dumps(grant)))
            log_event(db, "token.created", {"token_hash": token_hash, "grant": grant}, now)

        await self._db.write(fn)

    async def get(self, token_hash: str) -> TokenRecord | None:
        """The grant of a token hash, or None."""

        def fn(db: sqlite3.Connection) -> TokenRecord | None:
            row = db.execute("SELECT data FROM tokens WHERE hash=?", (token_hash,)).fetchone()
            return TokenRecord.from_dict(json.loads(row[0])) if row is not None else None

        return await self._db.run(fn)

    async def all(self) -> dict[str, TokenRecord]:
        """Every grant, by token hash."""

        def fn(db: sqlite3.Connection) -> dict[str, TokenRecord]:
            return {h: TokenRecord.from_dict(json.loads(d)) for h, d in db.execute("SELECT hash, data FROM tokens")}

        return await self._db.run(fn)

    async def count(self) -> int:
        """How many tokens exist."""
        return int(await self._db.run(lambda db: db.execute("SELECT COUNT(*) FROM tokens").fetchone()[0]))

    async def revoke(self, token_hash: str, now: datetime) -> bool:
        """Delete a grant with its ``token.revoked`` event in one transaction; False when there was none."""

        def fn(db: sqlite3.Connection) -> bool:
            if db.execute("DELETE FROM tokens WHERE hash=?", (token_hash,)).rowcount == 0:
                return False
            db.execute("DELETE FROM token_use WHERE hash=?", (token_hash,))
            log_event(db, "token.revoked", {"token_hash": token_hash}, now)
            return True

        return await self._db.write(fn)

    async def mark_used(self, used: Mapping[str, datetime]) -> None:
        """Record last-use times, keeping the later of the stored and the given one."""
        rows = [(h, to_ms(at)) for h, at in used.items()]

        def fn(db: sqlite3.Connection) -> None:
            db.executemany(
                "INSERT INTO token_use (hash, last_used) VALUES (?, ?) "
                "ON CONFLICT(hash) DO UPDATE SET last_used = max(last_used, excluded.last_used)",
                rows,
            )

        if rows:
            await self._db.write(fn)

    async def last_used(self) -> dict[str, datetime]:
        """When each token was last used, by hash."""

        def fn(db: sqlite3.Connection) -> dict[str, datetime]:
            return {h: from_ms(int(ms)) for h, ms in db.execute("SELECT hash, last_used FROM token_use")}

        return await self._db.run(fn)
