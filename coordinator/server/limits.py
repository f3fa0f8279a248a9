"""Connections per client address and in all: admit, refuse with a reason, or make room by closing an idle one."""

from __future__ import annotations

from typing import Protocol

from .answers import Answer

__all__ = ["Connection", "ConnectionTable"]


class Connection(Protocol):
    """What the table needs of a connection."""

    @property
    def idle(self) -> bool:
        """Whether it waits for a request (none in progress), so closing it loses nothing."""
        ...

    @property
    def last_active(self) -> float:
        """When it last received a byte or finished a request (loop time)."""
        ...

    def evict(self) -> None:
        """Close it to make room for another."""
        ...


class ConnectionTable:
    """The open connections by client address, against a total cap and a per-address cap.

    At the total cap a new connection is admitted by closing an idle one (of the address that
    holds the most, idle the longest): idle keep-alive and half-sent requests cost a file
    descriptor each and HTTP lets a server close them at any time. Only when every connection is
    busy is the newcomer refused. The per-address cap is a refusal, never an eviction.
    """

    def __init__(self, max_total: int, max_per_client: int) -> None:
        self.max_total = max_total
        self.max_per_client = max_per_client  # 0: no per-address cap
        self._by_client: dict[str, dict[Connection, None]] = {}
        self._client_of: dict[Connection, str] = {}
        self.evicted = 0
        self.refused = 0
        self.lingering = 0  # refused connections still open while their late request bytes are dropped

    def __len__(self) -> int:
        return len(self._client_of)

    def count(self, client: str) -> int:
        """Open connections of ``client``."""
        return len(self._by_client.get(client, ()))

    def admit(self, conn: Connection, client: str) -> Answer | None:
        """Register ``conn`` from ``client``, or the answer that refuses it (503)."""
        held = self.count(client)
        if self.max_per_client and held >= self.max_per_client:
            self.refused += 1
            return Answer(
                503,
                "too-many-connections",
                f"your address {client} already holds {held} connections to this service, the most one address "
                "may hold; close idle connections (or reuse them) and retry",
            )
        if len(self._client_of) >= self.max_total and not self._evict_one():
            self.refused += 1
            return Answer(
                503,
                "server-busy",
                f"the service holds {len(self._client_of)} connections, its limit, and all are busy; retry shortly",
            )
        self._by_client.setdefault(client, {})[conn] = None
        self._client_of[conn] = client
        return None

    def remove(self, conn: Connection) -> None:
        """Forget ``conn`` (closed); a second call is a no-op."""
        client = self._client_of.pop(conn, None)
        if client is None:
            return
        mine = self._by_client[client]
        del mine[conn]
        if not mine:
            del self._by_client[client]

    def _evict_one(self) -> bool:
        """Close the idle connection of the fullest address that was idle the longest; False if none is idle."""
        for _, conns in sorted(self._by_client.items(), key=lambda kv: len(kv[1]), reverse=True):
            idle = [c for c in conns if c.idle]
            if idle:
                victim = min(idle, key=lambda c: c.last_active)
                self.remove(victim)
                victim.evict()
                self.evicted += 1
                return True
        return False
