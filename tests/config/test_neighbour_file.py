"""The shipped neighbouring region file: check-config clean, and every border road reaches a Limburg location."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from capacity.model import CareType, Region
from capacity.region import check_region_file, load_region
from coordinator.cli import main
from routing.graph import RoadGraph

NEIGHBOUR = Path(__file__).resolve().parents[2] / "config/regions/nijmegen-boxmeer.yaml"


def test_the_neighbour_file_is_clean_and_joins_limburg_where_gennep_and_mook_cross(
    care_types: dict[str, CareType], limburg: Region
) -> None:
    assert check_region_file(NEIGHBOUR, care_types) == []
    nb = load_region(NEIGHBOUR, care_types)
    assert {r.b.partition(":")[0] for r in nb.border_roads} == {"limburg"}
    assert {r.b.partition(":")[2] for r in nb.border_roads} <= set(limburg.locations)
    assert {"zh-radboudumc", "zh-cwz", "zh-maasziekenhuis", "hap-nijmegen", "hap-land-van-cuijk"} <= set(nb.providers)
    graph = RoadGraph(limburg, (nb,)).graph
    for town in ("gennep", "mook-en-middelaar"):
        for site in ("site-radboudumc", "site-maasziekenhuis"):
            minutes = nx.shortest_path_length(graph, ("limburg", town), (nb.id, site), weight="minutes")
            assert minutes < 40, (town, site, minutes)
    assert main(["check-config", str(NEIGHBOUR)]) == 0
