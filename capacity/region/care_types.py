"""Care type files: checking and loading them, and reading the files that are checked against care types."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from capacity.config_check import MISSING, FieldChecker, kind_of, read_config_file
from capacity.errors import ConfigError
from capacity.model import KINDS, CareType

from .paths import default_config_dir

__all__ = ["UNITS", "CareTypeChecker", "check_with_care_types", "load_care_types", "read_with_care_types"]

_LOGGER = logging.getLogger(__name__)

#: What one unit of a care type's capacity is.
UNITS: tuple[str, ...] = ("bed", "slot", "team")

_CARE_TYPE_KEYS = frozenset({"id", "name", "kinds", "unit", "level", "description", "length_of_stay_hours"})


class CareTypeChecker(FieldChecker):
    """The checks of a care types file (``care_types: [{id, name, kinds, unit, level, description?,
    length_of_stay_hours?}]``)."""

    __slots__ = ()

    def care_types(self, data: object) -> dict[str, CareType]:
        """The care types of a parsed file by id, in file order; the valid ones when there are problems."""
        root = self.mapping(data, None, "a care types file")
        if root is None:
            return {}
        for key in root:
            if key != "care_types":
                self.add(str(key), f"unknown section {key!r}; a care types file has only 'care_types'")
        items = self.items(root, "care_types", empty="the care types list is empty")
        result: dict[str, CareType] = {}
        index: dict[str, int] = {}
        for i, path, item in self.entries(items, "care_types", "a care type", _CARE_TYPE_KEYS):
            ct_id = self.ident(item, "id", path)
            name = self.string(item, "name", path)
            kinds = self.kinds(item, path)
            unit = self.string(item, "unit", path)
            if unit is not None and unit not in UNITS:
                self.add(f"{path}.unit", f"unknown unit {unit!r}; expected one of {', '.join(UNITS)}")
                unit = None
            level = self.field(item, "level", path, lambda value, vpath: self.count(value, vpath, "level"))
            description: str | None = ""
            if "description" in item:
                description = item["description"]
                if not isinstance(description, str):
                    self.add(f"{path}.description", f"description must be a string, not {kind_of(description)}")
                    description = None
            stay_ok, stay = self.stay(item, path)
            if ct_id is None or not self.first_use(index, ct_id, i, "care_types", "care type id"):
                continue
            if name is None or kinds is None or unit is None or level is None or description is None or not stay_ok:
                continue
            result[ct_id] = CareType(
                id=ct_id,
                name=name,
                kinds=kinds,
                unit=unit,
                level=level,
                description=description,
                length_of_stay_hours=stay,
            )
        return result

    def stay(self, item: Mapping[Any, Any], path: str) -> tuple[bool, tuple[float, float] | None]:
        """Whether the optional ``length_of_stay_hours: [low, high]`` (0 < low <= high) is right, and its value."""
        if "length_of_stay_hours" not in item:
            return True, None
        value = item["length_of_stay_hours"]
        ok = (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < 10_000 for v in value)
            and value[0] <= value[1]
        )
        if not ok:
            self.add(
                f"{path}.length_of_stay_hours",
                f"length_of_stay_hours must be [low, high] in hours with 0 < low <= high, not {value!r}",
            )
            return False, None
        return True, (float(value[0]), float(value[1]))

    def kinds(self, item: Mapping[Any, Any], path: str) -> frozenset[str] | None:
        """The provider kinds that may offer a care type: a non-empty list of known kinds."""
        value = self.get(item, "kinds", path)
        if value is MISSING:
            return None
        if not isinstance(value, list) or not value:
            self.add(f"{path}.kinds", f"kinds must be a non-empty list of provider kinds, not {kind_of(value)}")
            return None
        bad = [k for k in value if k not in KINDS]
        if bad:
            self.add(
                f"{path}.kinds",
                f"unknown provider kind {bad[0]!r}; expected one of {', '.join(KINDS)}",
            )
            return None
        return frozenset(value)


def load_care_types(path: str | Path | None = None) -> dict[str, CareType]:
    """Load and validate a care types file (default: the shipped config/care_types.yaml)."""
    file = Path(path) if path is not None else default_config_dir() / "care_types.yaml"
    checker = CareTypeChecker()
    care_types = checker.built(checker.care_types(read_config_file(file)), f"care types file {file}")
    _LOGGER.debug("loaded %d care types from %s", len(care_types), file)
    return care_types


def read_with_care_types(
    path: Path, care_types: Mapping[str, CareType] | None
) -> tuple[object, Mapping[str, CareType]]:
    """A file's parsed data and the care types to check it against: ``care_types``, else the shipped ones."""
    data = read_config_file(path)
    return data, care_types if care_types is not None else load_care_types()


def check_with_care_types(
    path: str | Path,
    care_types: Mapping[str, CareType] | None,
    check: Callable[[object, Mapping[str, CareType]], list[ConfigError]],
) -> list[ConfigError]:
    """Every problem ``check`` finds in a file on disk; else the one of reading it or the care types."""
    try:
        data, types = read_with_care_types(Path(path), care_types)
    except ConfigError as exc:
        return [exc]
    return check(data, types)
