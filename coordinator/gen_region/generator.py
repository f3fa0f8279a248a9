"""The synthetic national region files, generated in memory: :func:`generate`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .geography import TIMEZONE, kmeans, populations, project, sample_places
from .providers import Places, place_providers
from .roads import road_edges, road_minutes

__all__ = ["generate"]

_TOWN_SHARE = 0.02  # the top 2 % by population are towns
_PROVIDER_PLACE_SHARE = 0.12  # towns plus the next 10 %


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
    lat, lon = sample_places(rng, nodes)
    pop = populations(rng, nodes)
    xy = project(lat, lon)

    by_size = np.argsort(-pop, kind="stable")
    n_towns = min(nodes, max(2, math.ceil(_TOWN_SHARE * nodes)))
    towns = np.sort(by_size[:n_towns])
    is_town = np.zeros(nodes, dtype=bool)
    is_town[towns] = True
    is_provider_place = np.zeros(nodes, dtype=bool)
    is_provider_place[by_size[: max(n_towns, math.ceil(_PROVIDER_PLACE_SHARE * nodes))]] = True

    labels = kmeans(xy, regions, rng) if regions > 1 else np.zeros(nodes, dtype=np.int64)
    edges = road_edges(xy, towns, labels, regions)
    minutes = road_minutes(xy, edges, is_town)

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
    places = Places(location_ids, location_names, pop, labels, is_town, is_provider_place)
    placed = place_providers(rng, providers, places, numbers)
    for file, region_providers in zip(files, placed, strict=True):
        file["providers"] = region_providers
    return files
