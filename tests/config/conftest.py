"""The shipped care types and the shipped Limburg region, loaded once per module."""

from __future__ import annotations

import pytest

from capacity.model import CareType, Region
from capacity.region import load_care_types, load_region


@pytest.fixture(scope="module")
def care_types() -> dict[str, CareType]:
    """The shipped care types (config/care_types.yaml)."""
    return load_care_types()


@pytest.fixture(scope="module")
def limburg() -> Region:
    """The shipped region (config/regions/limburg.yaml)."""
    return load_region()
