"""What every benchmark shares: servers in child processes, a bounded load driver, alternating rounds."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from multiprocessing.process import BaseProcess
from typing import Any

import aiohttp

from tests.redis_server import free_port

__all__ = [
    "CONCURRENCY",
    "ROUNDS",
    "Request",
    "alternate",
    "alternate_all",
    "drive",
    "make_token",
    "rss_mb",
    "start_server",
]

CONCURRENCY = 32
ROUNDS = 3
MAX_REQUESTS = 200_000  # every load is bounded in count as well as in time

Request = Callable[[aiohttp.ClientSession, int], Awaitable[int]]


def start_server(target: Callable[..., None], *args: Any, timeout: float = 600) -> tuple[BaseProcess, int]:
    """Run ``target(port, *args, ready)`` in a fresh process; return it once it set ``ready``."""
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    port = free_port()
    proc = ctx.Process(target=target, args=(port, *args, ready), daemon=True)
    proc.start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.2):  # poll, so a child that dies (bad import, bad config) fails at once
        if not proc.is_alive():
            raise RuntimeError(f"{target.__name__} exited with code {proc.exitcode} before it was ready")
        if time.monotonic() > deadline:
            proc.kill()
            proc.join(5)
            raise RuntimeError(f"{target.__name__} did not start within {timeout} s")
    return proc, port


async def drive(make: Request, seconds: float, concurrency: int = CONCURRENCY) -> dict[str, float]:
    """Run ``make`` from ``concurrency`` workers for ``seconds`` (at most MAX_REQUESTS); rate and latencies."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    counter = 0
    conn = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=conn) as session:

        async def worker() -> None:
            nonlocal counter, errors
            while time.perf_counter() < deadline and counter < MAX_REQUESTS:
                counter += 1
                t0 = time.perf_counter()
                status = await make(session, counter)
                latencies.append(time.perf_counter() - t0)
                if status >= 400:
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rate": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


async def alternate(
    baseline: Request, subject: Request, seconds: float, concurrency: int = CONCURRENCY
) -> tuple[dict[str, float], dict[str, float]]:
    """Baseline and subject in turn, ROUNDS times each, so drift on a shared machine hits both alike.

    Each result is the round with the median rate.
    """
    await drive(baseline, 0.5, concurrency)  # warm connections and caches
    await drive(subject, 0.5, concurrency)
    base_runs, subj_runs = [], []
    for _ in range(ROUNDS):
        base_runs.append(await drive(baseline, seconds, concurrency))
        subj_runs.append(await drive(subject, seconds, concurrency))

    def median(runs: list[dict[str, float]]) -> dict[str, float]:
        return sorted(runs, key=lambda r: r["rate"])[len(runs) // 2]

    return median(base_runs), median(subj_runs)


async def alternate_all(
    requests: dict[str, Request], seconds: float, concurrency: int = CONCURRENCY
) -> dict[str, dict[str, float]]:
    """Like :func:`alternate` for any number of named loads: each in turn, ROUNDS times; the median-rate round."""
    for make in requests.values():
        await drive(make, 0.5, concurrency)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in requests}
    for _ in range(ROUNDS):
        for name, make in requests.items():
            runs[name].append(await drive(make, seconds, concurrency))
    return {name: sorted(r, key=lambda x: x["rate"])[len(r) // 2] for name, r in runs.items()}


async def make_token(store_url: str, region_id: str, role: str = "admin") -> str:
    """A bearer token in the store the benchmarked service uses."""
    from capacity.store import open_stores
    from coordinator.tokens import TokenAuth

    stores = open_stores(store_url, region_id)
    await stores.backend.open()
    try:
        tok, _ = await TokenAuth(stores.tokens).create(role)
    finally:
        await stores.backend.close()
    return tok


def rss_mb(pid: int | None, field: str = "VmRSS") -> float:
    """Resident memory of a process in MB (Linux): all of it, or ``RssAnon`` (heap) or ``RssFile`` (mapped files)."""
    if pid is None:
        return float("nan")
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def machine() -> str:
    """A one-line description of this machine."""
    import platform

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
