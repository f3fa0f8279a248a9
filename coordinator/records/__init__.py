"""Typed records that cross layers: requests and trajectory records, with one way into the store and one to the API."""

from __future__ import annotations

from .common import ActorRef, CodedText, Instant, Record
from .request import (
    OPEN_STATUSES,
    CarePlanRef,
    Excluded,
    Flags,
    HeldPlace,
    HistoryEntry,
    PatientLocation,
    Placement,
    ProposalRef,
    RequestRecord,
    RequestStatus,
    TriageResult,
)
from .trajectory import (
    PHASES,
    STOP_CRITERIA,
    TEAM_ROLES,
    CareTeamMember,
    EventKind,
    Hints,
    Phase,
    TrajectoryEvent,
    TrajectoryRecord,
)

__all__ = [
    "OPEN_STATUSES",
    "PHASES",
    "STOP_CRITERIA",
    "TEAM_ROLES",
    "ActorRef",
    "CarePlanRef",
    "CareTeamMember",
    "CodedText",
    "EventKind",
    "Excluded",
    "Flags",
    "HeldPlace",
    "Hints",
    "HistoryEntry",
    "Instant",
    "PatientLocation",
    "Phase",
    "Placement",
    "ProposalRef",
    "Record",
    "RequestRecord",
    "RequestStatus",
    "TrajectoryEvent",
    "TrajectoryRecord",
    "TriageResult",
]
