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
arguments). When the retries are used up the caller gets StoreUnavailable and
the outcome is unknown: repeating the call with the same op id (or
Idempotency-Key) is safe.

Keys (the ``{region}`` hash tag keeps a region in one Redis Cluster slot, so
every script may touch all of them)::

    zcc:{R}:capacity     hash  "provider|care_type" -> CapacityEntry JSON
    zcc:{R}:status       hash  provider_id -> ProviderStatus JSON
    zcc:{R}:holds        hash  hold_id -> Hold JSON (every hold, in any state)
    zcc:{R}:holds:due    zset  hold_id scored by held_until ms (active holds only)
    zcc:{R}:idem:<key>   string {"fingerprint", "response"} JSON, EX 1 day
    zcc:{R}:op:<op_id>   string the stored result of a write, EX 1 day
    zcc:{R}:events       stream ts, type, data (JSON); MAXLEN ~ stream_maxlen
    zcc:{R}:tokens       hash  token hash -> TokenRecord JSON

Times reach the scripts as epoch milliseconds in ARGV (a script never calls
TIME), so a script's effect depends only on its arguments and the data.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import math
import secrets
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import BusyLoadingError, ConnectionError, ReadOnlyError, TimeoutError

from .batching import GroupCommit
from .errors import (
    Conflict,
    IdempotencyMismatch,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PlaceGone,
    StoreUnavailable,
    ZccError,
)
from .model import (
    CapacityEntry,
    CapacityUpdate,
    EntryHint,
    Event,
    Hold,
    LazyJson,
    ProviderStatus,
    Region,
    Snapshot,
    TokenRecord,
    UpdateResult,
    from_ms,
    to_ms,
)
from .store import IdempotencyKey

__all__ = ["RedisStore"]

_LOGGER = logging.getLogger(__name__)
_P = ParamSpec("_P")
_R = TypeVar("_R")

# Idempotency-Key records and the op records of caller-given op ids live one day.
IDEMPOTENCY_TTL_S = 24 * 3600
# Op ids made up per call only guard redis-py's own retries, which end within seconds.
_CALL_OP_TTL_S = 600
# expire_holds ends at most this many holds per script run, to keep Redis responsive;
# the rest go on the next run.
_EXPIRE_BATCH = 100
_EXPIRE_MAX = 2000

# Faults that mean "Redis could not be reached or cannot serve now".
# BusyLoadingError (a restarted server still reading its AOF) is a ConnectionError;
# ReadOnlyError is a replica after a failover; builtin TimeoutError is an OSError.
_UNAVAILABLE: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, ReadOnlyError, OSError)

_ERRORS: Mapping[str, type[ZccError]] = {
    "place_gone": PlaceGone,
    "not_found": NotFound,
    "invalid_transition": InvalidTransition,
    "idempotency_mismatch": IdempotencyMismatch,
    "conflict": Conflict,
}


def _unavailable_as_store_error(
    fn: Callable[Concatenate[RedisStore, _P], Awaitable[_R]],
) -> Callable[Concatenate[RedisStore, _P], Coroutine[Any, Any, _R]]:
    """Turn a Redis connection fault inside a store method into StoreUnavailable with a readable detail."""

    @functools.wraps(fn)
    async def wrapper(self: RedisStore, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return await fn(self, *args, **kwargs)
        except _UNAVAILABLE as exc:
            if isinstance(exc, BusyLoadingError):
                what = "is still loading its data"
            elif isinstance(exc, ReadOnlyError):
                what = "is a read-only replica (after a failover?)"
            else:
                what = "could not be reached"
            _LOGGER.warning("redis %s %s in %s: %r", self._where, what, fn.__name__, exc)
            raise StoreUnavailable(
                f"the Redis store at {self._where} {what} ({type(exc).__name__}: {str(exc) or 'timed out'}); "
                "a write may or may not have been applied: repeating it with the same op id is safe"
            ) from exc

    return wrapper


# -- Lua ---------------------------------------------------------------------------

# Shared helpers, prepended to every write script. ``fail`` returns an error as a
# JSON object that RedisStore maps to the same exception SqliteStore raises.
_LUA_PRELUDE = r"""
local function fail(code, msg, field)
  return cjson.encode({err = code, msg = msg, field = field})
end
local function isnull(v)
  return v == nil or v == cjson.null
end
local function xadd(events, maxlen, now, type_, data)
  if type_ == 'capacity.updated' then
    -- The entry's key and version as plain fields: a follower skips what it already has without decoding.
    local e = data.entry
    return redis.call('XADD', events, 'MAXLEN', '~', maxlen, '*', 'ts', now, 'type', type_,
                      'data', cjson.encode(data), 'ek', e.provider_id .. '|' .. e.care_type, 'ev', e.version)
  end
  return redis.call('XADD', events, 'MAXLEN', '~', maxlen, '*',
                    'ts', now, 'type', type_, 'data', cjson.encode(data))
end
-- Move an active hold to its final status; a confirmation also consumes the unit.
local function end_hold(cap, holds, due, events, maxlen, hold, status, now)
  local field = hold.provider_id .. '|' .. hold.care_type
  local e = cjson.decode(redis.call('HGET', cap, field))
  local consumed = 0
  if status == 'confirmed' then consumed = 1 end
  e.available = math.max(0, e.available - consumed)
  e.held = math.max(0, e.held - 1)
  e.version = e.version + 1
  hold.status = status
  hold.ended_at = now
  redis.call('HSET', cap, field, cjson.encode(e))
  redis.call('HSET', holds, hold.hold_id, cjson.encode(hold))
  redis.call('ZREM', due, hold.hold_id)
  xadd(events, maxlen, now, 'hold.' .. status, {hold = hold, entry = e})
  return hold, e
end
"""

# KEYS: capacity, events, then each op's op key and (if any) idempotency key
# ARGV: maxlen, op_ttl, ops JSON: [{op_id, now, updates, op_key, idem_key?, fp?}] (key fields index KEYS)
# Returns one JSON reply per op, in order. Each op is checked and applied on its own, as if it came alone.
_LUA_APPLY_UPDATES = r"""
local cap, events = KEYS[1], KEYS[2]
local maxlen, ttl = ARGV[1], ARGV[2]
local replies = {}
for n, o in ipairs(cjson.decode(ARGV[3])) do
  local op = KEYS[o.op_key]
  local idem = nil
  if not isnull(o.idem_key) then idem = KEYS[o.idem_key] end
  local reply = redis.call('GET', op)
  if not reply and idem then
    local rec = redis.call('GET', idem)
    if rec then
      rec = cjson.decode(rec)
      if rec.fingerprint ~= o.fp then
        reply = fail('idempotency_mismatch',
          'this Idempotency-Key was used before with a different request body', 'Idempotency-Key')
      else
        reply = cjson.encode({results = rec.response, replay = true})
      end
    end
  end
  if not reply then
    local results, applied = {}, {}
    for i, u in ipairs(o.updates) do
      local field = u.provider_id .. '|' .. u.care_type
      local raw = redis.call('HGET', cap, field)
      local cur
      if raw then
        cur = cjson.decode(raw)
      else
        cur = {held = 0, version = 0, reported_at = cjson.null}
      end
      local status = 'applied'
      if not isnull(cur.reported_at) and u.reported_at < cur.reported_at then
        status = 'stale_ignored'
      else
        local new = {
          provider_id = u.provider_id, care_type = u.care_type, total = u.total,
          available = u.available, held = cur.held, reported_at = u.reported_at,
          valid_until = u.valid_until, version = cur.version + 1,
        }
        redis.call('HSET', cap, field, cjson.encode(new))
        xadd(events, maxlen, o.now, 'capacity.updated', {op = o.op_id, entry = new})
        applied[#applied + 1] = new
      end
      results[i] = {provider_id = u.provider_id, care_type = u.care_type, status = status}
    end
    if idem then
      redis.call('SET', idem, cjson.encode({fingerprint = o.fp, response = results}), 'EX', ttl)
    end
    reply = cjson.encode({results = results, replay = false, entries = applied})
    redis.call('SET', op, reply, 'EX', ttl)
  end
  replies[n] = reply
end
return replies
"""

# KEYS: status, events, op
# ARGV: op_id, status JSON, ts_ms, maxlen, op_ttl
_LUA_SET_STATUS = r"""
local key, events, op = KEYS[1], KEYS[2], KEYS[3]
local done = redis.call('GET', op)
if done then return done end
local s = cjson.decode(ARGV[2])
local raw = redis.call('HGET', key, s.provider_id)
if raw then
  s.version = cjson.decode(raw).version + 1
else
  s.version = 1
end
redis.call('HSET', key, s.provider_id, cjson.encode(s))
xadd(events, ARGV[4], tonumber(ARGV[3]), 'provider.status', {op = ARGV[1], status = s})
local reply = cjson.encode(s)
redis.call('SET', op, reply, 'EX', ARGV[5])
return reply
"""

# KEYS: capacity, status, holds, due, events, op, [idem]
# ARGV: now_ms, hold JSON, maxlen, op_ttl, [fingerprint]
_LUA_HOLD = r"""
local cap, status, holds, due = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local events, op, idem = KEYS[5], KEYS[6], KEYS[7]
local now, maxlen, ttl = tonumber(ARGV[1]), ARGV[3], ARGV[4]
local h = cjson.decode(ARGV[2])
local hold_id = h.hold_id
-- The op record says this very hold was taken: answer from its current state, like a repeat.
if redis.call('EXISTS', op) == 0 and idem then
  local rec = redis.call('GET', idem)
  if rec then
    rec = cjson.decode(rec)
    if rec.fingerprint ~= ARGV[5] then
      return fail('idempotency_mismatch',
        'this Idempotency-Key was used before with a different request body', 'Idempotency-Key')
    end
    hold_id = rec.response.hold_id
  end
end
local existing = redis.call('HGET', holds, hold_id)
if existing then
  local ex = cjson.decode(existing)
  local entry = redis.call('HGET', cap, ex.provider_id .. '|' .. ex.care_type)
  return '{"hold":' .. existing .. ',"entry":' .. entry .. '}'
end
local field = h.provider_id .. '|' .. h.care_type
local raw = redis.call('HGET', cap, field)
if not raw then
  return fail('not_found', h.provider_id .. ' offers no ' .. h.care_type, 'care_type')
end
local st = redis.call('HGET', status, h.provider_id)
if st then
  st = cjson.decode(st)
  if st.status == 'stop' and (isnull(st['until']) or st['until'] > now) then
    return fail('place_gone', h.provider_id .. ' is under a stop')
  end
end
local e = cjson.decode(raw)
if isnull(e.valid_until) or e.valid_until <= now then
  return fail('place_gone', 'capacity of ' .. h.provider_id .. ' ' .. h.care_type .. ' is stale (unknown)')
end
if e.available - e.held <= 0 then
  return fail('place_gone', 'no free ' .. h.care_type .. ' left at ' .. h.provider_id)
end
e.held = e.held + 1
e.version = e.version + 1
redis.call('HSET', cap, field, cjson.encode(e))
redis.call('HSET', holds, h.hold_id, ARGV[2])
redis.call('ZADD', due, h.held_until, h.hold_id)
xadd(events, maxlen, now, 'hold.created', {hold = h, entry = e})
if idem then
  redis.call('SET', idem, cjson.encode({fingerprint = ARGV[5], response = {hold_id = h.hold_id}}), 'EX', ttl)
end
local reply = cjson.encode({hold = h, entry = e})
redis.call('SET', op, reply, 'EX', ttl)
return reply
"""

# KEYS: capacity, holds, due, events, op (op:<hold_id>:<status>)
# ARGV: now_ms, hold_id, target status (confirmed|released|expired), maxlen, op_ttl
_LUA_END_HOLD = r"""
local cap, holds, due, events, op = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now, hold_id, target, maxlen, ttl = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4], ARGV[5]
-- A stored refusal (a confirm that found the hold past its time) is answered again;
-- a stored success is answered from the hold's state below, which is the same.
local done = redis.call('GET', op)
if done and cjson.decode(done).err then return done end
local raw = redis.call('HGET', holds, hold_id)
if not raw then return fail('not_found', 'no hold ' .. hold_id) end
local h = cjson.decode(raw)
if h.status == target then
  local entry = redis.call('HGET', cap, h.provider_id .. '|' .. h.care_type)
  return '{"hold":' .. raw .. ',"entry":' .. entry .. '}'
end
if h.status ~= 'held' then
  if target == 'confirmed' then
    return fail('invalid_transition', 'the hold was ' .. h.status .. ' and cannot be confirmed')
  end
  return fail('invalid_transition', 'the hold was already ' .. h.status)
end
local reply
if target == 'confirmed' and h.held_until <= now then
  end_hold(cap, holds, due, events, maxlen, h, 'expired', now)
  reply = fail('invalid_transition', 'the hold expired before it was confirmed')
else
  local ended, e = end_hold(cap, holds, due, events, maxlen, h, target, now)
  reply = cjson.encode({hold = ended, entry = e})
end
redis.call('SET', op, reply, 'EX', ttl)
return reply
"""

# KEYS: capacity, holds, due, events, op
# ARGV: now_ms, maxlen, op_ttl, batch, max
_LUA_EXPIRE_HOLDS = r"""
local cap, holds, due, events, op = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now, maxlen, ttl = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local batch, max = tonumber(ARGV[4]), tonumber(ARGV[5])
local done = redis.call('GET', op)
if done then return done end
local out = {}
while #out < max do
  local ids = redis.call('ZRANGEBYSCORE', due, '-inf', now, 'LIMIT', 0, batch)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    local raw = redis.call('HGET', holds, id)
    local h = raw and cjson.decode(raw)
    if h and h.status == 'held' then
      out[#out + 1] = end_hold(cap, holds, due, events, maxlen, h, 'expired', now)
    else
      redis.call('ZREM', due, id)
    end
  end
end
local reply = cjson.encode(out)
redis.call('SET', op, reply, 'EX', ttl)
return reply
"""

# KEYS: events, op
# ARGV: now_ms, type, data JSON, maxlen, op_ttl
_LUA_APPEND_EVENT = r"""
local done = redis.call('GET', KEYS[2])
if done then return done end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*',
                      'ts', ARGV[1], 'type', ARGV[2], 'data', ARGV[3])
redis.call('SET', KEYS[2], id, 'EX', ARGV[5])
return id
"""

# A versioned document (a request or a trajectory record), changed by compare-and-set, with its event
# and, optionally, an entry appended to the patient's trajectory events, all in one script.
# KEYS: documents hash, open set (or the hash again: unused), events stream, op, trajectory events list (or hash)
# ARGV: id, data JSON, open ('1', '0' or '-': no set), expected version (-1: create), now_ms, maxlen, op_ttl,
#       event type ('' for none), event JSON, JSON array of trajectory events ('' for none)
# A document is stored as {"v": version, "d": data}; an update must name the stored version.
_LUA_PUT_DOC = r"""
local docs, open_set, events, op, tevents = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id, expected = ARGV[1], tonumber(ARGV[4])
local done = redis.call('GET', op)
if done then return done end
local raw = redis.call('HGET', docs, id)
local version
if expected < 0 then
  if raw then return fail('conflict', id .. ' exists already') end
  version = 1
else
  if not raw then return fail('not_found', 'no record ' .. id) end
  local cur = cjson.decode(raw).v
  if cur ~= expected then
    return fail('conflict', id .. ' was changed meanwhile (version ' .. cur .. '); read it again')
  end
  version = expected + 1
end
redis.call('HSET', docs, id, '{"v":' .. version .. ',"d":' .. ARGV[2] .. '}')
if ARGV[3] == '1' then redis.call('SADD', open_set, id) elseif ARGV[3] == '0' then redis.call('SREM', open_set, id) end
if ARGV[8] ~= '' then
  redis.call('XADD', events, 'MAXLEN', '~', ARGV[6], '*', 'ts', ARGV[5], 'type', ARGV[8], 'data', ARGV[9])
end
if ARGV[10] ~= '' then
  for _, e in ipairs(cjson.decode(ARGV[10])) do redis.call('RPUSH', tevents, cjson.encode(e)) end
end
local reply = cjson.encode({version = version})
redis.call('SET', op, reply, 'EX', ARGV[7])
return reply
"""

# Read-only. KEYS: capacity, status, holds, due, events
# Returns {capacity JSONs, status JSONs, active hold JSONs, last event id}.
_LUA_SNAPSHOT = r"""
local holds = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
  local raw = redis.call('HGET', KEYS[3], id)
  if raw then holds[#holds + 1] = raw end
end
local last = redis.call('XREVRANGE', KEYS[5], '+', '-', 'COUNT', 1)
local last_id = '0'
if #last > 0 then last_id = last[1][1] end
return {redis.call('HVALS', KEYS[1]), redis.call('HVALS', KEYS[2]), holds, last_id}
"""


@dataclass(frozen=True, slots=True)
class _Keys:
    """The key names of one region; the ``{region}`` hash tag keeps them in one cluster slot."""

    prefix: str
    capacity: str
    status: str
    holds: str
    due: str
    events: str
    tokens: str
    requests: str
    open_requests: str
    trajectories: str
    audit: str

    @classmethod
    def of(cls, region_id: str) -> _Keys:
        p = f"zcc:{{{region_id}}}:"
        return cls(
            prefix=p,
            capacity=p + "capacity",
            status=p + "status",
            holds=p + "holds",
            due=p + "holds:due",
            events=p + "events",
            tokens=p + "tokens",
            requests=p + "requests",
            open_requests=p + "requests:open",
            trajectories=p + "trajectories",
            audit=p + "audit",
        )

    def patient_audit(self, patient_ref: str) -> str:
        return f"{self.prefix}audit:patient:{patient_ref}"

    def trajectory_events(self, patient_ref: str) -> str:
        return f"{self.prefix}trajectory:{patient_ref}:events"

    def idem(self, key: str) -> str:
        return f"{self.prefix}idem:{key}"

    def op(self, op_id: str) -> str:
        return f"{self.prefix}op:{op_id}"


@dataclass(frozen=True, slots=True)
class _UpdateOp:
    """One apply_updates call waiting for its group's script call."""

    op_id: str
    now_ms: int
    payload: list[dict[str, Any]]
    idem: IdempotencyKey | None


@dataclass(slots=True)
class _Scripts:
    """The registered Lua scripts (redis-py reloads one by itself on NOSCRIPT)."""

    apply_updates: AsyncScript
    set_status: AsyncScript
    hold: AsyncScript
    end_hold: AsyncScript
    expire_holds: AsyncScript
    append_event: AsyncScript
    snapshot: AsyncScript
    put_doc: AsyncScript


def _field(provider_id: str, care_type: str) -> str:
    return f"{provider_id}|{care_type}"


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _as_list(value: Any) -> list[Any]:
    """A JSON array from a script; Lua's cjson writes an empty array as ``{}``."""
    return value if isinstance(value, list) else []


def _event_of(entry_id: str, fields: Mapping[str, str]) -> Event:
    hint: EntryHint | None = None
    if "ek" in fields:
        pid, _, ct = fields["ek"].partition("|")
        hint = EntryHint(pid, ct, int(fields["ev"]))
    return Event(entry_id, from_ms(int(fields["ts"])), fields["type"], LazyJson(fields["data"]), hint)


def _events_of_entries(entries: Any) -> list[Event]:
    """Events from stream entries ``[[id, fields], ...]``; fields a flat list (raw) or a dict."""
    out: list[Event] = []
    for entry_id, raw_fields in entries or ():
        if isinstance(raw_fields, Mapping):
            fields = dict(raw_fields)
        else:
            it = iter(raw_fields)
            fields = dict(zip(it, it, strict=True))
        out.append(_event_of(entry_id, fields))
    return out


def _events_of_xread(reply: Any) -> list[Event]:
    """Events from a raw XREAD reply of one stream: RESP2 ``[[name, entries]]``, RESP3 ``{name: entries}``."""
    if not reply:
        return []
    streams = reply.values() if isinstance(reply, Mapping) else (s[1] for s in reply)
    return [ev for entries in streams for ev in _events_of_entries(entries)]


class RedisStore:
    """Store on a Redis server; see the module docstring for keys, idempotency and durability."""

    def __init__(
        self,
        url: str,
        region_id: str,
        *,
        socket_timeout: float = 0.5,
        max_connections: int = 64,
        retries: int = 3,
        stream_maxlen: int = 1_000_000,
    ) -> None:
        if "{" in region_id or "}" in region_id:
            raise InvalidInput(f"a region id may not contain braces: {region_id!r}", field="region")
        self.region_id = region_id
        self._url = url
        self._socket_timeout = socket_timeout
        self._max_connections = max_connections
        self._retries = retries
        self._maxlen = stream_maxlen
        self._keys = _Keys.of(region_id)
        self._pool: BlockingConnectionPool | None = None
        self._client: Redis | None = None
        self._scripts: _Scripts | None = None
        self._updates: GroupCommit[_UpdateOp, tuple[list[UpdateResult], bool]] | None = None
        self._where = "redis"

    # -- plumbing -------------------------------------------------------------

    async def open(self) -> None:
        """Create the pool and the client, register the scripts, and check the server answers."""
        pool = BlockingConnectionPool.from_url(
            self._url,
            max_connections=self._max_connections,
            timeout=2.0,
            socket_timeout=self._socket_timeout,
            socket_connect_timeout=1.0,
            health_check_interval=10,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), self._retries),
            retry_on_error=[ConnectionError, TimeoutError],
            decode_responses=True,
        )
        kw = pool.connection_kwargs
        self._where = str(kw.get("path") or f"{kw.get('host', 'localhost')}:{kw.get('port', 6379)}")
        client = Redis(connection_pool=pool)
        self._pool, self._client = pool, client
        reg = client.register_script
        self._scripts = _Scripts(
            apply_updates=reg(_LUA_PRELUDE + _LUA_APPLY_UPDATES),
            set_status=reg(_LUA_PRELUDE + _LUA_SET_STATUS),
            hold=reg(_LUA_PRELUDE + _LUA_HOLD),
            end_hold=reg(_LUA_PRELUDE + _LUA_END_HOLD),
            expire_holds=reg(_LUA_PRELUDE + _LUA_EXPIRE_HOLDS),
            append_event=reg(_LUA_APPEND_EVENT),
            put_doc=reg(_LUA_PRELUDE + _LUA_PUT_DOC),
            snapshot=reg(_LUA_SNAPSHOT),
        )
        self._updates = GroupCommit(self._flush_updates)
        try:
            await self.ping()
        except StoreUnavailable:
            await self.close()
            raise

    async def close(self) -> None:
        """Finish the writes in flight, then close the client and its pool."""
        if self._updates is not None:
            await self._updates.close()
            self._updates = None
        client, pool = self._client, self._pool
        self._client = self._pool = None
        self._scripts = None
        if client is not None:
            await client.aclose()
        if pool is not None:
            await pool.aclose()

    @property
    def _redis(self) -> Redis:
        if self._client is None:
            raise StoreUnavailable("the store is not open")
        return self._client

    @property
    def _lua(self) -> _Scripts:
        if self._scripts is None:
            raise StoreUnavailable("the store is not open")
        return self._scripts

    async def _run(self, script: AsyncScript, keys: Sequence[str], args: Sequence[str | int]) -> Any:
        """Run a script whose reply is JSON; a ``{"err": ...}`` reply raises the matching domain error."""
        raw = await script(keys=list(keys), args=list(args), client=self._redis)
        result = json.loads(raw)
        if isinstance(result, dict) and "err" in result:
            raise _ERRORS[result["err"]](str(result["msg"]), field=result.get("field"))
        return result

    @_unavailable_as_store_error
    async def ping(self) -> None:
        """Raise StoreUnavailable when Redis does not answer."""
        await self._redis.ping()

    # -- capacity ---------------------------------------------------------------

    @_unavailable_as_store_error
    async def seed(self, region: Region, now: datetime) -> None:
        """Create a stale entry for every offer without one (HSETNX keeps existing state)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for p, o in region.offers():
                entry = CapacityEntry(p.id, o.care_type, total=o.total)
                pipe.hsetnx(self._keys.capacity, _field(p.id, o.care_type), _dumps(entry.to_dict()))
            await pipe.execute()

    @_unavailable_as_store_error
    async def snapshot(self) -> Snapshot:
        """Entries, statuses, active holds and the last event id, read by one script (atomically)."""
        return await self._snapshot(self._keys)

    @_unavailable_as_store_error
    async def peek(self, region_id: str) -> Snapshot | None:
        """Another region's state in the same Redis (its own hash slot: a separate call)."""
        return await self._snapshot(_Keys.of(region_id))

    async def _snapshot(self, k: _Keys) -> Snapshot:
        caps, statuses, holds, last_id = await self._lua.snapshot(
            keys=[k.capacity, k.status, k.holds, k.due, k.events], client=self._redis
        )
        entries = sorted((CapacityEntry.from_dict(json.loads(c)) for c in caps), key=lambda e: e.key)
        return Snapshot(
            tuple(entries),
            tuple(ProviderStatus.from_dict(json.loads(s)) for s in statuses),
            tuple(Hold.from_dict(json.loads(h)) for h in holds),
            str(last_id),
        )

    @_unavailable_as_store_error
    async def apply_updates(
        self,
        updates: Sequence[CapacityUpdate],
        op_id: str,
        now: datetime,
        idem: IdempotencyKey | None = None,
    ) -> tuple[list[UpdateResult], bool]:
        """Apply reports atomically; older reports are stale_ignored; a repeated op_id changes nothing.

        Concurrent calls share one script call (group commit); each is still
        checked, applied and answered on its own.
        """
        payload = [
            {
                "provider_id": u.provider_id,
                "care_type": u.care_type,
                "available": u.available,
                "total": u.total,
                "reported_at": to_ms(u.reported_at),
                "valid_until": to_ms(u.valid_until),
            }
            for u in updates
        ]
        if self._updates is None:
            raise StoreUnavailable("the store is not open")
        return await self._updates.submit(_UpdateOp(op_id, to_ms(now), payload, idem))

    async def _flush_updates(self, ops: list[_UpdateOp]) -> list[tuple[list[UpdateResult], bool] | BaseException]:
        """One script call for several update ops; a per-op error comes back as an exception instance."""
        k = self._keys
        keys = [k.capacity, k.events]
        spec: list[dict[str, Any]] = []
        for op in ops:
            keys.append(k.op(op.op_id))
            item: dict[str, Any] = {"op_id": op.op_id, "now": op.now_ms, "updates": op.payload, "op_key": len(keys)}
            if op.idem is not None:
                keys.append(k.idem(op.idem.key))
                item["idem_key"] = len(keys)
                item["fp"] = op.idem.fingerprint
            spec.append(item)
        replies = await self._lua.apply_updates(
            keys=keys, args=[self._maxlen, IDEMPOTENCY_TTL_S, _dumps(spec)], client=self._redis
        )
        out: list[tuple[list[UpdateResult], bool] | BaseException] = []
        for raw in replies:
            result = json.loads(raw)
            if "err" in result:
                out.append(_ERRORS[result["err"]](str(result["msg"]), field=result.get("field")))
                continue
            # The entries as stored, so the caller's view need not wait for the stream (absent on replay).
            stored = {
                (e["provider_id"], e["care_type"]): CapacityEntry.from_dict(e) for e in _as_list(result.get("entries"))
            }
            out.append(
                (
                    [
                        UpdateResult(
                            r["provider_id"],
                            r["care_type"],
                            r["status"],
                            stored.get((r["provider_id"], r["care_type"])),
                        )
                        for r in _as_list(result["results"])
                    ],
                    bool(result["replay"]),
                )
            )
        return out

    @_unavailable_as_store_error
    async def set_status(self, status: ProviderStatus, op_id: str) -> ProviderStatus:
        """Store a provider's stop status with the next version."""
        k = self._keys
        ts = to_ms(status.set_at) if status.set_at else 0
        result = await self._run(
            self._lua.set_status,
            [k.status, k.events, k.op(op_id)],
            [op_id, _dumps(status.to_dict()), ts, self._maxlen, IDEMPOTENCY_TTL_S],
        )
        return ProviderStatus.from_dict(result)

    # -- holds ------------------------------------------------------------------

    @_unavailable_as_store_error
    async def hold(
        self,
        hold: Hold,
        now: datetime,
        idem: IdempotencyKey | None = None,
    ) -> tuple[Hold, CapacityEntry]:
        """Take one free unit in one script; the hold id is the op id."""
        k = self._keys
        keys = [k.capacity, k.status, k.holds, k.due, k.events, k.op(hold.hold_id)]
        args: list[str | int] = [to_ms(now), _dumps(hold.to_dict()), self._maxlen, IDEMPOTENCY_TTL_S]
        if idem is not None:
            keys.append(k.idem(idem.key))
            args.append(idem.fingerprint)
        result = await self._run(self._lua.hold, keys, args)
        return Hold.from_dict(result["hold"]), CapacityEntry.from_dict(result["entry"])

    async def _end_hold(self, hold_id: str, status: str, now: datetime) -> tuple[Hold, CapacityEntry]:
        k = self._keys
        result = await self._run(
            self._lua.end_hold,
            [k.capacity, k.holds, k.due, k.events, k.op(f"{hold_id}:{status}")],
            [to_ms(now), hold_id, status, self._maxlen, IDEMPOTENCY_TTL_S],
        )
        return Hold.from_dict(result["hold"]), CapacityEntry.from_dict(result["entry"])

    @_unavailable_as_store_error
    async def confirm_hold(self, hold_id: str, now: datetime) -> tuple[Hold, CapacityEntry]:
        """Hold -> placement; idempotent. A hold past its time is expired and refused."""
        return await self._end_hold(hold_id, "confirmed", now)

    @_unavailable_as_store_error
    async def release_hold(self, hold_id: str, now: datetime, status: str = "released") -> tuple[Hold, CapacityEntry]:
        """End a hold as ``released`` or ``expired`` and give its unit back; idempotent."""
        if status not in ("released", "expired"):
            raise InvalidInput(f"a hold ends as released or expired, not {status!r}", field="status")
        return await self._end_hold(hold_id, status, now)

    @_unavailable_as_store_error
    async def expire_holds(self, now: datetime) -> list[Hold]:
        """Expire the holds past their time, up to a bound per call (the rest on the next call)."""
        k = self._keys
        result = await self._run(
            self._lua.expire_holds,
            [k.capacity, k.holds, k.due, k.events, k.op(f"expire:{uuid.uuid4().hex}")],
            [to_ms(now), self._maxlen, _CALL_OP_TTL_S, _EXPIRE_BATCH, _EXPIRE_MAX],
        )
        return [Hold.from_dict(h) for h in _as_list(result)]

    @_unavailable_as_store_error
    async def get_hold(self, hold_id: str) -> Hold | None:
        """One hold by id."""
        raw = await self._redis.hget(self._keys.holds, hold_id)
        return Hold.from_dict(json.loads(raw)) if raw is not None else None

    # -- event log ----------------------------------------------------------------

    @_unavailable_as_store_error
    async def events_after(self, last_id: str, limit: int = 1000, block_ms: int = 0) -> list[Event]:
        """Events after ``last_id`` (``"0"``: from the start); with ``block_ms`` waits for new ones."""
        if block_ms > 0:
            return await self._read_blocking(last_id or "0", limit, block_ms)
        start = "-" if last_id in ("", "0", "0-0") else f"({last_id}"
        entries = await self._redis.xrange(self._keys.events, start, "+", count=limit)
        return _events_of_entries(entries)

    async def _read_blocking(self, last_id: str, limit: int, block_ms: int) -> list[Event]:
        """XREAD BLOCK on a connection of the pool, with a read timeout longer than the block.

        The client's commands time out after ``socket_timeout``, shorter than a
        block, so this borrows a connection and reads with its own deadline.
        A read that is cancelled by the deadline disconnects the connection, so
        a late reply never reaches the next command on it. Not retried: a read
        changes nothing and the caller polls again.
        """
        pool = self._pool
        if pool is None:
            raise StoreUnavailable("the store is not open")
        conn = await pool.get_connection()  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
        try:
            async with asyncio.timeout(block_ms / 1000 + self._socket_timeout + 1.0):
                await conn.send_command(
                    "XREAD", "COUNT", limit, "BLOCK", block_ms, "STREAMS", self._keys.events, last_id
                )
                # math.inf: no socket timeout on this read; the deadline above bounds it.
                reply = await conn.read_response(timeout=math.inf)
        finally:
            await pool.release(conn)
        return _events_of_xread(reply)

    @_unavailable_as_store_error
    async def append_event(self, type_: str, data: dict[str, Any], now: datetime) -> str:
        """Append an application event; returns its stream id."""
        k = self._keys
        op = k.op(f"event:{uuid.uuid4().hex}")
        reply = await self._lua.append_event(
            keys=[k.events, op],
            args=[to_ms(now), type_, _dumps(data), self._maxlen, _CALL_OP_TTL_S],
            client=self._redis,
        )
        return str(reply)

    # -- tokens -------------------------------------------------------------------

    @_unavailable_as_store_error
    async def put_request(
        self,
        request_id: str,
        data: dict[str, Any],
        *,
        open_: bool,
        expected_version: int | None,
        op_id: str,
        now: datetime,
        event: tuple[str, dict[str, Any]] | None = None,
        trajectory_event: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> int:
        """Create or compare-and-set a request record, with its event, in one script."""
        k = self._keys
        return await self._put_doc(
            k.requests,
            k.open_requests,
            request_id,
            data,
            "1" if open_ else "0",
            expected_version,
            op_id,
            now,
            event,
            trajectory_event,
            data.get("patient_ref"),
        )

    async def _put_doc(  # noqa: PLR0917 - one private call shape for both document kinds
        self,
        docs: str,
        open_set: str | None,
        doc_id: str,
        data: dict[str, Any],
        open_flag: str,
        expected_version: int | None,
        op_id: str,
        now: datetime,
        event: tuple[str, dict[str, Any]] | None,
        trajectory_event: dict[str, Any] | list[dict[str, Any]] | None,
        patient_ref: str | None,
    ) -> int:
        k = self._keys
        tevents = k.trajectory_events(patient_ref) if trajectory_event is not None and patient_ref else docs
        args: list[str | int] = [
            doc_id,
            _dumps(data),
            open_flag,
            -1 if expected_version is None else expected_version,
            to_ms(now),
            self._maxlen,
            IDEMPOTENCY_TTL_S,
            event[0] if event else "",
            _dumps(event[1]) if event else "",
            _dumps(trajectory_event if isinstance(trajectory_event, list) else [trajectory_event])
            if trajectory_event is not None and patient_ref
            else "",
        ]
        keys = [docs, open_set or docs, k.events, k.op(op_id), tevents]
        result = await self._run(self._lua.put_doc, keys, args)
        return int(result["version"])

    @_unavailable_as_store_error
    async def put_trajectory(
        self,
        patient_ref: str,
        data: dict[str, Any],
        *,
        expected_version: int | None,
        op_id: str,
        now: datetime,
        event: tuple[str, dict[str, Any]] | None = None,
        trajectory_event: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> int:
        """Create or compare-and-set a trajectory record, with its event and trajectory event, in one script."""
        return await self._put_doc(
            self._keys.trajectories,
            None,
            patient_ref,
            data,
            "-",
            expected_version,
            op_id,
            now,
            event,
            trajectory_event,
            patient_ref,
        )

    @_unavailable_as_store_error
    async def get_trajectory(self, patient_ref: str) -> tuple[dict[str, Any] | None, int, list[dict[str, Any]]]:
        """The record (None if never written), its version (0 if none) and the trajectory events, oldest first."""
        k = self._keys
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hget(k.trajectories, patient_ref)
            pipe.lrange(k.trajectory_events(patient_ref), 0, -1)
            raw, events = await pipe.execute()
        rec = json.loads(raw) if raw else None
        return (rec["d"] if rec else None), (int(rec["v"]) if rec else 0), [json.loads(e) for e in events]

    @_unavailable_as_store_error
    async def append_audit(self, entry: dict[str, Any], now: datetime, retention_days: int) -> str:
        """Append an audit entry (NEN 7513) to a time-ordered set; entries past the retention are removed.

        A sorted set by time (not a stream) so the retention and time filters use the entry's own time;
        a second set per patient keeps a patient's trail cheap to read.
        """
        k = self._keys
        entry_id = f"{to_ms(now)}-{secrets.token_hex(6)}"
        member = _dumps(entry | {"id": entry_id})
        cutoff = to_ms(now) - retention_days * 86_400_000
        ref = entry.get("patient_ref")
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(k.audit, {member: to_ms(now)})
            pipe.zremrangebyscore(k.audit, "-inf", f"({cutoff}")
            if ref:
                pipe.zadd(k.patient_audit(ref), {member: to_ms(now)})
                pipe.zremrangebyscore(k.patient_audit(ref), "-inf", f"({cutoff}")
                pipe.expire(k.patient_audit(ref), retention_days * 86_400)
            await pipe.execute()
        return entry_id

    @_unavailable_as_store_error
    async def list_audit(
        self,
        *,
        patient_ref: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Audit entries, oldest first, filtered by patient and time."""
        k = self._keys
        key = k.patient_audit(patient_ref) if patient_ref is not None else k.audit
        lo = to_ms(since) if since else "-inf"
        hi = to_ms(until) if until else "+inf"
        members = await self._redis.zrangebyscore(key, lo, hi, start=0, num=limit)
        return [json.loads(cast("str", m)) for m in members]

    @_unavailable_as_store_error
    async def get_request(self, request_id: str) -> tuple[dict[str, Any], int] | None:
        """A request record and its version."""
        raw = await self._redis.hget(self._keys.requests, request_id)
        if raw is None:
            return None
        rec = json.loads(raw)
        return rec["d"], int(rec["v"])

    @_unavailable_as_store_error
    async def list_requests(self, *, open_only: bool = True) -> list[tuple[dict[str, Any], int]]:
        """Request records, oldest first (by their created_at field)."""
        k = self._keys
        if open_only:
            ids = sorted(await self._redis.smembers(k.open_requests))
            raws = await self._redis.hmget(k.requests, ids) if ids else []
        else:
            raws = list((await self._redis.hgetall(k.requests)).values())
        recs = [json.loads(r) for r in raws if r is not None]
        out = [(r["d"], int(r["v"])) for r in recs]
        out.sort(key=lambda rv: (rv[0].get("created_at", ""), rv[0].get("id", "")))
        return out

    @_unavailable_as_store_error
    async def put_token(self, token_hash: str, record: TokenRecord) -> None:
        """Store a token grant (HSET is idempotent, so a retry is harmless)."""
        await self._redis.hset(self._keys.tokens, token_hash, _dumps(record.to_dict()))

    @_unavailable_as_store_error
    async def get_token(self, token_hash: str) -> TokenRecord | None:
        """The grant of a token hash."""
        raw = await self._redis.hget(self._keys.tokens, token_hash)
        return TokenRecord.from_dict(json.loads(raw)) if raw is not None else None

    @_unavailable_as_store_error
    async def count_tokens(self) -> int:
        """Number of stored tokens."""
        return int(await self._redis.hlen(self._keys.tokens))
