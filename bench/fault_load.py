"""The load of the fault benchmark: kinds of writes through several zcc instances, and what the store must then hold.

Every logical write carries its own ``Idempotency-Key`` and is repeated, with the same key and body,
until it is answered (2xx, or a refusal such as 409) or the case ends. The ``Ledger`` records every
attempt (for the error window) and every acknowledged write (for the checks). A kind of load is a
``Load``: it prepares what it needs, runs its workers, and afterwards compares what it was told with
what the store holds. To add one (request creation, say), write a class with the three methods and
put it in ``LOADS``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import aiohttp

from capacity.store import Stores

__all__ = ["LOADS", "Attempt", "Instances", "Ledger", "Load", "Reports", "Reservations", "loads_of"]

ATTEMPT_TIMEOUT_S = 10.0
REPEAT_PAUSE_S = 0.05


@dataclass
class Instances:
    """The zcc instances of a case; a call goes to one of them and to the next when it does not answer."""

    urls: list[str]
    admin: str = ""
    triage: str = ""
    alive: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.alive = [True] * len(self.urls)

    async def call(
        self, session: aiohttp.ClientSession, n: int, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> tuple[int, Any]:
        """Send to instance ``n`` (mod the count), falling over to the others when one does not connect."""
        last: BaseException | None = None
        for k in range(len(self.urls)):
            i = (n + k) % len(self.urls)
            if not self.alive[i]:
                continue
            try:
                async with session.request(method, self.urls[i] + path, json=body, headers=headers) as resp:
                    try:
                        data = await resp.json(content_type=None)
                    except ValueError:
                        data = None
                    return resp.status, data
            except aiohttp.ClientConnectorError as exc:  # that instance is down: the balancer tries another
                last = exc
        raise last or aiohttp.ClientConnectionError("no zcc instance is alive")


@dataclass(frozen=True, slots=True)
class Attempt:
    """One HTTP call: when it started and ended (seconds into the case), and whether it was answered."""

    start: float
    end: float
    answered: bool
    kind: str
    status: int  # 0: no HTTP answer (connection refused, timed out)


@dataclass
class Ledger:
    """Every attempt and every acknowledged write of a case; times are seconds since ``t0``."""

    t0: float = field(default_factory=time.monotonic)
    stop_at: float = float("inf")
    attempts: list[Attempt] = field(default_factory=list)
    acked: dict[str, dict[str, Any]] = field(default_factory=dict)  # kind -> key -> what was acknowledged
    refused: Counter[str] = field(default_factory=Counter)
    unanswered: Counter[str] = field(default_factory=Counter)
    #: What the failed attempts said: the problem type (``outcome-unknown``, ``store-unavailable``) or "no answer".
    failures: Counter[str] = field(default_factory=Counter)

    def now(self) -> float:
        """Seconds since the case started."""
        return time.monotonic() - self.t0

    @property
    def stopping(self) -> bool:
        """Whether the case is over: no new writes, no more repeats."""
        return self.now() >= self.stop_at

    async def repeat(
        self, instances: Instances, session: aiohttp.ClientSession, n: int, kind: str, path: str, body: Any, tok: str
    ) -> tuple[int, Any] | None:
        """POST ``body`` with one Idempotency-Key until it is answered; None if the case ended first."""
        headers = {"Authorization": f"Bearer {tok}", "Idempotency-Key": f"{kind}-{uuid.uuid4().hex}"}
        tries = itertools.count(n)
        while not self.stopping:
            start = self.now()
            try:
                status, data = await instances.call(session, next(tries), "POST", path, body, headers)
            except (aiohttp.ClientError, TimeoutError):
                status, data = 0, None
            answered = 200 <= status < 500 and status != 429
            self.attempts.append(Attempt(start, self.now(), answered, kind, status))
            if not answered:
                problem = data.get("type", "").rsplit("/", 1)[-1] if isinstance(data, dict) else ""
                self.failures[f"{status} {problem}" if status else "no answer"] += 1
            if answered:
                if status >= 300:
                    self.refused[kind] += 1
                return status, data
            await asyncio.sleep(REPEAT_PAUSE_S)
        self.unanswered[kind] += 1
        return None

    def ack(self, kind: str, key: str, what: dict[str, Any]) -> None:
        """Record an acknowledged write."""
        self.acked.setdefault(kind, {})[key] = what


class Load(Protocol):
    """One kind of write in the mixed load."""

    name: str

    async def prepare(self, session: aiohttp.ClientSession, instances: Instances, region: Any) -> None:
        """Set up what the workers need (before the case's clock starts; the store is healthy)."""

    async def run(self, session: aiohttp.ClientSession, instances: Instances, ledger: Ledger) -> None:
        """Write until the ledger says stop."""

    async def check(self, stores: Stores, ledger: Ledger) -> dict[str, int]:
        """Compare the acknowledged writes with the store: counts of ``lost``, ``twice``, ``double``, ``half_done``."""


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Reports:
    """Capacity reports (``POST /api/v1/capacity``); each has a report time of its own, so each is findable."""

    name = "capacity report"

    def __init__(self, workers: int = 4, pause_s: float = 0.03) -> None:
        self.workers = workers
        self.pause_s = pause_s
        self.entries: list[tuple[str, str, int]] = []

    async def prepare(self, session: aiohttp.ClientSession, instances: Instances, region: Any) -> None:
        # The HAP entries (the reservations below go to beds): each worker reports on its own share.
        self.entries = [(p.id, o.care_type, o.total) for p, o in region.offers() if p.kind == "hap"]

    async def run(self, session: aiohttp.ClientSession, instances: Instances, ledger: Ledger) -> None:
        await asyncio.gather(*(self._worker(session, instances, ledger, w) for w in range(self.workers)))

    async def _worker(self, session: aiohttp.ClientSession, instances: Instances, ledger: Ledger, w: int) -> None:
        mine = self.entries[w :: self.workers]
        last_ms = 0
        for n in itertools.count():
            if ledger.stopping:
                return
            pid, ct, total = mine[n % len(mine)]
            at_ms = max(int(time.time() * 1000) - 1000, last_ms + 1)  # a second back: never "in the future"
            last_ms = at_ms
            body = {"provider_id": pid, "care_type": ct, "available": n % (total + 1), "total": total}
            body |= {"reported_at": _iso(at_ms), "valid_for_minutes": 120}
            answer = await ledger.repeat(instances, session, w + n, "report", "/api/v1/capacity", body, instances.admin)
            if answer is not None and answer[0] == 200:
                ledger.ack("report", f"{pid}|{ct}|{at_ms}", {"applied": answer[1]["results"][0]["status"]})
            await asyncio.sleep(self.pause_s)

    async def check(self, stores: Stores, ledger: Ledger) -> dict[str, int]:
        events = await stores.events.events_after("0", limit=10_000_000)
        applied = Counter(
            f"{e.data['entry']['provider_id']}|{e.data['entry']['care_type']}|{e.data['entry']['reported_at']}"
            for e in events
            if e.type == "capacity.updated"
        )
        acked = [k for k, v in ledger.acked.get("report", {}).items() if v["applied"] == "applied"]
        return {
            "acked": len(ledger.acked.get("report", {})),
            "lost": sum(1 for k in acked if applied[k] == 0),
            "twice": sum(1 for n in applied.values() if n > 1),
            "double": 0,
            "half_done": 0,
        }


class Reservations:
    """Reserve a place for an open request, and confirm every third: the writes that must never be lost or doubled."""

    name = "reserve + confirm"

    def __init__(self, workers: int = 4, pause_s: float = 0.05, requests: int = 900) -> None:
        self.workers = workers
        self.pause_s = pause_s
        self.count = requests
        self.queue: asyncio.Queue[tuple[str, str, str]] = asyncio.Queue()

    async def prepare(self, session: aiohttp.ClientSession, instances: Instances, region: Any) -> None:
        # Every bed free and plenty of them, so a reservation is refused only when the store says so.
        updates = [
            {"provider_id": p.id, "care_type": o.care_type, "available": 1000, "total": 1000}
            | {"reported_at": _iso(int(time.time() * 1000) - 1000), "valid_for_minutes": 120}
            for p, o in region.offers()
            if p.kind == "vvt"
        ]
        headers = {"Authorization": f"Bearer {instances.admin}"}
        status, _ = await instances.call(session, 0, "POST", "/api/v1/capacity", {"updates": updates}, headers)
        assert status == 200, f"the capacity report before the case failed: {status}"
        await asyncio.sleep(1.5)  # both instances' views follow the report (proposals are ranked from the view)
        first = next(iter(region.locations.values()))
        lat, lon = first.lat, first.lon
        headers = {"Authorization": f"Bearer {instances.triage}"}
        sem = asyncio.Semaphore(16)

        async def create(i: int) -> None:
            body = {
                "patient_ref": f"p-{uuid.uuid4().hex[:10]}",
                "age": 84,
                "location": {"lat": lat, "lon": lon},
                "complaint": "dyspnoe",
                # The red-flag questions in order (the intake refuses an answer that skips one).
                "answers": {
                    "dys_ademt_niet": False,
                    "dys_geen_zinnen": False,
                    "dys_pijn_borst": False,
                    "dys_copd_hartfalen": True,
                },
            }
            async with sem:
                status, data = await instances.call(session, i, "POST", "/api/v1/requests", body, headers)
            if status == 201 and data.get("proposals"):
                best = data["proposals"][0]
                await self.queue.put((data["id"], best["provider_id"], best["care_type"]))

        await asyncio.gather(*(create(i) for i in range(self.count)))
        assert self.queue.qsize() > self.count // 2, f"only {self.queue.qsize()} requests got a proposal"

    async def run(self, session: aiohttp.ClientSession, instances: Instances, ledger: Ledger) -> None:
        await asyncio.gather(*(self._worker(session, instances, ledger, w) for w in range(self.workers)))

    async def _worker(self, session: aiohttp.ClientSession, instances: Instances, ledger: Ledger, w: int) -> None:
        tok = instances.triage
        for n in itertools.count():
            if ledger.stopping or self.queue.empty():
                return
            rid, pid, ct = self.queue.get_nowait()
            body = {"provider_id": pid, "care_type": ct}
            got = await ledger.repeat(
                instances, session, w + n, "reserve", f"/api/v1/requests/{rid}/reserve", body, tok
            )
            if got is None or got[0] != 200:
                continue
            ledger.ack("reserve", rid, {"hold_id": got[1]["reservation_id"]})
            if n % 3 == 0:
                done = await ledger.repeat(
                    instances, session, w + n, "confirm", f"/api/v1/requests/{rid}/confirm", {}, tok
                )
                if done is not None and done[0] == 200:
                    ledger.ack("confirm", rid, {"hold_id": got[1]["reservation_id"]})
            await asyncio.sleep(self.pause_s)

    async def check(self, stores: Stores, ledger: Ledger) -> dict[str, int]:
        events = await stores.events.events_after("0", limit=10_000_000)
        created = [e.data for e in events if e.type == "hold.created"]
        per_hold = Counter(d["hold"]["hold_id"] for d in created)
        per_request = Counter(d["hold"]["request_id"] for d in created)
        confirmed = Counter(e.data["hold"]["hold_id"] for e in events if e.type == "hold.confirmed")
        reserves, confirms = ledger.acked.get("reserve", {}), ledger.acked.get("confirm", {})
        lost = sum(1 for v in reserves.values() if per_hold[v["hold_id"]] == 0)
        lost += sum(1 for v in confirms.values() if confirmed[v["hold_id"]] == 0)
        twice = sum(1 for n in per_hold.values() if n > 1) + sum(1 for n in confirmed.values() if n > 1)
        # Two units for one patient, or a unit given out when none was free.
        double = sum(1 for n in per_request.values() if n > 1)
        double += sum(1 for d in created if d["entry"]["held"] > d["entry"]["available"])
        return {
            "acked": len(reserves) + len(confirms),
            "lost": lost,
            "twice": twice,
            "double": double,
            "half_done": await _half_done(stores, per_request, confirmed),
        }


async def _half_done(stores: Stores, per_request: Counter[str], confirmed: Counter[str]) -> int:
    """Requests whose record disagrees with their hold (a lost reply left the second write undone)."""
    count = 0
    for doc in await stores.records.list_requests(open_only=False):
        record = json.loads(doc.body)
        rid, hold = record.get("id"), record.get("hold")
        if rid not in per_request:
            continue
        # A hold was taken but the request does not know it, or the hold and the request disagree on placed.
        if hold is None or bool(confirmed[hold["hold_id"]]) != (record.get("status") == "placed"):
            count += 1
    return count


#: The kinds of write in the mixed load, by name (a case may pick some).
LOADS: dict[str, type[Reports] | type[Reservations]] = {"reports": Reports, "reservations": Reservations}


def loads_of(names: Sequence[str]) -> list[Load]:
    """Fresh loads of the given names."""
    return [LOADS[name]() for name in names]
