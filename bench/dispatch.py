"""Dispatch benchmark: lookups/s and latency on Limburg and the national synthetic set, matrix kernels, RSS.

Run by hand (not a test)::

    .venv/bin/python -m bench.dispatch [--seconds 3] [--nodes 50000 --providers 5000]

Measured in one run, each next to its baseline:

- travel-time kernels on the national graph: scipy.sparse.csgraph's Dijkstra
  against networkx's, from the same sample of provider locations (networkx is
  too slow to do all of them in a benchmark), and the full scipy matrix;
- ``GET /api/v1/dispatch/options`` on the real service (embedded store, every
  place reported) against a bare aiohttp GET answering a body of the same size
  from memory, for Limburg and national, at 32 clients and at 1 client, and each
  care type on its own (the slow ones are those whose places are mostly closed,
  full or stale: the lookup scans them all);
- each service's resident memory and start-up time (until the travel matrix is
  ready) next to the bare server's and the matrix built in this process.
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
PER_CARE_TYPE = 100  # sequential lookups of each care type, before the timed rounds


def national_file(nodes: int, providers: int, seed: int = 1) -> Path:
    """The national synthetic file, generated once and reused."""
    from coordinator.gen_region import generate, merge, write_region

    path = OUT / f"nl-{nodes}-{providers}-{seed}.json"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        write_region(merge(generate(nodes=nodes, providers=providers, regions=11, seed=seed)), path)
    return path


# --------------------------------------------------------------------------- servers (child processes)


def _serve_zcc(port: int, region_path: str, store_url: str, cache_dir: str, ready: Any) -> None:
    import logging

    from aiohttp import web

    from capacity.region import load_care_types, load_region
    from coordinator.app import create_app
    from coordinator.keys import ROUTING
    from coordinator.settings import Settings
    from coordinator.triage import load_protocol

    logging.basicConfig(level=logging.WARNING)
    region = load_region(region_path, load_care_types())
    settings = Settings(store_url=store_url, port=port, config_path=Path(region_path), matrix_cache_dir=Path(cache_dir))
    app = create_app(settings, region, load_protocol())

    async def serve() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await app[ROUTING].ready.wait()  # ready once the travel matrix is built
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(serve())


def _serve_bare(port: int, body_bytes: int, ready: Any) -> None:
    from aiohttp import web

    # A body of the service's answer size, served from memory: the fastest a lookup can answer.
    option = {"provider_id": "p", "care_type": "seh", "travel_minutes": 12.0, "score": 12.0}
    options = [option] * max(1, body_bytes // (len(json.dumps(option)) + 2))
    body = json.dumps({"options": options})

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
    dijkstra(csr, directed=True, indices=[graph.index[s] for s in picked])
    scipy_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for s in picked:
        nx.single_source_dijkstra_path_length(graph.graph, s, weight="minutes")
    nx_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    matrix = TravelMatrix(graph)
    full_s = time.perf_counter() - t0
    return {
        "region": region.id,
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


async def _per_care_type(
    url: str, hdr: dict[str, str], points: list[tuple[float, float]], care_types: list[str]
) -> tuple[dict[str, dict[str, float]], int]:
    """Sequential lookups of each care type (PER_CARE_TYPE each): latency, share with options; mean body size."""
    out: dict[str, dict[str, float]] = {}
    sizes: list[int] = []
    async with aiohttp.ClientSession() as s:
        for ct in care_types:
            times, with_options = [], 0
            for i in range(PER_CARE_TYPE):
                lat, lon = points[(i * 7) % len(points)]
                params = {"lat": f"{lat:.5f}", "lon": f"{lon:.5f}", "care_type": ct}
                t0 = time.perf_counter()
                async with s.get(url, params=params, headers=hdr) as r:
                    raw = await r.read()
                    times.append(time.perf_counter() - t0)
                    if r.status != 200:
                        raise RuntimeError(f"GET {url} {params}: {r.status} {raw[:300]!r}")
                sizes.append(len(raw))
                with_options += bool(json.loads(raw)["options"])
            times.sort()
            out[ct] = {
                "p50_ms": 1000 * times[len(times) // 2],
                "p99_ms": 1000 * times[int(0.99 * (len(times) - 1))],
                "with_options": with_options / PER_CARE_TYPE,
            }
    return out, sum(sizes) // len(sizes)


async def lookups(region_path: Path, seconds: float, tmp: Path) -> dict[str, Any]:
    """Lookups/s and latency on the real service, beside a bare GET; the service's RSS."""
    from capacity.region import load_care_types, load_region

    region = load_region(region_path, load_care_types())
    store = f"sqlite:///{tmp}/{region.id}.db"
    token = await make_token(store, region.id, "dispatch")
    admin = await make_token(store, region.id, "admin")
    cache = tmp / f"matrix-cache-{region.id}"
    # A first start computes the travel matrix and writes it to the cache; the second maps it.
    t0 = time.perf_counter()
    zproc, zport = start_server(_serve_zcc, str(region_path), store, str(cache))
    cold_s = time.perf_counter() - t0
    zproc.kill()
    zproc.join(5)
    t0 = time.perf_counter()
    zproc, zport = start_server(_serve_zcc, str(region_path), store, str(cache))
    start_s = time.perf_counter() - t0
    bproc = None
    try:
        points, care_types = await _report_everything(zport, admin, region_path)
        hdr = {"Authorization": f"Bearer {token}"}
        zurl = f"http://127.0.0.1:{zport}/api/v1/dispatch/options"
        # Every care type on its own first: checks the answers and sizes the bare body like them.
        per_type, body_bytes = await _per_care_type(zurl, hdr, points, care_types)
        t0 = time.perf_counter()
        bproc, bport = start_server(_serve_bare, body_bytes)
        bare_start_s = time.perf_counter() - t0
        burl = f"http://127.0.0.1:{bport}/"

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
            "cold_startup_seconds": cold_s,
            "startup_seconds": start_s,
            "rss_mb": rss_mb(zproc.pid),
            "rss_anon_mb": rss_mb(zproc.pid, "RssAnon"),
            "rss_file_mb": rss_mb(zproc.pid, "RssFile"),
            "bare_startup_seconds": bare_start_s,
            "bare_rss_mb": rss_mb(bproc.pid),
            "response_bytes": body_bytes,
            "per_care_type": per_type,
            "bare": base,
            "zcc": subj,
            "bare_single": base1,
            "zcc_single": subj1,
            "ratio": subj["rate"] / base["rate"],
            "ratio_single": subj1["rate"] / base1["rate"],
        }
    finally:
        for p in (zproc, bproc):
            if p is not None:
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
        f"`GET /api/v1/dispatch/options` next to a bare aiohttp GET answering a body of the same size "
        f"from memory; {CONCURRENCY} clients, then 1 client:",
        "",
        "| region | providers | lookups/s | p50 ms | p99 ms | bare GET/s | bare p50 | bare p99 | ratio (rate) "
        "| 1 client: p50 ms | p99 ms | bare p50 | bare p99 | ratio (rate) | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in fig["lookups"]:
        z, b, z1, b1 = r["zcc"], r["bare"], r["zcc_single"], r["bare_single"]
        errors = z["errors"] + z1["errors"]
        lines.append(
            f"| {r['region']} | {r['providers']} | {z['rate']:.0f} | {z['p50_ms']:.2f} | {z['p99_ms']:.2f} | "
            f"{b['rate']:.0f} | {b['p50_ms']:.2f} | {b['p99_ms']:.2f} | {r['ratio']:.2f} | "
            f"{z1['p50_ms']:.2f} | {z1['p99_ms']:.2f} | {b1['p50_ms']:.2f} | {b1['p99_ms']:.2f} | "
            f"{r['ratio_single']:.2f} | {errors} |"
        )
    lines += [
        "",
        "memory (after the lookups; the file part is the memory-mapped travel matrix, shared by every worker and "
        "given back by the kernel under pressure) and start-up (process start until it answers a lookup), next "
        "to the bare server; the first start computes the travel matrix and writes it to the cache, the second "
        "maps it:",
        "",
        "| region | RSS MB | of which heap MB | of which mapped files MB | bare server RSS MB | RSS / bare "
        "| first start s | second start s | bare start s | second / first |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in fig["lookups"]:
        lines.append(
            f"| {r['region']} | {r['rss_mb']:.0f} | {r['rss_anon_mb']:.0f} | {r['rss_file_mb']:.0f} | "
            f"{r['bare_rss_mb']:.0f} | {r['rss_mb'] / r['bare_rss_mb']:.1f} | {r['cold_startup_seconds']:.1f} | "
            f"{r['startup_seconds']:.1f} | {r['bare_startup_seconds']:.1f} | "
            f"{r['startup_seconds'] / r['cold_startup_seconds']:.2f} |"
        )
    lines += [
        "",
        f"per care type, {PER_CARE_TYPE} sequential lookups each (p50 / p99 ms, share answered with an option):",
        "",
    ]
    for r in fig["lookups"]:
        slow = sorted(r["per_care_type"].items(), key=lambda kv: -kv[1]["p50_ms"])
        lines.append(
            f"- {r['region']} ({r['response_bytes']} byte answers): "
            + ", ".join(
                f"{ct} {v['p50_ms']:.1f} / {v['p99_ms']:.1f} ({100 * v['with_options']:.0f} %)" for ct, v in slow
            )
        )
    lines += ["", "targets (issue 18):"]
    for r in fig["lookups"]:
        p99, ratio = r["zcc"]["p99_ms"], r["ratio"]
        lines.append(
            f"- {r['region']}: lookups/s >= 0.5 of the bare GET: {ratio:.2f} ({'met' if ratio >= 0.5 else 'MISSED'})"
        )
        if r["region"] == "limburg":
            continue
        bare99 = r["bare"]["p99_ms"]
        lines += [
            f"- {r['region']}: lookup p99 < 10 ms at {CONCURRENCY} clients: {p99:.1f} ms "
            f"({'met' if p99 < 10 else 'MISSED'}; the bare GET's own p99 in the same run: {bare99:.1f} ms)",
            f"- {r['region']}: second start < 5 s: {r['startup_seconds']:.1f} s "
            f"({'met' if r['startup_seconds'] < 5 else 'MISSED'})",
            f"- {r['region']}: RSS < 300 MB: {r['rss_mb']:.0f} MB ({'met' if r['rss_mb'] < 300 else 'MISSED'}; "
            f"heap {r['rss_anon_mb']:.0f} MB)",
        ]
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
