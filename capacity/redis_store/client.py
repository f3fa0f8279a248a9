"""The Redis connection every store of a region shares, and the mapping of Redis faults to StoreUnavailable.

How the client is built is the one thing a deployment mode changes: ``basic_client`` makes the
single-server client (a ``BlockingConnectionPool`` with an explicit ``Retry``); Sentinel and
Cluster modes add their own builder beside it, chosen by the URL scheme, and every operation stays
the same code (as alisaifee/limits does with ``use_basic`` / ``use_sentinel`` / ``use_cluster``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, Protocol, TypeAlias, TypeVar

from redis.asyncio import BlockingConnectionPool, ConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import BusyLoadingError, ConnectionError, ReadOnlyError, TimeoutError

from ..errors import StoreUnavailable
from .keys import RegionKeys
from .scripts import Scripts, register_scripts

__all__ = ["ClientBuilder", "ClientOptions", "RedisBackend", "basic_client", "unavailable_as_store_error"]

_LOGGER = logging.getLogger(__name__)
_P = ParamSpec("_P")
_R = TypeVar("_R")

# Faults that mean "Redis could not be reached or cannot serve now".
# BusyLoadingError (a restarted server still reading its AOF) is a ConnectionError;
# ReadOnlyError is a replica after a failover; builtin TimeoutError is an OSError.
_UNAVAILABLE: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, ReadOnlyError, OSError)


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
        except _UNAVAILABLE as exc:
            if isinstance(exc, BusyLoadingError):
                what = "is still loading its data"
            elif isinstance(exc, ReadOnlyError):
                what = "is a read-only replica (after a failover?)"
            else:
                what = "could not be reached"
            where = self.where
            _LOGGER.warning("redis %s %s in %s: %r", where, what, fn.__name__, exc)
            raise StoreUnavailable(
                f"the Redis store at {where} {what} ({type(exc).__name__}: {str(exc) or 'timed out'}); "
                "a write may or may not have been applied: repeating it with the same op id is safe"
            ) from exc

    return wrapper


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """How the client talks to Redis: command timeout, pool size, retries of a broken or timed-out command."""

    socket_timeout: float = 0.5
    max_connections: int = 64
    retries: int = 3


#: Builds the client of one deployment mode from the URL; no I/O (connections open on first use).
ClientBuilder: TypeAlias = Callable[[str, ClientOptions], Redis]


def basic_client(url: str, options: ClientOptions) -> Redis:
    """A client of one Redis server (``redis://``, ``rediss://``, ``unix://``) over a blocking pool."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=options.max_connections,
        timeout=2.0,
        socket_timeout=options.socket_timeout,
        socket_connect_timeout=1.0,
        health_check_interval=10,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), options.retries),
        retry_on_error=[ConnectionError, TimeoutError],
        decode_responses=True,
    )
    return Redis(connection_pool=pool)


class RedisBackend:
    """The client, pool and registered scripts that every store of one region on Redis shares."""

    def __init__(
        self,
        url: str,
        region_id: str,
        options: ClientOptions,
        *,
        stream_maxlen: int = 1_000_000,
        build: ClientBuilder = basic_client,
    ) -> None:
        self.region_id = region_id
        self.keys = RegionKeys.of(region_id)
        self.options = options
        #: The events stream is trimmed to about this many entries (XADD MAXLEN ~).
        self.maxlen = stream_maxlen
        self._url = url
        self._build = build
        self._client: Redis | None = None
        self._scripts: Scripts | None = None
        self._closers: list[Callable[[], Awaitable[None]]] = []
        #: host:port (or the socket path) once open, for logs and error texts.
        self.where = "redis"

    @property
    def client(self) -> Redis:
        """The open client; StoreUnavailable when the backend is not open."""
        if self._client is None:
            raise StoreUnavailable("the store is not open")
        return self._client

    @property
    def pool(self) -> ConnectionPool:
        """The client's connection pool (the blocking event read borrows a connection from it)."""
        return self.client.connection_pool

    @property
    def scripts(self) -> Scripts:
        """The scripts registered with the open client."""
        if self._scripts is None:
            raise StoreUnavailable("the store is not open")
        return self._scripts

    def on_close(self, finish: Callable[[], Awaitable[None]]) -> None:
        """Have ``close`` await ``finish`` (a store's writes in flight) before it releases the connections."""
        self._closers.append(finish)

    async def open(self) -> None:
        """Build the client and its pool, register the scripts, and check the server answers."""
        client = self._build(self._url, self.options)
        kw = client.connection_pool.connection_kwargs
        self.where = str(kw.get("path") or f"{kw.get('host', 'localhost')}:{kw.get('port', 6379)}")
        self._client = client
        self._scripts = register_scripts(client)
        try:
            await self.ping()
        except StoreUnavailable:
            await self.close()
            raise

    async def close(self) -> None:
        """Finish the writes in flight, then close the client and its pool."""
        for finish in self._closers:
            await finish()
        client = self._client
        self._client = None
        self._scripts = None
        if client is not None:
            pool = client.connection_pool
            await client.aclose()
            await pool.aclose()

    @unavailable_as_store_error
    async def ping(self) -> None:
        """Raise StoreUnavailable when Redis does not answer."""
        await self.client.ping()
