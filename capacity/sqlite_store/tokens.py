"""Bearer token grants in SQLite, stored under the token's hash."""

from __future__ import annotations

import json
import sqlite3

from ..state import TokenRecord
from .db import SqliteBackend

__all__ = ["SqliteTokens"]


class SqliteTokens:
    """TokenStore on the ``tokens`` table."""

    def __init__(self, backend: SqliteBackend) -> None:
        self._db = backend

    async def put(self, token_hash: str, record: TokenRecord) -> None:
        """Store a token's grant (replacing one under the same hash)."""
        await self._db.write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO tokens (hash, data) VALUES (?, ?)", (token_hash, json.dumps(record.to_dict()))
            )
        )

    async def get(self, token_hash: str) -> TokenRecord | None:
        """The grant of a token hash, or None."""

        def fn(db: sqlite3.Connection) -> TokenRecord | None:
            row = db.execute("SELECT data FROM tokens WHERE hash=?", (token_hash,)).fetchone()
            return TokenRecord.from_dict(json.loads(row[0])) if row is not None else None

        return await self._db.run(fn)

    async def count(self) -> int:
        """How many tokens exist."""
        return int(await self._db.run(lambda db: db.execute("SELECT COUNT(*) FROM tokens").fetchone()[0]))
