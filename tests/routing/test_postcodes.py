"""Tests of config/postcodes/limburg.csv: Limburg's 4-digit postcodes (PC4) with approximate centroids."""

from __future__ import annotations

import csv
import math
import re

import pytest

from capacity.model import Region
from capacity.region import default_config_dir, load_region

HEADER = ["postcode", "lat", "lon", "place", "municipality"]
MAX_KM = 12.0


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    path = default_config_dir() / "postcodes" / "limburg.csv"
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == HEADER
        return list(reader)


@pytest.fixture(scope="module")
def limburg() -> Region:
    return load_region()


def test_every_row_parses(rows: list[dict[str, str]]) -> None:
    assert len(rows) >= 120
    for row in rows:
        assert None not in row and all(v is not None for v in row.values()), f"wrong number of fields: {row}"
        assert re.fullmatch(r"\d{4}", row["postcode"]), row
        assert 5700 <= int(row["postcode"]) <= 6699, row
        lat, lon = float(row["lat"]), float(row["lon"])
        assert 50.74 <= lat <= 51.78 and 5.55 <= lon <= 6.25, f"{row} lies outside Limburg"
        assert row["place"].strip() == row["place"] and row["place"], row


def test_postcodes_are_unique_and_sorted(rows: list[dict[str, str]]) -> None:
    codes = [row["postcode"] for row in rows]
    assert len(set(codes)) == len(codes), [c for c in codes if codes.count(c) > 1]
    assert codes == sorted(codes)


def test_every_postcode_lies_near_its_municipality(rows: list[dict[str, str]], limburg: Region) -> None:
    far = []
    for row in rows:
        location = limburg.locations.get(row["municipality"])
        assert location is not None, f"{row}: municipality is not a location id of limburg.yaml"
        distance = km(float(row["lat"]), float(row["lon"]), location.lat, location.lon)
        if distance > MAX_KM:
            far.append(f"{row['postcode']} {row['place']}: {distance:.1f} km from {location.name}")
    assert not far, far


def test_every_municipality_has_postcodes(rows: list[dict[str, str]], limburg: Region) -> None:
    covered = {row["municipality"] for row in rows}
    assert covered == {loc.id for loc in limburg.locations.values() if loc.kind == "town"}


def test_the_seat_of_each_municipality_is_listed_by_name(rows: list[dict[str, str]], limburg: Region) -> None:
    """Where limburg.yaml names the seat (``Leudal (Heythuysen)``) a postcode of that place is listed."""
    places = {(row["municipality"], row["place"]) for row in rows}
    for location in limburg.locations.values():
        if location.kind != "town":
            continue
        seat = location.name.split("(")[-1].rstrip(")").strip() if "(" in location.name else location.name
        seat = {"Sittard-Geleen": "Sittard", "Valkenburg aan de Geul": "Valkenburg", "L.": "Bergen"}.get(seat, seat)
        assert (location.id, seat) in places, f"no postcode of {seat} ({location.id})"
