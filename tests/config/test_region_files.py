"""Region files on disk: missing, broken YAML, duplicate keys, every problem listed, JSON as well as YAML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from capacity.errors import ConfigError
from capacity.region import check_region_file, default_config_dir, load_region

from .helpers import valid_region


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
    text = text.replace("{from: a2-weert-noord, to: a2-nederweert,", "{from: a2-weert-noord, to: a2-nederwert,", 1)
    text = text.replace("location: site-sjg-weert\n", "location: site-sjg-wert\n", 1)
    path = tmp_path / "limburg.yaml"
    path.write_text(text, encoding="utf-8")
    errors = check_region_file(path)
    assert [e.field for e in errors] == ["roads[0].to", "providers[5].location"]
    assert "nederwert" in errors[0].detail
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
