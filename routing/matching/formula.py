"""The cost formula of a placement, in minutes (lower is better), and its integer unit for the batch.

::

    cost = travel minutes
         + 5 * index of the care type in need.care_types    (the triage's first choice costs 0)
         + level-of-care fit, only for frail elderly or a home-first care plan:
               level 0 (home) +0, 1 (consult) +5, 2 (primary-care bed) +15, 3 (hospital) +40
         - 15 if the provider is one the care plan prefers
         + 10 * held / total                                 (a busy provider costs more)
         + 10 if exactly 1 unit is free, 5 if 2 are free     (routing.dispatch.scarcity_cost)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeVar

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CARE_TYPE_STEP",
    "FIT_COST",
    "LOAD_MINUTES",
    "NO_FIT",
    "PREFERRED_BONUS",
    "formula",
    "tenths",
]

CARE_TYPE_STEP: Final = 5.0  # minutes per step down the triage's list of care types
FIT_COST: Final[Mapping[int, float]] = {0: 0.0, 1: 5.0, 2: 15.0, 3: 40.0}  # level of care, home-first
NO_FIT: Final[Mapping[int, float]] = {}  # the fit of a need that is neither frail elderly nor home-first
PREFERRED_BONUS: Final = -15.0
LOAD_MINUTES: Final = 10.0  # a provider with every unit held costs this much more


_F = TypeVar("_F", float, NDArray[np.float64])


def formula(travel: _F, *, rank: _F, fit: _F, preferred: Any, load: _F, scarcity: _F) -> _F:
    """The cost formula of the module docstring, the one place it is written.

    Works on one pair (floats, ``preferred`` a bool) and on all pairs of a batch
    at once (arrays): the same float operations in the same order, so a
    proposal's score and a batch arc's cost agree to the last bit.
    """
    bonus = preferred * PREFERRED_BONUS
    return travel + CARE_TYPE_STEP * rank + fit + bonus + load + scarcity  # type: ignore[no-any-return]


def tenths(minutes: float) -> int:
    """Tenths of a minute, the batch's integer cost unit."""
    return round(minutes * 10)
