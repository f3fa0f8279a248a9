"""Code systems of the FHIR interface and the code map that turns a provider system's codes into zcc's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from capacity.errors import ConfigError
from capacity.region.paths import default_config_dir

__all__ = [
    "CARE_TYPE",
    "DATA_ABSENT_REASON",
    "KIND",
    "MEASURE",
    "POPULATION",
    "POPULATION_KINDS",
    "SANER_PROFILE",
    "CodeMap",
    "load_code_map",
]

CARE_TYPE = "urn:zcc:care-type"
POPULATION = "urn:zcc:measure-population"
KIND = "urn:zcc:provider-kind"
#: The canonical of the measure zcc's reports answer (capacity per care type: total, available, held).
MEASURE = "urn:zcc:measure:capacity"
SANER_PROFILE = "http://hl7.org/fhir/uv/saner/StructureDefinition/PublicHealthMeasureReport"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
#: What a population of an incoming report may count.
POPULATION_KINDS = ("total", "available", "occupied")


@dataclass(frozen=True, slots=True)
class CodeMap:
    """``system|code`` of a group -> care type, and of a population -> total / available / occupied."""

    care_types: Mapping[str, str]
    populations: Mapping[str, str]

    def care_type(self, system: str | None, code: str | None) -> str | None:
        """The care type of a group's coding, or None."""
        if system == CARE_TYPE and code:
            return code
        return self.care_types.get(f"{system}|{code}")

    def population(self, system: str | None, code: str | None) -> str | None:
        """What a population's coding counts (``held`` for zcc's own held count), or None."""
        if system == POPULATION and code in ("total", "available", "held"):
            return code
        return self.populations.get(f"{system}|{code}")


@cache
def load_code_map(path: Path | None = None) -> CodeMap:
    """Read the code map (default ``config/interop/fhir_codes.yaml``); ConfigError when malformed."""
    path = path or default_config_dir() / "interop" / "fhir_codes.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cts, pops = data.get("care_types") or {}, data.get("populations") or {}
    if not isinstance(cts, dict) or not isinstance(pops, dict):
        raise ConfigError(f"{path}: care_types and populations must be mappings")
    for key, value in pops.items():
        if value not in POPULATION_KINDS:
            raise ConfigError(f"{path}: populations.{key} must be one of {', '.join(POPULATION_KINDS)}")
    for key in (*cts, *pops):
        if "|" not in str(key):
            raise ConfigError(f"{path}: {key!r} must be 'system|code'")
    return CodeMap({str(k): str(v) for k, v in cts.items()}, {str(k): str(v) for k, v in pops.items()})
