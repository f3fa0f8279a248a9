"""The ``zcc import-postcodes`` subcommand: a GeoNames postal-code file into zcc's PC4 table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from capacity.errors import ConfigError
from capacity.region import load_region
from routing.graph import MAX_SNAP_KM, haversine_km

from .geonames import PostcodeRow, import_file, write_table

__all__ = ["add_parser", "cmd_import_postcodes"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add ``import-postcodes`` to the ``zcc`` subcommands."""
    p = sub.add_parser(
        "import-postcodes",
        help="turn a GeoNames postal-code file (NL.txt) into a PC4 table, leaving out rows not to trust",
        description="Reads the GeoNames postal-code format (tab-separated; www.geonames.org, CC-BY 4.0), "
        "checks every row (dummy codes such as 1234 and 9999, codes listed at places far apart, centroids "
        "far from their municipality's other codes) and writes the trusted rows as postcode,lat,lon,place,"
        "municipality. Flagged rows are listed on standard error.",
    )
    p.add_argument("file", help="GeoNames postal-code file, e.g. NL.txt")
    p.add_argument("--out", required=True, help="the PC4 table to write (CSV)")
    p.add_argument(
        "--region",
        help="keep only codes within reach of this region's towns; the municipality column then names "
        "the nearest town's location id",
    )
    p.set_defaults(func=cmd_import_postcodes)
    return p


def _within_region(rows: list[PostcodeRow], region_file: str) -> list[PostcodeRow]:
    """The rows near one of the region's towns, each with the nearest town's id as its municipality."""
    region = load_region(region_file)
    towns = [loc for loc in region.locations.values() if loc.kind == "town"] or list(region.locations.values())
    kept = []
    for row in rows:
        km, town = min((haversine_km(row.lat, row.lon, t.lat, t.lon), t.id) for t in towns)
        if km <= MAX_SNAP_KM:
            kept.append(PostcodeRow(row.line, row.postcode, row.place, town, row.lat, row.lon))
    return kept


def cmd_import_postcodes(args: argparse.Namespace) -> int:
    """Import, report the flagged rows on stderr, write the table; exit 0, or 2 when the file cannot be read."""
    try:
        rows, flags = import_file(Path(args.file))
        if args.region:
            rows = _within_region(rows, args.region)
    except OSError as exc:
        print(f"zcc import-postcodes: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except (UnicodeDecodeError, ConfigError) as exc:
        print(f"zcc import-postcodes: {exc}", file=sys.stderr)
        return 2
    for flag in flags:
        print(f"flagged line {flag.row.line} ({flag.row.postcode}): {flag.code}: {flag.reason}", file=sys.stderr)
    with Path(args.out).open("w", encoding="utf-8", newline="") as out:
        written = write_table(rows, out)
    print(f"{args.out}: {written} postcodes written, {len(flags)} rows flagged and left out")
    return 0
