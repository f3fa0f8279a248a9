"""``zcc serve --workers 2`` against ``--workers 1`` on this machine, in one run (issue 18, item 4).

Both services run the shipped Limburg region on their own embedded SQLite store, started as an operator
starts them (``zcc serve``); the load alternates between them, ROUNDS times each (bench.common), so
drift on a shared machine hits both alike. Two loads: dispatch lookups (CPU in the service) and the
one-provider board read. The load driver runs in this process and shares the machine's cores with the
workers: on 2 cores, 2 workers compete with the driver, which bounds what a second worker can add.

Run: ``.venv/bin/python -m bench.workers [--seconds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import alternate, make_token
from tests.redis_server import free_port

__all__ = ["main", "run"]

POINTS = [(50.85, 5.69), (51.37, 6.17), (51.19, 5.99), (50.89, 5.98), (51.25, 5.71), (51.0, 5.87)]


@contextlib.contextmanager
def _served(workers: int, store: str, work: Path) -> Iterator[int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZCC_")}
    env["ZCC_AUDIT_SPOOL_DIR"] = str(work / f"spool-{workers}")
    env["ZCC_LOG_FORMAT"] = "text"
    cmd = [sys.executable, "-m", "coordinator.cli", "serve", "--store", store, "--port", str(port)]
    log = (work / f"serve-{workers}.log").open("w")
    proc = subprocess.Popen([*cmd, "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"zcc serve --workers {workers} did not start") from None
                time.sleep(0.1)
        time.sleep(1.0)  # every worker past its start (the first ready one answered)
        yield port
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


async def _measure(seconds: float, one: int, two: int, tokens: tuple[str, str]) -> dict[str, Any]:
    def lookups(port: int, token: str) -> Any:
        url, hdr = f"http://127.0.0.1:{port}/api/v1/dispatch/options", {"Authorization": f"Bearer {token}"}

        async def make(s: aiohttp.ClientSession, i: int) -> int:
            lat, lon = POINTS[i % len(POINTS)]
            params = {"lat": str(lat), "lon": str(lon), "care_type": ("seh", "elv_hoog", "hap_visit")[i % 3]}
            async with s.get(url, params=params, headers=hdr) as r:
                await r.read()
                return r.status

        return make

    def board(port: int, token: str) -> Any:
        url, hdr = f"http://127.0.0.1:{port}/api/v1/capacity?provider=zh-venlo", {"Authorization": f"Bearer {token}"}

        async def make(s: aiohttp.ClientSession, i: int) -> int:
            async with s.get(url, headers=hdr) as r:
                await r.read()
                return r.status

        return make

    out: dict[str, Any] = {}
    for name, load in (("dispatch", lookups), ("board", board)):
        base, subj = await alternate(load(one, tokens[0]), load(two, tokens[1]), seconds)
        out[name] = {"one": base, "two": subj, "ratio": subj["rate"] / base["rate"]}
    return out


def run(seconds: float) -> dict[str, Any]:
    """Both services, both loads; the figures of the median round of each."""
    with tempfile.TemporaryDirectory(prefix="zcc-bench-workers-") as tmp:
        work = Path(tmp)
        stores = (f"sqlite:///{work}/one.db", f"sqlite:///{work}/two.db")
        tokens = tuple(asyncio.run(make_token(s, "limburg", "dispatch")) for s in stores)
        with _served(1, stores[0], work) as one, _served(2, stores[1], work) as two:
            fig = asyncio.run(_measure(seconds, one, two, (tokens[0], tokens[1])))
    fig["cores"] = os.cpu_count()
    return fig


def report(fig: dict[str, Any]) -> str:
    """Markdown of the figures."""
    lines = [
        f"`zcc serve --workers 2` against `--workers 1` (Limburg, SQLite, 32 clients, {fig['cores']} cores, "
        "the load driver on the same cores):",
        "",
        "| load | 1 worker /s | 2 workers /s | 2 / 1 | p99 ms 1 worker | p99 ms 2 workers |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("dispatch", "board"):
        f = fig[name]
        lines.append(
            f"| {name} | {f['one']['rate']:.0f} | {f['two']['rate']:.0f} | {f['ratio']:.2f} | "
            f"{f['one']['p99_ms']:.1f} | {f['two']['p99_ms']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run and print the figures (markdown, then JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    fig = run(parser.parse_args().seconds)
    print(report(fig))
    print(json.dumps(fig, indent=1))


if __name__ == "__main__":
    main()
