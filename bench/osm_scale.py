"""Memory and start-up of a national-size imported road network, next to today's national synthetic set.

Run by hand (not a test)::

    .venv/bin/python -m bench.osm_scale [--junctions 700000 --places 8400]

No national OpenStreetMap extract can be fetched here, so the imported network is stood in for by one
of the size an import of the Netherlands gives (an assumption, stated in the report): ``--junctions``
network nodes after contraction on a jittered grid over the country, about 1.4 roads per junction,
and ``--places`` places (the providers' sites of the national synthetic set, the rest as PC4
centroids and towns), each joined to its nearest junction by an access road, as ``zcc import-osm``
writes them: junctions as locations of kind ``junction``, roads as km at a speed with a tier. The
baseline, measured in the same run, is today's national set from ``zcc gen-region`` (50,000 places
linked town to town, 5,000 providers): the same providers, so the same matrix columns.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
from scipy.spatial import cKDTree

from bench.common import make_token, rss_mb, start_server
from bench.dispatch import OUT, _serve_zcc, national_file


def osm_like_file(base: Path, junctions: int, places: int, seed: int = 1) -> Path:
    """The national set's providers on a national-size junction network, written like an import."""
    path = OUT / f"osm-like-{junctions}-{places}-{seed}.json"
    if path.exists():
        return path
    rng = random.Random(seed)
    data = json.loads(base.read_text())
    sites = {p["location"] for p in data["providers"]}
    by_id = {loc["id"]: loc for loc in data["locations"]}
    others = [loc_id for loc_id in by_id if loc_id not in sites]
    rng.shuffle(others)
    kept = [by_id[i] for i in sorted(sites)] + [by_id[i] for i in others[: max(0, places - len(sites))]]
    side = int(math.sqrt(junctions))
    south, west, north, east = 50.76, 3.40, 53.50, 7.20
    gen = np.random.default_rng(seed)
    lat = np.repeat(np.linspace(south, north, side), side) + gen.uniform(-0.002, 0.002, side * side)
    lon = np.tile(np.linspace(west, east, side), side) + gen.uniform(-0.002, 0.002, side * side)
    ids = [f"osm-{i}" for i in range(side * side)]
    step_km = (east - west) / side * 111.32 * math.cos(math.radians(52.0))
    speed = gen.uniform(30, 100, 2 * side * side)  # km/h per road: a mix of road classes

    def road(a: int, b: int, kmh: float) -> dict[str, Any]:
        tier = "motorway" if kmh > 90 else "main" if kmh > 50 else "access"
        return {"from": ids[a], "to": ids[b], "km": round(step_km, 3), "speed": round(kmh, 1), "tier": tier}

    roads: list[dict[str, Any]] = []
    for r in range(side):
        row = r * side
        for c in range(side - 1):  # every road along a row: the rows are connected
            i = row + c
            roads.append(road(i, i + 1, float(speed[i])))
        if r + 1 < side:
            for c in range(side):  # 40 % of the roads between rows: about 1.4 roads per junction in all
                if gen.random() < 0.4 or c == 0:
                    i = row + c
                    roads.append(road(i, i + side, float(speed[-i - 1])))
    k = math.cos(math.radians(52.0))
    tree = cKDTree(np.column_stack((lon * k, lat)))
    _, nearest = tree.query(np.array([[loc["lon"] * k, loc["lat"]] for loc in kept]))
    for loc, j in zip(kept, nearest.tolist(), strict=True):
        roads.append({"from": loc["id"], "to": ids[j], "km": 1.0, "tier": "access"})
    junction_locations = [
        {"id": jid, "name": jid, "lat": round(float(a), 6), "lon": round(float(b), 6), "kind": "junction"}
        for jid, a, b in zip(ids, lat.tolist(), lon.tolist(), strict=True)
    ]
    out = {
        "region": data["region"],
        "locations": kept + junction_locations,
        "roads": roads,
        "providers": data["providers"],
    }
    OUT.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, separators=(",", ":")))
    return path


async def serve_and_measure(region_path: Path, tmp: Path) -> dict[str, Any]:
    """Start the real service on the file; start-up until the matrix is ready, RSS, one lookup."""
    data = json.loads(await asyncio.to_thread(region_path.read_text))
    file_mb = (await asyncio.to_thread(region_path.stat)).st_size / 1e6
    region_id = data["region"]["id"]
    store = f"sqlite:///{tmp}/{region_path.stem}.db"
    token = await make_token(store, region_id, "dispatch")
    t0 = time.perf_counter()
    cache = str(tmp / f"matrix-cache-{region_path.stem}")  # empty: the start measured computes the matrix
    proc, port = start_server(_serve_zcc, str(region_path), store, cache, timeout=1500)
    start_s = time.perf_counter() - t0
    try:
        loc = next(loc for loc in data["locations"] if loc.get("kind") != "junction")
        url = f"http://127.0.0.1:{port}/api/v1/dispatch/options?lat={loc['lat']}&lon={loc['lon']}&care_type=seh"
        async with (
            aiohttp.ClientSession() as http,
            http.get(url, headers={"Authorization": f"Bearer {token}"}) as resp,
        ):
            assert resp.status == 200, await resp.text()
        return {
            "file": region_path.name,
            "file_mb": file_mb,
            "places": sum(1 for loc in data["locations"] if loc.get("kind") != "junction"),
            "junctions": sum(1 for loc in data["locations"] if loc.get("kind") == "junction"),
            "roads": len(data["roads"]),
            "providers": len(data["providers"]),
            "start_s": start_s,
            "rss_mb": rss_mb(proc.pid),
        }
    finally:
        proc.kill()
        proc.join(10)


def report(base: dict[str, Any], osm: dict[str, Any]) -> str:
    """The figures as markdown, the imported network's as ratios to today's national set."""
    lines = [
        "| region file | places | junctions | roads | file MB | start-up s | RSS MB |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in (base, osm):
        lines.append(
            f"| {r['file']} | {r['places']} | {r['junctions']} | {r['roads']} | {r['file_mb']:.0f} | "
            f"{r['start_s']:.1f} | {r['rss_mb']:.0f} |"
        )
    lines.append("")
    lines.append(
        f"imported-size network / today's national set: RSS {osm['rss_mb'] / base['rss_mb']:.2f}x, "
        f"start-up {osm['start_s'] / base['start_s']:.2f}x"
    )
    return "\n".join(lines)


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--junctions", type=int, default=700_000)
    ap.add_argument("--places", type=int, default=8_400)
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    base_file = national_file(50_000, 5_000)
    osm_file = osm_like_file(base_file, args.junctions, args.places)
    with tempfile.TemporaryDirectory() as tmp:
        base = asyncio.run(serve_and_measure(base_file, Path(tmp)))
        osm = asyncio.run(serve_and_measure(osm_file, Path(tmp)))
    print(report(base, osm))
    if args.json:
        Path(args.json).write_text(json.dumps({"base": base, "osm": osm}, indent=2))


if __name__ == "__main__":
    main()
