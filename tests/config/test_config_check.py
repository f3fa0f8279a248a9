"""Tests of the field checks that region, care type and triage protocol files share (capacity.config_check)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from capacity.config_check import FieldChecker
from capacity.errors import ConfigError
from capacity.region.care_types import CareTypeChecker
from coordinator.triage.sections import SectionChecker


def problems(checker: FieldChecker) -> list[tuple[str | None, str]]:
    return [(e.field, e.detail) for e in checker.errors]


@pytest.mark.parametrize(
    ("checker", "value", "problem"),
    [
        (CareTypeChecker(), "a/b", "id 'a/b' must not contain spaces or slashes"),
        (CareTypeChecker(), "a b", "id 'a b' must not contain spaces or slashes"),
        (SectionChecker({}), "a.b", "id 'a.b' must not contain spaces, dots or slashes"),
        (SectionChecker({}), "a\u00a0b", "id 'a\\xa0b' must not contain spaces, dots or slashes"),
    ],
)
def test_ident_words_the_id_rule_of_its_file(checker: FieldChecker, value: str, problem: str) -> None:
    assert checker.ident({"id": value}, "id", "x[0]") is None
    assert problems(checker) == [("x[0].id", problem)]


def test_ident_takes_dots_in_region_files_only() -> None:
    assert CareTypeChecker().ident({"id": "a.b"}, "id", "x") == "a.b"
    checker = SectionChecker({})
    assert checker.ident({"id": " ab "}, "id", "x") == "ab"  # protocol strings are stripped
    assert checker.errors == []


def test_entries_reports_what_is_no_mapping_and_unknown_keys_and_yields_the_rest() -> None:
    checker = FieldChecker()
    items: list[Any] = [{"id": "a"}, "b", {"id": "c", "nme": 1}, {"id": "d"}]
    seen = [(i, path, dict(item)) for i, path, item in checker.entries(items, "things", "a thing", frozenset({"id"}))]
    assert seen == [
        (0, "things[0]", {"id": "a"}),
        (2, "things[2]", {"id": "c", "nme": 1}),
        (3, "things[3]", {"id": "d"}),
    ]
    assert problems(checker) == [
        ("things[1]", "a thing must be a mapping, not the string 'b'"),
        ("things[2].nme", "unknown field 'nme'; expected id"),
    ]


def test_entries_passes_over_what_the_fast_path_took() -> None:
    checker = FieldChecker()
    taken: list[int] = []

    def skip(i: int, raw: Any) -> bool:
        if raw == {"id": "fast"}:
            taken.append(i)
            return True
        return False

    items: list[Any] = [{"id": "fast"}, 7]
    assert list(checker.entries(items, "xs", "an x", frozenset({"id"}), skip=skip)) == []
    assert taken == [0]
    assert problems(checker) == [("xs[1]", "an x must be a mapping, not the integer 7")]


def test_first_use_reports_a_repeated_id_at_the_later_entry() -> None:
    checker = FieldChecker()
    index: dict[str, int] = {}
    assert checker.first_use(index, "a", 0, "locations", "location id")
    assert not checker.first_use(index, "a", 3, "locations", "location id")
    assert problems(checker) == [("locations[3].id", "duplicate location id 'a' (first used at locations[0])")]


def test_items_reports_a_missing_a_wrong_and_an_empty_section() -> None:
    checker = FieldChecker()
    assert checker.items({}, "roads") == []
    assert checker.items({"roads": 3}, "roads") == []
    assert checker.items({"roads": []}, "roads", empty="no roads") == []
    assert checker.items({}, "extra", required=False) == []
    assert problems(checker) == [
        ("roads", "missing required section 'roads' (a list)"),
        ("roads", "roads must be a list, not the integer 3"),
        ("roads", "no roads"),
    ]


def test_unknown_keys_can_end_in_its_own_words() -> None:
    checker = FieldChecker()
    known = checker.unknown_keys({"rase": 1}, frozenset({"raise", "max"}), "e", "effect", expected="only raise")
    assert not known
    assert problems(checker) == [("e.rase", "unknown effect 'rase' (did you mean 'raise'?); only raise")]


@pytest.mark.parametrize(
    ("value", "low", "high", "problem"),
    [
        (True, 0, None, "n must be a whole number, not the boolean True"),
        (1.5, 0, None, "n must be a whole number, not the number 1.5"),
        (-1, 0, None, "n must be at least 0, not -1"),
        (121, 0, 120, "n must be 0 to 120, not 121"),
    ],
)
def test_whole_names_its_limits(value: object, low: int, high: int | None, problem: str) -> None:
    checker = FieldChecker()
    assert checker.whole(value, "p", "n", low, high) is None
    assert problems(checker) == [("p", problem)]


def test_count_flag_and_number() -> None:
    checker = FieldChecker()
    assert checker.count(3, "a", "total") == 3
    assert checker.count(-1, "b", "total") is None
    assert checker.flag(False, "c", "wlz") is False
    assert checker.flag("no", "d", "wlz") is None
    assert checker.number({"lat": 51}, "lat", "e") == 51.0
    assert checker.number({"lat": float("inf")}, "lat", "f") is None
    assert checker.field({}, "total", "g", lambda value, path: checker.count(value, path, "total")) is None
    assert problems(checker) == [
        ("b", "total must be a non-negative whole number, not the integer -1"),
        ("d", "wlz must be true or false, not the string 'no'"),
        ("f.lat", "lat must be a finite number, not inf"),
        ("g.total", "missing required field 'total'"),
    ]


def test_built_raises_the_first_problem_with_the_count() -> None:
    checker = FieldChecker()
    assert checker.built(5, "the thing") == 5
    checker.add("a", "first")
    checker.add("b", "second")
    with pytest.raises(ConfigError) as info:
        checker.built(5, "the thing")
    assert (info.value.field, info.value.detail) == ("a", "2 problems in the thing, the first: first")


@pytest.mark.parametrize("package", ["capacity.region", "coordinator.triage"])
def test_packages_export_what_they_list(package: str) -> None:
    module = importlib.import_module(package)
    exported: list[str] = module.__all__
    assert sorted(exported) == sorted(set(exported))
    assert all(hasattr(module, name) for name in exported)


def test_region_package_exports_the_names_of_the_former_module() -> None:
    import capacity.region as region

    assert set(region.__all__) >= {
        "DAY_NAMES",
        "DEFAULT_REGION_FILE",
        "DEFAULT_TIMEZONE",
        "NL_LAT_RANGE",
        "NL_LON_RANGE",
        "UNITS",
        "check_region",
        "check_region_file",
        "default_config_dir",
        "default_region_path",
        "load_care_types",
        "load_region",
        "parse_hours",
        "parse_region",
    }
