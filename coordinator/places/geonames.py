"""Reading a GeoNames postal-code file (PC4 rows of the Netherlands) into zcc's PC4 table, flagging rows not to trust.

GeoNames publishes one tab-separated file per country (``NL.txt``, CC-BY 4.0, www.geonames.org)
with the columns: country, postal code, place, admin1 name, admin1 code, admin2 name (the
municipality), admin2 code, admin3 name, admin3 code, latitude, longitude, accuracy. The file
has its own errors, so every row is checked before it is used:

- ``not_pc4``: the code is not four digits from 1000 to 9999 (a Dutch PC4);
- ``dummy``: a known placeholder code (1234, 9999) that stands for no real area;
- ``outside_nl``: coordinates outside the European Netherlands;
- ``inconsistent``: a code listed on several rows (one per place it covers) whose rows lie more
  than :data:`SPREAD_KM` apart; rows that agree are merged into one at their mean;
- ``far_from_municipality``: a centroid far from its municipality's other codes: more than
  :data:`FAR_KM` from their median *and* more than :data:`ALONE_KM` from the nearest of them
  (an outlying village lies near some other code of its municipality; a misplaced centroid
  near none).

Flagged rows are left out of the table and reported, each with its reason.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from capacity.region import NL_LAT_RANGE, NL_LON_RANGE

__all__ = [
    "ALONE_KM",
    "DUMMY_CODES",
    "FAR_KM",
    "SPREAD_KM",
    "Flag",
    "PostcodeRow",
    "check_rows",
    "import_file",
    "municipality_name",
    "read_geonames",
    "write_table",
]

#: Codes GeoNames carries that stand for no real area.
DUMMY_CODES = frozenset({"1234", "9999"})
#: A code further than this from the median of its municipality's codes, and further than
#: ALONE_KM from the nearest of them, is misplaced (see :func:`check_rows`).
FAR_KM = 8.0
ALONE_KM = 7.0
#: The rows of one code (one per place it covers) may lie this far apart and still be one area.
SPREAD_KM = 5.0
_EARTH_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class PostcodeRow:
    """One row of the file: a PC4 code, its centroid, place and municipality."""

    line: int
    postcode: str
    place: str
    municipality: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Flag:
    """A row not to trust, with a stable code and the reason in words."""

    row: PostcodeRow
    code: str
    reason: str


@dataclass(slots=True)
class _Parsed:
    rows: list[PostcodeRow] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)


def municipality_name(admin2: str) -> str:
    """'Gemeente Heerlen' and 'Maastricht Municipality' both become the municipality's own name."""
    name = admin2.strip()
    for prefix in ("Gemeente ",):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    for suffix in (" Municipality", " Municipalitye"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name.strip()


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_KM * math.asin(math.sqrt(a))


def read_geonames(lines: Iterable[str]) -> tuple[list[PostcodeRow], list[Flag]]:
    """The rows of a GeoNames postal-code file, and the rows flagged on their own (bad code, dummy, duplicate, place).

    A line that is not a GeoNames row (too few columns, coordinates that are no numbers) is
    flagged ``unreadable``.
    """
    parsed = _Parsed()
    lat_lo, lat_hi = NL_LAT_RANGE
    lon_lo, lon_hi = NL_LON_RANGE
    for n, raw in enumerate(lines, start=1):
        text = raw.rstrip("\r\n")
        if not text.strip():
            continue
        cols = text.split("\t")
        try:
            row = PostcodeRow(
                n, cols[1].strip(), cols[2].strip(), municipality_name(cols[5]), float(cols[9]), float(cols[10])
            )
        except (IndexError, ValueError):
            placeholder = PostcodeRow(n, cols[1].strip() if len(cols) > 1 else "", "", "", math.nan, math.nan)
            parsed.flags.append(Flag(placeholder, "unreadable", f"line {n} is not a GeoNames postal-code row"))
            continue
        if not (len(row.postcode) == 4 and row.postcode.isdigit() and row.postcode[0] != "0"):
            parsed.flags.append(Flag(row, "not_pc4", f"{row.postcode!r} is not a 4-digit Dutch postcode (1000-9999)"))
        elif row.postcode in DUMMY_CODES:
            parsed.flags.append(Flag(row, "dummy", f"{row.postcode} is a placeholder code, not a real area"))
        elif not (lat_lo <= row.lat <= lat_hi and lon_lo <= row.lon <= lon_hi):
            parsed.flags.append(Flag(row, "outside_nl", f"({row.lat}, {row.lon}) lies outside the Netherlands"))
        else:
            parsed.rows.append(row)
    merged, inconsistent = _merge(parsed.rows)
    return merged, parsed.flags + inconsistent


def _merge(rows: Sequence[PostcodeRow]) -> tuple[list[PostcodeRow], list[Flag]]:
    """One row per code: the rows of a code that lie close together merged at their mean (first place named)."""
    by_code: dict[str, list[PostcodeRow]] = {}
    for row in rows:
        by_code.setdefault(row.postcode, []).append(row)
    merged: list[PostcodeRow] = []
    flags: list[Flag] = []
    for group in by_code.values():
        first = group[0]
        if len(group) == 1:
            merged.append(first)
            continue
        lat = statistics.fmean(r.lat for r in group)
        lon = statistics.fmean(r.lon for r in group)
        spread = max(_km(r.lat, r.lon, lat, lon) for r in group)
        if spread > SPREAD_KM:
            places = ", ".join(sorted({r.place for r in group}))
            flags.append(
                Flag(first, "inconsistent", f"{first.postcode} is listed at places {spread:.1f} km apart ({places})")
            )
            continue
        merged.append(PostcodeRow(first.line, first.postcode, first.place, first.municipality, lat, lon))
    return merged, flags


def check_rows(rows: Sequence[PostcodeRow]) -> tuple[list[PostcodeRow], list[Flag]]:
    """The rows to trust, and those whose centroid lies far from the other codes of their municipality.

    Flagged: more than :data:`FAR_KM` from the median of the municipality's other codes and more
    than :data:`ALONE_KM` from the nearest of them. Municipalities with fewer than three codes
    have no yardstick and pass.
    """
    groups: dict[str, list[PostcodeRow]] = {}
    for row in rows:
        groups.setdefault(row.municipality, []).append(row)
    trusted: list[PostcodeRow] = []
    flags: list[Flag] = []
    for row in rows:
        group = groups[row.municipality]
        if len(group) < 3:
            trusted.append(row)
            continue
        others = [r for r in group if r is not row]
        lat = statistics.median(r.lat for r in others)
        lon = statistics.median(r.lon for r in others)
        off = _km(row.lat, row.lon, lat, lon)
        nearest = min(_km(row.lat, row.lon, r.lat, r.lon) for r in others)
        if off > FAR_KM and nearest > ALONE_KM:
            flags.append(
                Flag(
                    row,
                    "far_from_municipality",
                    f"{row.postcode} {row.place} lies {off:.1f} km from the middle of {row.municipality}'s other "
                    f"codes and {nearest:.1f} km from the nearest of them",
                )
            )
        else:
            trusted.append(row)
    return trusted, flags


def write_table(rows: Iterable[PostcodeRow], out: TextIO) -> int:
    """Write zcc's PC4 table (postcode, lat, lon, place, municipality), sorted by code; the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["postcode", "lat", "lon", "place", "municipality"])
    n = 0
    for row in sorted(rows, key=lambda r: r.postcode):
        writer.writerow([row.postcode, f"{row.lat:.4f}", f"{row.lon:.4f}", row.place, row.municipality])
        n += 1
    return n


def import_file(path: Path) -> tuple[list[PostcodeRow], list[Flag]]:
    """Read and check a GeoNames file: the trusted rows and every flag, in file order."""
    with path.open(encoding="utf-8") as f:
        rows, flags = read_geonames(f)
    trusted, far = check_rows(rows)
    return trusted, sorted(flags + far, key=lambda flag: flag.row.line)
