"""After the placement: the receiving provider reports arrival, outcome and discharge; the loop closes.

Each report is one compare-and-set of the request with its event and the patient's trajectory step
(the same atomic write as every other transition), idempotent (Idempotency-Key, or the same report
again), and InvalidTransition (409) when it does not fit: no outcome after a discharge, no discharge
before arrival. A discharge gives the unit back on the board; a refusal at the door gives it back,
reopens the request for the triage staff at once and notifies the regiebehandelaar, and marks the
trajectory ``evaluation_due``. The unit is given back before the record is written, once per hold
(the store remembers it), so a retried report never frees a second unit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from capacity.clock import iso, utcnow
from capacity.errors import InvalidInput, InvalidTransition, NotFound, ZccError
from capacity.messages import msg
from capacity.store import IdempotencyKey

from ..records import ActorRef, RequestRecord
from ..records.stay import DESTINATIONS, OUTCOMES, REFUSAL_REASONS, Destination, OutcomeCode, RefusalReason, Stay
from ..records.trajectory import EventKind
from .intake import history, trajectory_event
from .past import refused_ranked_lower
from .replay import is_repeat, remember

if TYPE_CHECKING:
    from .service import RequestService

__all__ = [
    "DischargeReport",
    "FollowUpObserver",
    "NoFollowUpObserver",
    "OutcomeReport",
    "receiver_of",
    "report_arrival",
    "report_discharge",
    "report_outcome",
    "tell_team",
]

_LOGGER = logging.getLogger(__name__)

#: How far ahead of our clock a reported time may be (the provider's clock may run a little fast).
_SKEW = timedelta(minutes=5)


class FollowUpObserver(Protocol):
    """Told of each report once it is stored (the metrics); never of a repeat."""

    def followed(self, kind: str, record: RequestRecord) -> None:
        """An arrival, outcome or discharge of ``record`` was stored (``kind``: arrived, refused, admitted, ...)."""


class NoFollowUpObserver:
    """Counts nothing."""

    def followed(self, kind: str, record: RequestRecord) -> None:
        """Nothing."""


@dataclass(frozen=True, slots=True)
class OutcomeReport:
    """A validated outcome: what happened at the door, with where to (referred on) or why (refused)."""

    outcome: OutcomeCode
    at: datetime | None = None
    referred_to: str | None = None
    refusal_reason: RefusalReason | None = None
    refusal_text: str | None = None


@dataclass(frozen=True, slots=True)
class DischargeReport:
    """A validated discharge: when, where to, and optionally the provider's free count after it."""

    destination: Destination
    at: datetime | None = None
    available: int | None = None


def receiver_of(record: RequestRecord) -> str | None:
    """The provider that received (or last refused) the patient of this request, or None."""
    if record.stay is not None:
        return record.stay.provider_id
    if record.placement is not None:
        return record.placement.provider_id
    return record.refused[-1].provider_id if record.refused else None


def _when(at: datetime | None, now: datetime, after: datetime, what: str) -> datetime:
    """A reported moment: now when absent; never in the future, never before ``after``."""
    moment = at or now
    if moment > now + _SKEW:
        raise InvalidInput(f"{what} lies in the future ({iso(moment)})", field="at")
    if moment < after:
        raise InvalidInput(f"{what} ({iso(moment)}) lies before {iso(after)}", field="at")
    return moment


async def _placed(svc: RequestService, request_id: str) -> tuple[RequestRecord, int]:
    found = await svc.stored(request_id)
    if found is None:
        raise NotFound(f"no request {request_id}", field="id")
    return found


def _stay_of(record: RequestRecord, what: str) -> Stay:
    """The running stay of a placed request; InvalidTransition when there is none to report on."""
    placement, held = record.placement, record.hold
    if record.status != "placed" or placement is None or held is None:
        raise InvalidTransition(f"request {record.id} is {record.status}, not placed: no {what} to report")
    if record.stay is None:
        record.stay = Stay(
            provider_id=placement.provider_id,
            care_type=placement.care_type,
            hold_id=held.hold_id,
            placed_at=placement.confirmed_at,
        )
    return record.stay


async def _store(  # noqa: PLR0917 - one private call shape for the three reports
    svc: RequestService,
    record: RequestRecord,
    version: int,
    now: datetime,
    kind: EventKind,
    actor: ActorRef,
    detail: str,
) -> None:
    """Write the report with its event and its trajectory step (one compare-and-set)."""
    stay = record.stay if record.stay is not None else (record.refused[-1] if record.refused else None)
    # The receiving provider's report as written for the triage staff (Dutch, like the reports' own words).
    record.history.append(history(now, actor, kind, msg("history.followup", text=detail)))
    step = trajectory_event(now, kind, record, actor, stay.model_dump(mode="json") if stay else {})
    await svc.write(record, version, now, f"request.{kind}", actor, [step])


async def report_arrival(
    svc: RequestService, request_id: str, at: datetime | None, actor: ActorRef, idem: IdempotencyKey | None = None
) -> RequestRecord:
    """The patient arrived at the receiving provider; the same arrival again answers the same."""
    record, version = await _placed(svc, request_id)
    if is_repeat(record, idem):
        return record
    stay = _stay_of(record, "arrival")
    now = utcnow()
    moment = _when(at, now, stay.placed_at, "the arrival")
    if stay.arrived_at is not None:
        if at is None or abs((stay.arrived_at - moment).total_seconds()) < 1:
            return record  # the same arrival again
        raise InvalidTransition(f"the arrival of request {request_id} was reported already ({iso(stay.arrived_at)})")
    stay.arrived_at = moment
    stay.reported_by = actor
    remember(record, idem)
    await _store(svc, record, version, now, "arrived", actor, f"aangekomen {iso(moment)}")
    svc.followup.followed("arrived", record)
    return record


async def report_outcome(
    svc: RequestService, request_id: str, report: OutcomeReport, actor: ActorRef, idem: IdempotencyKey | None = None
) -> RequestRecord:
    """What happened at the door; a refusal gives the unit back and reopens the request at once."""
    record, version = await _placed(svc, request_id)
    if is_repeat(record, idem):
        return record
    last = record.refused[-1] if record.refused else None
    if record.status != "placed" and report.outcome == "refused" and last is not None and last.outcome == "refused":
        return record  # the same refusal again: the request was reopened by it
    stay = _stay_of(record, "outcome")
    if stay.outcome is not None:
        if stay.outcome == report.outcome:
            return record  # the same outcome again
        raise InvalidTransition(f"request {request_id} already has the outcome {stay.outcome}")
    now = utcnow()
    moment = _when(report.at, now, stay.arrived_at or stay.placed_at, "the outcome")
    implied = stay.arrived_at is None
    if implied:
        stay.arrived_at = moment  # an outcome at the door means the patient came
    stay.outcome, stay.outcome_at, stay.reported_by = report.outcome, moment, actor
    stay.referred_to = report.referred_to
    stay.refusal_reason, stay.refusal_text = report.refusal_reason, report.refusal_text
    words = OUTCOMES[report.outcome]
    if report.outcome in ("treated_and_home", "referred_on"):
        # The patient left the same day: the stay ends here and the unit comes back.
        stay.discharged_at = moment
        stay.destination = "home" if report.outcome == "treated_and_home" else "other_place"
    if stay.ended:
        await svc.capacity.return_unit(stay.hold_id)
        stay.unit_returned = True
    if report.outcome == "refused":
        record.refused.append(stay)
        record.stay, record.placement, record.hold = None, None, None
        record.status = "open"
        record.proposals = refused_ranked_lower(record.proposals, stay.provider_id, moment, report.refusal_reason)
        reason = REFUSAL_REASONS[report.refusal_reason or "other"]
        extra = f" ({report.refusal_text})" if report.refusal_text else ""
        words = f"{words} door {stay.provider_id}: {reason}{extra}"
    remember(record, idem)
    kind: EventKind = "refused" if report.outcome == "refused" else "outcome"
    await _store(svc, record, version, now, kind, actor, words)
    if implied:
        svc.followup.followed("arrived", record)
    svc.followup.followed(report.outcome, record)
    if report.outcome == "refused":
        await tell_team(svc, record, "refusal", f"Geweigerd aan de deur: {words}")
    return record


async def report_discharge(
    svc: RequestService, request_id: str, report: DischargeReport, actor: ActorRef, idem: IdempotencyKey | None = None
) -> RequestRecord:
    """The patient left the receiving provider; the unit goes back on the board (or the provider's count)."""
    record, version = await _placed(svc, request_id)
    if is_repeat(record, idem):
        return record
    stay = _stay_of(record, "discharge")
    if stay.discharged_at is not None:
        if stay.destination == report.destination:
            return record  # the same discharge again
        raise InvalidTransition(f"request {request_id} was discharged already ({iso(stay.discharged_at)})")
    if stay.arrived_at is None:
        raise InvalidTransition(f"request {request_id}: no discharge before the arrival is reported")
    now = utcnow()
    moment = _when(report.at, now, stay.arrived_at, "the discharge")
    if stay.outcome is None:
        stay.outcome, stay.outcome_at = "admitted", stay.arrived_at
    stay.discharged_at, stay.destination, stay.reported_by = moment, report.destination, actor
    await svc.capacity.return_unit(stay.hold_id, report.available)
    stay.unit_returned = True
    remember(record, idem)
    await _store(svc, record, version, now, "discharged", actor, f"ontslagen {DESTINATIONS[report.destination]}")
    svc.followup.followed("discharged", record)
    return record


async def tell_team(svc: RequestService, record: RequestRecord, code: str, text: str) -> None:
    """Notify the regiebehandelaar (the placement webhook) and mark the trajectory evaluation_due, with the reason."""
    try:
        trajectory = await svc.trajectories.record(record.patient_ref)
        lead = trajectory.regiebehandelaar() if trajectory is not None else None
        await svc.trajectories.mark_evaluation_due(record.patient_ref, code, text, record.id)
    except ZccError:  # the report stands; the webhook still goes
        _LOGGER.exception("request %s: the trajectory could not be marked evaluation_due", record.id)
        lead = None
    if svc.on_placed is not None:
        body: dict[str, Any] = {
            "event": code,
            "region": svc.capacity.region.id,
            "patient_ref": record.patient_ref,
            "request_id": record.id,
            "urgency": record.triage.urgency,
            "reason": {"code": code, "text": text},
            "regiebehandelaar": lead.model_dump(mode="json") if lead is not None else None,
            "evaluation_due": True,
            "at": iso(utcnow()),
        }
        svc.on_placed(body)
