"""The hold and report rules agree across backends: Python in SQLite, Lua in Redis.

Hypothesis draws a sequence of capacity operations (reports, holds with and without idempotency keys,
confirms, releases, expiries as the clock advances, stops) and runs it against a fresh SQLite store and
a fresh region on the real redis-server. Both must answer every call alike (the same result, or an
error of the same class) and end in the same state. Every call has its own op id: what a backend does
with a retried op id is its own affair (a network retry), not a rule.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeAlias

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capacity.clock import from_ms, to_ms
from capacity.errors import ZccError
from capacity.state import CapacityUpdate, Hold, ProviderStatus
from capacity.store import CapacityStore, IdempotencyKey, open_stores

from ..redis_server import RedisServer
from ..regions import tiny_region

pytestmark = pytest.mark.redis

# Seeded offers of the tiny region, and one offer it does not have (a report creates it, a hold is NotFound).
PLACES = [("vvt-a", "elv_hoog"), ("vvt-c", "elv_hoog"), ("zh-e", "seh"), ("vvt-a", "seh")]
PROVIDERS = ["vvt-a", "vvt-c", "zh-e"]
BASE = datetime(2026, 3, 2, 8, 0, 0, 250, tzinfo=UTC)  # not on a millisecond: stores keep milliseconds


@dataclass(frozen=True)
class Advance:
    """Move the clock on."""

    micros: int


@dataclass(frozen=True)
class Jump:
    """Move the clock on to exactly the end of a hold, a report's validity or a stop, ``ref`` back, as stored."""

    ref: int
    end_of: Literal["hold", "report", "stop"]


@dataclass(frozen=True)
class Report:
    """A provider's report made ``age_s`` ago, valid for ``valid_min``; with an Idempotency-Key or not."""

    place: int
    available: int
    total: int
    age_s: int
    valid_min: int
    key: int | None
    fingerprint: int


@dataclass(frozen=True)
class TakeHold:
    """A hold for ``seconds`` (a new hold id, or again one used ``again`` holds ago); with an Idempotency-Key or not."""

    place: int
    seconds: int
    again: int | None
    key: int | None
    fingerprint: int


@dataclass(frozen=True)
class Confirm:
    """Confirm the hold id used ``ref`` holds ago (0: the latest, modulo their number), or an unknown one (None).

    With ``at_deadline`` the clock first moves on to exactly the hold's ``held_until``.
    """

    ref: int | None
    at_deadline: bool


@dataclass(frozen=True)
class Release:
    """End the hold id used ``ref`` holds ago as ``status`` (at its deadline, like Confirm)."""

    ref: int | None
    status: Literal["released", "expired"]
    at_deadline: bool


@dataclass(frozen=True)
class Expire:
    """Expire the holds past their time."""


@dataclass(frozen=True)
class Stop:
    """Put a provider under a stop (until a time, or open-ended), or open it again."""

    provider: int
    stop: bool
    until_min: int | None


Op: TypeAlias = Advance | Jump | Report | TakeHold | Confirm | Release | Expire | Stop

_small = st.integers(min_value=0, max_value=20)
_key = st.none() | st.integers(min_value=0, max_value=1)
# Counted back from the latest (0): mostly one of the last few, sometimes an older one.
_back = st.integers(min_value=0, max_value=2) | st.integers(min_value=0, max_value=20)
# A hold id used before, or (1 in 10) one never used.
_ref = st.integers(min_value=0, max_value=9).flatmap(lambda n: st.none() if n == 0 else _back)
_reports = st.builds(
    Report,
    _small,
    st.integers(min_value=0, max_value=6),
    st.integers(min_value=0, max_value=8),
    st.integers(min_value=0, max_value=900),
    st.integers(min_value=1, max_value=90),
    _key,
    st.integers(min_value=0, max_value=1),
)
_holds = st.builds(
    TakeHold, _small, st.integers(min_value=1, max_value=1800), st.none() | _back, _key, st.integers(0, 1)
)
_at_deadline = st.sampled_from([False, False, True])
_ends = st.builds(Confirm, _ref, _at_deadline) | st.builds(
    Release, _ref, st.sampled_from(["released", "expired"]), _at_deadline
)
# Holds and their ends come most often; every place is reported fresh first (PRELUDE), so holds succeed.
OPS: st.SearchStrategy[Op] = st.one_of(
    _holds,
    _ends,
    _holds,
    _ends,
    _reports,
    st.builds(Advance, st.integers(min_value=0, max_value=20 * 60 * 1_000_000)),
    st.builds(Jump, _back, st.sampled_from(["hold", "report", "stop"])),
    st.builds(Expire),
    st.builds(Stop, _small, st.booleans(), st.none() | st.integers(min_value=1, max_value=120)),
)
PRELUDE: list[Op] = [Report(n, 3, 5, 0, 60, None, 0) for n in range(len(PLACES))]


class Run:
    """Applies operations to one store with a clock and hold ids every backend shares."""

    def __init__(self, store: CapacityStore) -> None:
        self.store = store
        self.now = BASE
        self.hold_ids: list[str] = []
        # Where the rules' comparisons turn, as stored: the ends of holds, of reports' validity, of stops.
        self.ends: dict[str, list[datetime]] = {"hold": [], "report": [], "stop": []}
        self.deadline_of: dict[str, datetime] = {}
        self.calls = 0

    def _hold_id(self, ref: int | None) -> str:
        if ref is None or not self.hold_ids:
            return "no-such-hold"
        return self.hold_ids[-1 - ref % len(self.hold_ids)]

    async def apply(self, op: Op) -> Any:
        """The outcome of ``op``: its result in plain data, or the class name of its error."""
        self.calls += 1
        op_id = f"op{self.calls}"
        try:
            return await self._apply(op, op_id)
        except ZccError as exc:
            return ("error", type(exc).__name__)

    async def _apply(self, op: Op, op_id: str) -> Any:
        s, now = self.store, self.now
        if isinstance(op, Advance):
            self.now += timedelta(microseconds=op.micros)
            return None
        if isinstance(op, Jump):
            times = self.ends[op.end_of]
            if times:
                self.now = max(now, times[-1 - op.ref % len(times)])
            return None
        if isinstance(op, Report):
            pid, ct = PLACES[op.place % len(PLACES)]
            at = now - timedelta(seconds=op.age_s)
            update = CapacityUpdate(pid, ct, min(op.available, op.total), op.total, at, timedelta(minutes=op.valid_min))
            self.ends["report"].append(from_ms(to_ms(update.valid_until)))
            idem = None if op.key is None else IdempotencyKey(f"report:{op.key}", f"fp{op.fingerprint}")
            results, replay = await s.apply_updates([update], op_id, now, idem)
            return [(r.to_dict(), r.entry.to_dict() if r.entry else None) for r in results], replay
        if isinstance(op, TakeHold):
            pid, ct = PLACES[op.place % len(PLACES)]
            hold_id = self._hold_id(op.again) if op.again is not None and self.hold_ids else f"h{self.calls}"
            self.hold_ids.append(hold_id)
            hold = Hold(hold_id, pid, ct, f"r{self.calls}", now, now + timedelta(seconds=op.seconds))
            self.ends["hold"].append(from_ms(to_ms(hold.held_until)))
            idem = None if op.key is None else IdempotencyKey(f"hold:{op.key}", f"fp{op.fingerprint}")
            held, entry = await s.hold(hold, now, idem)
            self.deadline_of[held.hold_id] = held.held_until
            return held.to_dict(), entry.to_dict()
        if isinstance(op, Confirm | Release):
            hold_id = self._hold_id(op.ref)
            if op.at_deadline and hold_id in self.deadline_of:
                self.now = now = max(now, self.deadline_of[hold_id])
            if isinstance(op, Confirm):
                held, entry = await s.confirm_hold(hold_id, now)
            else:
                held, entry = await s.release_hold(hold_id, now, op.status)
            return held.to_dict(), entry.to_dict()
        if isinstance(op, Expire):
            return sorted((h.to_dict() for h in await s.expire_holds(now)), key=lambda d: str(d["hold_id"]))
        pid = PROVIDERS[op.provider % len(PROVIDERS)]
        until = None if op.until_min is None else now + timedelta(minutes=op.until_min)
        if until is not None:
            self.ends["stop"].append(from_ms(to_ms(until)))
        status = ProviderStatus(pid, "stop" if op.stop else "open", "vol" if op.stop else "", until, now)
        return (await s.set_status(status, op_id)).to_dict()

    async def state(self) -> Any:
        """Everything the rules decide: entries, stops, active holds and the status of every hold id used."""
        snap = await self.store.snapshot()
        holds = {hold_id: await self.store.get_hold(hold_id) for hold_id in sorted(set(self.hold_ids))}
        return (
            [e.to_dict() for e in snap.entries],
            sorted((s.to_dict() for s in snap.statuses), key=lambda d: str(d["provider_id"])),
            sorted(h.hold_id for h in snap.holds),
            {hold_id: h.to_dict() if h else None for hold_id, h in holds.items()},
        )


async def run_both(ops: list[Op], redis_url: str) -> None:
    """Run ``ops`` on a fresh SQLite store and a fresh Redis region side by side, comparing as they go."""
    region = tiny_region(f"agree{uuid.uuid4().hex[:8]}")
    with tempfile.TemporaryDirectory(prefix="zcc-agree-") as tmp:
        backends = [open_stores(f"sqlite:///{tmp}/zcc.db", region.id), open_stores(redis_url, region.id)]
        for b in backends:
            await b.backend.open()
        try:
            for b in backends:
                await b.capacity.seed(region, BASE)
            lite, red = Run(backends[0].capacity), Run(backends[1].capacity)
            for n, op in enumerate(PRELUDE + ops):
                a, b_ = await lite.apply(op), await red.apply(op)
                assert a == b_, f"call {n} ({op}): sqlite {a!r} != redis {b_!r}"
            assert await lite.state() == await red.state()
        finally:
            for b in backends:
                await b.backend.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=5, max_size=40))
def test_the_backends_apply_the_same_rules(redis_server: RedisServer, ops: list[Op]) -> None:
    if redis_server.proc is None or redis_server.proc.poll() is not None:
        redis_server.start()
    asyncio.run(run_both(ops, redis_server.url))
