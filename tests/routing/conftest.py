"""The routing of the matcher's test regions, built once per module."""

from __future__ import annotations

import pytest

from routing.lookup import Routing

from ..regions import line_region
from .helpers import care_region


@pytest.fixture(scope="module")
def care() -> Routing:
    """The routing of the care region (tiny region plus eligibility rules)."""
    return Routing(care_region())


@pytest.fixture(scope="module")
def line() -> Routing:
    """The routing of the line region (VVT D opens evenings only)."""
    return Routing(line_region())
