"""Service faults under load, measured: ``kill -9`` of one zcc instance, and request creation through lost replies.

Each case runs real ``zcc serve`` processes (the shipped Limburg region) on a real redis-server with
AOF on loopback, drives a mixed load of capacity reports and request lifecycles (create, reserve,
confirm or release), every call with an Idempotency-Key, and retries a call that failed (no answer,
a 5xx) with the same key, on the other instance when there is one, until it is answered. Every
acknowledged write is recorded; afterwards the store is read directly and compared:

- lost: acknowledged and not in the store (a request, its hold, its placement, an applied report);
- applied twice: a patient with two requests, a report applied twice, a request with two live holds;
- half done: after the reconciliation ran, a request whose hold does not match its status, or a live
  hold no request refers to;
- double bookings: an entry with more units confirmed and held than were free;
- client error seconds: the sum over calls of the time from their first failure to their answer, and
  the window from the first failure of any call to the last.

The functions return those figures; :func:`main` prints them. Run: ``.venv/bin/python -m bench.faults_service``.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import redis.asyncio as aioredis

from tests.redis_server import RedisServer, free_port
from tests.tcp_proxy import TcpProxy, script_sha

from .common import make_token

__all__ = ["Ledger", "creation_through_lost_replies", "kill_one_instance", "main"]

REGION = "limburg"
AT = {"lat": 50.8514, "lon": 5.691}  # Maastricht
U2 = {
    "age": 84,
    "location": AT,
    "complaint": "dyspnoe",
    "answers": {"dys_ademt_niet": False, "dys_geen_zinnen": False, "dys_pijn_borst": False, "dys_copd_hartfalen": True},
}
#: Entries the request lifecycles use: reported once, free units fixed, never reported again.
PLACES = ("vvt-maastricht-1", "vvt-maastricht-2", "vvt-gulpen-wittem")
FREE = 300
#: Entries the capacity reports go to (not a care type of the requests' triage).
REPORTED = ("vvt-heerlen-1", "vvt-landgraaf", "vvt-sittard-geleen-1", "vvt-roermond-1", "vvt-venlo-1")
GIVE_UP_S = 30.0


@dataclass
class Ledger:
    """What clients were told: every acknowledged write, and how long calls saw errors."""

    created: dict[str, str] = field(default_factory=dict)  # patient_ref -> request id
    reserved: dict[str, str] = field(default_factory=dict)  # request id -> hold id
    confirmed: set[str] = field(default_factory=set)
    released: set[str] = field(default_factory=set)
    reports: list[tuple[str, str, str, int]] = field(default_factory=list)  # pid, ct, reported_at, available
    calls: int = 0
    retries: int = 0
    error_seconds: float = 0.0
    worst_call_error: float = 0.0
    gave_up: int = 0
    first_error: float | None = None
    last_error: float | None = None
    statuses: Counter[int] = field(default_factory=Counter)
    #: Failed attempts by status (0: no answer) and by whole second since the start.
    failures: Counter[int] = field(default_factory=Counter)
    failure_seconds: Counter[int] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)

    def failed(self, at: float, status: int) -> None:
        """Count one failed attempt (status 0: no answer) at monotonic time ``at``."""
        self.retries += 1
        self.failures[status] += 1
        self.failure_seconds[int(at - self.started)] += 1
        self.first_error = at if self.first_error is None else self.first_error
        self.last_error = at


class Zcc:
    """One ``zcc serve`` process (restartable on the same port and spool)."""

    def __init__(self, store_url: str, work: Path, name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = work / f"{name}.log"
        self.env = {
            **os.environ,
            "ZCC_STORE": store_url,
            "ZCC_PORT": str(self.port),
            "ZCC_HOST": "127.0.0.1",
            "ZCC_AUDIT_SPOOL_DIR": str(work / f"{name}-spool"),
            "ZCC_RECONCILE_SECONDS": "1",
            "ZCC_RECONCILE_GRACE_SECONDS": "5",
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        """Start the process (its output goes to its log)."""
        with self.log.open("ab") as log:
            cmd = [sys.executable, "-m", "coordinator.cli", "serve"]
            self.proc = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=log)

    async def ready(self, session: aiohttp.ClientSession, within: float = 60) -> None:
        """Return once /readyz answers 200; RuntimeError when the process exits or ``within`` passes."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"zcc serve exited: {self.log.read_text()[-2000:]}")
            try:
                async with session.get(self.url + "/readyz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError("zcc serve did not get ready")

    def kill(self) -> None:
        """``kill -9``, as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM (a graceful stop), SIGKILL when it takes longer than 10 s."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


class Client:
    """Calls with a key, retried (same key, the next instance) until answered below 500 or given up."""

    def __init__(self, session: aiohttp.ClientSession, urls: list[str], ledger: Ledger) -> None:
        self.session, self.urls, self.ledger = session, urls, ledger

    async def call(self, path: str, body: Any, tok: str, first: int) -> tuple[int, Any]:
        """POST ``body`` with a fresh key, starting at instance ``first``; the final status and body."""
        key = uuid.uuid4().hex
        headers = {"Authorization": f"Bearer {tok}", "Idempotency-Key": key}
        self.ledger.calls += 1
        failed_at: float | None = None
        i = first
        give_up = time.monotonic() + GIVE_UP_S
        while True:
            url = self.urls[i % len(self.urls)] + path
            try:
                async with self.session.post(url, json=body, headers=headers) as resp:
                    status, data = resp.status, await resp.json(content_type=None)
            except (aiohttp.ClientError, TimeoutError, OSError):
                status, data = 0, None
            now = time.monotonic()
            if 0 < status < 500:
                self.ledger.statuses[status] += 1
                if failed_at is not None:
                    self.ledger.error_seconds += now - failed_at
                    self.ledger.worst_call_error = max(self.ledger.worst_call_error, now - failed_at)
                return status, data
            self.ledger.failed(now, status)
            failed_at = failed_at if failed_at is not None else now
            if now > give_up:
                self.ledger.statuses[status] += 1
                self.ledger.gave_up += 1
                return status, data
            i += 1
            await asyncio.sleep(0.05)


async def _fill(client: Client, admin: str) -> None:
    now = _iso(time.time())
    updates = [
        {"provider_id": p, "care_type": "elv_hoog", "available": FREE, "total": FREE, "reported_at": now}
        for p in PLACES
    ]
    status, data = await client.call("/api/v1/capacity", {"updates": updates}, admin, 0)
    if status != 200:
        raise RuntimeError(f"filling the board failed: {status} {data}")


_last_ms = 0


def _iso(t: float) -> str:
    """ISO 8601 with milliseconds, never the same twice (so each applied report is its own event)."""
    global _last_ms
    ms = max(int(t * 1000), _last_ms + 1)
    _last_ms = ms
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


async def _lifecycle(client: Client, nurse: str, first: int, rng: random.Random, tag: str) -> None:
    ledger = client.ledger
    ref = f"p-{tag}-{uuid.uuid4().hex[:10]}"
    status, req = await client.call("/api/v1/requests", U2 | {"patient_ref": ref}, nurse, first)
    if status != 201:
        return
    ledger.created[ref] = req["id"]
    if not req["proposals"]:
        return
    top = req["proposals"][0]
    place = {"provider_id": top["provider_id"], "care_type": top["care_type"]}
    status, held = await client.call(f"/api/v1/requests/{req['id']}/reserve", place, nurse, first)
    if status != 200:
        return
    ledger.reserved[req["id"]] = held["reservation_id"]
    action = "confirm" if rng.random() < 0.6 else "release"
    status, _ = await client.call(f"/api/v1/requests/{req['id']}/{action}", None, nurse, first)
    if status == 200:
        (ledger.confirmed if action == "confirm" else ledger.released).add(req["id"])


async def _report(client: Client, admin: str, first: int, rng: random.Random) -> None:
    pid = rng.choice(REPORTED)
    at, available = _iso(time.time()), rng.randint(0, 8)
    body = {"provider_id": pid, "care_type": "elv_laag", "available": available, "total": 10, "reported_at": at}
    status, data = await client.call("/api/v1/capacity", body, admin, first)
    if status == 200 and data["results"][0]["status"] == "applied":
        client.ledger.reports.append((pid, "elv_laag", at, available))


async def _load(client: Client, admin: str, nurse: str, seconds: float, workers: int, tag: str) -> None:
    stop = time.monotonic() + seconds

    async def worker(w: int) -> None:
        rng = random.Random(w)
        while time.monotonic() < stop:
            if rng.random() < 0.3:
                await _report(client, admin, w, rng)
            else:
                await _lifecycle(client, nurse, w, rng, f"{tag}{w}")

    await asyncio.gather(*(worker(w) for w in range(workers)))


async def _check(redis_url: str, ledger: Ledger) -> dict[str, Any]:
    """Compare the ledger with what the store holds (read directly)."""
    raw = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        p = f"zcc:{{{REGION}}}:"
        records = [json.loads(b) for b in (await raw.hgetall(p + "requests:body")).values()]
        holds = [json.loads(h) for h in (await raw.hgetall(p + "holds")).values()]
        entries = {k: json.loads(v) for k, v in (await raw.hgetall(p + "capacity")).items()}
        events = await raw.xrange(p + "events")
    finally:
        await raw.aclose()
    by_id = {r["id"]: r for r in records}
    holds_by_id = {h["hold_id"]: h for h in holds}
    per_patient = Counter(r["patient_ref"] for r in records)
    report_events: Counter[tuple[str, str, int]] = Counter()
    for _, fields in events or ():
        if fields and fields.get("type") == "capacity.updated":
            e = json.loads(fields["data"])["entry"]
            report_events[(e["provider_id"], e["care_type"], e["reported_at"])] += 1
    lost = sum(1 for rid in ledger.created.values() if rid not in by_id)
    lost += sum(
        1 for rid, hid in ledger.reserved.items() if (by_id.get(rid, {}).get("hold") or {}).get("hold_id") != hid
    )
    lost += sum(1 for rid in ledger.confirmed if by_id.get(rid, {}).get("status") != "placed")
    lost += sum(1 for pid, ct, at, _ in ledger.reports if report_events[(pid, ct, _ms(at))] == 0)
    twice = sum(1 for n in per_patient.values() if n > 1)
    twice += sum(1 for n in report_events.values() if n > 1)
    live_per_request = Counter(h["request_id"] for h in holds if h["status"] in ("held", "confirmed"))
    twice += sum(1 for n in live_per_request.values() if n > 1)
    half = 0
    referenced = set()
    for r in records:
        hold = r.get("hold")
        if not hold:
            continue
        stored = holds_by_id.get(hold["hold_id"])
        if r["status"] in ("reserved", "placed"):
            referenced.add(hold["hold_id"])
        want = {"reserved": "held", "placed": "confirmed"}.get(r["status"])
        if want is not None and (stored is None or stored["status"] != want):
            half += 1
    half += sum(1 for h in holds if h["status"] == "held" and h["hold_id"] not in referenced)
    double = 0
    for pid in PLACES:
        e = entries[f"{pid}|elv_hoog"]
        confirmed = sum(1 for h in holds if h["provider_id"] == pid and h["status"] == "confirmed")
        held = sum(1 for h in holds if h["provider_id"] == pid and h["status"] == "held")
        if confirmed + held > FREE or e["available"] != FREE - confirmed or e["held"] != held:
            double += 1
    return {"lost": lost, "applied_twice": twice, "half_done": half, "double_bookings": double}


def _ms(iso: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def _figures(ledger: Ledger, checked: dict[str, Any], seconds: float) -> dict[str, Any]:
    window = 0.0 if ledger.first_error is None or ledger.last_error is None else ledger.last_error - ledger.first_error
    return checked | {
        "client_error_seconds": round(ledger.error_seconds, 2),
        "worst_call_error_seconds": round(ledger.worst_call_error, 2),
        "calls_given_up": ledger.gave_up,
        "error_window_seconds": round(window, 2),
        "calls": ledger.calls,
        "retries": ledger.retries,
        "requests_created": len(ledger.created),
        "reserved": len(ledger.reserved),
        "confirmed": len(ledger.confirmed),
        "reports_applied": len(ledger.reports),
        "calls_per_second": round(ledger.calls / seconds, 1),
        "statuses": dict(ledger.statuses),
        "failed_attempts": dict(ledger.failures),
        "failed_attempts_by_second": dict(sorted(ledger.failure_seconds.items())),
    }


async def _settled(redis_url: str, ledger: Ledger, within: float = 20) -> tuple[dict[str, Any], float]:
    """Check until nothing is half done (the reconciliation's grace is 5 s) or the time is up."""
    t0 = time.monotonic()
    while True:
        checked = await _check(redis_url, ledger)
        if checked["half_done"] == 0 or time.monotonic() - t0 > within:
            return checked, time.monotonic() - t0
        await asyncio.sleep(1)


async def kill_one_instance(seconds: float = 12.0, workers: int = 8, *, kill: bool = True) -> dict[str, Any]:
    """Two instances under load; ``kill -9`` of one a third in, restarted two thirds in (``kill=False``: baseline)."""
    redis = RedisServer()
    redis.start()
    work = Path(tempfile.mkdtemp(prefix="zcc-faults-"))
    a, b = Zcc(redis.url, work, "a"), Zcc(redis.url, work, "b")
    ledger = Ledger()
    try:
        admin, nurse = await make_token(redis.url, REGION, "admin"), await make_token(redis.url, REGION, "triage")
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            a.spawn()
            b.spawn()
            await a.ready(session)
            await b.ready(session)
            client = Client(session, [a.url, b.url], ledger)
            await _fill(client, admin)

            async def fault() -> None:
                if not kill:
                    return
                await asyncio.sleep(seconds / 3)
                a.kill()
                await asyncio.sleep(seconds / 3)
                a.spawn()

            t0 = time.monotonic()
            await asyncio.gather(fault(), _load(client, admin, nurse, seconds, workers, "k"))
            elapsed = time.monotonic() - t0
            await a.ready(session)
        checked, healed_in = await _settled(redis.url, ledger)
        return _figures(ledger, checked, elapsed) | {"settled_after_seconds": round(healed_in, 1)}
    finally:
        a.stop()
        b.stop()
        redis.cleanup()


async def creation_through_lost_replies(seconds: float = 10.0, workers: int = 8) -> dict[str, Any]:
    """One instance behind a proxy that loses every reply after a request's creation, 1.5 s in every 3 s."""
    redis = RedisServer()
    redis.start()
    proxy = TcpProxy(redis.port)
    await proxy.start()
    work = Path(tempfile.mkdtemp(prefix="zcc-faults-"))
    z = Zcc(proxy.url, work, "z")
    ledger = Ledger()
    try:
        admin, nurse = await make_token(redis.url, REGION, "admin"), await make_token(redis.url, REGION, "triage")
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            z.spawn()
            await z.ready(session)
            client = Client(session, [z.url], ledger)
            await _fill(client, admin)
            stop = time.monotonic() + seconds
            lost_creations = 0

            async def fault() -> None:
                nonlocal lost_creations
                while time.monotonic() < stop:
                    await asyncio.sleep(1.5)
                    proxy.arm(script_sha("put_doc"), b"requests:body", b"request.created")
                    await asyncio.sleep(1.5)
                    lost_creations += proxy.fired.is_set()
                    proxy.restore()

            async def creations(w: int) -> None:
                while time.monotonic() < stop:
                    ref = f"p-l{w}-{uuid.uuid4().hex[:10]}"
                    status, req = await client.call("/api/v1/requests", U2 | {"patient_ref": ref}, nurse, 0)
                    if status == 201:
                        ledger.created[ref] = req["id"]

            t0 = time.monotonic()
            await asyncio.gather(fault(), *(creations(w) for w in range(workers)))
            elapsed = time.monotonic() - t0
            proxy.restore()
        checked = await _check(redis.url, ledger)
        return _figures(ledger, checked, elapsed) | {"replies_lost_after_a_creation": lost_creations}
    finally:
        z.stop()
        await proxy.close()
        redis.cleanup()


def main() -> None:
    """Run both cases, and the same load without a fault as the baseline; print their figures."""
    baseline = asyncio.run(kill_one_instance(kill=False))
    killed = asyncio.run(kill_one_instance())
    lost_replies = asyncio.run(creation_through_lost_replies())
    for name, figures in (
        ("baseline (no fault)", baseline),
        ("kill -9 of one zcc instance", killed),
        ("creation, lost replies", lost_replies),
    ):
        print(f"{name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
    ratio = killed["calls_per_second"] / baseline["calls_per_second"]
    print(f"calls/s with the kill vs without, same run: {ratio:.2f}")


if __name__ == "__main__":
    main()
