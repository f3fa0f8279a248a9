"""``zcc import-osm``: a region file whose road graph is the real car network of an OpenStreetMap extract.

The steps, one module each:

- :mod:`.speeds`: which ways a car drives (highway classes), at what speed (``maxspeed`` where tagged,
  a class default otherwise) and which way (``oneway``, roundabouts, motorways);
- :mod:`.reader`: the drivable segments of a ``.osm.pbf`` file, streamed with pyosmium;
- :mod:`.network`: the directed graph in numpy arrays (minutes, km and tier per arc), cropped to the
  region's bounds, its largest strongly connected part, and chains of pass-through (degree-2) nodes
  contracted into single arcs;
- :mod:`.attach`: every town and site of the region file and every postcode centroid snapped to its
  nearest node (that node is kept through the contraction), joined by a two-way access road;
- :mod:`.importer`: the whole run, the checked region file written as JSON, and its report.

The file is in the region format ``zcc serve`` and ``zcc check-config`` read: the network's nodes are
locations of kind ``junction`` (a patient never snaps to one, no provider sits there, they have no
row of the travel matrix), each road is its ``km`` at the ``speed`` that gives its minutes, with its
``tier`` and ``oneway: true`` where it runs one way only.
"""

from __future__ import annotations

from .importer import ImportReport, import_osm

__all__ = ["ImportReport", "import_osm"]
