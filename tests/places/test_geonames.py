"""zcc import-postcodes on a GeoNames-format fixture of our own: merged rows, flagged rows, the written table."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from coordinator.cli import main
from coordinator.places.geonames import check_rows, municipality_name, read_geonames


def row(code: str, place: str, municipality: str, lat: float, lon: float) -> str:
    """One line in GeoNames' postal-code format (12 tab-separated columns)."""
    return "\t".join(["NL", code, place, "Limburg", "05", municipality, "0917", "", "", str(lat), str(lon), "6"])


# Made-up centroids around a made-up grid of towns: four codes of "Gemeente Noord" close
# together, one of them listed twice (two villages a kilometre apart), one code placed 25 km
# south of the rest (the kind of error GeoNames has), dummy codes, a code listed at two places
# 30 km apart, a malformed line and a line with letters for a code.
FIXTURE = [
    row("6001", "Noorddorp", "Gemeente Noord", 51.250, 5.700),
    row("6002", "Noorddorp", "Gemeente Noord", 51.260, 5.710),
    row("6003", "Oosthoek", "Noord Municipality", 51.255, 5.730),
    row("6003", "Westhoek", "Gemeente Noord", 51.249, 5.722),
    row("6004", "Noorddorp", "Gemeente Noord", 51.030, 5.705),
    row("6005", "Brugge", "Gemeente Noord", 51.245, 5.690),
    row("1234", "Nergens", "Gemeente Noord", 51.250, 5.700),
    row("9999", "Nergens", "Gemeente Zuid", 50.850, 5.690),
    row("6101", "Zuidstad", "Gemeente Zuid", 50.850, 5.690),
    row("6102", "Zuidstad", "Gemeente Zuid", 51.120, 5.690),
    row("6102", "Elders", "Gemeente Zuid", 50.851, 5.692),
    "NL\t6103\tkapot",
    row("62AB", "Letters", "Gemeente Zuid", 50.85, 5.69),
    row("6104", "Buitenland", "Gemeente Zuid", 48.85, 2.35),
]


@pytest.fixture
def geonames(tmp_path: Path) -> Path:
    path = tmp_path / "NL.txt"
    path.write_text("\n".join(FIXTURE) + "\n", encoding="utf-8")
    return path


def test_municipality_names_lose_their_decoration() -> None:
    assert municipality_name("Gemeente Heerlen") == "Heerlen"
    assert municipality_name("Maastricht Municipality") == "Maastricht"


def test_rows_are_read_merged_and_flagged(geonames: Path) -> None:
    rows, flags = read_geonames(geonames.read_text(encoding="utf-8").splitlines())
    codes = {r.postcode: r for r in rows}
    assert set(codes) == {"6001", "6002", "6003", "6004", "6005", "6101"}
    # The two rows of 6003 lie a kilometre apart: one area, at their mean, under the first place.
    assert codes["6003"].lat == pytest.approx((51.255 + 51.249) / 2) and codes["6003"].place == "Oosthoek"
    assert codes["6003"].municipality == "Noord"
    why = {(f.row.postcode, f.code) for f in flags}
    assert why == {
        ("1234", "dummy"),
        ("9999", "dummy"),
        ("6102", "inconsistent"),
        ("6103", "unreadable"),
        ("62AB", "not_pc4"),
        ("6104", "outside_nl"),
    }
    trusted, far = check_rows(rows)
    assert [f.row.postcode for f in far] == ["6004"]
    assert "25" in far[0].reason or "24" in far[0].reason, far[0].reason
    assert {r.postcode for r in trusted} == {"6001", "6002", "6003", "6005", "6101"}


def test_import_postcodes_writes_the_trusted_rows_and_reports_the_rest(
    geonames: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pc4.csv"
    assert main(["import-postcodes", str(geonames), "--out", str(out)]) == 0
    with out.open(encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [r["postcode"] for r in table] == ["6001", "6002", "6003", "6005", "6101"]
    assert table[0] == {
        "postcode": "6001",
        "lat": "51.2500",
        "lon": "5.7000",
        "place": "Noorddorp",
        "municipality": "Noord",
    }
    printed = capsys.readouterr()
    assert "5 postcodes written, 7 rows flagged" in printed.out
    for code in ("1234", "9999", "6102", "6004", "62AB", "6104"):
        assert code in printed.err
    assert "far_from_municipality" in printed.err and "dummy" in printed.err


def test_import_postcodes_keeps_a_regions_codes_under_its_town_ids(
    geonames: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --region, codes out of the region's reach are left out and the municipality is a town id."""
    out = tmp_path / "pc4.csv"
    region = Path(__file__).resolve().parents[2] / "config" / "regions" / "limburg.yaml"
    assert main(["import-postcodes", str(geonames), "--out", str(out), "--region", str(region)]) == 0
    with out.open(encoding="utf-8") as f:
        table = {r["postcode"]: r["municipality"] for r in csv.DictReader(f)}
    assert table["6001"] == "weert" and table["6101"] == "maastricht"


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-postcodes", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "x.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
