"""The Redis connection every store of a region shares, and the mapping of Redis faults to StoreUnavailable.

How the client is built is the one thing a deployment mode changes (``modes.py``: single server,
Sentinel, Cluster, chosen by the URL scheme); every operation stays the same code. Plain reads go
through the mode's client; writes (which wait for the replicas) and the atomic reads (a read script,
MULTI/EXEC of reads) go through ``writes.Writer`` on a connection lent by the mode.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from redis.asyncio.connection import AbstractConnection
from redis.exceptions import (
    AskError,
    BusyLoadingError,
    ClusterDownError,
    ConnectionError,
    NoScriptError,
    ReadOnlyError,
    RedisClusterException,
    RedisError,
    TimeoutError,
    TryAgainError,
)

from ..errors import StoreUnavailable
from .keys import RegionKeys
from .modes import AnyRedis, ClientMode, ClientOptions, ModeBuilder, builder_for
from .scripts import Scripts, register_scripts
from .writes import Writer, is_refusal

__all__ = ["ClientOptions", "RedisBackend", "unavailable_as_store_error"]

_LOGGER = logging.getLogger(__name__)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _unavailable(exc: BaseException) -> str | None:
    """What a Redis fault means for the caller, or None when it is no fault of reachability (a bug, bad data).

    BusyLoadingError (a restarted server still reading its AOF) is a ConnectionError; ReadOnlyError
    is a replica after a failover; builtin TimeoutError is an OSError; the cluster errors come
    during a failover or a resharding.
    """
    if isinstance(exc, BusyLoadingError):
        return "is still loading its data"
    if isinstance(exc, ReadOnlyError):
        return "is a read-only replica (after a failover?)"
    if isinstance(exc, ClusterDownError | TryAgainError | AskError | RedisClusterException):
        return "is failing over or resharding"
    if isinstance(exc, NoScriptError):  # a promoted replica the client did not load the script on yet
        return "does not know a script yet (after a failover?)"
    if isinstance(exc, ConnectionError | TimeoutError | OSError):
        return "could not be reached"
    if isinstance(exc, RedisError) and is_refusal(exc):
        return "refused the command (too few replicas?)"
    return None


class _Located(Protocol):
    """Anything that can say which Redis it talks to (the backend and each store)."""

    @property
    def where(self) -> str:
        """host:port or socket path."""


_S = TypeVar("_S", bound=_Located)


def unavailable_as_store_error(
    fn: Callable[Concatenate[_S, _P], Awaitable[_R]],
) -> Callable[Concatenate[_S, _P], Coroutine[Any, Any, _R]]:
    """Turn a Redis connection fault inside a store method into StoreUnavailable with a readable detail."""

    @functools.wraps(fn)
    async def wrapper(self: _S, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return await fn(self, *args, **kwargs)
        except (RedisError, RedisClusterException, OSError) as exc:
            what = _unavailable(exc)
            if what is None:
                raise
            where = self.where
            _LOGGER.warning("redis %s %s in %s: %r", where, what, fn.__name__, exc)
            raise StoreUnavailable(
                f"the Redis store at {where} {what} ({type(exc).__name__}: {str(exc) or 'timed out'})"
            ) from exc

    return wrapper


class RedisBackend:
    """The client, registered scripts and writer that every store of one region on Redis shares."""

    def __init__(
        self,
        url: str,
        region_id: str,
        options: ClientOptions,
        *,
        stream_maxlen: int = 1_000_000,
        build: ModeBuilder | None = None,
        min_replicas: int | None = None,
        wait_timeout: float = 1.0,
    ) -> None:
        self.region_id = region_id
        self.keys = RegionKeys.of(region_id)
        self.options = options
        #: The events stream is trimmed to about this many entries (XADD MAXLEN ~).
        self.maxlen = stream_maxlen
        self._url = url
        self._build = build or builder_for(url)
        self._min_replicas = min_replicas
        self._wait_timeout = wait_timeout
        self._mode: ClientMode | None = None
        self._scripts: Scripts | None = None
        self._writer: Writer | None = None
        self._closers: list[Callable[[], Awaitable[None]]] = []

    @property
    def where(self) -> str:
        """The servers (host:port, socket path, Sentinel service and its primary now, cluster), for error texts."""
        return self._mode.where() if self._mode is not None else "redis (not open)"

    @property
    def mode(self) -> ClientMode:
        """The open deployment mode; StoreUnavailable when the backend is not open."""
        if self._mode is None:
            raise StoreUnavailable("the store is not open")
        return self._mode

    @property
    def client(self) -> AnyRedis:
        """The open client (reads, and the writes that need no replica: seeding)."""
        return self.mode.client

    @property
    def scripts(self) -> Scripts:
        """The scripts registered with the open client."""
        if self._scripts is None:
            raise StoreUnavailable("the store is not open")
        return self._scripts

    @property
    def writer(self) -> Writer:
        """Sends every acknowledged write (and waits for the replicas)."""
        if self._writer is None:
            raise StoreUnavailable("the store is not open")
        return self._writer

    @property
    def min_replicas(self) -> int:
        """Replicas a write must reach before it is acknowledged (the mode's default unless configured)."""
        return self.writer.min_replicas

    def pinned(self, key: str) -> contextlib.AbstractAsyncContextManager[AbstractConnection]:
        """Lend a connection to the primary that owns ``key`` (the blocking event read uses one)."""
        return self.mode.pinned(key)

    def on_close(self, finish: Callable[[], Awaitable[None]]) -> None:
        """Have ``close`` await ``finish`` (a store's writes in flight) before it releases the connections."""
        self._closers.append(finish)

    async def open(self) -> None:
        """Build the client of the URL's mode, register the scripts, and check the region's primary answers."""
        mode = self._build(self._url, self.options)
        self._mode = mode
        self._scripts = register_scripts(mode.client)
        min_replicas = mode.default_min_replicas if self._min_replicas is None else self._min_replicas
        self._writer = Writer(
            mode, self.options, self.keys.fence, min_replicas=min_replicas, wait_timeout=self._wait_timeout
        )
        _LOGGER.info("redis store %s (%s mode): writes wait for %d replica(s)", self.where, mode.name, min_replicas)
        try:
            await self.ping()
        except StoreUnavailable:
            await self.close()
            raise

    async def close(self) -> None:
        """Finish the writes in flight, then close the client and its connections."""
        for finish in self._closers:
            await finish()
        mode = self._mode
        self._mode = None
        self._scripts = None
        self._writer = None
        if mode is not None:
            await mode.aclose()

    @unavailable_as_store_error
    async def ping(self) -> None:
        """Raise StoreUnavailable when the primary of this region's keys does not answer."""
        # A keyed read: on a cluster it goes to the shard of this region, not to every node.
        await self.client.exists(self.keys.fence)
