"""Checking a region file: every problem named by its field, all at once, without changing the input."""

from __future__ import annotations

import copy

import pytest

from capacity.errors import ConfigError
from capacity.model import CareType
from capacity.region import check_region, parse_region

from .helpers import problems_at, valid_region


def test_valid_region_has_no_problems_and_builds(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    assert check_region(data, care_types) == []
    region = parse_region(data, care_types)
    assert list(region.locations) == ["maastricht", "meerssen", "heerlen"]
    assert [(r.a, r.b, r.minutes) for r in region.roads] == [
        ("maastricht", "meerssen", 11.0),
        ("meerssen", "heerlen", 15.5),
    ]
    assert region.locations["meerssen"].population == 0
    vvt = region.providers["vvt-a"]
    assert list(vvt.offers) == ["elv_hoog", "wijkverpleging_spoed"]
    assert vvt.offers["elv_hoog"].eligibility == {"psychogeriatric": True}
    assert vvt.offers["elv_hoog"].hours is None
    assert vvt.hours_for("wijkverpleging_spoed").text == "mon-sun 23:00-07:00"
    assert region.providers["zh-a"].offers["seh"].total == 4
    assert region.care_types["seh"].level == 3
    assert check_region(valid_region(), care_types) == [], "validation must not change its input"


def test_missing_field(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    del data["providers"][1]["name"]
    assert "missing" in problems_at(data, care_types, "providers[1].name")


def test_missing_section(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    del data["providers"]
    assert "missing" in problems_at(data, care_types, "providers")


def test_wrong_type(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["locations"][0]["name"] = 12
    assert "string" in problems_at(data, care_types, "locations[0].name")
    data = valid_region()
    data["locations"][1]["lat"] = "50.88"
    assert "number" in problems_at(data, care_types, "locations[1].lat")
    data = valid_region()
    data["providers"][0]["care_types"] = ["seh"]
    assert "mapping" in problems_at(data, care_types, "providers[0].care_types")


def test_not_a_mapping_at_the_top(care_types: dict[str, CareType]) -> None:
    errors = check_region(["region"], care_types)
    assert len(errors) == 1
    assert "mapping" in errors[0].detail


def test_unknown_field_is_reported(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["providers"][1]["care_types"]["elv_hoog"]["totaal"] = 5
    detail = problems_at(data, care_types, "providers[1].care_types.elv_hoog.totaal")
    assert "unknown field" in detail
    assert "total" in detail


def test_unknown_care_type(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["providers"][1]["care_types"]["elv_hooog"] = 3
    detail = problems_at(data, care_types, "providers[1].care_types.elv_hooog")
    assert "unknown care type" in detail
    assert "elv_hoog" in detail  # the suggestion


def test_care_type_the_kind_cannot_offer(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["providers"][1]["care_types"]["seh"] = 2
    detail = problems_at(data, care_types, "providers[1].care_types.seh")
    assert "cannot be offered" in detail
    assert "vvt" in detail


def test_duplicate_location_id(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["locations"][2]["id"] = "maastricht"
    data["providers"][2]["location"] = "maastricht"
    data["roads"][1]["to"] = "maastricht"
    detail = problems_at(data, care_types, "locations[2].id")
    assert "duplicate" in detail
    assert "locations[0]" in detail


def test_duplicate_provider_id(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["providers"][2]["id"] = "zh-a"
    detail = problems_at(data, care_types, "providers[2].id")
    assert "duplicate" in detail
    assert "providers[0]" in detail


def test_unknown_location_of_provider(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["providers"][0]["location"] = "maastrciht"
    detail = problems_at(data, care_types, "providers[0].location")
    assert "unknown location" in detail
    assert "maastrciht" in detail


def test_road_to_nowhere(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["roads"][1]["to"] = "atlantis"
    detail = problems_at(data, care_types, "roads[1].to")
    assert "nowhere" in detail
    assert "atlantis" in detail
    data = valid_region()
    data["roads"][0]["from"] = "atlantis"
    assert "nowhere" in problems_at(data, care_types, "roads[0].from")


@pytest.mark.parametrize("minutes", [0, -5, 0.0])
def test_road_minutes_must_be_positive(care_types: dict[str, CareType], minutes: float) -> None:
    data = valid_region()
    data["roads"][0]["minutes"] = minutes
    assert "more than 0" in problems_at(data, care_types, "roads[0].minutes")


def test_road_minutes_must_be_a_finite_number(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["roads"][0]["minutes"] = float("inf")
    assert "finite" in problems_at(data, care_types, "roads[0].minutes")


def test_road_from_a_location_to_itself(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["roads"].append({"from": "heerlen", "to": "heerlen", "minutes": 3})
    assert "itself" in problems_at(data, care_types, "roads[2].to")


@pytest.mark.parametrize(
    ("key", "value", "word"),
    [("lat", 48.85, "outside"), ("lat", 5.69, "swapped"), ("lon", 8.2, "outside"), ("lon", 3.1, "outside")],
)
def test_coordinates_outside_the_netherlands(
    care_types: dict[str, CareType], key: str, value: float, word: str
) -> None:
    data = valid_region()
    if word == "swapped":
        data["locations"][1]["lon"] = 50.88
    data["locations"][1][key] = value
    assert word in problems_at(data, care_types, f"locations[1].{key}")


def test_unknown_provider_kind(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["providers"][0]["kind"] = "apotheek"
    detail = problems_at(data, care_types, "providers[0].kind")
    assert "unknown provider kind" in detail
    assert "hospital" in detail


@pytest.mark.parametrize("total", [-1, 2.5, "3", True, None])
def test_total_must_be_a_non_negative_int(care_types: dict[str, CareType], total: object) -> None:
    data = valid_region()
    data["providers"][0]["care_types"]["admission_geriatrics"]["total"] = total
    detail = problems_at(data, care_types, "providers[0].care_types.admission_geriatrics.total")
    assert "non-negative whole number" in detail
    data = valid_region()
    data["providers"][0]["care_types"]["seh"] = total  # the short form
    assert "providers[0].care_types.seh" in {e.field for e in check_region(data, care_types)}


def test_total_zero_is_allowed(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["providers"][0]["care_types"]["seh"] = 0
    assert check_region(data, care_types) == []


def test_road_graph_must_be_connected(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["locations"].append({"id": "vaals", "name": "Vaals", "lat": 50.77, "lon": 6.02})
    data["locations"].append({"id": "gulpen", "name": "Gulpen", "lat": 50.82, "lon": 5.89})
    data["roads"].append({"from": "vaals", "to": "gulpen", "minutes": 14})
    detail = problems_at(data, care_types, "locations[3]")
    assert "unreachable" in detail
    assert "'vaals'" in detail
    assert "'gulpen'" in detail
    assert "2 of 5" in detail


def test_unknown_timezone(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["region"]["timezone"] = "Europe/Maastricht"
    detail = problems_at(data, care_types, "region.timezone")
    assert "time zone" in detail


def test_timezone_defaults_to_amsterdam(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    del data["region"]["timezone"]
    assert parse_region(data, care_types).timezone == "Europe/Amsterdam"


@pytest.mark.parametrize("eligibility", [["psychogeriatric"], "18+", None])
def test_eligibility_must_be_a_mapping(care_types: dict[str, CareType], eligibility: object) -> None:
    data = valid_region()
    data["providers"][1]["care_types"]["elv_hoog"]["eligibility"] = eligibility
    assert "mapping" in problems_at(data, care_types, "providers[1].care_types.elv_hoog.eligibility")


def test_eligibility_ages_must_make_sense(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["providers"][1]["care_types"]["elv_hoog"]["eligibility"] = {"min_age": 65, "max_age": 18}
    assert "below" in problems_at(data, care_types, "providers[1].care_types.elv_hoog.eligibility.max_age")


def test_all_problems_are_reported_at_once(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["roads"][0]["minutes"] = 0
    data["providers"][0]["kind"] = "apotheek"
    data["locations"][2]["lat"] = 60.0
    fields = {e.field for e in check_region(data, care_types)}
    assert fields == {"roads[0].minutes", "providers[0].kind", "locations[2].lat"}


def test_parse_region_raises_the_first_problem_with_the_count(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["roads"][0]["minutes"] = 0
    data["providers"][0]["kind"] = "apotheek"
    with pytest.raises(ConfigError) as info:
        parse_region(data, care_types)
    assert info.value.field == "roads[0].minutes"
    assert info.value.detail.startswith("2 problems")
    assert "more than 0" in info.value.detail


def test_bad_input_is_not_mutated(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["roads"][0]["minutes"] = -1
    before = copy.deepcopy(data)
    check_region(data, care_types)
    assert data == before


def test_bounds_let_a_region_lie_outside_the_netherlands(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    for loc, (lat, lon) in zip(data["locations"], [(60.17, 24.94), (60.17, 24.95), (60.16, 24.95)], strict=True):
        loc["lat"], loc["lon"] = lat, lon
    assert "outside the netherlands" in problems_at(data, care_types, "locations[0].lat")
    data["region"]["bounds"] = {"south": 60.16, "west": 24.93, "north": 60.18, "east": 24.96}
    assert check_region(data, care_types) == []
    data["locations"][2]["lat"] = 60.19
    assert "outside the region's bounds (60.16 to 60.18)" in problems_at(data, care_types, "locations[2].lat")


@pytest.mark.parametrize(
    ("bounds", "field", "words"),
    [
        ({"south": 60.2, "west": 24.9, "north": 60.1, "east": 25.0}, "region.bounds.north", "must lie above south"),
        ({"south": 60.1, "west": 25.0, "north": 60.2, "east": 24.9}, "region.bounds.east", "must lie east of west"),
        ({"south": 60.1, "west": 24.9, "north": 95, "east": 25.0}, "region.bounds.north", "not a coordinate"),
        ({"south": 60.1, "west": 24.9, "north": 60.2}, "region.bounds.east", "missing"),
        ({"south": 60.1, "west": 24.9, "north": 60.2, "east": 25.0, "up": 1}, "region.bounds.up", "unknown"),
        ([60.1, 24.9, 60.2, 25.0], "region.bounds", "mapping"),
    ],
)
def test_bad_bounds_are_named(care_types: dict[str, CareType], bounds: object, field: str, words: str) -> None:
    data = valid_region()
    data["region"]["bounds"] = bounds
    assert words in problems_at(data, care_types, field)
