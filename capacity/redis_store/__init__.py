"""The shared store: Redis (7.0+), one server, Sentinel or Cluster; every read-check-write step one Lua script.

Deployment modes (``modes.py``, chosen by the URL scheme; every operation is the same code)::

    redis://HOST:PORT/DB                                    one server
    redis+sentinel://HOST:PORT[,HOST:PORT...]/SERVICE[/DB]  the primary the Sentinels name, followed through failovers
    redis+cluster://HOST:PORT[,HOST:PORT...]                a cluster; a region's keys share one slot ({region})

Durability. A deployment must run Redis with ``appendonly yes`` and ``appendfsync
always``: Redis then fsyncs the AOF before it answers, so a write zcc acknowledged
survives a crash of the process, the OS or the machine (with ``everysec`` up to about
a second of acknowledged writes can vanish on a power or OS crash). Replication is
asynchronous, so a failover to a replica can lose the last writes the old primary
acknowledged. Therefore every write is acknowledged only after ``WAIT`` counted
``min_replicas`` replicas that have it (``writes.py``; default 1 with Sentinel and
Cluster, 0 on one server); when too few confirm in time the caller gets
OutcomeUnknown, never "nothing changed". WAIT is no consensus: it makes a
failover to a replica that lacks an acknowledged write very unlikely (Sentinel and
Cluster promote the most up-to-date replica), not impossible; see the README.

Retries and idempotency. A write that timed out or whose connection broke is sent
again (``writes.Writer``). The first attempt may still have run on the server (its
reply was lost, or the server was paused and read the request later), so every write
script starts by looking for the record ``op:<op_id>`` of its operation and, when it
is there, returns the stored result without changing anything; at its end it writes
that record (EX one day). A repeated write is therefore applied at most once. ``hold``
uses the hold id as op id; ``confirm_hold``/``release_hold`` use
``<hold_id>:<status>`` and are idempotent by the hold's state as well;
``expire_holds`` and ``append_event`` make a fresh op id per call (a repeat resends
the same arguments); a record write uses the ``op_id`` of its DocWrite. When the
attempts are used up the caller gets StoreUnavailable if no attempt reached the
server (nothing changed) and OutcomeUnknown if one did: repeating the call with
the same op id (or Idempotency-Key) is safe.

Times reach the scripts as epoch milliseconds in ARGV (a script never calls
TIME), so a script's effect depends only on its arguments and the data.

The package::

    modes.py     BasicMode, SentinelMode, ClusterMode: build the client, lend a connection to a key's primary
    client.py    RedisBackend (mode, scripts, writer; open/close/ping), faults -> StoreUnavailable
    writes.py    Writer: a write, then INCR fence and WAIT on the same connection; retries; OutcomeUnknown
                 (and the atomic reads, without the WAIT)
    keys.py      the key layout of a region (the ``{region}`` hash tag)
    scripts.py   loads ``lua/*.lua`` and registers each script once per client
    capacity.py  CapacityStore (entries, stops, holds; group commit of apply_updates)
    events.py    EventLog (the events stream)
    records.py   RecordStore (requests and trajectories, compare-and-set)
    audit.py     AuditStore      tokens.py  TokenStore
"""

from __future__ import annotations

from ..errors import InvalidInput
from ..store.types import Stores
from .audit import RedisAuditStore
from .capacity import RedisCapacityStore
from .client import ClientOptions, RedisBackend
from .events import RedisEventLog
from .instances import RedisInstances
from .modes import parse_url
from .records import RedisRecordStore
from .tokens import RedisTokenStore

__all__ = [
    "RedisAuditStore",
    "RedisBackend",
    "RedisCapacityStore",
    "RedisEventLog",
    "RedisInstances",
    "RedisRecordStore",
    "RedisTokenStore",
    "open_redis",
]


def open_redis(
    url: str,
    region_id: str,
    *,
    socket_timeout: float = 0.5,
    max_connections: int = 64,
    retries: int = 3,
    stream_maxlen: int = 1_000_000,
    min_replicas: int | None = None,
    wait_timeout: float = 1.0,
) -> Stores:
    """The stores of ``region_id`` on the Redis at ``url``, sharing one backend (open it before use).

    ``socket_timeout`` bounds each command (a timed-out one is retried up to ``retries`` times),
    ``max_connections`` the pool (per node on a cluster), ``stream_maxlen`` the length of the events
    stream (trimmed about). A write is acknowledged once ``min_replicas`` replicas have it (None: 1 with
    Sentinel and Cluster, 0 on one server), waiting at most ``wait_timeout`` seconds for them.
    """
    if "{" in region_id or "}" in region_id:
        raise InvalidInput(f"a region id may not contain braces: {region_id!r}", field="region")
    if min_replicas is not None and min_replicas < 0:
        raise InvalidInput(f"min_replicas must be 0 or more, not {min_replicas}", field="min_replicas")
    parse_url(url)  # a malformed URL is refused here, before anything is opened
    options = ClientOptions(socket_timeout=socket_timeout, max_connections=max_connections, retries=retries)
    backend = RedisBackend(
        url,
        region_id,
        options,
        stream_maxlen=stream_maxlen,
        min_replicas=min_replicas,
        wait_timeout=wait_timeout,
    )
    return Stores(
        backend=backend,
        capacity=RedisCapacityStore(backend),
        events=RedisEventLog(backend),
        records=RedisRecordStore(backend),
        audit=RedisAuditStore(backend),
        tokens=RedisTokenStore(backend),
        instances=RedisInstances(backend),
    )
