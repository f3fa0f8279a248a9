"""Tests of the synthetic region generator (coordinator.gen_region): valid, deterministic, connected files."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from capacity.model import CareType
from capacity.region import check_region, load_care_types, load_region, parse_region
from coordinator.gen_region import generate, main, merge, write_region

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"nodes": 600, "providers": 60, "regions": 3, "seed": 7}


@pytest.fixture(scope="module")
def care_types() -> dict[str, CareType]:
    return load_care_types()


@pytest.fixture(scope="module")
def small() -> list[dict[str, Any]]:
    return generate(**SMALL)


@pytest.fixture(scope="module")
def medium() -> list[dict[str, Any]]:
    return generate(nodes=5000, providers=500, regions=11, seed=3)


def union_is_connected(files: list[dict[str, Any]]) -> bool:
    """Whether all locations of ``files`` form one graph through their roads and border roads."""
    parent = {loc["id"]: loc["id"] for f in files for loc in f["locations"]}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for f in files:
        ends = [(r["from"], r["to"]) for r in f["roads"]]
        ends += [(r["from"], r["to"].partition(":")[2]) for r in f["border_roads"]]
        for a, b in ends:
            parent[find(a)] = find(b)
    return len({find(x) for x in parent}) == 1


def assert_border_roads_consistent(files: list[dict[str, Any]]) -> None:
    """Every border road leads to a real location of another region, which lists the same road back."""
    by_id = {f["region"]["id"]: f for f in files}
    locations = {rid: {loc["id"] for loc in f["locations"]} for rid, f in by_id.items()}
    listed = {(rid, r["from"], r["to"], r["minutes"]) for rid, f in by_id.items() for r in f["border_roads"]}
    for rid, f in by_id.items():
        own = locations[rid]
        for road in f["border_roads"]:
            other, _, target = road["to"].partition(":")
            assert road["from"] in own
            assert other != rid
            assert other in by_id, f"{road} leads to an unknown region"
            assert target in locations[other], f"{road} leads to no location of {other}"
            assert (other, target, f"{rid}:{road['from']}", road["minutes"]) in listed, f"{road} is not listed back"
        # A road inside the region never leaves it.
        assert all(r["from"] in own and r["to"] in own for r in f["roads"])


# --------------------------------------------------------------------------- the small set


def test_every_generated_file_passes_check_region(small: list[dict[str, Any]], care_types: dict[str, CareType]) -> None:
    assert [f["region"]["id"] for f in small] == ["roaz-01", "roaz-02", "roaz-03"]
    assert [f["region"]["name"] for f in small] == [f"Synthetische ROAZ {i}" for i in (1, 2, 3)]
    for f in small:
        assert check_region(f, care_types) == [], f["region"]["id"]
        region = parse_region(f, care_types)
        assert len(region.border_roads) == len(f["border_roads"]) > 0
    assert sum(len(f["locations"]) for f in small) == 600
    assert sum(len(f["providers"]) for f in small) == 60


def test_same_seed_same_output_other_seed_other_output(small: list[dict[str, Any]]) -> None:
    assert generate(**SMALL) == small
    assert generate(**{**SMALL, "seed": 8}) != small


def test_ids_are_unique_across_regions(small: list[dict[str, Any]]) -> None:
    locations = [loc["id"] for f in small for loc in f["locations"]]
    providers = [p["id"] for f in small for p in f["providers"]]
    assert len(set(locations)) == len(locations) == 600
    assert sorted(locations) == [f"n{i:05d}" for i in range(1, 601)]
    assert len(set(providers)) == len(providers)
    for number, f in enumerate(small, start=1):
        for p in f["providers"]:
            kind, region, n = p["id"].split("-")
            assert (kind, region) == (p["kind"], f"{number:02d}")
            assert len(n) == 4 and n.isdigit()


def test_border_roads_are_consistent_and_the_union_is_connected(small: list[dict[str, Any]]) -> None:
    assert_border_roads_consistent(small)
    assert union_is_connected(small)


def test_places_lie_on_dutch_land(small: list[dict[str, Any]]) -> None:
    for loc in (loc for f in small for loc in f["locations"]):
        lat, lon = loc["lat"], loc["lon"]
        assert 50.75 <= lat <= 53.45 and 3.40 <= lon <= 7.15
        assert not (lat > 52.4 and lon < 4.6), "North Sea"
        assert not (lat > 52.9 and lon < 5.0), "Waddenzee"
        assert not (52.45 <= lat <= 52.95 and 5.05 <= lon <= 5.65), "IJsselmeer"


def test_populations_are_heavy_tailed(small: list[dict[str, Any]]) -> None:
    pops = sorted((loc["population"] for f in small for loc in f["locations"]), reverse=True)
    assert all(isinstance(p, int) and p > 0 for p in pops)
    assert 16_000_000 < sum(pops) < 18_000_000
    top = pops[: len(pops) // 50]  # the towns, 2 %
    assert sum(top) > 0.15 * sum(pops), "a few large towns"
    assert pops[len(pops) // 2] < sum(pops) / len(pops), "many small places: the median is below the mean"


def test_road_minutes_are_rounded_and_at_least_half_a_minute(small: list[dict[str, Any]]) -> None:
    minutes = [r["minutes"] for f in small for r in (*f["roads"], *f["border_roads"])]
    assert min(minutes) >= 0.5
    assert all(round(m, 1) == m for m in minutes)
    assert all(isinstance(m, float) for m in minutes)


def test_provider_mix_follows_limburg(small: list[dict[str, Any]]) -> None:
    providers = [p for f in small for p in f["providers"]]
    kinds = Counter(p["kind"] for p in providers)
    assert abs(kinds["hospital"] - 8) <= 2
    assert abs(kinds["hap"] - 11) <= 2
    assert abs(kinds["vvt"] - 36) <= 3
    assert abs(kinds["ggz"] - 4) <= 2
    night = [{"days": "mon-sun", "from": "23:00", "to": "07:00"}]
    for p in providers:
        offers = p["care_types"]
        if p["kind"] == "hospital":
            assert "seh" in offers
            assert 2 <= sum(ct.startswith("admission_") for ct in offers) <= 3
            assert p["hours"] == "24/7"
        elif p["kind"] == "hap":
            assert set(offers) == {"hap_consult", "hap_visit"}
            assert {"days": "mon-fri", "from": "17:00", "to": "08:00"} in p["hours"]
        elif p["kind"] == "vvt":
            assert offers and set(offers) <= {"elv_laag", "elv_hoog", "crisis_bed", "wijkverpleging_spoed"}
            if "wijkverpleging_spoed" in offers:
                assert offers["wijkverpleging_spoed"]["hours"] == night
        else:
            assert set(offers) == {"ggz_crisis_assessment", "ggz_crisis_bed", "ggz_intensive_home"}
            assert offers["ggz_intensive_home"]["eligibility"] == {"min_age": 18, "max_age": 60}
    ggz = [p for p in providers if p["kind"] == "ggz"]
    assert any(p["hours"] == "24/7" for p in ggz)
    assert any(p["hours"] != "24/7" for p in ggz) or len(ggz) < 2


def test_providers_sit_at_the_larger_places(small: list[dict[str, Any]]) -> None:
    locations = {loc["id"]: loc for f in small for loc in f["locations"]}
    pops = sorted((loc["population"] for loc in locations.values()), reverse=True)
    threshold = pops[round(0.12 * len(pops)) - 1]
    sites = {p["location"] for f in small for p in f["providers"]}
    assert all(locations[s]["population"] >= threshold for s in sites)
    assert len(sites) < len(locations) / 10


# --------------------------------------------------------------------------- a medium set


def test_medium_set_is_split_into_connected_regions(
    medium: list[dict[str, Any]], care_types: dict[str, CareType]
) -> None:
    assert [f["region"]["id"] for f in medium] == [f"roaz-{i:02d}" for i in range(1, 12)]
    sizes = [len(f["locations"]) for f in medium]
    assert sum(sizes) == 5000
    assert min(sizes) > 5000 / 11 / 3, sizes
    for f in medium:
        # check_region refuses a region whose own road graph is not connected.
        assert check_region(f, care_types) == [], f["region"]["id"]
        assert f["providers"], "every region has providers"
        assert any(p["kind"] == "hospital" for p in f["providers"]), "and an emergency department"
    assert_border_roads_consistent(medium)
    assert union_is_connected(medium)
    roads = sum(len(f["roads"]) for f in medium) + sum(len(f["border_roads"]) for f in medium) / 2
    assert 2.2 <= roads / 5000 <= 2.8


def test_merge_makes_one_national_region(medium: list[dict[str, Any]], care_types: dict[str, CareType]) -> None:
    nl = merge(medium)
    assert nl["region"] == {"id": "nl", "name": "Nederland (synthetisch)", "timezone": "Europe/Amsterdam"}
    assert "border_roads" not in nl
    assert len(nl["locations"]) == 5000
    assert len(nl["providers"]) == 500
    border = sum(len(f["border_roads"]) for f in medium)
    assert len(nl["roads"]) == sum(len(f["roads"]) for f in medium) + border // 2
    assert check_region(nl, care_types) == []
    pairs = [frozenset((r["from"], r["to"])) for r in nl["roads"]]
    assert len(set(pairs)) == len(pairs), "each border road once"


def test_merge_leaves_out_roads_to_regions_not_merged(
    small: list[dict[str, Any]], care_types: dict[str, CareType]
) -> None:
    part = merge(small[:1])
    assert len(part["roads"]) == len(small[0]["roads"])
    assert check_region(part, care_types) == []


# --------------------------------------------------------------------------- files and command line


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_write_region_round_trips_through_the_loader(tmp_path: Path, suffix: str) -> None:
    files = generate(nodes=150, providers=12, regions=2, seed=5)
    path = tmp_path / f"roaz-01{suffix}"
    write_region(files[0], path)
    region = load_region(path)
    assert list(region.locations) == [loc["id"] for loc in files[0]["locations"]]
    assert list(region.providers) == [p["id"] for p in files[0]["providers"]]
    assert len(region.border_roads) == len(files[0]["border_roads"])
    text = path.read_text(encoding="utf-8")
    if suffix == ".json":
        assert text.startswith("{")
    else:
        assert "&id" not in text and "*id" not in text, "plain YAML, no anchors"


def test_main_writes_every_region_and_the_national_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["--nodes", "400", "--providers", "30", "--regions", "3", "--seed", "2", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["nl.json", "roaz-01.json", "roaz-02.json", "roaz-03.json"]
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert "nl.json" in lines[-1] and "400 locations" in lines[-1] and "30 providers" in lines[-1]
    nl = load_region(out / "nl.json")
    assert len(nl.locations) == 400
    assert len(nl.providers) == 30
    assert sum(len(load_region(out / f"roaz-0{i}.json").locations) for i in (1, 2, 3)) == 400


def test_main_refuses_impossible_sizes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--nodes", "10", "--providers", "2", "--regions", "3", "--out", str(tmp_path)])
    assert info.value.code == 2
    assert "providers" in capsys.readouterr().err


@pytest.mark.parametrize(
    "kwargs",
    [
        {"nodes": 10, "providers": 2, "regions": 3},
        {"nodes": 2, "providers": 5, "regions": 3},
        {"nodes": 10, "providers": 5, "regions": 0},
    ],
)
def test_generate_refuses_impossible_sizes(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="must be at least"):
        generate(**kwargs)


@pytest.mark.parametrize(("nodes", "providers", "regions"), [(1, 1, 1), (2, 2, 2), (30, 3, 3), (450, 9, 1)])
def test_tiny_and_single_region_sets_are_valid(
    care_types: dict[str, CareType], nodes: int, providers: int, regions: int
) -> None:
    files = generate(nodes=nodes, providers=providers, regions=regions)
    assert [check_region(f, care_types) for f in files] == [[]] * regions
    assert check_region(merge(files), care_types) == []
    assert union_is_connected(files)


def test_bench_wrapper_runs_the_command_line(tmp_path: Path) -> None:
    args = ["--nodes", "60", "--providers", "4", "--regions", "2", "--out", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "bench.gen_region", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 3
    assert (tmp_path / "nl.json").is_file()
