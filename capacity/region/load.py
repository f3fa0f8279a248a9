"""Checking, parsing and loading region files."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from capacity.errors import ConfigError
from capacity.model import CareType, Region

from .care_types import check_with_care_types, read_with_care_types
from .checker import RegionChecker
from .paths import default_region_path

__all__ = ["check_region", "check_region_file", "load_region", "parse_region"]

_LOGGER = logging.getLogger(__name__)


def check_region(data: object, care_types: Mapping[str, CareType]) -> list[ConfigError]:
    """Every problem of a parsed region file, each with the path of its field; empty when valid."""
    checker = RegionChecker()
    checker.region(data, care_types)
    return checker.errors


def parse_region(data: object, care_types: Mapping[str, CareType]) -> Region:
    """Build the Region of a parsed region file; raise the first ConfigError (with the count) if invalid."""
    checker = RegionChecker()
    return checker.built(checker.region(data, care_types), "the region")


def load_region(path: str | Path | None = None, care_types: Mapping[str, CareType] | None = None) -> Region:
    """Read, validate and build a region file (default: the shipped ROAZ Limburg region)."""
    file = Path(path) if path is not None else default_region_path()
    data, types = read_with_care_types(file, care_types)
    region = parse_region(data, types)
    _LOGGER.info(
        "loaded region %s from %s: %d locations, %d roads, %d providers",
        region.id,
        file,
        len(region.locations),
        len(region.roads),
        len(region.providers),
    )
    return region


def check_region_file(path: str | Path, care_types: Mapping[str, CareType] | None = None) -> list[ConfigError]:
    """Every problem of a region file on disk (unreadable file and bad YAML included); empty when valid."""
    return check_with_care_types(path, care_types, check_region)
