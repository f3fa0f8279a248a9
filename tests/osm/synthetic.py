"""A small OpenStreetMap extract written with pyosmium, each way there to show one rule of the import."""

from __future__ import annotations

from pathlib import Path

import osmium

__all__ = ["NODES", "write_extract"]

# Node id -> (lat, lon), near Roermond. 1 km north is about 0.009 degrees, 1 km east about 0.0143.
NODES: dict[int, tuple[float, float]] = {
    1: (51.000, 5.900),
    5: (51.000, 5.9047),  # 5 and 6: on the residential road from 1 to 2 (contracted away)
    6: (51.000, 5.9095),
    2: (51.000, 5.9143),
    3: (51.009, 5.9143),
    4: (51.009, 5.900),
    7: (51.018, 5.9143),  # the end of a one-way road leading out of the network: dropped
    8: (50.991, 5.900),  # on a footway only
    9: (50.991, 5.9143),  # on a service road only
}

# (way id, node ids, tags)
WAYS: list[tuple[int, list[int], dict[str, str]]] = [
    (10, [1, 5, 6, 2], {"highway": "residential"}),  # 1 km at 30 km/h: 2 min each way
    (11, [2, 3], {"highway": "primary", "oneway": "yes", "maxspeed": "50"}),  # 1 km at 50: 1.2 min, 2 to 3 only
    (12, [3, 4, 1], {"highway": "residential"}),  # 2 km at 30: 4 min each way
    (13, [3, 7], {"highway": "tertiary", "oneway": "yes"}),  # into a dead end
    (14, [1, 8], {"highway": "footway"}),
    (15, [2, 9], {"highway": "service"}),
]


def write_extract(path: Path) -> Path:
    """Write the extract as ``.osm.pbf``."""
    with osmium.SimpleWriter(str(path)) as writer:
        for node_id, (lat, lon) in sorted(NODES.items()):
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(lon, lat), version=1))
        for way_id, refs, tags in WAYS:
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags, version=1))
    return path
