"""A deterministic synthetic Netherlands: region files of any size for benchmarks and scale tests.

:func:`generate` scatters ``nodes`` places over an approximation of the Dutch
land area, gives them Pareto-distributed populations (a few large towns, many
small places), joins them by a road network and splits them into ``regions``
contiguous ROAZ regions, each a region file (the dict ``yaml.safe_load`` makes
of a file like config/regions/limburg.yaml) that passes
:func:`capacity.region.check_region`. Roads that cross two regions become a
``border_roads`` entry in both files; :func:`merge` joins the files into one
national region. The same arguments always give the same files.

The road network:

* every place is joined to its 4 nearest places (a ``cKDTree`` on an
  equirectangular km projection; with 3, mutual neighbours leave only ~1.9
  roads per place);
* the "towns", the top ~2 % by population, form a motorway layer: each town is
  also joined to its 4 nearest towns;
* the edges of a Euclidean minimum spanning tree (``minimum_spanning_tree`` over
  the Delaunay triangulation, which contains it) make the whole graph connected,
  and the spanning tree of each region's own places makes every region's own
  graph connected too (a region file must be connected on its own);
* minutes = straight-line km x 1.25 detour / speed, 80 km/h between two towns
  and 45 km/h otherwise, rounded to 0.1 and at least 0.5.

That gives about 2.5 roads per place. Providers sit only at the larger places
(the towns and the next ~10 % by population, drawn by population), which keeps
the number of distinct provider locations, the columns of the travel-time
matrix, well below the number of places. The kind mix follows limburg.yaml.

Command line (also ``python -m bench.gen_region``)::

    python -m routing.gen_region --nodes 50000 --providers 5000 --regions 11 --seed 1 --out DIR

writes ``DIR/<region id>.json`` for each region and ``DIR/nl.json``, the merged
national file. JSON, because the loader reads a national-size JSON file in well
under a second where YAML takes PyYAML some 15 seconds.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray
from scipy.sparse import coo_array
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree

__all__ = ["generate", "main", "merge", "write_region"]

# The sampling box (inside capacity.region's NL_LAT_RANGE / NL_LON_RANGE).
LAT_RANGE = (50.75, 53.45)
LON_RANGE = (3.40, 7.15)
#: Inhabitants of the Netherlands, spread over the generated places.
POPULATION = 17_900_000
TIMEZONE = "Europe/Amsterdam"

_LAT0, _LON0 = 52.1, 5.3  # projection origin, the middle of the country
_KM_PER_DEG_LAT = 111.2
_KM_PER_DEG_LON = 111.32 * math.cos(math.radians(_LAT0))
_COORD_DECIMALS = 5  # about 1 m

_NEAREST = 4  # every place to its 4 nearest places
_TOWN_NEAREST = 4  # every town to its 4 nearest towns
_TOWN_SHARE = 0.02  # the top 2 % by population are towns
_PROVIDER_PLACE_SHARE = 0.12  # towns plus the next 10 %
_DETOUR = 1.25
_TOWN_KMH = 80.0
_LOCAL_KMH = 45.0
_MIN_MINUTES = 0.5
_PARETO_ALPHA = 1.2
_MAX_PLACE = 900_000  # Amsterdam-sized at most

_KIND_SHARES = (("hospital", 0.14), ("hap", 0.19), ("vvt", 0.60), ("ggz", 0.07))
_KIND_LABEL = {"hospital": "Ziekenhuis", "hap": "Huisartsenpost", "vvt": "VVT", "ggz": "GGZ Crisisdienst"}
# Admission specialties and the bed totals of a hospital (limburg.yaml's range).
_ADMISSIONS = (
    ("admission_geriatrics", 12, 24),
    ("admission_internal", 28, 60),
    ("admission_pulmonology", 14, 32),
    ("admission_cardiology", 16, 36),
    ("admission_surgery", 20, 48),
)

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


# --------------------------------------------------------------------------- geography


def _on_land(lat: Array, lon: Array) -> NDArray[np.bool_]:
    """Roughly the Dutch land area inside the sampling box: sea, IJsselmeer and neighbours cut away."""
    sea = (
        ((lat > 52.4) & (lon < 4.6))  # North Sea off Noord-Holland
        | ((lat > 52.9) & (lon < 5.0))  # Texel and the Waddenzee
        | ((lat > 53.2) & (lon < 5.5))  # Waddenzee off Friesland
        | ((lat > 51.98) & (lat <= 52.4) & (lon < 4.13 + (lat - 51.98)))  # the Holland coast
        | ((lat >= 52.45) & (lat <= 52.95) & (lon >= 5.05) & (lon <= 5.65))  # IJsselmeer and Markermeer
    )
    abroad = (
        ((lat < 51.25) & (lon < 5.55))  # Belgium
        | ((lat < 51.0) & (lon > 6.1))  # Germany beside Zuid-Limburg
        | ((lat < 51.8) & (lon > 6.25))  # Germany beside Noord-Limburg
        | ((lat < 52.6) & (lon > 7.05))  # Germany beside Twente
    )
    result: NDArray[np.bool_] = ~(sea | abroad)
    return result


def _project(lat: Array, lon: Array) -> Array:
    """Equirectangular km around the middle of the country."""
    return np.column_stack(((lon - _LON0) * _KM_PER_DEG_LON, (lat - _LAT0) * _KM_PER_DEG_LAT))


def _sample_places(rng: np.random.Generator, n: int) -> tuple[Array, Array]:
    """``n`` distinct (after rounding) coordinates on land, in draw order."""
    lat: Array = np.empty(0)
    lon: Array = np.empty(0)
    scale = 10**_COORD_DECIMALS
    while len(lat) < n:
        batch = 2 * (n - len(lat)) + 64
        la = np.round(rng.uniform(*LAT_RANGE, batch), _COORD_DECIMALS)
        lo = np.round(rng.uniform(*LON_RANGE, batch), _COORD_DECIMALS)
        keep = _on_land(la, lo)
        lat, lon = np.concatenate((lat, la[keep])), np.concatenate((lon, lo[keep]))
        # Two places on one (rounded) spot would be a zero-length road and break the triangulation.
        key = np.rint(lat * scale).astype(np.int64) * (1000 * scale) + np.rint(lon * scale).astype(np.int64)
        _, first = np.unique(key, return_index=True)
        first.sort()
        lat, lon = lat[first], lon[first]
    return lat[:n], lon[:n]


def _populations(rng: np.random.Generator, n: int) -> IntArray:
    """Pareto-distributed inhabitants summing to about the Dutch population."""
    raw = rng.pareto(_PARETO_ALPHA, n) + 1.0
    pop = np.minimum(raw / raw.sum() * POPULATION, _MAX_PLACE)
    result: IntArray = np.maximum(np.rint(pop), 20).astype(np.int64)
    return result


# --------------------------------------------------------------------------- the road graph


def _pairs(edges: IntArray) -> IntArray:
    """Undirected edges (i < j), without loops and duplicates, sorted."""
    edges = np.sort(edges.reshape(-1, 2), axis=1)
    edges = edges[edges[:, 0] != edges[:, 1]]
    result: IntArray = np.unique(edges, axis=0)
    return result


def _spanning_tree(xy: Array) -> IntArray:
    """The edges of the Euclidean minimum spanning tree of ``xy`` (distinct points)."""
    n = len(xy)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    if n <= 400:  # the complete graph: small, and safe for collinear points
        i, j = np.triu_indices(n, k=1)
        candidates = np.column_stack((i, j)).astype(np.int64)
    else:  # the Delaunay triangulation contains the Euclidean MST
        simplices = Delaunay(xy).simplices.astype(np.int64)
        candidates = _pairs(simplices[:, [0, 1, 1, 2, 2, 0]])
    weights = np.hypot(*(xy[candidates[:, 0]] - xy[candidates[:, 1]]).T)
    graph = coo_array((weights, (candidates[:, 0], candidates[:, 1])), shape=(n, n)).tocsr()
    tree = minimum_spanning_tree(graph).tocoo()
    return np.column_stack((tree.row, tree.col)).astype(np.int64)


def _nearest_edges(xy: Array, k: int) -> IntArray:
    """Each point to its ``k`` nearest other points."""
    if len(xy) < 2:
        return np.empty((0, 2), dtype=np.int64)
    k = min(k, len(xy) - 1)
    _, nearest = cKDTree(xy).query(xy, k=k + 1)
    nearest = np.asarray(nearest, dtype=np.int64).reshape(len(xy), k + 1)
    own = np.repeat(np.arange(len(xy), dtype=np.int64), k + 1)
    return np.column_stack((own, nearest.ravel()))


def _road_edges(xy: Array, towns: IntArray, labels: IntArray, regions: int) -> IntArray:
    """Every road of the country as sorted index pairs."""
    parts = [_nearest_edges(xy, _NEAREST), _spanning_tree(xy)]
    parts.append(towns[_nearest_edges(xy[towns], _TOWN_NEAREST)])
    for r in range(regions):
        own = np.flatnonzero(labels == r)
        parts.append(own[_spanning_tree(xy[own])])
    return _pairs(np.concatenate(parts))


def _minutes(xy: Array, edges: IntArray, is_town: NDArray[np.bool_]) -> Array:
    km = np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T) * _DETOUR
    speed = np.where(is_town[edges[:, 0]] & is_town[edges[:, 1]], _TOWN_KMH, _LOCAL_KMH)
    result: Array = np.maximum(np.round(km / speed * 60, 1), _MIN_MINUTES)
    return result


# --------------------------------------------------------------------------- regions


def _kmeans(xy: Array, k: int, rng: np.random.Generator, iterations: int = 60) -> IntArray:
    """Labels 0..k-1 of a k-means clustering (k-means++ start); no cluster is empty."""
    n = len(xy)
    centers = np.empty((k, 2))
    centers[0] = xy[rng.integers(n)]
    d2 = ((xy - centers[0]) ** 2).sum(axis=1)
    for j in range(1, k):
        centers[j] = xy[rng.choice(n, p=d2 / d2.sum())] if d2.sum() > 0 else xy[rng.integers(n)]
        d2 = np.minimum(d2, ((xy - centers[j]) ** 2).sum(axis=1))
    labels = np.zeros(n, dtype=np.int64)
    for _ in range(iterations):
        distance, nearest = cKDTree(centers).query(xy)
        labels = np.asarray(nearest, dtype=np.int64)
        counts = np.bincount(labels, minlength=k)
        sums = np.column_stack([np.bincount(labels, weights=xy[:, d], minlength=k) for d in (0, 1)])
        moved = centers.copy()
        filled = counts > 0
        moved[filled] = sums[filled] / counts[filled, None]
        for j in np.flatnonzero(~filled).tolist():  # an empty cluster restarts at the worst-served point
            far = int(np.argmax(distance))
            moved[j] = xy[far]
            distance[far] = 0.0
        if np.allclose(moved, centers) and filled.all():
            break
        centers = moved
    counts = np.bincount(labels, minlength=k)
    for j in np.flatnonzero(counts == 0).tolist():  # only when points are fewer than distinct centres can hold
        donor = int(np.argmax(counts))
        moved_point = int(np.flatnonzero(labels == donor)[0])
        labels[moved_point] = j
        counts[donor] -= 1
        counts[j] += 1
    # Number the regions from north to south, then west to east.
    lat_mean = np.array([xy[labels == j, 1].mean() for j in range(k)])
    lon_mean = np.array([xy[labels == j, 0].mean() for j in range(k)])
    order = np.lexsort((lon_mean, -lat_mean))
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    result: IntArray = rank[labels]
    return result


def _apportion(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainders), each part at least ``minimum``."""
    count = len(weights)
    spare = total - minimum * count
    if spare < 0:
        raise ValueError(f"cannot give {count} parts at least {minimum} of {total}")
    weight_sum = float(sum(weights)) or 1.0
    exact = [spare * w / weight_sum for w in weights]
    parts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(count), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[: spare - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


# --------------------------------------------------------------------------- providers


def _hap_hours() -> list[dict[str, str]]:
    return [
        {"days": "mon-fri", "from": "17:00", "to": "08:00"},
        {"days": "sat,sun", "from": "00:00", "to": "24:00"},
        {"days": "mon", "from": "00:00", "to": "08:00"},
    ]


def _night_team(total: int) -> dict[str, Any]:
    return {"total": total, "hours": [{"days": "mon-sun", "from": "23:00", "to": "07:00"}]}


def _care_types(kind: str, number: int, rng: np.random.Generator) -> tuple[str | list[dict[str, str]], dict[str, Any]]:
    """The hours and care types of the ``number``-th (1-based) provider of ``kind`` in its region."""
    offers: dict[str, Any] = {}
    if kind == "hospital":
        offers["seh"] = int(rng.integers(4, 13))
        chosen = np.sort(rng.choice(len(_ADMISSIONS), size=int(rng.integers(2, 4)), replace=False))
        for i in chosen:
            ct, low, high = _ADMISSIONS[int(i)]
            offers[ct] = int(rng.integers(low, high + 1))
        return "24/7", offers
    if kind == "hap":
        offers["hap_consult"] = int(rng.integers(3, 9))
        offers["hap_visit"] = int(rng.integers(1, 4))
        return _hap_hours(), offers
    if kind == "vvt":
        draw = rng.random(5)
        if draw[0] < 0.7:
            total = int(rng.integers(3, 15))
            offers["elv_laag"] = {"total": total, "eligibility": {"must_return_home": True}} if draw[4] < 0.2 else total
        if draw[1] < 0.6:
            offers["elv_hoog"] = int(rng.integers(2, 13))
        if draw[2] < 0.4:
            total = int(rng.integers(2, 6))
            which = int(rng.integers(3))
            criteria = ({"psychogeriatric": True}, {"requires_wlz": True}, None)[which]
            offers["crisis_bed"] = {"total": total, "eligibility": criteria} if criteria else total
        if draw[3] < 0.55 or not offers:
            offers["wijkverpleging_spoed"] = _night_team(int(rng.integers(2, 5)))
        return "24/7", offers
    # ggz: one in three is the round-the-clock crisis service; the others take
    # referrals on weekdays while their crisis beds admit around the clock.
    always = number % 3 == 1
    offers["ggz_crisis_assessment"] = int(rng.integers(2, 4))
    beds = int(rng.integers(4, 9))
    offers["ggz_crisis_bed"] = beds if always else {"total": beds, "hours": "24/7"}
    offers["ggz_intensive_home"] = {"total": int(rng.integers(6, 11)), "eligibility": {"min_age": 18, "max_age": 60}}
    hours: str | list[dict[str, str]] = "24/7" if always else [{"days": "mon-fri", "from": "08:00", "to": "22:00"}]
    return hours, offers


@dataclass(frozen=True, slots=True)
class _Places:
    """The generated places: index i is location ``ids[i]``."""

    ids: list[str]
    names: list[str]
    pop: IntArray
    labels: IntArray  # region index of each place
    is_town: NDArray[np.bool_]
    is_provider_place: NDArray[np.bool_]


def _providers(
    rng: np.random.Generator, total: int, places: _Places, region_numbers: list[str]
) -> list[list[dict[str, Any]]]:
    """The providers of each region: ``total`` in all, at least one per region."""
    regions = len(region_numbers)
    labels, pop, is_town, is_provider_place = places.labels, places.pop, places.is_town, places.is_provider_place
    pools: list[IntArray] = []
    for r in range(regions):
        own = np.flatnonzero(labels == r)
        pool = own[is_provider_place[own]]
        if not len(pool):  # a region of small places only: its largest one
            pool = own[np.argsort(-pop[own], kind="stable")[:1]]
        pools.append(pool)
    quotas = _apportion(total, [float(pop[p].sum()) for p in pools], minimum=1)
    kinds = [k for k, _ in _KIND_SHARES]
    result: list[list[dict[str, Any]]] = []
    for r, (pool, quota) in enumerate(zip(pools, quotas, strict=True)):
        counts = dict(zip(kinds, _apportion(quota, [s for _, s in _KIND_SHARES]), strict=True))
        if quota >= 3 and counts["hospital"] == 0:  # every ROAZ region has an emergency department
            counts["hospital"], counts["vvt"] = 1, counts["vvt"] - 1
        towns = pool[is_town[pool]]
        width = max(4, len(str(max(counts.values()))))
        providers: list[dict[str, Any]] = []
        seen: dict[tuple[str, int], int] = {}
        for kind in kinds:
            if not counts[kind]:
                continue
            # Hospitals and crisis services sit in towns where the region has any.
            candidates = towns if kind in ("hospital", "ggz") and len(towns) else pool
            weight = pop[candidates].astype(np.float64)
            sites = rng.choice(candidates, size=counts[kind], p=weight / weight.sum())
            for number, site in enumerate(sites.tolist(), start=1):
                at = seen[kind, site] = seen.get((kind, site), 0) + 1
                name = f"{_KIND_LABEL[kind]} {places.names[site]}" + (f" {at}" if at > 1 else "")
                hours, offers = _care_types(kind, number, rng)
                providers.append(
                    {
                        "id": f"{kind}-{region_numbers[r]}-{number:0{width}d}",
                        "name": name,
                        "kind": kind,
                        "location": places.ids[site],
                        "hours": hours,
                        "care_types": offers,
                    }
                )
        result.append(providers)
    return result


# --------------------------------------------------------------------------- public API


def generate(*, nodes: int, providers: int, regions: int = 1, seed: int = 1) -> list[dict[str, Any]]:
    """``regions`` synthetic region files together covering the Netherlands, deterministic in ``seed``.

    ``nodes`` places (locations) and ``providers`` providers in total; location
    and provider ids are unique across all regions. A road between two regions
    is a ``border_roads`` entry in both files.
    """
    if regions < 1:
        raise ValueError(f"regions must be at least 1, not {regions}")
    if nodes < regions:
        raise ValueError(f"nodes ({nodes}) must be at least the number of regions ({regions})")
    if providers < regions:
        raise ValueError(f"providers ({providers}) must be at least the number of regions ({regions}): one each")
    rng = np.random.default_rng(seed)
    lat, lon = _sample_places(rng, nodes)
    pop = _populations(rng, nodes)
    xy = _project(lat, lon)

    by_size = np.argsort(-pop, kind="stable")
    n_towns = min(nodes, max(2, math.ceil(_TOWN_SHARE * nodes)))
    towns = np.sort(by_size[:n_towns])
    is_town = np.zeros(nodes, dtype=bool)
    is_town[towns] = True
    is_provider_place = np.zeros(nodes, dtype=bool)
    is_provider_place[by_size[: max(n_towns, math.ceil(_PROVIDER_PLACE_SHARE * nodes))]] = True

    labels = _kmeans(xy, regions, rng) if regions > 1 else np.zeros(nodes, dtype=np.int64)
    edges = _road_edges(xy, towns, labels, regions)
    minutes = _minutes(xy, edges, is_town)

    width = max(5, len(str(nodes)))
    location_ids = [f"n{i:0{width}d}" for i in range(1, nodes + 1)]
    location_names = [f"{'Stad' if town else 'Plaats'} {i}" for i, town in enumerate(is_town.tolist(), start=1)]
    rwidth = max(2, len(str(regions)))
    numbers = [f"{r:0{rwidth}d}" for r in range(1, regions + 1)]
    region_ids = [f"roaz-{number}" for number in numbers]

    files: list[dict[str, Any]] = [
        {
            "region": {"id": region_ids[r], "name": f"Synthetische ROAZ {r + 1}", "timezone": TIMEZONE},
            "locations": [],
            "roads": [],
            "border_roads": [],
            "providers": [],
        }
        for r in range(regions)
    ]
    lat_list, lon_list, pop_list, label_list = lat.tolist(), lon.tolist(), pop.tolist(), labels.tolist()
    for i, loc_id in enumerate(location_ids):
        files[label_list[i]]["locations"].append(
            {
                "id": loc_id,
                "name": location_names[i],
                "lat": lat_list[i],
                "lon": lon_list[i],
                "population": pop_list[i],
            }
        )
    for (a, b), m in zip(edges.tolist(), minutes.tolist(), strict=True):
        ra, rb = label_list[a], label_list[b]
        if ra == rb:
            files[ra]["roads"].append({"from": location_ids[a], "to": location_ids[b], "minutes": m})
        else:
            files[ra]["border_roads"].append(
                {"from": location_ids[a], "to": f"{region_ids[rb]}:{location_ids[b]}", "minutes": m}
            )
            files[rb]["border_roads"].append(
                {"from": location_ids[b], "to": f"{region_ids[ra]}:{location_ids[a]}", "minutes": m}
            )
    places = _Places(location_ids, location_names, pop, labels, is_town, is_provider_place)
    placed = _providers(rng, providers, places, numbers)
    for file, region_providers in zip(files, placed, strict=True):
        file["providers"] = region_providers
    return files


def merge(regions: list[dict[str, Any]]) -> dict[str, Any]:
    """One national region file (id ``nl``) of region files: border roads become ordinary roads.

    A border road whose far end is in none of ``regions`` is left out. The
    location and provider entries are those of ``regions``, not copies.
    """
    locations = [loc for region in regions for loc in region["locations"]]
    known = {loc["id"] for loc in locations}
    roads: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for region in regions:
        roads.extend(dict(road) for road in region["roads"])
        for road in region.get("border_roads") or ():
            a = road["from"]
            b = str(road["to"]).partition(":")[2]
            key = (a, b) if a < b else (b, a)
            if b in known and key not in seen:
                seen.add(key)
                roads.append({"from": a, "to": b, "minutes": road["minutes"]})
    return {
        "region": {"id": "nl", "name": "Nederland (synthetisch)", "timezone": TIMEZONE},
        "locations": locations,
        "roads": roads,
        "providers": [p for region in regions for p in region["providers"]],
    }


class _PlainDumper(yaml.SafeDumper):
    """Safe YAML without anchors and aliases, even for shared sub-structures."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def write_region(data: dict[str, Any], path: Path) -> None:
    """Write a region file: JSON when ``path`` ends in .json (fast to load), else YAML."""
    path = Path(path)
    with path.open("w", encoding="utf-8") as out:
        if path.suffix.lower() == ".json":
            json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
            out.write("\n")
        else:
            yaml.dump(data, out, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, default_flow_style=None)


def _summary(path: Path, data: dict[str, Any]) -> str:
    size = path.stat().st_size
    shown = f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"
    border = len(data.get("border_roads") or ())
    return (
        f"{path}: {data['region']['id']}, {len(data['locations'])} locations, {len(data['roads'])} roads, "
        f"{border} border roads, {len(data['providers'])} providers, {shown}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write a synthetic national set of region files as JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m routing.gen_region",
        description="Generate synthetic ROAZ region files covering the Netherlands, plus the merged nl.json.",
    )
    parser.add_argument("--nodes", type=int, default=50_000, help="places (locations) in total (default 50000)")
    parser.add_argument("--providers", type=int, default=5_000, help="providers in total (default 5000)")
    parser.add_argument("--regions", type=int, default=11, help="number of ROAZ regions (default 11)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="output directory (created if missing)")
    args = parser.parse_args(argv)
    try:
        files = generate(nodes=args.nodes, providers=args.providers, regions=args.regions, seed=args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for data in [*files, merge(files)]:
        path = out / f"{data['region']['id']}.json"
        write_region(data, path)
        print(_summary(path, data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
