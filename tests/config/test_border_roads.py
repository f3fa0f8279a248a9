"""Border roads in a region file: optional, built apart from the region's own roads, and checked field by field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from capacity.errors import ConfigError
from capacity.model import CareType, Road
from capacity.region import check_region, load_region, parse_region

from .helpers import problems_at, valid_region


def with_border_roads(*roads: dict[str, Any]) -> dict[str, Any]:
    """The valid region (id ``test``) with the given border roads."""
    data = valid_region()
    data["border_roads"] = [dict(r) for r in roads]
    return data


AACHEN = {"from": "heerlen", "to": "euregio:aachen", "minutes": 24}


def test_border_roads_are_optional_and_build(care_types: dict[str, CareType]) -> None:
    assert parse_region(valid_region(), care_types).border_roads == ()
    data = with_border_roads(AACHEN, {"from": "maastricht", "to": "brabant:eindhoven", "minutes": 52.5})
    assert check_region(data, care_types) == []
    region = parse_region(data, care_types)
    assert region.border_roads == (
        Road(a="heerlen", b="euregio:aachen", minutes=24.0),
        Road(a="maastricht", b="brabant:eindhoven", minutes=52.5),
    )
    assert len(region.roads) == 2, "border roads are not roads of the region's own graph"
    data["border_roads"] = None  # an empty `border_roads:` in YAML
    assert parse_region(data, care_types).border_roads == ()


def test_border_road_from_an_unknown_location(care_types: dict[str, CareType]) -> None:
    data = with_border_roads(AACHEN, {**AACHEN, "from": "aachen"})
    detail = problems_at(data, care_types, "border_roads[1].from")
    assert "unknown location" in detail
    assert "'aachen'" in detail


@pytest.mark.parametrize("to", ["aachen", ":aachen", "euregio:", ":"])
def test_border_road_to_must_be_region_colon_location(care_types: dict[str, CareType], to: str) -> None:
    detail = problems_at(with_border_roads({**AACHEN, "to": to}), care_types, "border_roads[0].to")
    assert "<region id>:<location id>" in detail


def test_border_road_to_must_not_be_a_path(care_types: dict[str, CareType]) -> None:
    detail = problems_at(with_border_roads({**AACHEN, "to": "euregio/aachen"}), care_types, "border_roads[0].to")
    assert "slashes" in detail


def test_border_road_into_its_own_region(care_types: dict[str, CareType]) -> None:
    detail = problems_at(with_border_roads({**AACHEN, "to": "test:maastricht"}), care_types, "border_roads[0].to")
    assert "itself" in detail
    assert "roads" in detail


@pytest.mark.parametrize(("minutes", "word"), [(0, "more than 0"), (-3.5, "more than 0"), ("24", "number")])
def test_border_road_minutes(care_types: dict[str, CareType], minutes: object, word: str) -> None:
    detail = problems_at(with_border_roads({**AACHEN, "minutes": minutes}), care_types, "border_roads[0].minutes")
    assert word in detail
    data = with_border_roads({**AACHEN, "minutes": float("nan")})
    assert "finite" in problems_at(data, care_types, "border_roads[0].minutes")


def test_border_road_missing_and_unknown_fields(care_types: dict[str, CareType]) -> None:
    road = {k: v for k, v in AACHEN.items() if k != "minutes"}
    assert "missing" in problems_at(with_border_roads(road), care_types, "border_roads[0].minutes")
    detail = problems_at(with_border_roads({**AACHEN, "via": "A76"}), care_types, "border_roads[0].via")
    assert "unknown field" in detail


def test_border_roads_must_be_a_list_of_mappings(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["border_roads"] = AACHEN
    assert "list" in problems_at(data, care_types, "border_roads")
    data["border_roads"] = ["heerlen-aachen"]
    assert "mapping" in problems_at(data, care_types, "border_roads[0]")


def test_border_road_problems_come_with_the_others(care_types: dict[str, CareType]) -> None:
    data = with_border_roads({**AACHEN, "minutes": 0}, {**AACHEN, "to": "nowhere"})
    data["roads"][0]["minutes"] = -1
    fields = [e.field for e in check_region(data, care_types)]
    assert fields == ["roads[0].minutes", "border_roads[0].minutes", "border_roads[1].to"]
    with pytest.raises(ConfigError):
        parse_region(data, care_types)


def test_border_roads_in_a_json_file(tmp_path: Path) -> None:
    path = tmp_path / "test.json"
    path.write_text(json.dumps(with_border_roads(AACHEN)), encoding="utf-8")
    assert load_region(path).border_roads == (Road("heerlen", "euregio:aachen", 24.0),)
