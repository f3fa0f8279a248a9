"""The region file's network fields: location kinds, roads by km and tier or speed, one-way roads, contacts."""

from __future__ import annotations

from typing import Any

import pytest

from capacity.model import ROAD_TIERS, CareType
from capacity.region import check_region, parse_region
from routing.graph import RoadGraph, TravelMatrix

from .helpers import problems_at, valid_region


def test_a_road_by_km_takes_its_tiers_speed_or_its_own(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["roads"] = [
        {"from": "maastricht", "to": "meerssen", "km": 10, "tier": "motorway", "ref": "A2"},
        {"from": "meerssen", "to": "heerlen", "km": 12, "speed": 60},
    ]
    region = parse_region(data, care_types)
    a2, other = region.roads
    assert a2.minutes == pytest.approx(10 / ROAD_TIERS["motorway"] * 60)
    assert (a2.tier, a2.ref, a2.km, a2.oneway) == ("motorway", "A2", 10.0, False)
    assert other.minutes == pytest.approx(12.0)


@pytest.mark.parametrize(
    ("road", "field", "words"),
    [
        ({"km": 5}, "roads[0].km", "needs a speed or a tier"),
        ({"km": 5, "minutes": 4, "tier": "main"}, "roads[0].km", "not both"),
        ({"km": 0, "tier": "main"}, "roads[0].km", "longer than 0 km"),
        ({"km": 5, "speed": 300}, "roads[0].speed", "5 to 130 km/h"),
        ({"minutes": 4, "speed": 50}, "roads[0].speed", "speed needs km"),
        ({"km": 5, "tier": "snelweg"}, "roads[0].tier", "unknown road tier 'snelweg'"),
        ({"minutes": 4, "oneway": "yes"}, "roads[0].oneway", "true or false"),
        ({"minutes": 4, "ref": 2}, "roads[0].ref", "must be a string"),
    ],
)
def test_a_bad_road_field_is_named(
    care_types: dict[str, CareType], road: dict[str, Any], field: str, words: str
) -> None:
    data = valid_region()
    data["roads"][0] = {"from": "maastricht", "to": "meerssen", **road}
    assert words in problems_at(data, care_types, field)


def test_one_way_roads_must_still_let_every_place_reach_every_other(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["roads"][1] = {"from": "meerssen", "to": "heerlen", "minutes": 15, "oneway": True}
    detail = problems_at(data, care_types, "locations[2]")
    assert "heerlen" in detail and "cannot reach" in detail
    # A way back makes the region whole again.
    data["roads"].append({"from": "heerlen", "to": "maastricht", "minutes": 30, "oneway": True})
    assert check_region(data, care_types) == []


def test_travel_follows_the_direction_of_one_way_roads(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["roads"] = [
        {"from": "maastricht", "to": "meerssen", "minutes": 10},
        {"from": "meerssen", "to": "heerlen", "minutes": 15, "oneway": True},
        {"from": "heerlen", "to": "maastricht", "minutes": 40, "oneway": True},
    ]
    region = parse_region(data, care_types)
    g = RoadGraph(region)
    matrix = TravelMatrix(g)
    slow = TravelMatrix(RoadGraph(region), kernel="networkx")
    assert (matrix.table == slow.table).all()
    meerssen, heerlen = g.index[("test", "meerssen")], g.index[("test", "heerlen")]
    assert matrix.provider_minutes(meerssen, "test", "hap-a") == 15.0  # with the one-way road
    assert matrix.provider_minutes(heerlen, "test", "vvt-a") == 50.0  # against it: round by Maastricht


def test_location_kinds_and_where_a_patient_is_snapped(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["locations"].append({"id": "knoop", "name": "Knooppunt", "kind": "junction", "lat": 50.95, "lon": 5.90})
    data["roads"].append({"from": "knoop", "to": "heerlen", "km": 8, "tier": "motorway"})
    region = parse_region(data, care_types)
    assert region.locations["knoop"].kind == "junction" and region.locations["heerlen"].kind == "town"
    # Right on the junction, a patient is still snapped to a town: nobody enters a motorway there.
    assert RoadGraph(region).snap(50.95, 5.90).node == ("test", "heerlen")
    data["locations"][-1]["kind"] = "crossing"
    assert "unknown location kind 'crossing'" in problems_at(data, care_types, "locations[3].kind")


def test_a_provider_cannot_sit_at_a_junction(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["locations"].append({"id": "knoop", "name": "Knooppunt", "kind": "junction", "lat": 50.95, "lon": 5.90})
    data["roads"].append({"from": "knoop", "to": "heerlen", "minutes": 5})
    data["providers"][0]["location"] = "knoop"
    assert "road junction" in problems_at(data, care_types, "providers[0].location")


def test_a_provider_contact_and_address(care_types: dict[str, CareType]) -> None:
    data = valid_region()
    data["providers"][0]["address"] = "Straat 1, 6200 AA Maastricht"
    data["providers"][0]["contact"] = {"phone": "088 000 0101", "desk": "Coördinator SEH", "fictitious": True}
    provider = parse_region(data, care_types).providers["zh-a"]
    assert provider.address.startswith("Straat 1")
    assert provider.contact is not None and provider.contact.fictitious and provider.contact.desk == "Coördinator SEH"
    data["providers"][0]["contact"] = {"phone": "bel maar"}
    assert "digits" in problems_at(data, care_types, "providers[0].contact.phone")
    data["providers"][0]["contact"] = {"phone": "088 000 0101", "fax": "1"}
    assert "unknown field 'fax'" in problems_at(data, care_types, "providers[0].contact.fax")
    data["providers"][0]["contact"] = {"desk": "x"}
    assert "missing required field 'phone'" in problems_at(data, care_types, "providers[0].contact.phone")
