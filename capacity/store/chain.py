"""The audit log's hash chain: each stored entry carries the hash of the one appended before it.

An entry's hash is ``sha256(prev_hash + "\\n" + body)`` in hex; the first entry of a log links to
:data:`GENESIS`. Both backends append with the same rule inside one atomic step (an immediate
SQLite transaction; a Lua script on Redis), so concurrent writers never fork the chain. The
retention drops the oldest entries, so a check starts from the oldest kept entry and trusts the
``prev`` it names (that entry's own hash is still checked).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from .protocols import AuditStore
from .types import AuditRow

__all__ = ["GENESIS", "BrokenLink", "ChainCheck", "link_hash", "verify"]

#: The ``prev`` of the first entry of a log.
GENESIS = "0" * 64


def link_hash(prev: str, body: str) -> str:
    """The hash of an entry with text ``body`` that follows the entry whose hash is ``prev``."""
    return hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class BrokenLink:
    """The first entry whose link does not hold: its position in the chain, its id and a stable code."""

    seq: int
    id: str
    code: str  # "altered" (hash does not match the text) / "unlinked" (prev is not the hash before it)
    detail: str


class ChainCheck:
    """Walks the entries in append order (fed page by page) and keeps the first broken link."""

    def __init__(self) -> None:
        self.checked = 0
        self.legacy = 0  # entries from before the chain existed (no hash), at the start of the log
        self.broken: BrokenLink | None = None
        self._last: str | None = None
        self._last_seq: int | None = None

    def feed(self, rows: Iterable[AuditRow]) -> None:
        """Check the next entries (in append order); stops recording after the first broken link."""
        for row in rows:
            if self.broken is not None:
                return
            if not row.hash and self._last is None:
                self.legacy += 1
                continue
            self.checked += 1
            if self._last is not None and row.prev != self._last:
                gap = "" if self._last_seq is None else f" (after #{self._last_seq})"
                self.broken = BrokenLink(row.seq, row.id, "unlinked", f"prev does not name the entry before{gap}")
            elif link_hash(row.prev, row.body) != row.hash:
                self.broken = BrokenLink(row.seq, row.id, "altered", "the stored text does not match its hash")
            self._last, self._last_seq = row.hash, row.seq


async def verify(store: AuditStore, page: int = 10_000) -> ChainCheck:
    """Walk the whole audit log of ``store`` in append order; the result names the first broken link, if any."""
    check = ChainCheck()
    after = 0
    while check.broken is None:
        rows = await store.chain(after_seq=after, limit=page)
        rows = [r for r in rows if r.seq > after or after == 0]
        if not rows:
            break
        check.feed(rows)
        if rows[-1].seq <= after:
            break
        after = rows[-1].seq
    return check
