"""Every write of the Redis store: sent on one lent connection and, with replicas, acknowledged only after WAIT.

(The atomic reads take the same path without the WAIT: a read script, or MULTI/EXEC of reads.)

A write is one batch on one connection to the primary that owns its keys::

    EVALSHA <script> ...      (or MULTI ... EXEC for plain commands)
    INCR zcc:{R}:fence        only when replicas are required
    WAIT <min_replicas> <ms>

``WAIT`` blocks until the replicas acknowledged everything this connection wrote, so it must follow
the write on the same connection. The fence makes that hold for a repeat too: a repeat that finds
its op record (or re-adds an audit member) changes nothing, and what ``WAIT`` counts after a command
that propagated nothing is not what we need (a bare ``WAIT`` on a fresh connection counts every
connected replica, even one frozen before the first run's effects; seen on Redis 7.0). ``INCR``
always propagates, so ``WAIT`` covers everything the primary had applied by then, the first run
included.

Outcomes:

- the replies came and WAIT counted enough replicas: the reply is returned;
- WAIT counted too few: ``OutcomeUnknown`` (the primary applied it, a failover may lose it; a
  repeat with the same op id or Idempotency-Key is safe and answers what happened);
- the batch was never sent (no connection): ``StoreUnavailable``, nothing changed;
- the batch was sent but no reply came within the retries: ``OutcomeUnknown``.

A broken or timed-out connection, a redirect (cluster), a primary that refuses writes for lack of
replicas (NOREPLICAS) or is a replica now (READONLY): the batch is sent again after a backoff, on a
fresh connection, after the mode relearned the topology. Every write script is idempotent by its
op record, so a repeat never applies a write twice.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from redis.asyncio.connection import AbstractConnection
from redis.commands.core import AsyncScript
from redis.exceptions import (
    AskError,
    ClusterDownError,
    ConnectionError,
    NoScriptError,
    ReadOnlyError,
    ResponseError,
    TimeoutError,
    TryAgainError,
)

from ..errors import OutcomeUnknown, StoreUnavailable
from .modes import ClientMode, ClientOptions, Unreachable

__all__ = ["Writer", "is_refusal"]

_LOGGER = logging.getLogger(__name__)

Command: TypeAlias = tuple[Any, ...]

# Faults of the connection itself: the batch may or may not have reached the server.
_BROKEN: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, OSError)
# Replies that mean "not here, not now": nothing was applied, send it again after the mode healed.
_ELSEWHERE: tuple[type[BaseException], ...] = (AskError, TryAgainError, ClusterDownError, ReadOnlyError)


def is_refusal(exc: BaseException) -> bool:
    """Whether an error reply says the server refused to write now (no replica, a replica, not its slot)."""
    if isinstance(exc, _ELSEWHERE):
        return True
    return isinstance(exc, ResponseError) and str(exc).startswith(("NOREPLICAS", "MASTERDOWN"))


class Writer:
    """Sends the writes of one region and waits for ``min_replicas`` replicas before acknowledging them."""

    def __init__(
        self,
        mode: ClientMode,
        options: ClientOptions,
        fence_key: str,
        *,
        min_replicas: int,
        wait_timeout: float,
    ) -> None:
        self._mode = mode
        self._options = options
        self._fence = fence_key
        self.min_replicas = min_replicas
        self.wait_timeout = wait_timeout

    async def script(
        self, script: AsyncScript, keys: Sequence[str], args: Sequence[str | int], *, read_only: bool = False
    ) -> Any:
        """Run a script on the primary of its keys (all in one slot) and return its reply.

        ``read_only`` for a script that writes nothing: no fence and no WAIT, the same retries and the same
        answer to a primary that does not know the script yet (a promoted replica never got it: EVAL).
        """
        head = (len(keys), *keys, *args)

        def batch(loaded: bool) -> list[Command]:
            # EVAL carries the text and caches it on the server (after a restart or a failover).
            return [("EVALSHA", script.sha, *head)] if loaded else [("EVAL", script.script, *head)]

        replies = await self._run(keys[0], batch, read_only=read_only)
        return replies[0]

    async def transaction(self, key: str, commands: Sequence[Command], *, read_only: bool = False) -> list[Any]:
        """Run plain commands as one MULTI/EXEC on the primary of ``key`` and return EXEC's replies.

        ``read_only`` for reads that must see one state (a record's body and version): no fence, no WAIT.
        (Not redis-py's cluster transaction pipeline: after a MOVED it can hand a connection to the old
        primary back to the new primary's pool, found under a cluster failover.)
        """
        body = [("MULTI",), *commands, ("EXEC",)]
        replies = await self._run(key, lambda _loaded: body, read_only=read_only)
        exec_reply = replies[-1]
        return list(exec_reply) if exec_reply is not None else []

    async def _run(self, key: str, batch: Callable[[bool], list[Command]], *, read_only: bool = False) -> list[Any]:
        """Send the batch (plus fence and WAIT for a write), retrying faults; the batch's own replies."""
        tail: list[Command] = []
        if self.min_replicas > 0 and not read_only:
            tail = [("INCR", self._fence), ("WAIT", self.min_replicas, int(self.wait_timeout * 1000))]
        loaded = True
        uncertain = False  # an attempt was sent and its replies never came: it may have been applied
        failures = 0
        while True:
            commands = batch(loaded)
            fault: BaseException
            sent = False
            try:
                async with self._mode.pinned(key) as conn:
                    if not conn.is_connected:
                        await conn.connect()  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
                    sent = True
                    replies = await self._exchange(conn, [*commands, *tail])
            except _BROKEN as exc:
                fault = exc
                uncertain = uncertain or sent
            else:
                own = replies[: len(commands)]
                error = next((r for r in own if isinstance(r, ResponseError)), None)
                if isinstance(error, NoScriptError) and loaded:
                    loaded = False  # the server forgot the script: send its text (no backoff, not a fault)
                    continue
                if error is None:
                    if tail:
                        self._check_replicas(replies[-2], replies[-1])
                    return own
                if not is_refusal(error):
                    raise error
                fault = error  # refused before anything was applied: try again once the mode healed
            failures += 1
            # Unreachable: the mode already retried the connect, with backoff; more attempts only add delay.
            if failures > self._options.retries or isinstance(fault, Unreachable):
                raise self._give_up(fault, uncertain and not read_only, read_only)
            _LOGGER.debug("redis call on %s failed (%r); attempt %d again", self._mode.where(), fault, failures + 1)
            await self._mode.heal(fault)
            await asyncio.sleep(self._options.backoff().compute(failures))

    async def _exchange(self, conn: AbstractConnection, commands: list[Command]) -> list[Any]:
        """Send every command at once, read every reply (an error reply is returned, not raised)."""
        waits = any(c[0] == "WAIT" for c in commands)
        deadline = self._options.socket_timeout + (self.wait_timeout if waits else 0.0)
        replies: list[Any] = []
        async with asyncio.timeout(deadline):
            await conn.send_packed_command(conn.pack_commands(commands), check_health=False)
            for _ in commands:
                try:
                    # math.inf: no per-read timeout (with one, redis-py answers None); the deadline above bounds it.
                    replies.append(await conn.read_response(timeout=math.inf))
                except ResponseError as exc:
                    replies.append(exc)
        return replies

    def _check_replicas(self, fence: Any, acked: Any) -> None:
        """OutcomeUnknown when WAIT counted fewer replicas than required (or the fence failed)."""
        count = int(acked) if isinstance(acked, int | str) and not isinstance(fence, ResponseError) else 0
        if count >= self.min_replicas:
            return
        where = self._mode.where()
        _LOGGER.warning("redis %s: a write reached %d of %d replicas in time", where, count, self.min_replicas)
        raise OutcomeUnknown(
            f"the primary of {where} applied the write, but only {count} of the {self.min_replicas} replica(s) "
            f"it must reach confirmed it within {self.wait_timeout:g} s, so a failover might still lose it: "
            "repeat it with the same Idempotency-Key to learn the outcome (it is applied at most once)"
        )

    def _give_up(self, fault: BaseException, uncertain: bool, read_only: bool) -> StoreUnavailable:
        """The error after the last attempt: outcome unknown if a write went unanswered, else nothing changed."""
        where = self._mode.where()
        what = f"{type(fault).__name__}: {str(fault) or 'timed out'}"
        doing = "read" if read_only else "write"
        _LOGGER.warning("redis %s: %s failed after %d attempts: %s", where, doing, self._options.retries + 1, what)
        if read_only:
            err = StoreUnavailable(f"the Redis store at {where} could not be read ({what})")
        elif not uncertain:
            err = StoreUnavailable(f"the Redis store at {where} could not take the write ({what}); nothing was changed")
        else:
            err = OutcomeUnknown(
                f"the Redis store at {where} did not answer a write ({what}); it may or may not have been applied: "
                "repeat it with the same Idempotency-Key to learn the outcome (it is applied at most once)"
            )
        err.__cause__ = fault
        return err
