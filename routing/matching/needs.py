"""What one triaged request needs from a place: :class:`Need`, its urgency and the urgency's weight and window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

from capacity.jsontypes import JSONObject

__all__ = ["URGENCY_WEIGHT", "WINDOW_MINUTES", "Need", "Urgency"]

Urgency: TypeAlias = Literal["U2", "U3", "U4"]

URGENCY_WEIGHT: Final[Mapping[str, int]] = {"U2": 4, "U3": 2, "U4": 1}
WINDOW_MINUTES: Final[Mapping[str, int]] = {"U2": 60, "U3": 180, "U4": 1440}


@dataclass(frozen=True, slots=True)
class Need:
    """What one triaged request needs: urgency and its window, acceptable care types, the patient's facts."""

    request_id: str
    urgency: Urgency
    window_minutes: float
    care_types: tuple[str, ...]
    age: int
    can_return_home: bool = True
    wlz_indication: bool = False
    psychogeriatric: bool = False
    frail_elderly: bool = False
    preferred_providers: tuple[str, ...] = ()
    home_first: bool = False
    no_hospital: bool = False
    hospital_override: str | None = None

    def __post_init__(self) -> None:
        if self.urgency not in URGENCY_WEIGHT:
            # U0/U1 go to 112 and U5 is advice: zcc never places them.
            raise ValueError(f"urgency {self.urgency!r} is not placed by zcc (only U2, U3, U4)")
        if not self.window_minutes >= 0:
            raise ValueError(f"window_minutes must be 0 or more, not {self.window_minutes!r}")

    @property
    def weight(self) -> int:
        """The urgency weight in the batch objective (U2 4, U3 2, U4 1)."""
        return URGENCY_WEIGHT[self.urgency]

    def to_json(self) -> JSONObject:
        """A plain dict (the pseudonymous request id only, no patient data beyond the triage's facts)."""
        return {
            "request_id": self.request_id,
            "urgency": self.urgency,
            "window_minutes": self.window_minutes,
            "care_types": list(self.care_types),
            "age": self.age,
            "can_return_home": self.can_return_home,
            "wlz_indication": self.wlz_indication,
            "psychogeriatric": self.psychogeriatric,
            "frail_elderly": self.frail_elderly,
            "preferred_providers": list(self.preferred_providers),
            "home_first": self.home_first,
            "no_hospital": self.no_hospital,
            "hospital_override": self.hospital_override,
        }
