"""Ingest and board-read benchmark: the real zcc service on Redis next to bare aiohttp baselines.

Run by hand (not a test): ``.venv/bin/python -m bench.ingest [--seconds 5] [--providers 500]``.

Each server runs in its own process on 127.0.0.1 while this process drives it
with a fixed number of concurrent keep-alive connections for a fixed time, so
the client and the server each get a core. The figures that matter are the
ratios to the baselines measured in the same run:

- ingest: ``POST /api/v1/capacity`` (auth, validation, one Lua script with its
  idempotency record and stream entry, view update) against a bare aiohttp
  handler that parses the JSON and does one Redis HSET;
- board reads: ``GET /api/v1/capacity`` for one provider and for the whole
  board, against a bare aiohttp GET returning a body of the same size from memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import CONCURRENCY, ROUNDS, alternate, make_token, start_server
from bench.synthetic import synthetic_region
from tests.redis_server import RedisServer

# --------------------------------------------------------------------------- servers (child processes)


def _serve_zcc(port: int, redis_url: str, providers: int, ready: Any) -> None:
    import logging

    from aiohttp import web

    from coordinator.app import create_app
    from coordinator.settings import Settings
    from coordinator.triage import load_protocol

    logging.basicConfig(level=logging.WARNING)
    region = synthetic_region(providers)
    app = create_app(Settings(store_url=redis_url, port=port), region, load_protocol())
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=lambda *_: ready.set())


def _serve_bare(port: int, redis_url: str, board_bytes: int, ready: Any) -> None:
    import redis.asyncio as aioredis
    from aiohttp import web

    small = json.dumps({"region": "bench", "entries": [{"provider_id": "p", "care_type": "c", "available": 1}]})
    # A board-sized body served from memory: the fastest a board read can be.
    row = {"provider_id": "prov-00000", "care_type": "elv_hoog", "available": 3, "held": 0, "total": 10}
    n_rows = max(1, board_bytes // len(json.dumps(row)))
    rows = [dict(row, available=i % 7) for i in range(n_rows)]

    async def redis_ctx(app: web.Application) -> Any:
        app[client_key] = aioredis.Redis.from_url(redis_url)
        yield
        await app[client_key].aclose()

    client_key = web.AppKey("redis", aioredis.Redis)

    async def post(request: web.Request) -> web.Response:
        body = await request.json()
        await request.app[client_key].hset(
            "bare:capacity", f"{body['provider_id']}|{body['care_type']}", json.dumps(body)
        )
        return web.json_response({"results": [{"status": "applied"}]})

    async def get_small(request: web.Request) -> web.Response:
        return web.Response(text=small, content_type="application/json")

    board = json.dumps({"region": "bench", "entries": rows}).encode()

    async def get_board(request: web.Request) -> web.Response:
        return web.Response(body=board, content_type="application/json")

    app = web.Application()
    app.cleanup_ctx.append(redis_ctx)
    app.router.add_post("/post", post)
    app.router.add_get("/small", get_small)
    app.router.add_get("/board", get_board)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=lambda *_: ready.set())


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _measure(
    zcc_port: int, bare_port: int, token: str, offers: list[tuple[str, str]], seconds: float
) -> dict[str, Any]:
    hdr = {"Authorization": f"Bearer {token}"}
    zcc, bare = f"http://127.0.0.1:{zcc_port}", f"http://127.0.0.1:{bare_port}"

    def body(i: int) -> dict[str, Any]:
        pid, ct = offers[i % len(offers)]
        return {"provider_id": pid, "care_type": ct, "available": i % 3, "total": 10, "reported_at": _now_iso()}

    async def zcc_post(s: aiohttp.ClientSession, i: int) -> int:
        async with s.post(f"{zcc}/api/v1/capacity", json=body(i), headers=hdr) as r:
            await r.read()
            return r.status

    async def bare_post(s: aiohttp.ClientSession, i: int) -> int:
        async with s.post(f"{bare}/post", json=body(i)) as r:
            await r.read()
            return r.status

    def getter(
        url: str, headers: dict[str, str] | None = None
    ) -> Callable[[aiohttp.ClientSession, int], Awaitable[int]]:
        async def get(s: aiohttp.ClientSession, i: int) -> int:
            async with s.get(url, headers=headers) as r:
                await r.read()
                return r.status

        return get

    one = offers[0][0]
    out: dict[str, Any] = {}
    pairs = {
        ("bare_post", "zcc_post"): (bare_post, zcc_post),
        ("bare_get_small", "zcc_get_one_provider"): (
            getter(f"{bare}/small"),
            getter(f"{zcc}/api/v1/capacity?provider={one}", hdr),
        ),
        ("bare_get_board", "zcc_get_board"): (getter(f"{bare}/board"), getter(f"{zcc}/api/v1/capacity", hdr)),
    }
    for (base_name, zcc_name), (base_fn, zcc_fn) in pairs.items():
        out[base_name], out[zcc_name] = await alternate(base_fn, zcc_fn, seconds)
    return out


async def _board_size(port: int, token: str) -> int:
    async with (
        aiohttp.ClientSession() as s,
        s.get(f"http://127.0.0.1:{port}/api/v1/capacity", headers={"Authorization": f"Bearer {token}"}) as r,
    ):
        return len(await r.read())


def run(seconds: float, providers: int) -> dict[str, Any]:
    """Start Redis and the servers, measure, stop everything; the figures as a dict."""
    server = RedisServer()
    server.start()
    procs: list[BaseProcess] = []
    try:
        region = synthetic_region(providers)
        offers = [(p.id, o.care_type) for p, o in region.offers()]
        token = asyncio.run(make_token(server.url, region.id))
        zproc, zport = start_server(_serve_zcc, server.url, providers)
        procs.append(zproc)
        board_bytes = asyncio.run(_board_size(zport, token))
        bproc, bport = start_server(_serve_bare, server.url, board_bytes)
        procs.append(bproc)
        figures = asyncio.run(_measure(zport, bport, token, offers, seconds))
        figures["board_bytes"] = board_bytes
        figures["entries"] = len(offers)
    finally:
        for p in procs:
            p.kill()
            p.join(5)
        server.cleanup()
    figures["ratios"] = {
        "ingest_vs_bare_post_hset": figures["zcc_post"]["rate"] / figures["bare_post"]["rate"],
        "one_provider_read_vs_bare_get": figures["zcc_get_one_provider"]["rate"] / figures["bare_get_small"]["rate"],
        "board_read_vs_bare_get_same_size": figures["zcc_get_board"]["rate"] / figures["bare_get_board"]["rate"],
    }
    return figures


def report(fig: dict[str, Any]) -> str:
    """A Markdown table of the figures."""
    lines = [
        f"ingest benchmark, {fig['entries']} entries ({fig['board_bytes']} byte board), "
        f"{CONCURRENCY} connections, median of {ROUNDS} alternating rounds, {platform.machine()} x{os.cpu_count()}",
        "",
        "| measurement | req/s | p50 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name in ("bare_post", "zcc_post", "bare_get_small", "zcc_get_one_provider", "bare_get_board", "zcc_get_board"):
        m = fig[name]
        lines.append(f"| {name} | {m['rate']:.0f} | {m['p50_ms']:.2f} | {m['p99_ms']:.2f} | {m['errors']} |")
    lines.append("")
    for k, v in fig["ratios"].items():
        lines.append(f"- {k}: {v:.2f}")
    return "\n".join(lines)


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="duration of each measurement (3 rounds each)")
    ap.add_argument("--providers", type=int, default=500)
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    fig = run(args.seconds, args.providers)
    print(report(fig))
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=2))


if __name__ == "__main__":
    main()
