"""A loopback TCP proxy between zcc and Redis that loses what a test tells it to, for the lost-reply tests.

It forwards 127.0.0.1:<port> to a target port byte for byte. Armed with the bytes of one command (a
script's SHA and a key, say), it lets that command through and then swallows every reply to every
client (``lose="replies"``: the store applied it, the client never hears), or swallows the command
and everything after it on the way in (``lose="commands"``: the store never sees it), until
:meth:`TcpProxy.restore`. ``scope="connection"`` keeps the loss to the one connection that carried
the command (one dropped reply: redis-py's retry on a fresh connection then gets through).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from typing import Literal

from capacity.redis_store.scripts import lua_source

from .redis_server import free_port

__all__ = ["TcpProxy", "script_sha"]

Lose = Literal["replies", "commands"]
Scope = Literal["all", "connection"]


def script_sha(name: str) -> bytes:
    """The SHA1 of a zcc Lua script as EVALSHA sends it (``hold``, ``end_hold``, ``put_doc``, ...)."""
    return hashlib.sha1(lua_source(name).encode()).hexdigest().encode()


class _Conn:
    """One proxied connection and whether it lost its way."""

    def __init__(self) -> None:
        self.dead = False


class TcpProxy:
    """A proxy on a free loopback port in front of ``target_port``; see the module docstring."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._patterns: tuple[bytes, ...] = ()
        self._lose: Lose = "replies"
        self._scope: Scope = "all"
        self._cut = False  # the whole link loses (scope "all")
        #: Set when an armed command went by.
        self.fired = asyncio.Event()
        #: Bytes swallowed since the last restore.
        self.swallowed = 0

    @property
    def url(self) -> str:
        """A redis:// URL through the proxy."""
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        """Listen on the proxy's port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    def arm(self, *patterns: bytes, lose: Lose = "replies", scope: Scope = "all") -> None:
        """Lose from the next command whose bytes contain every one of ``patterns`` on (see the module docstring)."""
        self._patterns, self._lose, self._scope = tuple(patterns), lose, scope
        self.fired.clear()

    def restore(self) -> None:
        """Forward everything again (connections that lost their way stay dead: clients reconnect)."""
        self._patterns = ()
        self._cut = False
        self.swallowed = 0

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        if self._server is not None:
            self._server.close()
        for w in list(self._writers):
            w.close()
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await t
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_w.close()
            return
        conn = _Conn()
        self._writers.update((client_w, server_w))
        up = asyncio.create_task(self._pump(client_r, server_w, conn, upstream=True))
        down = asyncio.create_task(self._pump(server_r, client_w, conn, upstream=False))
        self._tasks.update((up, down))
        up.add_done_callback(self._tasks.discard)
        down.add_done_callback(self._tasks.discard)

    def _matches(self, chunk: bytes) -> bool:
        return bool(self._patterns) and all(p in chunk for p in self._patterns)

    def _losing(self, conn: _Conn, upstream: bool) -> bool:
        if upstream != (self._lose == "commands"):
            return False
        return self._cut or conn.dead

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: _Conn, *, upstream: bool
    ) -> None:
        try:
            while chunk := await reader.read(65536):
                if upstream and self._matches(chunk):
                    self._patterns = ()
                    if self._scope == "all":
                        self._cut = True
                    else:
                        conn.dead = True
                    self.fired.set()
                if self._losing(conn, upstream):
                    self.swallowed += len(chunk)
                    continue
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
