"""Opening hours in a region file: parsed windows, and bad days, times and hours named by their field."""

from __future__ import annotations

import pytest

from capacity.errors import ConfigError
from capacity.model import CareType
from capacity.region import parse_hours

from .helpers import AMS, local, problems_at, valid_region


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
