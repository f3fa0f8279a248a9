"""Dispatch benchmark: lookups/s and latency on Limburg and the national synthetic set, matrix kernels, RSS.

Run by hand (not a test)::

    .venv/bin/python -m bench.dispatch [--seconds 3] [--nodes 50000 --providers 5000]

Measured in one run, each next to its baseline:

- travel-time kernels on the national graph: scipy.sparse.csgraph's Dijkstra
  against networkx's, from the same sample of provider locations (networkx is
  too slow to do all of them in a benchmark), and the full scipy matrix;
- ``GET /api/v1/dispatch/options`` on the real service (embedded store, every
  place reported) against a bare aiohttp GET, for Limburg and national;
- the national service's resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import CONCURRENCY, ROUNDS, alternate, machine, make_token, rss_mb, start_server

OUT = Path(__file__).resolve().parent / "out"
LIMBURG = Path(__file__).resolve().parent.parent / "config" / "regions" / "limburg.yaml"


def national_file(nodes: int, providers: int, seed: int = 1) -> Path:
    """The national synthetic file, generated once and reused."""
    from routing.gen_region import generate, merge, write_region

    path = OUT / f"nl-{nodes}-{providers}-{seed}.json"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        write_region(merge(generate(nodes=nodes, providers=providers, regions=11, seed=seed)), path)
    return path


# --------------------------------------------------------------------------- servers (child processes)


def _serve_zcc(port: int, region_path: str, store_url: str, ready: Any) -> None:
    import logging

    from aiohttp import web

    from capacity.region import load_care_types, load_region
    from coordinator.app import create_app
    from coordinator.keys import ROUTING
    from coordinator.settings import Settings

    logging.basicConfig(level=logging.WARNING)
    region = load_region(region_path, load_care_types())
    app = create_app(Settings(store_url=store_url, port=port, config_path=Path(region_path)), region)

    async def serve() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await app[ROUTING].ready.wait()  # ready once the travel matrix is built
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(serve())


def _serve_bare(port: int, ready: Any) -> None:
    from aiohttp import web

    body = json.dumps({"options": [{"provider_id": "p", "care_type": "seh", "travel_minutes": 12.0, "score": 12.0}]})

    async def get(request: web.Request) -> web.Response:
        return web.Response(text=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/", get)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=lambda *_: ready.set())


# --------------------------------------------------------------------------- measurements


def kernels(region_path: Path, sample: int = 20) -> dict[str, Any]:
    """scipy against networkx from the same provider locations, and the full scipy matrix."""
    import networkx as nx
    from scipy.sparse.csgraph import dijkstra

    from capacity.region import load_care_types, load_region
    from routing.graph import RoadGraph, TravelMatrix

    t0 = time.perf_counter()
    region = load_region(region_path, load_care_types())
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph = RoadGraph(region)
    graph_s = time.perf_counter() - t0
    sources = sorted({(region.id, p.location) for p in region.providers.values()})
    rng = random.Random(1)
    picked = rng.sample(sources, min(sample, len(sources)))
    csr = graph.csr()
    t0 = time.perf_counter()
    dijkstra(csr, directed=False, indices=[graph.index[s] for s in picked])
    scipy_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for s in picked:
        nx.single_source_dijkstra_path_length(graph.graph, s, weight="minutes")
    nx_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    matrix = TravelMatrix(graph)
    full_s = time.perf_counter() - t0
    return {
        "nodes": graph.graph.number_of_nodes(),
        "edges": graph.graph.number_of_edges(),
        "provider_locations": len(sources),
        "load_seconds": load_s,
        "graph_seconds": graph_s,
        "sample_sources": len(picked),
        "scipy_sample_seconds": scipy_s,
        "networkx_sample_seconds": nx_s,
        "scipy_speedup": nx_s / scipy_s,
        "full_matrix_seconds": full_s,
        "matrix_mb": matrix.table.nbytes / 1e6,
        "networkx_full_estimate_seconds": nx_s / len(picked) * len(sources),
    }


async def _report_everything(port: int, token: str, region_path: Path) -> tuple[list[tuple[float, float]], list[str]]:
    """Post a fresh report for every place; coordinates and care types to ask for."""
    from capacity.region import load_care_types, load_region

    region = load_region(region_path, load_care_types())
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
    updates = [
        {
            "provider_id": p.id,
            "care_type": o.care_type,
            "available": max(0, o.total // 3),
            "reported_at": now,
            "valid_for_minutes": 600,
        }
        for p, o in region.offers()
    ]
    hdr = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as s:
        for i in range(0, len(updates), 500):
            async with s.post(
                f"http://127.0.0.1:{port}/api/v1/capacity", json={"updates": updates[i : i + 500]}, headers=hdr
            ) as r:
                assert r.status == 200, await r.text()
    rng = random.Random(2)
    locs = list(region.locations.values())
    points = [
        (loc.lat + rng.uniform(-0.01, 0.01), loc.lon + rng.uniform(-0.01, 0.01))
        for loc in rng.sample(locs, min(500, len(locs)))
    ]
    care_types = sorted({o.care_type for _, o in region.offers()})
    return points, care_types


async def lookups(region_path: Path, seconds: float, tmp: Path) -> dict[str, Any]:
    """Lookups/s and latency on the real service, beside a bare GET; the service's RSS."""
    from capacity.region import load_care_types, load_region

    region = load_region(region_path, load_care_types())
    store = f"sqlite:///{tmp}/{region.id}.db"
    token = await make_token(store, region.id, "dispatch")
    admin = await make_token(store, region.id, "admin")
    t0 = time.perf_counter()
    zproc, zport = start_server(_serve_zcc, str(region_path), store)
    start_s = time.perf_counter() - t0
    bproc, bport = start_server(_serve_bare)
    try:
        points, care_types = await _report_everything(zport, admin, region_path)
        hdr = {"Authorization": f"Bearer {token}"}
        zurl, burl = f"http://127.0.0.1:{zport}/api/v1/dispatch/options", f"http://127.0.0.1:{bport}/"

        async def zcc(s: aiohttp.ClientSession, i: int) -> int:
            lat, lon = points[i % len(points)]
            params = {"lat": f"{lat:.5f}", "lon": f"{lon:.5f}", "care_type": care_types[i % len(care_types)]}
            async with s.get(zurl, params=params, headers=hdr) as r:
                await r.read()
                return r.status

        async def bare(s: aiohttp.ClientSession, i: int) -> int:
            lat, lon = points[i % len(points)]
            async with s.get(burl, params={"lat": f"{lat:.5f}", "lon": f"{lon:.5f}"}) as r:
                await r.read()
                return r.status

        base, subj = await alternate(bare, zcc, seconds)
        # Latency without queueing: one client at a time.
        base1, subj1 = await alternate(bare, zcc, seconds / 2, concurrency=1)
        return {
            "region": region.id,
            "providers": len(region.providers),
            "nodes": len(region.locations),
            "startup_seconds": start_s,
            "rss_mb": rss_mb(zproc.pid),
            "bare": base,
            "zcc": subj,
            "bare_single": base1,
            "zcc_single": subj1,
            "ratio": subj["rate"] / base["rate"],
        }
    finally:
        for p in (zproc, bproc):
            p.kill()
            p.join(5)


def report(fig: dict[str, Any]) -> str:
    """Markdown of the figures."""
    k = fig["kernels"]
    lines = [
        f"dispatch benchmark ({machine()}; {CONCURRENCY} connections, median of {ROUNDS} alternating rounds)",
        "",
        f"travel-time kernels on the national graph ({k['nodes']} nodes, {k['edges']} roads, "
        f"{k['provider_locations']} provider locations):",
        f"- {k['sample_sources']} sources: networkx {k['networkx_sample_seconds']:.2f} s, "
        f"scipy.sparse.csgraph {k['scipy_sample_seconds']:.2f} s: scipy {k['scipy_speedup']:.1f}x faster",
        f"- full matrix with scipy: {k['full_matrix_seconds']:.1f} s, {k['matrix_mb']:.0f} MB "
        f"(networkx would need about {k['networkx_full_estimate_seconds']:.0f} s); region file load "
        f"{k['load_seconds']:.1f} s, graph build {k['graph_seconds']:.1f} s",
        "",
        "| region | providers | lookups/s | p50 ms | p99 ms | p99 ms, 1 client | bare GET/s | ratio | RSS MB"
        " | start s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in fig["lookups"]:
        lines.append(
            f"| {r['region']} | {r['providers']} | {r['zcc']['rate']:.0f} | {r['zcc']['p50_ms']:.2f} | "
            f"{r['zcc']['p99_ms']:.2f} | {r['zcc_single']['p99_ms']:.2f} | {r['bare']['rate']:.0f} | "
            f"{r['ratio']:.2f} | {r['rss_mb']:.0f} | {r['startup_seconds']:.1f} |"
        )
    return "\n".join(lines)


def run(seconds: float, nodes: int, providers: int) -> dict[str, Any]:
    """Every measurement of this benchmark."""
    import tempfile

    national = national_file(nodes, providers)
    fig: dict[str, Any] = {"kernels": kernels(national)}
    with tempfile.TemporaryDirectory() as tmp:
        fig["lookups"] = [asyncio.run(lookups(p, seconds, Path(tmp))) for p in (LIMBURG, national)]
    return fig


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--nodes", type=int, default=50_000)
    ap.add_argument("--providers", type=int, default=5_000)
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    fig = run(args.seconds, args.nodes, args.providers)
    print(report(fig))
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=2))


if __name__ == "__main__":
    main()
