"""Capacity history as a benchmark: a year of five-minute updates from 50 providers, asked over HTTP.

Run by hand (not a test): ``.venv/bin/python -m bench.history [--calls 5]``; ``bench/run`` picks up
``run`` and ``report``.

The real app on the embedded SQLite store (the default) with a region of 50 providers that each
offer ``elv_hoog``, on a free port of 127.0.0.1. The history holds what the store keeps of a year of
reports every five minutes from each (none from 03:00 to 04:00 UTC: a daily gap): the 5-minute buckets of the
last 35 days (the default fine retention) and the hourly and daily buckets of the whole year,
written through the history store and pruned as the service prunes. Each query asks for the whole
region's ``elv_hoog`` (50 entries summed), cold and warm, next to a read of the whole board
(``GET /api/v1/capacity``) in the same run as the baseline; the target is well under a second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PROVIDERS = 50
DAYS = 365
FINE_DAYS = 35
QUERIES = (
    ("year, daily", 365, "1d"),
    ("year, every 6 h", 365, "6h"),
    ("30 days, hourly", 30, "1h"),
    ("24 h, every 5 min", 1, "5m"),
)


def _region() -> Any:
    from capacity.model import Hours, Location, Provider, ProviderOffer, Region
    from tests.regions import CARE_TYPES

    locations = {"a": Location("a", "A", 51.0, 6.0, 10_000)}
    providers = {
        f"vvt-{i}": Provider(f"vvt-{i}", f"VVT {i}", "vvt", "a", {"elv_hoog": ProviderOffer("elv_hoog", 20)}, Hours())
        for i in range(PROVIDERS)
    }
    return Region("bench-history", "Bench", "Europe/Amsterdam", locations, (), providers, CARE_TYPES)


async def _fill(history: Any, region: Any, now_ms: int) -> tuple[int, float]:
    """Write a year of 5-minute reports as the store keeps them; (samples written, seconds)."""
    from capacity.store.interop import Sample

    start = time.perf_counter()
    step = 300_000
    first = now_ms - DAYS * 86_400_000
    fine_from = now_ms - FINE_DAYS * 86_400_000
    written = 0
    batch: list[tuple[tuple[str, str], Sample]] = []
    for i, pid in enumerate(region.providers):
        version = 0
        t = first + (i * 7_000) % step
        while t < now_ms:
            # Older than the fine retention only the last sample of each hour survives the prune: write that.
            if t < fine_from and (t // step) % 12 != 11:
                t += step
                continue
            hour = (t // 3_600_000) % 24
            if hour == 3:  # no reports from 03:00 to 04:00 UTC, and those of 02:xx run out after 10 min: a gap
                t += step
                continue
            version += 1
            valid = t + (10 * 60_000 if hour == 2 else 60 * 60_000)
            batch.append(((pid, "elv_hoog"), Sample(t, version, (t // step + i) % 21, version % 3, 20, valid)))
            if len(batch) >= 20_000:
                await history.record(batch)
                written += len(batch)
                batch = []
            t += step
    if batch:
        await history.record(batch)
        written += len(batch)
    keep = {300: FINE_DAYS * 86_400_000, 3600: 400 * 86_400_000, 86400: 400 * 86_400_000}
    from capacity.clock import from_ms

    await history.prune(keep, from_ms(now_ms), [(p, "elv_hoog") for p in region.providers])
    return written, time.perf_counter() - start


async def _run(calls: int) -> dict[str, Any]:
    import aiohttp
    from aiohttp import web

    from capacity.clock import to_ms, utcnow
    from coordinator.app import create_app
    from coordinator.keys import AUTH, CONNECTORS
    from coordinator.settings import Settings
    from coordinator.triage import load_protocol
    from tests.redis_server import free_port

    region = _region()
    out: dict[str, Any] = {"providers": PROVIDERS, "days": DAYS, "fine_days": FINE_DAYS, "queries": {}}
    with tempfile.TemporaryDirectory(prefix="zcc-bench-history-") as tmp:
        settings = Settings(store_url=f"sqlite:///{tmp}/zcc.db", audit_spool_dir=Path(tmp) / "spool")
        app = create_app(settings, region, load_protocol())
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        try:
            history = app[CONNECTORS].stores.history
            out["samples_written"], out["fill_seconds"] = await _fill(history, region, to_ms(utcnow()))
            tok, _ = await app[AUTH].create("triage", (), None)
            headers = {"Authorization": f"Bearer {tok}"}
            base = f"http://127.0.0.1:{port}"
            async with aiohttp.ClientSession(headers=headers) as s:
                cpu: list[float] = []

                async def timed(url: str) -> tuple[float, Any]:
                    t, c = time.perf_counter(), time.process_time()
                    async with s.get(url) as resp:
                        body = await resp.read()
                        assert resp.status == 200, body[:300]
                    cpu.append(time.process_time() - c)
                    return time.perf_counter() - t, json.loads(body)

                board = [(await timed(f"{base}/api/v1/capacity"))[0] for _ in range(calls * 4)]
                out["board_median_s"] = statistics.median(board)
                out["board_cpu_s"] = statistics.median(cpu)
                now = datetime.now(UTC).replace(microsecond=0)
                for name, days, step in QUERIES:
                    frm = (now - timedelta(days=days)).isoformat().replace("+00:00", "Z")
                    url = f"{base}/api/v1/capacity/history?care_type=elv_hoog&from={frm}&step={step}"
                    times = []
                    cpu.clear()
                    for _ in range(calls):
                        dt, doc = await timed(url)
                        times.append(dt)
                    pts = doc["points"]
                    out["queries"][name] = {
                        "points": len(pts),
                        "gaps": sum(p["free"] is None for p in pts),
                        "resolution_s": doc["resolution_seconds"],
                        "first_s": times[0],
                        "median_s": statistics.median(times),
                        "worst_s": max(times),
                        "cpu_median_s": statistics.median(cpu),
                    }
        finally:
            await runner.cleanup()
    return out


def run(calls: int = 5) -> dict[str, Any]:
    """Every figure of the benchmark."""
    return asyncio.run(_run(calls))


def report(fig: dict[str, Any]) -> str:
    """The benchmark's section of bench/results.md."""
    lines = [
        f"{fig['providers']} providers x {fig['days']} days of 5-minute reports, kept as the store keeps them "
        f"(5-minute buckets for {fig['fine_days']} days, hourly and daily for the year): "
        f"{fig['samples_written']} samples written in {fig['fill_seconds']:.1f} s. Whole-region `elv_hoog` "
        f"(50 entries summed) over HTTP; baseline: a read of the whole board, median "
        f"{1000 * fig['board_median_s']:.1f} ms.",
        "",
        "Wall times depend on the machine's load (the load average is at the top); CPU ms is the process's CPU "
        "time per query (server and client threads), which the load affects less.",
        "",
        "| query | points | gaps | resolution s | first ms | median ms | worst ms | CPU ms | median / board |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, q in fig["queries"].items():
        lines.append(
            f"| {name} | {q['points']} | {q['gaps']} | {q['resolution_s']} | {1000 * q['first_s']:.1f} | "
            f"{1000 * q['median_s']:.1f} | {1000 * q['worst_s']:.1f} | {1000 * q['cpu_median_s']:.1f} | "
            f"{q['median_s'] / fig['board_median_s']:.1f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run and print the report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=5)
    fig = run(ap.parse_args().calls)
    print(report(fig))


if __name__ == "__main__":
    main()
