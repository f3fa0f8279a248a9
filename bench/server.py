"""What ``zcc serve``'s guarded server costs: the same app on aiohttp's plain runner and on coordinator.server.

Run by hand (not a test): ``.venv/bin/python -m bench.server [--seconds 3]``.

Two child processes serve the same zcc app on the embedded store, one through
``web.run_app`` (the baseline: what ``zcc serve`` used before) and one through
``coordinator.server.runner`` (timeouts, connection table, guarded accept). The
load alternates between them; the figures are rate ratios in the same run:

- ``/healthz`` on kept-alive connections (per-request overhead: ``data_received``);
- ``/healthz`` on a new connection per request (per-connection overhead: admission, timers);
- ``GET /api/v1/capacity`` (the board) on kept-alive connections;
- under attack: both run with an open-file limit of 256; 360 idle and slowloris connections
  from eight loopback addresses are opened against each in turn, and for the same time a probe
  asks ``/healthz`` on a new connection, one request at a time (2 s timeout). Reported: probes
  answered 200, their median latency against the same probe without the attack, the open files
  the service used at most, and the log lines it wrote meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import CONCURRENCY, ROUNDS, alternate, make_token, start_server

FILE_LIMIT = 256
HOSTILE = [f"127.0.0.{i}" for i in range(2, 10)]
PER_ADDRESS = 45


def _serve(port: int, store_url: str, guarded: bool, log: str, ready: Any) -> None:
    import logging
    import resource

    from aiohttp import web

    from capacity.region import load_care_types, load_region
    from coordinator.app import create_app
    from coordinator.server import runner
    from coordinator.settings import Settings
    from coordinator.triage import load_protocol

    resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))
    logging.basicConfig(level=logging.WARNING, filename=log)
    settings = Settings(store_url=store_url, port=port, max_connections_per_client=40)
    app = create_app(settings, load_region(None, load_care_types(None)), load_protocol())
    if not guarded:
        web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=lambda *_: ready.set())
        return

    async def main() -> None:
        stop, listening = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(runner.run(app, settings, stop, listening))
        await listening.wait()
        ready.set()
        await task

    asyncio.run(main())


def run(seconds: float) -> dict[str, Any]:
    """Start both servers, measure the three loads in alternating rounds, stop them."""
    with tempfile.TemporaryDirectory(prefix="zcc-bench-server-") as tmp:
        stores = {name: f"sqlite:///{tmp}/{name}.db" for name in ("plain", "guarded")}
        tokens = {name: asyncio.run(make_token(url, "limburg", "triage")) for name, url in stores.items()}
        logs = {name: f"{tmp}/{name}.log" for name in stores}
        plain, plain_port = start_server(_serve, stores["plain"], False, logs["plain"])
        guarded, guarded_port = start_server(_serve, stores["guarded"], True, logs["guarded"])
        ports = {"plain": plain_port, "guarded": guarded_port}
        try:
            fig = asyncio.run(_measure(seconds, ports, tokens))
            pids = {"plain": plain.pid, "guarded": guarded.pid}
            # Quiet probes first; the plain server's attack last, as it keeps burning CPU for a while after.
            quiet = {name: asyncio.run(_probe(seconds, ports[name], pids[name])) for name in ("guarded", "plain")}
            fig["attack"] = {
                name: {"quiet": quiet[name], **asyncio.run(_attack(seconds, ports[name], pids[name], logs[name]))}
                for name in ("guarded", "plain")
            }
            return fig
        finally:
            for proc in (plain, guarded):
                proc.terminate()
                proc.join(10)


async def _measure(seconds: float, ports: dict[str, int], tokens: dict[str, str]) -> dict[str, Any]:
    fresh = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True, limit=CONCURRENCY))

    def load(name: str, path: str, *, new_connection: bool = False) -> Any:
        url = f"http://127.0.0.1:{ports[name]}{path}"
        headers = {"Authorization": f"Bearer {tokens[name]}"}

        async def make(session: aiohttp.ClientSession, _: int) -> int:
            async with (fresh if new_connection else session).get(url, headers=headers) as resp:
                await resp.read()
                return resp.status

        return make

    fig: dict[str, Any] = {}
    try:
        for label, path, new in (
            ("healthz_keepalive", "/healthz", False),
            ("healthz_new_connection", "/healthz", True),
            ("board_keepalive", "/api/v1/capacity", False),
        ):
            base, subj = await alternate(
                load("plain", path, new_connection=new), load("guarded", path, new_connection=new), seconds
            )
            fig[label] = {"plain": base, "guarded": subj, "ratio": subj["rate"] / base["rate"]}
    finally:
        await fresh.close()
    return fig


def _open_files(pid: int | None) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


async def _probe(seconds: float, port: int, pid: int | None) -> dict[str, float]:
    """``/healthz`` on a new connection, one at a time, for ``seconds``: answered, median latency, peak files."""
    loop = asyncio.get_running_loop()
    latencies, failed, peak = [], 0, 0
    deadline = loop.time() + seconds
    timeout = aiohttp.ClientTimeout(total=2)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        while loop.time() < deadline:
            t0 = loop.time()
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as resp:
                    await resp.read()
                    ok = resp.status == 200
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            if ok:
                latencies.append(loop.time() - t0)
            else:
                failed += 1
            peak = max(peak, _open_files(pid))
    latencies.sort()
    return {
        "answered": len(latencies),
        "failed": failed,
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else float("nan"),
        "peak_files": peak,
    }


async def _attack(seconds: float, port: int, pid: int | None, log: str) -> dict[str, Any]:
    """The probe while 360 hostile connections are held open."""
    from tests.server.helpers import Hostile

    lines_before = sum(1 for _ in open(log, errors="replace"))  # noqa: ASYNC230, SIM115  # a small local file
    hostile = Hostile(port)
    try:
        for i, source in enumerate(HOSTILE):
            try:
                await hostile.open(source, PER_ADDRESS, slowloris=i % 2 == 1)
            except OSError:
                break  # connecting timed out: the service's listen queue is full
        attacked = await _probe(seconds, port, pid)
        attacked["held"] = hostile.held
    finally:
        await hostile.close()
    lines = sum(1 for _ in open(log, errors="replace")) - lines_before  # noqa: ASYNC230, SIM115
    return {"attacked": attacked, "log_lines": lines}


def report(fig: dict[str, Any]) -> str:
    """A Markdown table of the figures."""
    lines = [
        f"server benchmark: zcc's guarded server vs aiohttp's plain runner, same app, {CONCURRENCY} concurrent "
        f"clients, median of {ROUNDS} alternating rounds, {platform.machine()} x{os.cpu_count()}",
        "",
        "| load | plain req/s | guarded req/s | guarded / plain | plain p99 ms | guarded p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, m in fig.items():
        if name == "attack":
            continue
        p, g = m["plain"], m["guarded"]
        lines.append(
            f"| {name} | {p['rate']:.0f} | {g['rate']:.0f} | {m['ratio']:.2f} | {p['p99_ms']:.1f} | {g['p99_ms']:.1f} |"
        )
    lines += [
        "",
        f"under attack (open-file limit {FILE_LIMIT}, {len(HOSTILE) * PER_ADDRESS} idle and slowloris connections "
        f"from {len(HOSTILE)} addresses; /healthz on a new connection, one at a time):",
        "",
        "| server | probes answered | failed | p50 ms attacked / quiet | hostile held | peak open files | log lines |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, a in fig["attack"].items():
        q, t = a["quiet"], a["attacked"]
        lines.append(
            f"| {name} | {t['answered']} | {t['failed']} | {t['p50_ms'] / q['p50_ms']:.2f} | {t['held']} | "
            f"{t['peak_files']} | {a['log_lines']} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="duration of each measurement (3 rounds each)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    fig = run(args.seconds)
    print(report(fig))
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=2))


if __name__ == "__main__":
    main()
