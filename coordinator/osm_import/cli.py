"""The importer's command line: ``zcc import-osm EXTRACT.osm.pbf --region REGION_FILE --out REGION.json``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from capacity.errors import ConfigError
from capacity.region import load_care_types

from .speeds import CLASSES

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``import-osm`` to the ``zcc`` command's subcommands."""
    p = sub.add_parser(
        "import-osm",
        help="build a region file's road graph from an OpenStreetMap extract (.osm.pbf)",
        description="Build the drivable car network of an OpenStreetMap extract under the places and "
        "providers of a region file, and write the result as a region file (JSON).",
    )
    p.add_argument("extract", type=Path, help="the OpenStreetMap extract (.osm.pbf)")
    p.add_argument("--region", type=Path, required=True, help="the region file whose places and providers to keep")
    p.add_argument("--out", type=Path, required=True, help="the region file to write (JSON)")
    p.add_argument(
        "--postcodes",
        type=Path,
        help="a PC4 table (postcode, lat, lon, place) whose centroids become places on the network",
    )
    p.add_argument(
        "--min-class",
        dest="least",
        choices=CLASSES,
        default=CLASSES[-1],
        help="the least important road class to keep (default living_street: every road a car may drive; "
        "tertiary keeps the through roads, for a region of national size)",
    )
    p.add_argument("--care-types", dest="care_types", type=Path, help="care types file to check against")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run one import and print its report; exit 2 with the reason when it cannot be done."""
    from .importer import import_osm  # pyosmium loads only when an import runs

    try:
        care_types = load_care_types(args.care_types) if args.care_types else None
        report = import_osm(
            args.extract, args.region, args.out, postcodes=args.postcodes, care_types=care_types, least=args.least
        )
    except ConfigError as exc:
        where = f" ({exc.field})" if exc.field else ""
        print(f"zcc import-osm: {exc.detail}{where}", file=sys.stderr)
        return 2
    print(f"{args.out}: written")
    print(report.text())
    return 0
