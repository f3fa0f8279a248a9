"""The care types file: the shipped care types, a bad kind refused, and where the config directory is."""

from __future__ import annotations

from pathlib import Path

import pytest

from capacity.errors import ConfigError
from capacity.model import CareType
from capacity.region import default_config_dir, load_care_types


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


def test_every_shipped_care_type_has_a_length_of_stay(care_types: dict[str, CareType]) -> None:
    stays = {ct_id: ct.length_of_stay_hours for ct_id, ct in care_types.items()}
    assert all(s is not None and 0 < s[0] <= s[1] for s in stays.values()), stays
    assert stays["elv_hoog"] == (336.0, 504.0) and stays["seh"] == (2.0, 4.0)


@pytest.mark.parametrize("value", ["[4, 2]", "[0, 2]", "[2]", "[2, x]", "[true, 3]", "5"])
def test_a_bad_length_of_stay_is_refused(tmp_path: Path, value: str) -> None:
    path = tmp_path / "care_types.yaml"
    path.write_text(
        f"care_types:\n  - {{id: x, name: X, kinds: [vvt], unit: bed, level: 2, length_of_stay_hours: {value}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_care_types(path)
    assert info.value.field == "care_types[0].length_of_stay_hours"
