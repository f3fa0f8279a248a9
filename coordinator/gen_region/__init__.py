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

Command line (``zcc gen-region``, also ``python -m bench.gen_region``)::

    python -m coordinator.gen_region --nodes 50000 --providers 5000 --regions 11 --seed 1 --out DIR

writes ``DIR/<region id>.json`` for each region and ``DIR/nl.json``, the merged
national file. JSON, because the loader reads a national-size JSON file in well
under a second where YAML takes PyYAML some 15 seconds.

Modules: :mod:`~coordinator.gen_region.geography` (places, populations,
regions), :mod:`~coordinator.gen_region.roads` (the road network),
:mod:`~coordinator.gen_region.providers`, :mod:`~coordinator.gen_region.generator`
(all of it in memory), :mod:`~coordinator.gen_region.write` (merge and write
files) and :mod:`~coordinator.gen_region.cli` (the command line).
"""

from __future__ import annotations

from .cli import main
from .generator import generate
from .write import merge, write_region

__all__ = ["generate", "main", "merge", "write_region"]
