"""The three deployment modes of the Redis store, each a small class that builds its client from the URL.

A mode is the only thing that differs between a single server, Sentinel and Cluster (as alisaifee/limits'
``use_basic`` / ``use_sentinel`` / ``use_cluster``): it builds the client every store command goes
through, lends a connection to the primary that owns a key (for the blocking event read and for a
write followed by ``WAIT``, which must run on the connection that wrote), and refreshes what it knows
of the topology after a fault. Every store operation stays the same code.

    redis://HOST:PORT/DB, rediss://..., unix://PATH     BasicMode     one server, BlockingConnectionPool
    redis+sentinel://HOST:PORT[,HOST:PORT...]/SERVICE[/DB]
                                                        SentinelMode  the primary the Sentinels name; after a
                                                                      failover new connections go to the new one
    redis+cluster://HOST:PORT[,HOST:PORT...]            ClusterMode   RedisCluster; a region's keys share one slot
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias
from urllib.parse import unquote, urlsplit

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster
from redis.asyncio.cluster import ClusterNode
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, MovedError, RedisError, TimeoutError

from ..errors import InvalidInput

__all__ = [
    "AnyRedis",
    "BasicMode",
    "ClientMode",
    "ClientOptions",
    "ClusterMode",
    "Location",
    "ModeBuilder",
    "SentinelMode",
    "Unreachable",
    "builder_for",
    "parse_url",
]

_LOGGER = logging.getLogger(__name__)


class Unreachable(ConnectionError):
    """A mode could not open a connection to the primary, after its own retries: nothing was sent."""


#: The client every store command goes through: one server's (also behind Sentinel) or a cluster's.
AnyRedis: TypeAlias = Redis | RedisCluster


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """How the client talks to Redis: command timeout, pool size, retries of a broken or timed-out command."""

    socket_timeout: float = 0.5
    max_connections: int = 64
    retries: int = 3

    def backoff(self) -> ExponentialBackoff:
        """The pause before a repeat: 0.1, 0.2, 0.4 s, at most 0.5 s."""
        return ExponentialBackoff(cap=0.5, base=0.05)

    def retry(self) -> Retry:
        """The retry policy of a command whose connection broke or timed out."""
        return Retry(self.backoff(), self.retries)


class ClientMode(Protocol):
    """What a deployment mode provides; the rest of the backend does not know which mode it runs on."""

    @property
    def name(self) -> str:
        """``redis``, ``sentinel`` or ``cluster``."""

    @property
    def default_min_replicas(self) -> int:
        """Replicas a write must reach before it is acknowledged, unless the deployment says otherwise."""

    @property
    def client(self) -> AnyRedis:
        """The client every store command goes through."""

    def where(self) -> str:
        """The servers, for logs and error texts."""

    def pinned(self, key: str) -> contextlib.AbstractAsyncContextManager[AbstractConnection]:
        """Lend a connection to the primary that owns ``key``; a connection that failed is closed, not reused."""

    async def heal(self, fault: BaseException) -> None:
        """After ``fault`` on a lent connection: drop idle connections and relearn the topology."""

    async def aclose(self) -> None:
        """Close the client and every connection."""


#: Builds the mode of a URL; no I/O (connections open on first use).
ModeBuilder: TypeAlias = Callable[[str, ClientOptions], ClientMode]


def _common_kwargs(options: ClientOptions) -> dict[str, Any]:
    """Connection settings every mode shares."""
    return {
        "socket_timeout": options.socket_timeout,
        "socket_connect_timeout": 1.0,
        "health_check_interval": 10,
        "retry": options.retry(),
        "retry_on_error": [ConnectionError, TimeoutError],
        "decode_responses": True,
    }


class _PooledMode:
    """A mode whose client sits on one connection pool to the (current) primary."""

    name = "redis"
    default_min_replicas = 0
    client: Redis

    def where(self) -> str:
        kw = self.client.connection_pool.connection_kwargs
        return str(kw.get("path") or f"{kw.get('host', 'localhost')}:{kw.get('port', 6379)}")

    @contextlib.asynccontextmanager
    async def pinned(self, key: str) -> AsyncIterator[AbstractConnection]:
        """A connection of the pool (every key lives on the one primary)."""
        pool = self.client.connection_pool
        try:
            # The pool connects with the client's retry policy (and, behind Sentinel, asks for the primary).
            conn = await pool.get_connection()  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
        except (ConnectionError, TimeoutError, OSError) as exc:
            raise Unreachable(str(exc) or type(exc).__name__) from exc
        try:
            yield conn
        except BaseException:
            # A reply may still be on its way (a timeout, a cancelled caller): never hand it to the next user.
            await conn.disconnect(nowait=True)
            raise
        finally:
            await pool.release(conn)

    async def heal(self, fault: BaseException) -> None:
        # Idle connections may still point at a server that died or was demoted; they reconnect on use.
        await self.client.connection_pool.disconnect(inuse_connections=False)

    async def aclose(self) -> None:
        pool = self.client.connection_pool
        await self.client.aclose()
        await pool.aclose()


class BasicMode(_PooledMode):
    """One Redis server (``redis://``, ``rediss://``, ``unix://``) over a BlockingConnectionPool."""

    def __init__(self, url: str, options: ClientOptions) -> None:
        pool = BlockingConnectionPool.from_url(
            url, max_connections=options.max_connections, timeout=2.0, **_common_kwargs(options)
        )
        self.client = Redis(connection_pool=pool)


class _SentinelBlockingPool(SentinelConnectionPool, BlockingConnectionPool):
    """A Sentinel pool that waits for a free connection (BlockingConnectionPool) instead of failing at once."""


class _Sentinel(Sentinel):
    """redis-py's Sentinel, asking the Sentinels one question at a time.

    ``discover_master`` moves the Sentinel that answered to the front of ``self.sentinels`` by
    swapping two places it read before an await; several connections (re)connecting at once during
    a failover then interleave the swaps and can drop a Sentinel client from the list (found under
    load: its pool was garbage-collected with open connections, and never closed). One lock keeps
    the list whole; the question takes a millisecond and is asked only when a connection connects.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
        self._asking = asyncio.Lock()

    async def discover_master(self, service_name: str) -> Any:
        """The primary's address, as the first Sentinel that knows it says."""
        async with self._asking:
            return await super().discover_master(service_name)


class SentinelMode(_PooledMode):
    """The primary of a Sentinel-monitored service: ``redis+sentinel://HOST:PORT[,...]/SERVICE[/DB]``.

    redis-py asks the Sentinels for the primary's address whenever a connection (re)connects and turns
    a write answered READONLY (the old primary, now a replica) into a reconnect, so a failover is
    followed without help. Replicas exist for failover, so a write waits for one by default.
    """

    name = "sentinel"
    default_min_replicas = 1

    def __init__(self, url: str, options: ClientOptions) -> None:
        at = parse_url(url)
        self.service = at.service
        self._hosts = at.hosts
        self.sentinel = _Sentinel(
            at.hosts,
            sentinel_kwargs={"socket_timeout": options.socket_timeout, "socket_connect_timeout": 1.0},
            **at.auth,
        )
        self.client = self.sentinel.master_for(
            at.service,
            connection_pool_class=_SentinelBlockingPool,
            max_connections=options.max_connections,
            timeout=2.0,
            db=at.db,
            **_common_kwargs(options),
        )

    def where(self) -> str:
        pool = self.client.connection_pool
        primary = getattr(pool, "master_address", None)
        now = f" (primary {primary[0]}:{primary[1]})" if primary else ""
        return f"Sentinel service {self.service} via {_joined(self._hosts)}{now}"

    async def aclose(self) -> None:
        await super().aclose()
        for s in self.sentinel.sentinels:
            await s.aclose()


class ClusterMode:
    """A Redis Cluster: ``redis+cluster://HOST:PORT[,HOST:PORT...]`` (any nodes; the rest are discovered).

    Every key of a region carries the ``{region}`` hash tag, so a region lives in one slot on one
    shard: its scripts, streams and transactions run there unchanged, and several regions spread
    over the shards. The cluster promotes a replica when a primary fails; redis-py follows the
    MOVED replies and relearns the slots after a connection fault.
    """

    name = "cluster"
    # Like Sentinel: a cluster's replicas are there for failover, so a write waits for one.
    default_min_replicas = 1

    def __init__(self, url: str, options: ClientOptions) -> None:
        at = parse_url(url)
        self._hosts = at.hosts
        auth = at.auth
        common = _common_kwargs(options)
        common.pop("retry_on_error")  # the cluster client retries connection faults after relearning the slots
        self.client = RedisCluster(
            startup_nodes=[ClusterNode(h, p) for h, p in at.hosts],
            max_connections=options.max_connections,
            # Regions on healthy shards keep working while one shard is down or failing over.
            require_full_coverage=False,
            # A MOVED reply patches the slot it names; redis-py's default also closes every connection of
            # every node at each 5th MOVED, which after a failover cuts the writes and blocking reads in flight.
            reinitialize_steps=0,
            username=auth.get("username"),
            password=auth.get("password"),
            **common,
        )

    def where(self) -> str:
        return f"Redis Cluster via {_joined(self._hosts)}"

    @contextlib.asynccontextmanager
    async def pinned(self, key: str) -> AsyncIterator[AbstractConnection]:
        """A connection to the primary that owns ``key``'s slot (as the client knows it now)."""
        await self.client.initialize()
        node = self.client.get_node_from_key(key)
        if node is None:
            raise ConnectionError(f"no primary is known for the slot of {key}")
        conn = node.acquire_connection()
        try:
            yield conn
        except BaseException:
            await conn.disconnect(nowait=True)
            raise
        finally:
            node.release(conn)

    async def heal(self, fault: BaseException) -> None:
        manager = self.client.nodes_manager
        try:
            if isinstance(fault, MovedError):
                # The reply names the slot's primary now (after a failover): take it, as redis-py does. Asking
                # the startup nodes again may hit one that still has the old view, and repeat the MOVED.
                await manager.move_slot(fault)
                return
            await manager.initialize()
        except (RedisError, OSError) as exc:  # the next attempt tries again
            _LOGGER.debug("relearning the cluster's slots failed: %r", exc)

    async def aclose(self) -> None:
        await self.client.aclose()


def builder_for(url: str) -> ModeBuilder:
    """The mode of a store URL, by its scheme."""
    scheme = url.partition("://")[0].lower()
    if scheme == "redis+sentinel":
        return SentinelMode
    if scheme == "redis+cluster":
        return ClusterMode
    if scheme in ("redis", "rediss", "unix"):
        return BasicMode
    raise InvalidInput(f"unknown Redis store URL scheme in {url!r}", field="store")


@dataclass(frozen=True, slots=True)
class Location:
    """What a Sentinel or Cluster URL names: the servers to ask, the service and database, the credentials."""

    hosts: list[tuple[str, int]]
    service: str
    db: int
    auth: dict[str, str]


def parse_url(url: str) -> Location:
    """Check a store URL and return what it names (InvalidInput, naming ``store``, when it is malformed).

    ``redis+sentinel://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...]/SERVICE[/DB]`` and
    ``redis+cluster://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...]``; a ``redis://`` URL is left to redis-py.
    """
    mode = builder_for(url)
    parts = urlsplit(url)
    if mode is BasicMode:
        return Location([], "", 0, {})
    hosts = _hosts(parts.netloc, url)
    path = [p for p in parts.path.split("/") if p]
    if mode is ClusterMode:
        if path not in ([], ["0"]):
            raise InvalidInput(f"a Redis Cluster has only database 0: {url!r}", field="store")
        return Location(hosts, "", 0, _auth(parts.netloc))
    if not path or len(path) > 2:
        raise InvalidInput(
            f"a Sentinel store URL names the service: redis+sentinel://HOST:PORT[,HOST:PORT...]/SERVICE[/DB], "
            f"not {url!r}",
            field="store",
        )
    db = path[1] if len(path) == 2 else "0"
    if not db.isdigit():
        raise InvalidInput(f"the database in {url!r} must be a number, not {db!r}", field="store")
    return Location(hosts, path[0], int(db), _auth(parts.netloc))


def _hosts(netloc: str, url: str) -> list[tuple[str, int]]:
    """``host:port`` pairs of a comma-separated location (after any ``user:password@``)."""
    located = netloc.rpartition("@")[2]
    hosts: list[tuple[str, int]] = []
    for item in located.split(","):
        host, sep, port = item.strip().rpartition(":")
        if not sep or not host or not port.isdigit():
            raise InvalidInput(f"expected HOST:PORT[,HOST:PORT...] in {url!r}, got {item!r}", field="store")
        hosts.append((host.strip("[]"), int(port)))
    return hosts


def _auth(netloc: str) -> dict[str, str]:
    """``username`` and ``password`` from ``user:password@`` (URL-decoded), if given."""
    userinfo, sep, _ = netloc.rpartition("@")
    if not sep:
        return {}
    user, _, password = userinfo.partition(":")
    out = {"password": unquote(password)} if password else {}
    if user:
        out["username"] = unquote(user)
    return out


def _joined(hosts: list[tuple[str, int]]) -> str:
    return ",".join(f"{h}:{p}" for h, p in hosts)
