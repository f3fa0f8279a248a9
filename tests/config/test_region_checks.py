"""Tests of the region loader and validator and of the shipped ROAZ Limburg region."""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from capacity.errors import ConfigError
from capacity.model import CareType, Region, Road
from capacity.region import (
    check_region,
    check_region_file,
    default_config_dir,
    load_care_types,
    load_region,
    parse_hours,
    parse_region,
)

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(scope="module")
def care_types() -> dict[str, CareType]:
    return load_care_types()


@pytest.fixture(scope="module")
def limburg() -> Region:
    return load_region()


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """An aware datetime on the Amsterdam wall clock."""
    return datetime(year, month, day, hour, minute, tzinfo=AMS)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --------------------------------------------------------------------------- care types


def test_shipped_care_types_have_kinds_units_and_levels(care_types: dict[str, CareType]) -> None:
    assert set(care_types) == {
        "hap_consult",
        "hap_visit",
        "wijkverpleging_spoed",
        "elv_laag",
        "elv_hoog",
        "crisis_bed",
        "seh",
        "admission_geriatrics",
        "admission_internal",
        "admission_pulmonology",
        "admission_cardiology",
        "admission_surgery",
        "ggz_crisis_assessment",
        "ggz_crisis_bed",
        "ggz_intensive_home",
    }
    levels = {ct_id: ct.level for ct_id, ct in care_types.items()}
    assert {k for k, v in levels.items() if v == 0} == {
        "hap_visit",
        "wijkverpleging_spoed",
        "ggz_crisis_assessment",
        "ggz_intensive_home",
    }
    assert {k for k, v in levels.items() if v == 1} == {"hap_consult"}
    assert {k for k, v in levels.items() if v == 2} == {
        "elv_laag",
        "elv_hoog",
        "crisis_bed",
        "ggz_crisis_bed",
    }
    assert {k for k, v in levels.items() if v == 3} == {"seh"} | {k for k in levels if k.startswith("admission_")}
    assert care_types["seh"].kinds == frozenset({"hospital"})
    assert care_types["elv_hoog"].kinds == frozenset({"vvt"})
    assert care_types["ggz_crisis_bed"].unit == "bed"
    assert all(ct.name and ct.unit in {"bed", "slot", "team"} for ct in care_types.values())


def test_care_types_file_with_bad_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "care_types.yaml"
    path.write_text("care_types:\n  - {id: x, name: X, kinds: [apotheek], unit: bed, level: 2}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_care_types(path)
    assert info.value.field == "care_types[0].kinds"
    assert "apotheek" in info.value.detail


def test_default_config_dir_honours_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "care_types.yaml").write_text(
        "care_types:\n  - {id: only_one, name: Eén, kinds: [vvt], unit: bed, level: 2}\n", encoding="utf-8"
    )
    monkeypatch.setenv("ZCC_CONFIG_DIR", str(tmp_path))
    assert default_config_dir() == tmp_path
    assert set(load_care_types()) == {"only_one"}


def test_default_config_dir_is_the_repository_config() -> None:
    assert (default_config_dir() / "care_types.yaml").is_file()
    assert (default_config_dir() / "regions" / "limburg.yaml").is_file()


# --------------------------------------------------------------------------- the shipped region


def test_limburg_loads_with_its_providers(limburg: Region) -> None:
    assert limburg.id == "limburg"
    assert limburg.timezone == "Europe/Amsterdam"
    assert len(limburg.locations) == 31
    assert 60 <= len(limburg.roads) <= 80
    kinds = Counter(p.kind for p in limburg.providers.values())
    hospitals_with_seh = [p for p in limburg.providers.values() if p.kind == "hospital" and "seh" in p.offers]
    assert len(hospitals_with_seh) == 6
    assert all(sum(ct.startswith("admission_") for ct in p.offers) >= 3 for p in hospitals_with_seh), (
        "every hospital admits to several specialties"
    )
    assert 7 <= kinds["hap"] <= 9
    assert 22 <= kinds["vvt"] <= 28
    assert kinds["ggz"] == 3
    ggz_always = [p.id for p in limburg.providers.values() if p.kind == "ggz" and p.hours.always]
    assert len(ggz_always) == 1
    assert limburg.providers["vvt-venlo-2"].offers["elv_hoog"].total == 12


def test_limburg_every_town_has_people_and_coordinates(limburg: Region) -> None:
    assert 1_000_000 < sum(loc.population for loc in limburg.locations.values()) < 1_250_000
    assert limburg.locations["maastricht"].lat == pytest.approx(50.85, abs=0.01)
    assert limburg.locations["venlo"].lon == pytest.approx(6.17, abs=0.01)


def test_limburg_eligibility_is_kept(limburg: Region) -> None:
    offers = [o for _, o in limburg.offers()]
    assert any(o.care_type == "crisis_bed" and o.eligibility.get("psychogeriatric") for o in offers)
    assert any(o.care_type == "crisis_bed" and o.eligibility.get("requires_wlz") for o in offers)
    assert any(o.care_type == "elv_laag" and o.eligibility.get("must_return_home") for o in offers)
    home = [o for o in offers if o.care_type == "ggz_intensive_home"]
    assert home
    assert all(o.eligibility == {"min_age": 18, "max_age": 60} for o in home)


def test_hap_open_evenings_nights_and_weekends(limburg: Region) -> None:
    hours = limburg.providers["hap-weert"].hours_for("hap_consult")
    assert not hours.always
    assert hours.is_open(local(2026, 11, 24, 22, 0), AMS)  # Tuesday evening
    assert hours.is_open(local(2026, 11, 25, 3, 0), AMS)  # Tuesday night, past midnight
    assert not hours.is_open(local(2026, 11, 24, 11, 0), AMS)  # Tuesday office hours
    assert not hours.is_open(local(2026, 11, 24, 16, 59), AMS)
    assert hours.is_open(local(2026, 11, 24, 17, 0), AMS)
    assert not hours.is_open(local(2026, 11, 25, 8, 0), AMS)
    assert hours.is_open(local(2026, 11, 28, 11, 0), AMS)  # Saturday
    assert hours.is_open(local(2026, 11, 29, 15, 0), AMS)  # Sunday
    assert hours.is_open(local(2026, 11, 30, 7, 59), AMS)  # Monday early morning, still the weekend shift
    assert not hours.is_open(local(2026, 11, 30, 8, 0), AMS)


def test_night_team_works_from_23_to_7(limburg: Region) -> None:
    provider = limburg.providers["vvt-venlo-1"]
    night = provider.hours_for("wijkverpleging_spoed")
    assert provider.hours.always
    assert not night.always
    assert night.is_open(local(2026, 11, 25, 2, 0), AMS)  # Wednesday 02:00
    assert not night.is_open(local(2026, 11, 25, 12, 0), AMS)  # Wednesday noon
    assert night.is_open(local(2026, 11, 25, 23, 0), AMS)
    assert not night.is_open(local(2026, 11, 25, 7, 0), AMS)
    # The beds of the same provider follow its own 24/7 hours.
    assert provider.hours_for("elv_laag").is_open(local(2026, 11, 25, 12, 0), AMS)


def test_hours_follow_summer_time(limburg: Region) -> None:
    hap = limburg.providers["hap-maastricht"].hours
    night = limburg.providers["vvt-maastricht-1"].hours_for("wijkverpleging_spoed")
    # Summer time starts Sunday 2026-03-29 (UTC+1 -> UTC+2).
    assert hap.is_open(utc(2026, 3, 30, 5, 30), AMS)  # Monday 07:30 CEST
    assert not hap.is_open(utc(2026, 3, 30, 6, 30), AMS)  # Monday 08:30 CEST (07:30 in UTC+1)
    assert night.is_open(utc(2026, 3, 29, 1, 30), AMS)  # 03:30 CEST, the hour after the jump
    assert not night.is_open(utc(2026, 3, 29, 5, 30), AMS)  # 07:30 CEST
    assert not hap.is_open(utc(2026, 3, 27, 15, 30), AMS)  # Friday 16:30 CET
    assert hap.is_open(utc(2026, 3, 27, 16, 0), AMS)  # Friday 17:00 CET
    # Summer time ends Sunday 2026-10-25 (UTC+2 -> UTC+1).
    assert hap.is_open(utc(2026, 10, 26, 6, 30), AMS)  # Monday 07:30 CET
    assert not hap.is_open(utc(2026, 10, 26, 7, 30), AMS)  # Monday 08:30 CET
    assert night.is_open(utc(2026, 10, 25, 5, 30), AMS)  # 06:30 CET
    assert not night.is_open(utc(2026, 10, 25, 6, 30), AMS)  # 07:30 CET
    assert night.is_open(utc(2026, 10, 25, 0, 30), AMS)  # 02:30 CEST, the first of the two 02:30s
    assert night.is_open(utc(2026, 10, 25, 1, 30), AMS)  # 02:30 CET, the second


def test_ggz_daytime_service_is_closed_at_night_but_its_beds_admit(limburg: Region) -> None:
    ggz = limburg.providers["ggz-venlo"]
    assert ggz.hours_for("ggz_crisis_assessment").is_open(local(2026, 11, 24, 10, 0), AMS)
    assert not ggz.hours_for("ggz_crisis_assessment").is_open(local(2026, 11, 24, 23, 0), AMS)
    assert not ggz.hours_for("ggz_crisis_assessment").is_open(local(2026, 11, 28, 10, 0), AMS)
    assert ggz.hours_for("ggz_crisis_bed").is_open(local(2026, 11, 24, 23, 0), AMS)


def test_check_region_file_accepts_the_shipped_region() -> None:
    assert check_region_file(default_config_dir() / "regions" / "limburg.yaml") == []


# --------------------------------------------------------------------------- opening hours


def test_parse_hours_always_and_windows() -> None:
    assert parse_hours("24/7").always
    hours = parse_hours([{"days": "fri-mon", "from": "20:00", "to": "24:00"}], "h")
    assert hours.text == "fri-mon 20:00-24:00"
    assert hours.windows[0].days == frozenset({4, 5, 6, 0})
    assert hours.windows[0].end == 24 * 60
    assert hours.is_open(local(2026, 11, 30, 23, 59), AMS)  # Monday
    assert not hours.is_open(local(2026, 11, 24, 21, 0), AMS)  # Tuesday
    listed = parse_hours([{"days": ["mon", "wed"], "from": "9:00", "to": "12:30"}])
    assert listed.windows[0].days == frozenset({0, 2})
    assert (listed.windows[0].start, listed.windows[0].end) == (540, 750)


def test_parse_hours_raises_with_field() -> None:
    with pytest.raises(ConfigError) as info:
        parse_hours([{"days": "mon", "from": "08:00"}], "providers[0].hours")
    assert info.value.field == "providers[0].hours[0].to"
    assert "missing" in info.value.detail


def test_parse_hours_refuses_empty_list() -> None:
    with pytest.raises(ConfigError) as info:
        parse_hours([], "h")
    assert "24/7" in info.value.detail


# --------------------------------------------------------------------------- validation


def valid_region() -> dict[str, Any]:
    """A small region that passes every check; each test below breaks one thing."""
    night = [{"days": "mon-sun", "from": "23:00", "to": "07:00"}]
    return {
        "region": {"id": "test", "name": "Testregio", "timezone": "Europe/Amsterdam"},
        "locations": [
            {"id": "maastricht", "name": "Maastricht", "lat": 50.85, "lon": 5.69, "population": 122000},
            {"id": "meerssen", "name": "Meerssen", "lat": 50.88, "lon": 5.75},
            {"id": "heerlen", "name": "Heerlen", "lat": 50.89, "lon": 5.98},
        ],
        "roads": [
            {"from": "maastricht", "to": "meerssen", "minutes": 11},
            {"from": "meerssen", "to": "heerlen", "minutes": 15.5},
        ],
        "providers": [
            {
                "id": "zh-a",
                "name": "Ziekenhuis A",
                "kind": "hospital",
                "location": "maastricht",
                "hours": "24/7",
                "care_types": {"seh": 4, "admission_geriatrics": {"total": 10}},
            },
            {
                "id": "vvt-a",
                "name": "VVT A",
                "kind": "vvt",
                "location": "meerssen",
                "hours": "24/7",
                "care_types": {
                    "elv_hoog": {"total": 5, "eligibility": {"psychogeriatric": True}},
                    "wijkverpleging_spoed": {"total": 2, "hours": night},
                },
            },
            {
                "id": "hap-a",
                "name": "Huisartsenpost A",
                "kind": "hap",
                "location": "heerlen",
                "hours": [
                    {"days": "mon-fri", "from": "17:00", "to": "08:00"},
                    {"days": "sat,sun", "from": "00:00", "to": "24:00"},
                ],
                "care_types": {"hap_consult": 3},
            },
        ],
    }


def problems_at(data: object, care_types: dict[str, CareType], field: str) -> str:
    """The one problem reported at ``field`` (lower-cased detail); fails if there is none."""
    errors = check_region(data, care_types)
    at = [e for e in errors if e.field == field]
    assert len(at) == 1, f"expected one problem at {field}, got {[str(e) for e in errors]}"
    return at[0].detail.lower()


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


# --------------------------------------------------------------------------- border roads


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


@pytest.mark.parametrize("days", ["mon-fry", "maandag", ["mon", "tues"]])
def test_bad_day_name(care_types: dict[str, CareType], days: object) -> None:
    data = valid_region()
    data["providers"][2]["hours"][0]["days"] = days
    assert "unknown day" in problems_at(data, care_types, "providers[2].hours[0].days")


@pytest.mark.parametrize("days", ["", " , ", []])
def test_empty_days(care_types: dict[str, CareType], days: object) -> None:
    data = valid_region()
    data["providers"][2]["hours"][1]["days"] = days
    assert "empty" in problems_at(data, care_types, "providers[2].hours[1].days")


@pytest.mark.parametrize("value", ["25:00", "17:60", "5pm", "24:00", ""])
def test_bad_time(care_types: dict[str, CareType], value: str) -> None:
    data = valid_region()
    data["providers"][2]["hours"][0]["from"] = value
    assert "time" in problems_at(data, care_types, "providers[2].hours[0].from")


def test_unquoted_yaml_time_is_explained(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["providers"][2]["hours"][0]["from"] = 1020  # what YAML 1.1 makes of an unquoted 17:00
    detail = problems_at(data, care_types, "providers[2].hours[0].from")
    assert "quoted" in detail
    assert "17:00" in detail


def test_bad_hours_on_an_offer(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["providers"][1]["care_types"]["wijkverpleging_spoed"]["hours"][0]["to"] = "7 uur"
    field = "providers[1].care_types.wijkverpleging_spoed.hours[0].to"
    assert "time" in problems_at(data, care_types, field)
    data = valid_region()
    data["providers"][0]["hours"] = "altijd"
    assert "24/7" in problems_at(data, care_types, "providers[0].hours")


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


# --------------------------------------------------------------------------- files


def test_load_region_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_region(tmp_path / "nope.yaml")
    assert "not found" in info.value.detail


def test_yaml_syntax_error_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("region: {id: x\nlocations: [\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_region(path)
    assert "yaml" in info.value.detail.lower()
    assert "line" in info.value.detail
    errors = check_region_file(path)
    assert len(errors) == 1
    assert "yaml" in errors[0].detail.lower()


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    text = (default_config_dir() / "regions" / "limburg.yaml").read_text(encoding="utf-8")
    text = text.replace("      seh: 9\n", "      seh: 9\n      seh: 4\n", 1)
    path.write_text(text, encoding="utf-8")
    errors = check_region_file(path)
    assert len(errors) == 1
    assert "duplicate key 'seh'" in errors[0].detail


def test_check_region_file_lists_every_problem(tmp_path: Path) -> None:
    text = (default_config_dir() / "regions" / "limburg.yaml").read_text(encoding="utf-8")
    text = text.replace("{from: maastricht, to: meerssen, minutes: 11}", "{from: maastricht, to: mersen, minutes: 11}")
    text = text.replace("location: weert\n", "location: wert\n", 1)
    path = tmp_path / "limburg.yaml"
    path.write_text(text, encoding="utf-8")
    errors = check_region_file(path)
    assert [e.field for e in errors] == ["roads[0].to", "providers[5].location"]
    assert "mersen" in errors[0].detail
    with pytest.raises(ConfigError):
        load_region(path)


def test_region_file_may_be_json(tmp_path: Path) -> None:
    path = tmp_path / "region.json"
    path.write_text(json.dumps(valid_region()), encoding="utf-8")
    assert set(load_region(path).providers) == {"zh-a", "vvt-a", "hap-a"}
    path.write_text('{"region": {"id": "a", "id": "b"}}', encoding="utf-8")
    errors = check_region_file(path)
    assert len(errors) == 1
    assert "duplicate key 'id'" in errors[0].detail
