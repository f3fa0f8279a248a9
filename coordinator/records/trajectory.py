"""The trajectory record: one patient's care team, care-plan hints, phase and stop criteria, and its events.

A record belongs to one pseudonymous ``patient_ref`` (never a BSN or a name). One serialisation
goes to the store (``to_store``), one to the API (``coordinator.trajectories`` adds what is derived
on read).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypeAlias

from pydantic import Field

from .common import ActorRef, Instant, Record

__all__ = [
    "PHASES",
    "STOP_CRITERIA",
    "TEAM_ROLES",
    "CareTeamMember",
    "EventKind",
    "Hints",
    "Phase",
    "TrajectoryEvent",
    "TrajectoryRecord",
]

Phase: TypeAlias = Literal["intake", "startfase", "vervolgfase", "evaluation_due", "ended"]
PHASES: tuple[str, ...] = ("intake", "startfase", "vervolgfase", "evaluation_due", "ended")
TEAM_ROLES = ("gp", "regiebehandelaar", "district_nurse", "case_manager", "poh_o")
# Seed 002: the zorgtraject stops when all four hold.
STOP_CRITERIA = (
    "diagnostiek_afgerond",
    "so_niet_meer_nodig",
    "betrokkenen_en_afspraken_helder",
    "huisarts_ondersteuning_afgesproken",
)


class CareTeamMember(Record):
    """One member of the patient's care team."""

    role: Literal["gp", "regiebehandelaar", "district_nurse", "case_manager", "poh_o"]
    name: str
    practitioner: str | None = None
    organisation: str | None = None
    contact: str | None = None


class Hints(Record):
    """Care-plan hints that matter in acute care."""

    preferred_providers: list[str] = Field(default_factory=list)
    home_first: bool = False
    no_hospital_admission: bool = False
    acp_wishes: list[str] = Field(default_factory=list)
    mobility: str | None = None
    psychogeriatric: bool = False
    wlz_indication: bool = False
    can_return_home: bool = True
    sharing_objection: bool = False


def _no_criteria_met() -> dict[str, bool]:
    return dict.fromkeys(STOP_CRITERIA, False)


class TrajectoryRecord(Record):
    """A patient's trajectory record (the zorgtraject), as stored."""

    patient_ref: str
    care_team: list[CareTeamMember] = Field(default_factory=list)
    hints: Hints = Field(default_factory=Hints)
    phase: Phase = "intake"
    phase_since: Instant
    started_at: Instant
    ended_at: Instant | None = None
    stop_criteria: dict[str, bool] = Field(default_factory=_no_criteria_met)
    # Why the record was marked evaluation_due by an event (a refusal, a readmission): {code, text, request_id, at}.
    evaluation_reason: dict[str, Any] | None = None
    created_at: Instant
    updated_at: Instant

    @classmethod
    def new(cls, patient_ref: str, now: datetime) -> TrajectoryRecord:
        """A new record: opened on the first write; the care team fills it in."""
        return cls(patient_ref=patient_ref, phase_since=now, started_at=now, created_at=now, updated_at=now)

    def regiebehandelaar(self) -> CareTeamMember | None:
        """The care team's regiebehandelaar, if one is named."""
        return next((m for m in self.care_team if m.role == "regiebehandelaar"), None)

    def to_store(self) -> str:
        """The stored form: JSON text."""
        return self.model_dump_json()

    @classmethod
    def from_store(cls, body: str) -> TrajectoryRecord:
        """Inverse of :meth:`to_store`."""
        return cls.model_validate_json(body)


#: Every kind of step the service writes into a trajectory (the catalogue words each as ``event.KIND``).
EventKind: TypeAlias = Literal[
    "triage",
    "override",
    "hold",
    "placement",
    "notification",
    "release",
    "cancel",
    "expiry",
    "update",
    "arrived",
    "outcome",
    "refused",
    "discharged",
]


class TrajectoryEvent(Record):
    """One step in the patient's trajectory: a triage, hold, placement, release, override, notification, update."""

    id: str
    at: Instant
    type: str
    request_id: str | None = None
    by: ActorRef | None = None
    # The step's facts; their shape depends on ``type`` (a JSON object kept as written).
    detail: dict[str, Any] = Field(default_factory=dict)

    def to_store(self) -> str:
        """The stored form: JSON text."""
        return self.model_dump_json()

    @classmethod
    def from_store(cls, body: str) -> TrajectoryEvent:
        """Inverse of :meth:`to_store`."""
        return cls.model_validate_json(body)
