"""Full postcodes to PC4, and place names to places: case- and accent-insensitive, ambiguous, unknown."""

from __future__ import annotations

import pytest

from capacity.errors import InvalidInput
from capacity.model import Region
from capacity.region import load_region
from coordinator.places.names import PlaceIndex, normalise, parse_postcode

POSTCODES = {
    "5801": (51.52, 5.97, "Venray"),
    "5812": (51.50, 5.94, "Heide"),
    "6071": (51.23, 6.04, "Swalmen"),
    "6077": (51.14, 6.00, "Sint Odiliënberg"),
    "5975": (51.36, 5.96, "Heide"),
}
MUNICIPALITIES = {"5801": "venray", "5812": "venray", "6071": "roermond", "6077": "roerdalen", "5975": "peel-en-maas"}


@pytest.fixture(scope="module")
def limburg() -> Region:
    return load_region()


@pytest.fixture(scope="module")
def index(limburg: Region) -> PlaceIndex:
    return PlaceIndex(limburg, POSTCODES, MUNICIPALITIES)


@pytest.mark.parametrize(
    ("raw", "pc4", "full"),
    [
        ("6211", "6211", None),
        ("6211 AB", "6211", "6211 AB"),
        ("6211ab", "6211", "6211 AB"),
        (" 6211 Ab ", "6211", "6211 AB"),
    ],
)
def test_a_full_postcode_comes_down_to_its_pc4(raw: str, pc4: str, full: str | None) -> None:
    assert parse_postcode(raw, "postcode") == (pc4, full)


@pytest.mark.parametrize("raw", ["62", "0211", "6211 A", "6211 ABC", "AB 6211", "6211-AB"])
def test_a_malformed_postcode_names_the_field(raw: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_postcode(raw, "location.postcode")
    assert err.value.field == "location.postcode"


def test_names_compare_without_case_accents_or_punctuation() -> None:
    assert normalise("Sint Odiliënberg") == normalise("sint   odilienberg") == "sint odilienberg"
    assert normalise("Sittard-Geleen") == "sittard geleen"


def test_a_town_is_found_by_its_name_or_its_seat(index: PlaceIndex, limburg: Region) -> None:
    venray = index.find("venray", "place")
    assert (venray.municipality, venray.lat) == ("venray", limburg.locations["venray"].lat)
    assert index.find("VENRAY", "place") == venray
    assert index.find("Heythuysen", "place").municipality == "leudal"
    assert index.find("Leudal", "place").municipality == "leudal"
    assert index.find("sittard geleen", "place").municipality == "sittard-geleen"


def test_a_village_from_the_postcode_table(index: PlaceIndex, limburg: Region) -> None:
    swalmen = index.find("swalmen", "place")
    assert (swalmen.name, swalmen.municipality, swalmen.lat) == ("Swalmen", "roermond", 51.23)
    # A seat named in the region file is placed where the region file says, not at its PC4 centroid.
    seat = index.find("sint odilienberg", "place")
    assert (seat.municipality, seat.lat) == ("roerdalen", limburg.locations["roerdalen"].lat)


def test_an_ambiguous_name_lists_the_places_and_one_can_be_picked(index: PlaceIndex) -> None:
    with pytest.raises(InvalidInput) as err:
        index.find("Heide", "place")
    assert err.value.field == "place"
    assert "ambiguous" in err.value.detail
    assert "Heide (venray)" in err.value.detail and "Heide (peel-en-maas)" in err.value.detail
    assert index.find("Heide (Venray)", "place").lat == 51.50
    assert index.find("heide, peel-en-maas", "place").lat == 51.36


def test_an_unknown_name_gets_suggestions(index: PlaceIndex) -> None:
    with pytest.raises(InvalidInput) as err:
        index.find("Venraij", "location.place")
    assert err.value.field == "location.place"
    assert "unknown place 'Venraij'" in err.value.detail and "did you mean Venray" in err.value.detail
    with pytest.raises(InvalidInput, match="unknown place 'Atlantis'"):
        index.find("Atlantis", "place")
    with pytest.raises(InvalidInput, match="no place 'Heide' in 'Weert'"):
        index.find("Heide (Weert)", "place")
