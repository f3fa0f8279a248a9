"""Listening sockets that answer 503 instead of failing when the process has no file descriptor left.

asyncio's accept loop (Python 3.11) logs every EMFILE with a traceback and, after the first,
keeps calling ``accept()`` up to the backlog (128) times in the same tick, each time logging
again and scheduling another retry: one client holding the last descriptors wrote 74,850 log
lines in 3 s while nothing was served. aiohttp has no hook there, so the listening socket's own
``accept`` is wrapped: it keeps one spare descriptor (``/dev/null``) open, and when accepting
fails for want of descriptors it closes the spare, accepts the waiting connection, answers it
with a 503 problem, closes it and takes the spare back. asyncio then sees "nothing more to
accept now" and tries again on the next turn of the loop, without logging.

The same wrapper takes at most 8 connections per turn of the loop (asyncio takes up to the
listen backlog, 128): each new connection holds a descriptor until its protocol has decided on
it, so a burst of 128 could use up the descriptors kept free for the service in one turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import socket
import time
from typing import Any

from .throttle import OPEN_FILES

__all__ = ["GuardedSocket", "listening_sockets"]

_LOGGER = logging.getLogger(__name__)

_OUT_OF_FILES = (errno.EMFILE, errno.ENFILE)
_PAUSE_SECONDS = 1.0  # as asyncio's own ACCEPT_RETRY_DELAY
_BATCH = 8  # connections accepted per turn of the event loop


def _open_spare() -> int | None:
    try:
        return os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


class GuardedSocket(socket.socket):
    """A listening socket whose ``accept`` answers 503 (see the module) rather than fail on EMFILE/ENFILE."""

    refusal: bytes = b""
    refused = 0
    _spare: int | None = None
    _paused_until = 0.0
    _batch = 0

    def guard(self, refusal: bytes) -> None:
        """Answer ``refusal`` (a whole HTTP response) to connections that arrive when descriptors run out."""
        self.refusal = refusal
        self._spare = _open_spare()

    def accept(self) -> tuple[socket.socket, Any]:
        """Accept a connection; out of descriptors, answer and close one and report nothing to accept."""
        if self._batch >= _BATCH:
            raise BlockingIOError(errno.EAGAIN, "enough for this turn of the loop")
        if not self._batch:
            asyncio.get_running_loop().call_soon(self._new_batch)
        self._batch += 1
        try:
            return super().accept()
        except OSError as exc:
            if exc.errno not in _OUT_OF_FILES or not self.refusal:
                raise
            self._refuse_one(exc)
            raise BlockingIOError(errno.EAGAIN, "out of file descriptors; answered 503") from None

    def _new_batch(self) -> None:
        self._batch = 0

    def _refuse_one(self, exc: OSError) -> None:
        if self._spare is None:
            self._spare = _open_spare()
        if self._spare is None:
            # Not even a spare: let asyncio log this one and pause accepting for a second, once per second.
            now = time.monotonic()
            if now >= self._paused_until:
                self._paused_until = now + _PAUSE_SECONDS
                raise exc
            return
        os.close(self._spare)
        self._spare = None
        try:
            conn, addr = super().accept()
        except OSError:
            self._spare = _open_spare()
            return
        try:
            conn.setblocking(False)
            with contextlib.suppress(OSError):
                conn.recv(65536)  # what the client sent already: closing with it unread would reset the connection
            with contextlib.suppress(OSError):
                conn.send(self.refusal)
        finally:
            conn.close()
            self._spare = _open_spare()
        self.refused += 1
        _LOGGER.error(
            "out of file descriptors (%s): answered 503 to a connection from %s",
            os.strerror(exc.errno or errno.EMFILE),
            addr[0] if isinstance(addr, tuple) else addr,
            extra={"throttle": OPEN_FILES},
        )

    def close(self) -> None:
        """Close the socket and its spare descriptor."""
        if self._spare is not None:
            os.close(self._spare)
            self._spare = None
        super().close()


def listening_sockets(host: str, port: int, *, reuse_port: bool = False) -> list[GuardedSocket]:
    """Bound sockets for ``host``:``port`` (every address the name resolves to), as asyncio would make them.

    ``reuse_port``: several processes bind the same port and the kernel spreads connections over them.
    """
    infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    sockets: list[GuardedSocket] = []
    seen: set[tuple[int, Any]] = set()
    try:
        for family, type_, proto, _, address in infos:
            if (family, address) in seen:
                continue
            seen.add((family, address))
            sock = GuardedSocket(family, type_, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            if family == socket.AF_INET6 and hasattr(socket, "IPPROTO_IPV6"):
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets
