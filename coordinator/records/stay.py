"""What the receiving provider reports after a placement: arrival, outcome and discharge (the stay).

A placed request carries one :class:`Stay`; a refusal at the door closes it into the request's
``refused`` list and reopens the request. Codes are stable (machines read them); the Dutch words
for them are in :data:`REFUSAL_REASONS`, :data:`OUTCOMES` and :data:`DESTINATIONS`.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from .common import ActorRef, Instant, Record

__all__ = [
    "DESTINATIONS",
    "OUTCOMES",
    "REFUSAL_REASONS",
    "Destination",
    "OutcomeCode",
    "RefusalReason",
    "Stay",
    "stage_of",
]

OutcomeCode: TypeAlias = Literal["admitted", "treated_and_home", "referred_on", "refused"]
Destination: TypeAlias = Literal["home", "home_with_district_nursing", "other_place", "deceased"]
RefusalReason: TypeAlias = Literal[
    "no_bed_after_all", "care_need_too_high", "care_need_too_low", "not_indicated", "patient_declined", "other"
]

#: Dutch words for the codes (what a person reads on the page and in the trajectory).
OUTCOMES: dict[str, str] = {
    "admitted": "opgenomen",
    "treated_and_home": "behandeld en naar huis",
    "referred_on": "doorverwezen",
    "refused": "geweigerd aan de deur",
}
DESTINATIONS: dict[str, str] = {
    "home": "naar huis",
    "home_with_district_nursing": "naar huis met wijkverpleging",
    "other_place": "naar een andere plek",
    "deceased": "overleden",
}
REFUSAL_REASONS: dict[str, str] = {
    "no_bed_after_all": "toch geen plek vrij",
    "care_need_too_high": "zorgvraag te zwaar voor deze plek",
    "care_need_too_low": "zorgvraag te licht voor deze plek",
    "not_indicated": "geen indicatie",
    "patient_declined": "patiënt wilde niet",
    "other": "andere reden",
}


class Stay(Record):
    """One placement followed after confirmation: where, arrival, outcome, discharge, and whether the unit came back."""

    provider_id: str
    care_type: str
    hold_id: str
    placed_at: Instant
    arrived_at: Instant | None = None
    outcome: OutcomeCode | None = None
    outcome_at: Instant | None = None
    referred_to: str | None = None
    refusal_reason: RefusalReason | None = None
    refusal_text: str | None = None
    discharged_at: Instant | None = None
    destination: Destination | None = None
    unit_returned: bool = False
    reported_by: ActorRef | None = None

    @property
    def ended(self) -> bool:
        """Whether the stay is over (discharged, refused, or ended at the outcome)."""
        return self.discharged_at is not None or self.outcome == "refused"


def stage_of(stay: Stay | None) -> str:
    """Where a placement stands, as a code: placed, arrived, admitted, treated_and_home, referred_on, discharged."""
    if stay is None:
        return "placed"
    if stay.discharged_at is not None:
        return "discharged"
    if stay.outcome is not None:
        return stay.outcome
    return "arrived" if stay.arrived_at is not None else "placed"
