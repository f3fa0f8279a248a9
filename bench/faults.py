"""Faults under load, measured: what a crashed or frozen Redis costs in data (nothing, we hope) and in seconds.

Run by ``bench/run`` (or ``.venv/bin/python -m bench.faults [--only NAME...]``). Each case starts a store
deployment on loopback (one redis-server, a Sentinel set, a Redis Cluster; ``tests/redis_topology.py``),
two zcc instances in child processes, and a mixed load (``bench/fault_load.py``: capacity reports,
reservations and confirmations, each call with an Idempotency-Key and repeated until answered). After a
warm-up without a fault it injects the case's fault into the store process that holds the region, keeps
the load going until writes work again (plus a tail), then compares every acknowledged write with what
the store holds: lost, applied twice, double bookings (all must be 0), requests left half-done, and how
long clients saw errors. The baseline is the same load in the same case before the fault.

Cases are data: a ``Case`` names a deployment, a fault and the loads. A fault is an async function of
the ``Stage`` (the deployment, the zcc instances, the region), so "kill one zcc instance" is a fault
like the others (``stage.instances``), and a new kind of write is a ``Load`` in ``bench/fault_load.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import make_token, start_server
from bench.fault_load import Instances, Ledger, loads_of
from tests.redis_server import RedisServer
from tests.redis_topology import ClusterTopology, SentinelTopology

__all__ = ["CASES", "Case", "Deployment", "Stage", "headline", "report", "run"]

WARMUP_S = 3.0  # the baseline: the load without a fault
TAIL_S = 3.0  # the load goes on this long after writes work again
CAP_S = 30.0  # at most this long after the fault: a case that does not heal is reported, not waited for
QUIET_S = 3.5  # writes count as resumed once no call failed for this long (longer than a store deadline, 3 s)
MIN_ANSWERED = 5  # ... and at least this many calls were answered meanwhile
RESTART_AFTER_S = 1.0  # a supervisor (systemd Restart=always) brings a killed single server back


# --------------------------------------------------------------------------- deployments


@dataclass
class Deployment:
    """A store deployment of a case: its URL, the server that holds a region now, and how to stop it all."""

    name: str
    url: str
    holder: Callable[[str], RedisServer]
    cleanup: Callable[[], None]
    #: A killed server comes back (a supervisor) instead of failing over.
    restarts: bool = False


def single() -> Deployment:
    """One redis-server with AOF (appendfsync always)."""
    server = RedisServer()
    server.start()
    return Deployment("redis", server.url, lambda _region: server, server.cleanup, restarts=True)


def sentinel() -> Deployment:
    """A primary, two replicas and three Sentinels (down-after-milliseconds 1000)."""
    topology = SentinelTopology()
    try:
        topology.start()
    except BaseException:
        topology.cleanup()
        raise
    return Deployment("sentinel", topology.url, lambda _region: topology.primary(), topology.cleanup)


def cluster() -> Deployment:
    """Three primaries with a replica each and a spare replica (cluster-node-timeout 2000)."""
    topology = ClusterTopology()
    try:
        topology.start()
    except BaseException:
        topology.cleanup()
        raise
    return Deployment(
        "cluster", topology.url, lambda region: topology.primary_of(f"zcc:{{{region}}}:events"), topology.cleanup
    )


DEPLOYMENTS: dict[str, Callable[[], Deployment]] = {"redis": single, "sentinel": sentinel, "cluster": cluster}


# --------------------------------------------------------------------------- faults


@dataclass
class Stage:
    """What a fault acts on; ``marks`` records what it did and when (seconds into the case)."""

    deployment: Deployment
    instances: Instances
    processes: list[BaseProcess]
    region: str
    ledger: Ledger
    marks: list[tuple[float, str]] = field(default_factory=list)

    def mark(self, what: str) -> None:
        """Note a step of the fault."""
        self.marks.append((self.ledger.now(), what))


Fault = Callable[[Stage], Awaitable[None]]


async def kill_store(stage: Stage) -> None:
    """``kill -9`` the server holding the region; a single server is restarted by its supervisor."""
    server = stage.deployment.holder(stage.region)
    server.kill()
    stage.mark(f"kill -9 of {server.address}")
    if stage.deployment.restarts:
        await asyncio.sleep(RESTART_AFTER_S)
        await asyncio.to_thread(server.start)
        stage.mark("restarted (AOF replayed)")


def pause_store(seconds: float) -> Fault:
    """``SIGSTOP`` the server holding the region for ``seconds``, then ``SIGCONT``."""

    async def pause(stage: Stage) -> None:
        server = stage.deployment.holder(stage.region)
        server.pause()
        stage.mark(f"SIGSTOP of {server.address}")
        try:
            await asyncio.sleep(seconds)
        finally:
            server.resume()
        stage.mark("SIGCONT")

    return pause


@dataclass(frozen=True)
class Case:
    """One fault on one deployment under the mixed load."""

    name: str
    deployment: str
    fault: Fault
    loads: tuple[str, ...] = ("reports", "reservations")


CASES: list[Case] = [
    Case("redis-server kill -9, restarted after 1 s", "redis", kill_store),
    Case("redis-server SIGSTOP 3 s", "redis", pause_store(3.0)),
    Case("Sentinel primary kill -9", "sentinel", kill_store),
    Case("Sentinel primary SIGSTOP 5 s", "sentinel", pause_store(5.0)),
    Case("cluster primary kill -9", "cluster", kill_store),
    Case("cluster primary SIGSTOP 6 s", "cluster", pause_store(6.0)),
]


# --------------------------------------------------------------------------- one case


def _serve_zcc(port: int, store_url: str, spool_dir: str, ready: Any) -> None:
    """A zcc instance on the shipped region with its own audit spool (runs in a child process)."""
    from aiohttp import web

    from capacity.region import load_region
    from coordinator.app import create_app
    from coordinator.settings import Settings
    from coordinator.triage import load_protocol

    logging.basicConfig(level=logging.CRITICAL)  # a fault makes every instance log; the ledger has what matters
    settings = Settings(store_url=store_url, port=port, audit_spool_dir=Path(spool_dir) / str(port))
    app = create_app(settings, load_region(), load_protocol())
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=lambda *_: ready.set())


async def run_case(case: Case) -> dict[str, Any]:
    """Start the deployment and two instances, run the load with the fault, check the store, stop everything."""
    from capacity.region import load_region
    from capacity.store import open_stores

    region = load_region()
    deployment = await asyncio.to_thread(DEPLOYMENTS[case.deployment])
    processes: list[BaseProcess] = []
    spools = tempfile.TemporaryDirectory(prefix="zcc-faults-spool-")
    try:
        urls = []
        for _ in range(2):
            proc, port = await asyncio.to_thread(start_server, _serve_zcc, deployment.url, spools.name)
            processes.append(proc)
            urls.append(f"http://127.0.0.1:{port}")
        instances = Instances(urls)
        instances.admin = await make_token(deployment.url, region.id, "admin")
        instances.triage = await make_token(deployment.url, region.id, "triage")
        loads = loads_of(case.loads)
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64), timeout=timeout) as session:
            for load in loads:
                await load.prepare(session, instances, region)
            ledger = Ledger()
            stage = Stage(deployment, instances, processes, region.id, ledger)

            async def inject() -> None:
                await asyncio.sleep(WARMUP_S)
                stage.mark("fault")
                await case.fault(stage)
                stage.mark("fault over")

            async def stop_when_healed() -> None:
                # Writes work again: calls answered, and none failed, for QUIET_S after the last failure. Then a tail.
                while ledger.now() < WARMUP_S + CAP_S:
                    fault_at = next((t for t, what in stage.marks if what == "fault"), None)
                    if fault_at is not None and _resumed_at(ledger, fault_at, quiet=QUIET_S) is not None:
                        ledger.stop_at = min(ledger.now() + TAIL_S, WARMUP_S + CAP_S)
                        return
                    await asyncio.sleep(0.05)
                ledger.stop_at = ledger.now()

            await asyncio.gather(
                inject(), stop_when_healed(), *(load.run(session, instances, ledger) for load in loads)
            )
        stores = open_stores(deployment.url, region.id)
        await stores.backend.open()
        try:
            checks = {load.name: await load.check(stores, ledger) for load in loads}
        finally:
            await stores.backend.close()
        return _figures(case, stage, checks)
    finally:
        for proc in processes:
            proc.kill()
            proc.join(5)
        await asyncio.to_thread(deployment.cleanup)
        spools.cleanup()


def _resumed_at(ledger: Ledger, fault_at: float, quiet: float = 0.0) -> float | None:
    """When writes worked again: the first answer to a call started after the fault and after the last failure.

    With ``quiet``, only once that many seconds passed since the last failure with calls answered meanwhile
    (a call waiting for the store is not yet a failure, so a short lull proves nothing).
    """
    attempts = list(ledger.attempts)
    last_failure = max((a.start for a in attempts if not a.answered and a.end > fault_at), default=fault_at)
    after = [a for a in attempts if a.answered and a.start > max(last_failure, fault_at)]
    if not after:
        return None
    if quiet and (ledger.now() - last_failure < quiet or len(after) < MIN_ANSWERED):
        return None
    return min(a.end for a in after)


def _figures(case: Case, stage: Stage, checks: dict[str, dict[str, int]]) -> dict[str, Any]:
    """The case's figures: the checks summed, the error window, the baseline and the fault window."""
    ledger = stage.ledger
    fault_at = next(t for t, what in stage.marks if what == "fault")
    failed = [a for a in ledger.attempts if not a.answered]
    resumed = _resumed_at(ledger, fault_at)
    before = [a for a in ledger.attempts if a.answered and a.end <= fault_at]
    healed = [a for a in ledger.attempts if a.answered and resumed is not None and a.start >= resumed]
    span_healed = max(ledger.stop_at - resumed, 1e-9) if resumed is not None else 1e-9
    total = {k: sum(c[k] for c in checks.values()) for k in ("acked", "lost", "twice", "double", "half_done")}
    return {
        "case": case.name,
        "deployment": case.deployment,
        "marks": stage.marks,
        "checks": checks,
        **total,
        "refused": sum(ledger.refused.values()),
        "unanswered": sum(ledger.unanswered.values()),
        "attempts": len(ledger.attempts),
        "failed_attempts": len(failed),
        "failures": dict(ledger.failures),
        "error_window_s": (max(a.end for a in failed) - min(a.start for a in failed)) if failed else 0.0,
        "resumed_s": (resumed - fault_at) if resumed is not None else None,
        "baseline_rate": len(before) / fault_at,
        "rate_healed": len(healed) / span_healed,
        "baseline_p50_ms": 1000 * statistics.median(a.end - a.start for a in before) if before else float("nan"),
        "max_answer_s": max((a.end - a.start for a in ledger.attempts if a.answered), default=0.0),
    }


# --------------------------------------------------------------------------- all cases


def run(only: list[str] | None = None) -> dict[str, Any]:
    """Run every case (or those whose name contains one of ``only``), one after the other."""
    results: list[dict[str, Any]] = []
    for case in CASES:
        if only and not any(o.lower() in case.name.lower() for o in only):
            continue
        t0 = time.perf_counter()
        print(f"  faults: {case.name} ...", flush=True)
        try:
            fig = asyncio.run(run_case(case))
        except Exception as exc:  # one broken case must not hide the others
            fig = {"case": case.name, "deployment": case.deployment, "error": f"{type(exc).__name__}: {exc}"}
        fig["seconds"] = time.perf_counter() - t0
        results.append(fig)
    return {"cases": results}


def report(fig: dict[str, Any]) -> str:
    """The figures as markdown."""
    lines = [
        "Each case: two zcc instances, a mixed load of capacity reports and reservations (every third confirmed),",
        f"each call with an Idempotency-Key and repeated until answered; the fault after {WARMUP_S:.0f} s (the",
        "baseline: the same load before it); the load stops "
        f"{TAIL_S:.0f} s after writes work again (at most {CAP_S:.0f} s after the fault).",
        "",
        "| case | acknowledged | lost | applied twice | double bookings | half-done | clients saw errors, s | "
        "writes resumed after, s | slowest answer, s | calls/s healed / before | p50 ms before |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in fig["cases"]:
        if "error" in c:
            lines.append(f"| {c['case']} | FAILED: {c['error']} | | | | | | | | | |")
            continue
        resumed = f"{c['resumed_s']:.1f}" if c["resumed_s"] is not None else "never"
        ratio = c["rate_healed"] / c["baseline_rate"] if c["baseline_rate"] else float("nan")
        lines.append(
            f"| {c['case']} | {c['acked']} | {c['lost']} | {c['twice']} | {c['double']} | {c['half_done']} | "
            f"{c['error_window_s']:.1f} | {resumed} | {c['max_answer_s']:.1f} | {ratio:.2f} | "
            f"{c['baseline_p50_ms']:.1f} |"
        )
    lines += [
        "",
        "lost: acknowledged, then not in the store; applied twice: one report, hold or confirmation applied more",
        "than once; double bookings: two holds for one request, or a hold taken when no unit was free; half-done:",
        "a request whose record disagrees with its hold (the second write of a reserve or confirm never made it:",
        "the load stopped repeating it, or its outcome stayed unknown); clients saw errors: from the first to the",
        "last failed attempt (a call that waits for the store is slow, not failed: see the slowest answer);",
        "writes resumed: from the fault to the first answer of a call started after the last failed one (the",
        "case goes on until no call failed for 3.5 s);",
        "calls/s healed / before: answered calls per second once writes resumed, to the rate before the fault.",
        "",
        "What each fault did (seconds into the case):",
        "",
    ]
    for c in fig["cases"]:
        if "marks" in c:
            steps = "; ".join(f"{t:.1f} {what}" for t, what in c["marks"])
            said = ", ".join(f"{n} × {what}" for what, n in sorted(c["failures"].items())) or "none"
            tail = f"failed attempts: {said}; {c['unanswered']} calls unanswered at the end, {c['refused']} refused"
            lines.append(f"- {c['case']}: {steps}; {tail}")
    return "\n".join(lines)


def headline(fig: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Rows for the headline table of bench/results.md: per case what was lost and how long writes stopped."""
    rows = []
    for c in fig.get("cases", []):
        if "error" in c:
            rows.append((f"faults: {c['case']}", "FAILED", "", ""))
            continue
        ratio = c["rate_healed"] / c["baseline_rate"] if c["baseline_rate"] else float("nan")
        resumed = f"{c['resumed_s']:.1f}" if c["resumed_s"] is not None else "never"
        rows.append(
            (
                f"faults: {c['case']}: lost / applied twice / double bookings",
                f"{c['lost']} / {c['twice']} / {c['double']}",
                f"{c['acked']} acknowledged writes",
                "",
            )
        )
        rows.append(
            (
                f"faults: {c['case']}: writes resumed after, s (calls/s healed vs before)",
                resumed,
                f"{c['baseline_rate']:.0f} calls/s before the fault",
                f"{ratio:.2f}",
            )
        )
    return rows


def main() -> int:
    """Command line: run the cases and print the report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", help="run only the cases whose name contains one of these")
    args = ap.parse_args()
    print(report(run(args.only)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
