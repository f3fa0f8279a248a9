"""``zcc serve``'s server: aiohttp's AppRunner on guarded sockets and protocols, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import signal
from dataclasses import dataclass

from aiohttp import web

from ..settings import Settings
from .accept import GuardedSocket, listening_sockets
from .answers import Answer, raw_problem
from .limits import ConnectionTable
from .protocol import ConnectionPolicy, handler_factory
from .throttle import LogThrottle

__all__ = ["GuardedSite", "ServerLimits", "serve", "server_limits"]

_LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_CONNECTIONS = 1000
#: Descriptors kept free beyond those open at start: refused connections, files, outgoing calls.
FD_HEADROOM = 64
#: A Redis store's connection pool can grow this far (capacity.redis_store's default).
REDIS_POOL = 64


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """The connection caps in force and how they were reached (for the start-up log line)."""

    max_connections: int
    open_file_limit: int | None
    reserved: int
    explicit: bool

    @property
    def fits(self) -> bool:
        """Whether the cap leaves the reserved descriptors free."""
        return self.open_file_limit is None or self.max_connections + self.reserved <= self.open_file_limit


def _open_files() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 32  # not Linux: a fair guess of what an idle service holds


def server_limits(settings: Settings, *, in_use: int | None = None, soft_limit: int | None = None) -> ServerLimits:
    """The total connection cap: the setting, or what the open-file limit leaves after the service's own needs."""
    if soft_limit is None:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        soft_limit = None if soft == resource.RLIM_INFINITY else soft
    reserved = (_open_files() if in_use is None else in_use) + FD_HEADROOM
    if settings.store_url.startswith("redis"):
        reserved += REDIS_POOL
    if settings.max_connections is not None:
        return ServerLimits(settings.max_connections, soft_limit, reserved, explicit=True)
    cap = DEFAULT_MAX_CONNECTIONS if soft_limit is None else min(DEFAULT_MAX_CONNECTIONS, soft_limit - reserved)
    return ServerLimits(max(cap, 1), soft_limit, reserved, explicit=False)


class GuardedSite(web.BaseSite):
    """A site serving one prepared listening socket with :class:`GuardedRequestHandler` connections."""

    __slots__ = ("_policy", "_sock", "_table")

    def __init__(
        self, runner: web.AppRunner, sock: GuardedSocket, policy: ConnectionPolicy, table: ConnectionTable
    ) -> None:
        super().__init__(runner)
        self._sock = sock
        self._policy = policy
        self._table = table

    @property
    def name(self) -> str:
        """The URL this site serves."""
        host, port = self._sock.getsockname()[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    async def start(self) -> None:
        """Listen and serve."""
        await super().start()
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        factory = handler_factory(server, loop, self._policy, self._table)
        self._server = await loop.create_server(factory, sock=self._sock, backlog=self._backlog)


async def _flush(throttle: LogThrottle) -> None:
    while True:
        await asyncio.sleep(throttle.interval)
        throttle.flush()


async def run(
    app: web.Application, settings: Settings, stop: asyncio.Event, listening: asyncio.Event | None = None
) -> None:
    """Serve ``app`` until ``stop`` is set (``listening`` is set once it accepts); cleanup runs before this returns."""
    throttle = LogThrottle(settings.log_repeat_seconds)
    throttle.install()
    runner = web.AppRunner(app, access_log=None)
    flusher = asyncio.create_task(_flush(throttle), name="zcc-log-throttle")
    try:
        await runner.setup()  # the app's start-up: opens the store, may raise StoreUnavailable
        limits = server_limits(settings)
        if not limits.fits:
            _LOGGER.warning(
                "ZCC_MAX_CONNECTIONS=%d with an open-file limit of %s leaves fewer than the %d descriptors "
                "the service needs free; when they run out, new connections get a 503",
                limits.max_connections,
                limits.open_file_limit,
                limits.reserved,
            )
        table = ConnectionTable(limits.max_connections, settings.max_connections_per_client)
        policy = ConnectionPolicy(
            header_timeout=settings.header_timeout_seconds,
            keepalive_timeout=settings.keepalive_timeout_seconds,
            send_timeout=settings.send_timeout_seconds,
            max_header_bytes=settings.max_header_bytes,
            retry_after=settings.retry_after_seconds,
            lingering_time=min(10.0, settings.body_timeout_seconds),
        )
        out_of_files = raw_problem(
            Answer(503, "out-of-files", "the service has run out of open files for a moment; retry shortly"),
            retry_after=settings.retry_after_seconds,
        )
        for sock in listening_sockets(settings.host, settings.port, reuse_port=settings.workers > 1):
            sock.guard(out_of_files)
            await GuardedSite(runner, sock, policy, table).start()
        _LOGGER.info(
            "accepting at most %d connections (%d per client address), %d live streams (%d per address); "
            "open-file limit %s, %d kept for the service",
            limits.max_connections,
            settings.max_connections_per_client,
            settings.max_streams,
            settings.max_streams_per_client,
            limits.open_file_limit or "unlimited",
            limits.reserved,
        )
        if listening is not None:
            listening.set()
        await stop.wait()
    finally:
        flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher
        await runner.cleanup()
        throttle.flush()
        throttle.uninstall()


async def _main(app: web.Application, settings: Settings) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await run(app, settings, stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def serve(app: web.Application, settings: Settings) -> None:
    """Run ``app`` on the settings' host and port until SIGINT or SIGTERM, then shut down gracefully."""
    asyncio.run(_main(app, settings))
