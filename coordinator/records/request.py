"""The request record: one acute request from intake to placement, as stored and as the API shows it.

Statuses: ``open`` (triaged, waiting for a place), ``reserved`` (a hold runs), ``placed``
(confirmed), ``cancelled``, ``escalated`` (U0/U1: 112, never placed) and ``advice`` (U5: no place
needed). One serialisation goes to the store (:meth:`RequestRecord.to_store`), one to the API
(:meth:`RequestRecord.to_api`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypeAlias

from pydantic import Field

from capacity.jsontypes import JSONObject

from .common import ActorRef, Instant, Record

__all__ = [
    "OPEN_STATUSES",
    "CarePlanRef",
    "Excluded",
    "Flags",
    "HeldPlace",
    "HistoryEntry",
    "PatientLocation",
    "Placement",
    "ProposalRef",
    "RequestRecord",
    "RequestStatus",
    "TriageResult",
]

RequestStatus: TypeAlias = Literal["open", "reserved", "placed", "cancelled", "escalated", "advice"]
OPEN_STATUSES: frozenset[str] = frozenset({"open", "reserved"})


class PatientLocation(Record):
    """Where the patient is, and the road graph node it snapped to."""

    lat: float
    lon: float
    postcode: str | None = None  # the PC4 area used, when the location came from a postcode
    node: str | int | None = None
    place: str | None = None  # the place name used, when the location came from one
    resolution: dict[str, Any] | None = None  # how the location was found: {code, params, text}


class Flags(Record):
    """What the matcher needs to know of the patient beyond the triage (the care plan's flags included)."""

    can_return_home: bool = True
    wlz_indication: bool = False
    psychogeriatric: bool = False
    frail_elderly: bool = False


class CarePlanRef(Record):
    """The care plan's hints the match used."""

    preferred_providers: list[str] = Field(default_factory=list)
    home_first: bool = False
    no_hospital_admission: bool = False


class TriageResult(Record):
    """The outcome of the triage, as recorded."""

    complaint: str
    urgency: str
    target_minutes: int | None
    care_types: list[str]
    escalate_112: bool
    decided_by: str
    reasons: list[str]
    advice_only: bool
    base_urgency: str = ""
    raised_by: list[str] = Field(default_factory=list)
    advice: str = ""


class ProposalRef(Record):
    """A proposed place, as recorded with the request."""

    provider_id: str
    care_type: str
    travel_minutes: float | None
    score: float
    reasons: list[str]
    # A place in a neighbouring region, proposed when no place at home fits the urgency window.
    cross_region: bool = False
    region: str | None = None
    region_name: str | None = None


class Excluded(Record):
    """A place that could not take the request, and why."""

    provider_id: str
    care_type: str
    travel_minutes: float | None
    excluded: str
    reason: str


class HeldPlace(Record):
    """The place a request holds (or held): the hold's id and state."""

    hold_id: str
    provider_id: str
    care_type: str
    held_until: Instant
    status: Literal["held", "confirmed", "released", "expired"]
    travel_minutes: float | None = None


class Placement(Record):
    """Where the request was placed, and when."""

    provider_id: str
    care_type: str
    confirmed_at: Instant
    travel_minutes: float | None = None


class HistoryEntry(Record):
    """One step of the request's own history."""

    at: Instant
    action: str
    detail: str
    by: ActorRef | None = None


class RequestRecord(Record):
    """One acute request: intake, triage, proposals, its hold and placement, and its history."""

    id: str
    patient_ref: str
    age: int
    location: PatientLocation
    complaint: str
    answers: dict[str, bool]
    context: dict[str, bool | int]
    flags: Flags
    care_plan: CarePlanRef
    hospital_override: str | None = None
    created_at: Instant
    created_by: ActorRef
    triage: TriageResult
    status: RequestStatus
    proposals: list[ProposalRef] = Field(default_factory=list)
    excluded: list[Excluded] = Field(default_factory=list)
    hold: HeldPlace | None = None
    placement: Placement | None = None
    history: list[HistoryEntry] = Field(default_factory=list)
    # The Idempotency-Keys this request was written with (hash of the scoped key -> the request's fingerprint),
    # stored with the record so a repeat is recognised in the same compare-and-set; not shown by the API.
    idempotency: dict[str, str] = Field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        """Whether the request is still waiting for a place (open or reserved)."""
        return self.status in OPEN_STATUSES

    def effective(self, now: datetime) -> RequestRecord:
        """The record as read at ``now``: a reserved record whose hold ran out reads as open, the hold expired."""
        held = self.hold
        if self.status == "reserved" and held is not None and held.held_until <= now:
            return self.model_copy(update={"status": "open", "hold": held.model_copy(update={"status": "expired"})})
        return self

    def to_store(self) -> str:
        """The stored form: JSON text."""
        return self.model_dump_json()

    @classmethod
    def from_store(cls, body: str) -> RequestRecord:
        """Inverse of :meth:`to_store`."""
        return cls.model_validate_json(body)

    def to_api(self) -> JSONObject:
        """The API shape: the contract's top-level fields (urgency, target, care types, 112) and the whole record."""
        body = self.model_dump(mode="json", exclude={"idempotency"})
        t = body["triage"]
        return {
            "id": body.pop("id"),
            "status": body.pop("status"),
            "urgency": t["urgency"],
            "target_minutes": t["target_minutes"],
            "care_types": t["care_types"],
            "escalate_112": t["escalate_112"],
            "proposals": body.pop("proposals"),
            **body,
        }
