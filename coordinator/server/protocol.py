"""aiohttp's request handler with the timeouts and caps aiohttp has no option for, and problem+json for bad requests.

aiohttp gives a keep-alive timeout (also armed when a connection opens) and line and header
limits; it has no header timeout of its own, no send timeout, no connection cap, and it answers
a request its parser refuses with a plain-text 400. This subclass adds, per connection:

- admission by a :class:`~coordinator.server.limits.ConnectionTable`; a refused connection gets a
  503 problem with Retry-After, its half of the connection is closed and what the client still
  sends is read and dropped for a moment, so the answer is not lost to a reset;
- a header timeout: a connection must deliver a whole request line and headers within it, counted
  from the connection's start or from the first byte of a following request (408 if it sent a part);
- a send timeout: when the client takes no data for that long while some waits for it (a slow
  reader, a stalled event stream), the connection is cut; the kernel's send buffer is capped at
  128 KB so that such a client is noticed after a few hundred KB rather than megabytes;
- ``handle_error`` answering application/problem+json (431 for an over-long header, 414 for an
  over-long request line, 400 otherwise) and logging one line without traceback, rate-limited.

It reads aiohttp's private ``_waiter`` (the future ``start()`` awaits while no request is in
progress) to tell an idle connection from a busy one, as aiohttp's own keep-alive check does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest
from aiohttp.web_server import Server

from .answers import PROBLEM_TYPE, Answer, describe_parse_error, problem_body, raw_problem
from .limits import ConnectionTable

__all__ = ["ConnectionPolicy", "GuardedRequestHandler", "handler_factory"]

_LOGGER = logging.getLogger(__name__)

_MAX_HEADERS = 128  # aiohttp's default count of header fields
_LINGER_SECONDS = 2.0  # how long a refused connection's late request bytes are read and dropped
_SEND_BUFFER = 128 * 1024  # kernel send buffer per connection (Linux doubles it)
_MAX_LINGERING = 16  # refused connections lingering at once; beyond, they are closed at once


@dataclass(frozen=True, slots=True)
class ConnectionPolicy:
    """The per-connection limits, from the settings."""

    header_timeout: float
    keepalive_timeout: float
    send_timeout: float
    max_header_bytes: int
    retry_after: int
    lingering_time: float


class GuardedRequestHandler(RequestHandler):
    """One HTTP connection, admitted by the table, held to the policy's timeouts (see the module)."""

    __slots__ = (
        "_client",
        "_header_timer",
        "_linger",
        "_partial",
        "_policy",
        "_refused",
        "_send_timer",
        "_table",
        "last_active",
    )

    def __init__(
        self, manager: Server, *, loop: asyncio.AbstractEventLoop, policy: ConnectionPolicy, table: ConnectionTable
    ) -> None:
        super().__init__(
            manager,
            loop=loop,
            keepalive_timeout=policy.keepalive_timeout,
            max_line_size=policy.max_header_bytes,
            max_field_size=policy.max_header_bytes,
            max_headers=_MAX_HEADERS,
            lingering_time=policy.lingering_time,
            access_log=None,  # type: ignore[arg-type]  # aiohttp takes None for "no access log"
        )
        self._policy = policy
        self._table = table
        self._client = "?"
        self._refused = False
        self._linger: asyncio.TimerHandle | None = None
        self._header_timer: asyncio.TimerHandle | None = None
        self._send_timer: asyncio.TimerHandle | None = None
        self._partial = False
        self.last_active = loop.time()

    # -- what the connection table asks --------------------------------------------------------

    @property
    def idle(self) -> bool:
        """Waiting for a request (new, between requests, or half-sent); nothing is lost by closing it."""
        waiter = self._waiter
        return self.transport is not None and waiter is not None and not waiter.done()

    def evict(self) -> None:
        """Close this idle connection to make room (HTTP lets a server close an idle connection at any time)."""
        _LOGGER.debug("closing an idle connection from %s to make room", self._client)
        self.force_close()

    # -- connection life -----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Admit the connection (or answer 503 and close it) and start its header timeout."""
        peer = transport.get_extra_info("peername")
        self._client = str(peer[0]) if isinstance(peer, tuple) else str(peer or "?")
        refusal = self._table.admit(self, self._client)
        if refusal is not None:
            self._refuse(transport, refusal)
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Without a cap the kernel lets a client that stops reading pin up to net.ipv4.tcp_wmem's
            # maximum (4 MB) per connection before the send timeout even starts counting.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _SEND_BUFFER)
        super().connection_made(transport)
        self._header_timer = self._loop.call_later(self._policy.header_timeout, self._header_timed_out)

    def connection_lost(self, exc: BaseException | None) -> None:
        """Release the connection's place and timers."""
        if self._refused:
            if self._linger is not None:
                self._linger.cancel()
                self._linger = None
                self._table.lingering -= 1
            return
        self._table.remove(self)
        for timer in (self._header_timer, self._send_timer):
            if timer is not None:
                timer.cancel()
        self._header_timer = self._send_timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Feed aiohttp's parser; the first byte of a request starts its header timeout, a whole request ends it."""
        if self._refused:
            return  # a refused connection's request is read and dropped
        self.last_active = self._loop.time()
        if data and self.idle:  # bytes of a request not yet whole (a body's bytes arrive while busy)
            self._partial = True
            if self._header_timer is None:
                self._header_timer = self._loop.call_later(self._policy.header_timeout, self._header_timed_out)
        super().data_received(data)
        if self._header_timer is not None and not self.idle:
            self._header_timer.cancel()
            self._header_timer = None
            self._partial = False

    def _header_timed_out(self) -> None:
        self._header_timer = None
        if not self.idle or self.transport is None:
            return
        if self._partial:
            answer = Answer(
                408,
                "request-timeout",
                f"the request line and headers did not arrive within {self._policy.header_timeout:g} s; "
                "send the whole request without pausing",
            )
            self.transport.write(raw_problem(answer))
            _LOGGER.info(
                "closed a connection from %s that sent part of a request in %g s",
                self._client,
                self._policy.header_timeout,
                extra={"throttle": "header-timeout"},
            )
        self.force_close()

    # -- a client that does not read -----------------------------------------------------------

    def pause_writing(self) -> None:
        """The client's buffers are full: it must take data again within the send timeout."""
        super().pause_writing()
        if self._send_timer is None:
            self._send_timer = self._loop.call_later(self._policy.send_timeout, self._send_timed_out)

    def resume_writing(self) -> None:
        """The client reads again."""
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None
        super().resume_writing()

    def _send_timed_out(self) -> None:
        self._send_timer = None
        _LOGGER.info(
            "cut off %s: it took no data for %g s",
            self._client,
            self._policy.send_timeout,
            extra={"throttle": "send-timeout"},
        )
        if self.transport is not None:
            self.transport.abort()

    # -- refused connections -------------------------------------------------------------------

    def _refuse(self, transport: asyncio.BaseTransport, answer: Answer) -> None:
        """Answer 503 at once, close our half, drop what the client still sends for a moment, then close."""
        _LOGGER.warning(
            "refused a connection from %s (%s)", self._client, answer.code, extra={"throttle": "connection-refused"}
        )
        assert isinstance(transport, asyncio.Transport)
        self._refused = True
        transport.write(raw_problem(answer, retry_after=self._policy.retry_after))
        if self._table.lingering >= _MAX_LINGERING or not transport.can_write_eof():
            transport.close()
            return
        self._table.lingering += 1
        transport.write_eof()
        # The client's end of file (aiohttp's eof_received returns None) closes it sooner.
        self._linger = self._loop.call_later(_LINGER_SECONDS, transport.close)

    # -- requests aiohttp's parser refuses -----------------------------------------------------

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """A problem+json answer (the connection is closed after it) instead of aiohttp's plain text."""
        if request.writer.output_size > 0:
            raise ConnectionError("the response has begun; no error answer can follow")
        if status >= 500:
            self.log_exception("Error handling request from %s", request.remote, exc_info=exc)
            answer = Answer(status, "internal", "something went wrong on our side; the operators can see it in the log")
        else:
            answer = describe_parse_error(exc, max_line=self._policy.max_header_bytes, max_headers=_MAX_HEADERS)
            said = (message or str(exc or "")).strip()
            _LOGGER.info(
                "refused a malformed request from %s: %s (%s)",
                request.remote,
                answer.code,
                said.splitlines()[0][:120] if said else "no detail",
                extra={"throttle": "malformed-request"},
            )
        resp = web.Response(status=answer.status, body=problem_body(answer), content_type=PROBLEM_TYPE)
        resp.force_close()
        return resp


def handler_factory(
    server: Server, loop: asyncio.AbstractEventLoop, policy: ConnectionPolicy, table: ConnectionTable
) -> Callable[[], GuardedRequestHandler]:
    """The protocol factory a listening socket serves with."""
    return lambda: GuardedRequestHandler(server, loop=loop, policy=policy, table=table)
