"""From a validated intake to a request record: triage, the care plan's flags, the need and the places to rank."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from capacity.errors import InvalidTransition
from capacity.store import DocWrite, LogEvent
from capacity.view import CapacityView
from routing.dispatch import Place
from routing.graph import Snap
from routing.lookup import Routing
from routing.matching import Need, Urgency

from ..records import (
    ActorRef,
    CarePlanRef,
    Flags,
    Hints,
    HistoryEntry,
    PatientLocation,
    RequestRecord,
    RequestStatus,
    TrajectoryEvent,
    TriageResult,
)
from ..triage import TriageOutcome

__all__ = [
    "CANDIDATES_PER_CARE_TYPE",
    "RequestInput",
    "candidate_places",
    "doc_write",
    "history",
    "need_of",
    "new_record",
    "new_request_id",
    "trajectory_event",
]

# Nearest places per care type considered for one request; further ones cannot beat these on travel.
CANDIDATES_PER_CARE_TYPE = 40


def new_request_id() -> str:
    """A request id: short, random, not derived from patient data."""
    return "req-" + secrets.token_hex(8)


@dataclass(slots=True)
class RequestInput:
    """A validated new request (the handler builds it from the body)."""

    patient_ref: str
    age: int
    lat: float
    lon: float
    complaint: str
    answers: Mapping[str, bool]
    context: Mapping[str, bool | int] = field(default_factory=dict)
    can_return_home: bool = True
    wlz_indication: bool = False
    psychogeriatric: bool = False
    frail_elderly: bool = False
    postcode: str | None = None
    place: str | None = None
    # How the location was found ({code, params, text}); never the address itself.
    resolution: Mapping[str, Any] | None = None
    # A clinician's override of a "no hospital admission" wish, with the reason (recorded as an event).
    hospital_override: str | None = None


def _status_of(outcome: TriageOutcome) -> RequestStatus:
    if outcome.escalate_112:
        return "escalated"
    if outcome.advice_only:
        return "advice"
    return "open"


def history(now: datetime, actor: ActorRef | None, action: str, detail: str) -> HistoryEntry:
    """One step of a request's own history."""
    return HistoryEntry(at=now, action=action, detail=detail, by=actor)


def trajectory_event(
    now: datetime, kind: str, record: RequestRecord, actor: ActorRef | None, detail: Mapping[str, object]
) -> TrajectoryEvent:
    """One acute step as the patient's trajectory keeps it."""
    return TrajectoryEvent(
        id="ev-" + secrets.token_hex(6), at=now, type=kind, request_id=record.id, by=actor, detail=dict(detail)
    )


def new_record(  # noqa: PLR0917 - each input of a new record, named by the one caller
    data: RequestInput,
    outcome: TriageOutcome,
    hints: Hints,
    snap: Snap,
    actor: ActorRef,
    now: datetime,
    request_id: str | None = None,
) -> RequestRecord:
    """The record of a new request: triaged, with the care plan's flags and hints, no proposals yet."""
    return RequestRecord(
        id=request_id or new_request_id(),
        patient_ref=data.patient_ref,
        age=data.age,
        location=PatientLocation(
            lat=data.lat,
            lon=data.lon,
            postcode=data.postcode,
            node=snap.node[1],
            place=data.place,
            resolution=dict(data.resolution) if data.resolution else None,
        ),
        complaint=data.complaint,
        answers=dict(data.answers),
        context=dict(data.context),
        # The care plan's flags count too: a Wlz indication on record is one here.
        flags=Flags(
            can_return_home=data.can_return_home and hints.can_return_home,
            wlz_indication=data.wlz_indication or hints.wlz_indication,
            psychogeriatric=data.psychogeriatric or hints.psychogeriatric,
            frail_elderly=data.frail_elderly,
        ),
        care_plan=CarePlanRef(
            preferred_providers=list(hints.preferred_providers),
            home_first=hints.home_first,
            no_hospital_admission=hints.no_hospital_admission,
        ),
        hospital_override=data.hospital_override,
        created_at=now,
        created_by=actor,
        triage=TriageResult.model_validate(outcome.to_json()),
        status=_status_of(outcome),
        history=[history(now, actor, "created", f"{outcome.urgency} via {outcome.decided_by}")],
    )


_PLACED_URGENCIES: dict[str, Urgency] = {"U2": "U2", "U3": "U3", "U4": "U4"}


def need_of(record: RequestRecord) -> Need:
    """The matching need of a request (one that needs a place: U2 to U4)."""
    t, flags, plan = record.triage, record.flags, record.care_plan
    urgency = _PLACED_URGENCIES.get(t.urgency)
    if urgency is None:
        raise InvalidTransition(f"request {record.id} is {t.urgency}: zcc does not place it")
    return Need(
        request_id=record.id,
        urgency=urgency,
        window_minutes=float(t.target_minutes or 0),
        care_types=tuple(t.care_types),
        age=record.age,
        can_return_home=flags.can_return_home,
        wlz_indication=flags.wlz_indication,
        psychogeriatric=flags.psychogeriatric,
        frail_elderly=flags.frail_elderly,
        preferred_providers=tuple(plan.preferred_providers),
        home_first=plan.home_first,
        no_hospital=plan.no_hospital_admission,
        hospital_override=record.hospital_override,
    )


def candidate_places(
    view: CapacityView, routing: Routing, snap: Snap, care_types: Sequence[str], now: datetime
) -> Iterator[Place]:
    """The nearest places of each acceptable care type, with live state from the view."""
    region = view.region
    for ct in care_types:
        for pid, minutes in routing.nearest(snap, region.id, ct, at_most=CANDIDATES_PER_CARE_TYPE):
            yield Place(
                region.id,
                region.name,
                region.providers[pid],
                ct,
                view.entries.get((pid, ct)),
                view.stop_of(pid, now, ct),
                minutes,
            )


def doc_write(  # noqa: PLR0917 - the parts of one stored transition
    record: RequestRecord,
    version: int | None,
    now: datetime,
    event: str,
    actor: ActorRef | None,
    steps: Sequence[TrajectoryEvent],
) -> DocWrite:
    """One compare-and-set of a request with its event and the patient's trajectory steps (a fresh op id)."""
    return DocWrite(
        doc_id=record.id,
        body=record.to_store(),
        expected_version=version,
        op_id=secrets.token_hex(12),
        now=now,
        event=LogEvent(event, _event_data(record, actor)),
        patient_ref=record.patient_ref,
        trajectory_events=tuple(s.to_store() for s in steps),
    )


def _event_data(record: RequestRecord, actor: ActorRef | None) -> dict[str, object]:
    """What the event log keeps of a transition: enough for the trajectory record, no free text."""
    return {
        "request_id": record.id,
        "patient_ref": record.patient_ref,
        "status": record.status,
        "urgency": record.triage.urgency,
        "reservation": record.hold.model_dump(mode="json") if record.hold else None,
        "placement": record.placement.model_dump(mode="json") if record.placement else None,
        "by": actor.model_dump(mode="json") if actor else None,
    }
