"""The shared store: one Redis (7.0+) per region, every read-check-write step one Lua script.

Durability is a property of the server, not of this client. A deployment must run
Redis with ``appendonly yes`` and ``appendfsync always``: Redis then fsyncs the
AOF before it answers, so a hold that zcc acknowledged survives a crash of the
process, the OS or the machine. With the default ``appendfsync everysec`` up to
about one second of acknowledged writes can be lost on a power or OS crash: a
hold could vanish after the clinician was told "held", and the place be given
twice. Redis 7.0 has no ``WAITAOF`` (it came in 7.2), so a client cannot ask for
an fsync itself; and replication is asynchronous, so a failover to a replica can
lose the last acknowledged writes too. Treat replicas as availability, not
durability.

Retries and idempotency. The client retries a command that timed out or whose
connection broke (``Retry`` with exponential backoff). The first attempt may
still have run on the server (its reply was lost, or the server was paused and
read the request later), so every write script starts by looking for the
record ``op:<op_id>`` of its operation and, when it is there, returns the stored
result without changing anything; at its end it writes that record (EX one
day). A retried command is therefore applied at most once. ``hold`` uses the
hold id as op id; ``confirm_hold``/``release_hold`` use ``<hold_id>:<status>``
and are idempotent by the hold's state as well; ``expire_holds`` and
``append_event`` make a fresh op id per call (a retry resends the same
arguments); a record write uses the ``op_id`` of its DocWrite. When the retries
are used up the caller gets StoreUnavailable and the outcome is unknown:
repeating the call with the same op id (or Idempotency-Key) is safe.

Times reach the scripts as epoch milliseconds in ARGV (a script never calls
TIME), so a script's effect depends only on its arguments and the data.

The package::

    client.py    RedisBackend (client, pool, retry, scripts; open/close/ping), faults -> StoreUnavailable
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
from .client import ClientOptions, RedisBackend, basic_client
from .events import RedisEventLog
from .instances import RedisInstances
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
) -> Stores:
    """The stores of ``region_id`` on the Redis at ``url``, sharing one backend (open it before use).

    ``socket_timeout`` bounds each command (a timed-out one is retried up to ``retries`` times),
    ``max_connections`` the pool, ``stream_maxlen`` the length of the events stream (trimmed about).
    """
    if "{" in region_id or "}" in region_id:
        raise InvalidInput(f"a region id may not contain braces: {region_id!r}", field="region")
    options = ClientOptions(socket_timeout=socket_timeout, max_connections=max_connections, retries=retries)
    # The single-server client (client.basic_client); Sentinel and Cluster modes will pass their own
    # builder here, chosen by the URL scheme, and nothing below changes.
    backend = RedisBackend(url, region_id, options, stream_maxlen=stream_maxlen, build=basic_client)
    return Stores(
        backend=backend,
        capacity=RedisCapacityStore(backend),
        events=RedisEventLog(backend),
        records=RedisRecordStore(backend),
        audit=RedisAuditStore(backend),
        tokens=RedisTokenStore(backend),
        instances=RedisInstances(backend),
    )
