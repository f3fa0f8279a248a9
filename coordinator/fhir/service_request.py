"""The ``ServiceRequest`` per acute request (the referral), with the Tasks and the Encounter it led to.

``status`` (:data:`~.codes.REQUEST_STATUS`): open, reserved -> active; placed ->
completed; cancelled -> revoked; escalated, advice -> completed with a note (112 took
over, or advice was enough). ``intent`` order. ``priority`` (:data:`~.codes.PRIORITY`):
U0, U1 -> stat; U2 -> asap; U3 -> urgent; U4, U5 -> routine (FHIR's order routine <
urgent < asap < stat follows the NTS levels; U0/U1 are never placed by zcc but keep
their weight). ``code`` = the complaint; ``reasonCode`` = the triage reasons;
``orderDetail`` = the NTS urgency and the acceptable care types; ``authoredOn`` =
created_at; ``occurrencePeriod`` = created_at .. created_at + target_minutes (the
window care should start in). ``requester`` = the ZCC, ``performer`` = the placed
provider, ``supportingInfo`` -> the CarePlan. As in the Nictiz Acute Zorg IG: the
referral has ``intent`` order, the sending party as ``requester``, the receiving
provider as ``performer`` and ``reasonCode`` for early triage.

This module is where a request record is read; the Task and Encounter modules get
the request's fields, its hold and its placement as arguments. The triage staff member
behind a request is left out (the ZCC organisation is the requester), and so are
earlier holds that were released and replaced (only the current hold and the
placement are on the request).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .builder import Builder
from .codes import PRIORITY, REQUEST_STATUS
from .datatypes import JSONDict, plus_minutes
from .encounter import encounter as add_encounter
from .organization import provider, zcc
from .task import link_output, referral_task, task_key

__all__ = ["service_request"]

# The history actions whose last time a Task uses (authoredOn, lastModified).
_TASK_HISTORY_ACTIONS = ("reserved", "placed", "released", "hold_expired")


def service_request(b: Builder, request: Mapping[str, Any], *, episode: JSONDict, careplan: JSONDict) -> None:
    """Add the ServiceRequest of one request, its Tasks and its Encounter; ValueError for an unmapped state."""
    request_id = str(request["id"])
    status = request.get("status")
    if not isinstance(status, str) or status not in REQUEST_STATUS:
        raise ValueError(f"request {request_id!r} has status {status!r}, which has no ServiceRequest status")
    triage: Mapping[str, Any] = request.get("triage") or {}
    urgency = triage.get("urgency")
    if urgency is not None and (not isinstance(urgency, str) or urgency not in PRIORITY):
        raise ValueError(f"request {request_id!r} has urgency {urgency!r}, which has no priority")
    placement: Mapping[str, Any] | None = request.get("placement")
    hold: Mapping[str, Any] | None = request.get("hold")
    complaint = request.get("complaint")
    created = request.get("created_at")
    history: Iterable[Any] = request.get("history") or []
    sr_ref = b.ref("ServiceRequest", request_id)

    # Tasks and the Encounter first, so the ServiceRequest's performer and the Task's output resolve.
    encounter: JSONDict | None = None
    if placement:
        encounter = add_encounter(
            b,
            request_id=request_id,
            cancelled=status == "cancelled",
            complaint=complaint,
            placement=placement,
            sr_ref=sr_ref,
            episode=episode,
            stay=request.get("stay"),
        )
    # Placements refused at the door: each its own (cancelled) Encounter, with the refusal.
    for i, refused in enumerate(request.get("refused") or []):
        if isinstance(refused, Mapping) and refused.get("provider_id"):
            add_encounter(
                b,
                request_id=request_id,
                cancelled=False,
                complaint=complaint,
                placement=refused,
                sr_ref=sr_ref,
                episode=episode,
                stay=refused,
                key=f"refused/{i}",
            )
    placement_in_hold = bool(
        placement
        and hold
        and hold.get("provider_id") == placement.get("provider_id")
        and hold.get("care_type") == placement.get("care_type")
    )
    history_at = {action: (_last_history(history, action) or {}).get("at") for action in _TASK_HISTORY_ACTIONS}

    def add_task(task_hold: Mapping[str, Any] | None, task_placement: Mapping[str, Any] | None) -> None:
        referral_task(
            b,
            request_id=request_id,
            urgency=urgency,
            created_at=created,
            history_at=history_at,
            hold=task_hold,
            placement=task_placement,
            sr_ref=sr_ref,
        )

    if hold:
        add_task(hold, placement if placement_in_hold else None)
    if placement and not placement_in_hold:
        add_task(None, placement)
    if encounter is not None:
        # The Task that carries the placement points at the Encounter it led to.
        link_output(b, task_key(request_id, hold if placement_in_hold else None), encounter)

    body: JSONDict = {
        "identifier": [{"system": b.region_system("request"), "value": request_id}],
        "status": REQUEST_STATUS[status],
        "intent": "order",
        "category": [{"text": "Acute zorgvraag (niet-levensbedreigend) via de ZCC"}],
    }
    if urgency is not None:
        body["priority"] = PRIORITY[urgency]
    if isinstance(complaint, str) and complaint:
        body["code"] = {"coding": [b.coding("complaint", complaint)], "text": complaint}
    details: list[JSONDict] = []
    target = triage.get("target_minutes")
    if urgency is not None:
        text = f"Urgentie {urgency} (NTS)"
        if isinstance(target, int | float):
            text += f", zorg binnen {int(target)} minuten"
        details.append({"coding": [b.coding("nts-urgency", urgency)], "text": text})
    details.extend(b.care_type_concept(ct) for ct in triage.get("care_types") or [])
    if details:
        body["orderDetail"] = details
    body["subject"] = b.ref("Patient", b.patient_ref)
    if isinstance(created, str) and created:
        body["authoredOn"] = created
        if isinstance(target, int | float):
            body["occurrencePeriod"] = {"start": created, "end": plus_minutes(created, target)}
        else:
            body["occurrenceDateTime"] = created
    body["requester"] = zcc(b)
    if placement:
        body["performer"] = [provider(b, str(placement["provider_id"]))]
    reasons = [r for r in triage.get("reasons") or [] if isinstance(r, str) and r]
    if reasons:
        body["reasonCode"] = [{"text": r} for r in reasons]
    body["supportingInfo"] = [careplan]
    notes = _notes(status, triage, history)
    if notes:
        body["note"] = [{"text": n} for n in notes]
    b.add("ServiceRequest", request_id, body)


def _notes(status: str, triage: Mapping[str, Any], history: Iterable[Any]) -> list[str]:
    """Notes on escalation to 112, advice only, cancellation and who decided the triage."""
    notes: list[str] = []
    if status == "escalated" or triage.get("escalate_112"):
        notes.append(
            f"Levensbedreigend ({triage.get('urgency', 'U0/U1')}): direct naar 112 verwezen; de ZCC plaatst niet."
        )
    if status == "advice":
        notes.append("Alleen advies gegeven (U5): geen plaats nodig.")
    if status == "cancelled":
        cancel = _last_history(history, "cancelled")
        detail = cancel.get("detail") if cancel else None
        notes.append(f"Geannuleerd{': ' + detail if isinstance(detail, str) and detail else ''}.")
    decided_by = triage.get("decided_by")
    if isinstance(decided_by, str) and decided_by:
        notes.append(f"Triage beslist door: {decided_by}.")
    return notes


def _last_history(history: Iterable[Any], action: str) -> Mapping[str, Any] | None:
    """The last history entry of the request with this action, if any."""
    found: Mapping[str, Any] | None = None
    for entry in history:
        if isinstance(entry, Mapping) and entry.get("action") == action:
            found = entry
    return found
