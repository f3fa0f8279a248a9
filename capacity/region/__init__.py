"""Loading and validating care-type and region files into the domain model of capacity.model.

A region file is YAML with four sections and an optional fifth (see
config/regions/limburg.yaml for a commented example)::

    region:       {id, name, timezone}
    locations:    [{id, name, lat, lon, population?}]
    roads:        [{from, to, minutes}]
    providers:    [{id, name, kind, location, hours, care_types}]
    border_roads: [{from, to: "<other region id>:<location id>", minutes}]   # optional

A border road leads from one of the region's own locations to a location of a
neighbouring region. Only its form is checked here (the other region is another
file); it does not count towards the region's own road graph being connected.

:func:`check_region` reports every problem of a parsed file at once, each as a
:class:`~capacity.errors.ConfigError` whose ``field`` is a path into the file
(``providers[3].care_types.elv_hoog.total``), so ``zcc check-config`` can list
them all. :func:`parse_region` builds the :class:`~capacity.model.Region` in the
same single pass and raises when anything is wrong. The pass is linear in the
size of the file: lookups go through dicts and the connectivity check is a
union-find, so a file with 50,000 locations, 120,000 roads and 5,000 providers
checks in about half a second. Parsing YAML of that size takes PyYAML (even
with libyaml) some 15 seconds; a file named ``*.json`` is read with the json
module instead, in well under a second.

The modules, one responsibility each:

- :mod:`.paths`: where the shipped configuration lives;
- :mod:`.hours`: opening hours ("24/7" or weekly windows);
- :mod:`.care_types`: care type files, and reading a file to check against care types;
- :mod:`.network`: locations, roads, border roads and connectivity;
- :mod:`.providers`: providers, their offers and eligibility;
- :mod:`.checker`: the region section and the whole file in one pass;
- :mod:`.load`: the public check, parse and load functions of region files.

The field helpers they build on, shared with the triage protocol's checker, are
in :mod:`capacity.config_check`.
"""

from __future__ import annotations

from .care_types import UNITS, check_with_care_types, load_care_types, read_with_care_types
from .checker import DEFAULT_TIMEZONE
from .hours import DAY_NAMES, parse_hours
from .load import check_region, check_region_file, load_region, parse_region
from .network import NL_LAT_RANGE, NL_LON_RANGE
from .paths import DEFAULT_REGION_FILE, default_config_dir, default_region_path

__all__ = [
    "DAY_NAMES",
    "DEFAULT_REGION_FILE",
    "DEFAULT_TIMEZONE",
    "NL_LAT_RANGE",
    "NL_LON_RANGE",
    "UNITS",
    "check_region",
    "check_region_file",
    "check_with_care_types",
    "default_config_dir",
    "default_region_path",
    "load_care_types",
    "load_region",
    "parse_hours",
    "parse_region",
    "read_with_care_types",
]
