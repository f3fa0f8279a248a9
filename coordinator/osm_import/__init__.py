"""``zcc import-osm``: a region file whose road graph is the real car network of an OpenStreetMap extract.

The steps, one module each:

- :mod:`.speeds`: which ways a car drives (highway classes), at what speed (``maxspeed`` where tagged,
  a class default otherwise) and which way (``oneway``, roundabouts, motorways);
- :mod:`.reader`: the drivable segments of a ``.osm.pbf`` file, streamed with pyosmium;
- :mod:`.network`: the directed graph in numpy arrays, cropped to the region's bounds, its largest
  strongly connected part, and chains of pass-through (degree-2) nodes contracted into single arcs;
- :mod:`.attach`: every location of the region file and every postcode centroid snapped to its nearest
  node (that node is kept through the contraction), joined by a two-way access road;
- :mod:`.importer`: the whole run, the checked region file written as JSON, and its report.

The network's nodes become ``junctions`` of the region file (no places: a patient never snaps to one,
no provider sits there, no row of the travel matrix), so the service's memory grows with the arcs of
the network, not with junctions times places.
"""

from __future__ import annotations

from .importer import ImportReport, import_osm

__all__ = ["ImportReport", "import_osm"]
