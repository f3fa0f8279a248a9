"""The ``Task`` per hold and per placement: a ReferralTask, after Nictiz ELZ ``hg-ReferralTask``.

``status`` from the hold (:data:`~.codes.HOLD_TASK_STATUS`), following the FHIR Task
state machine (https://hl7.org/fhir/R4/task.html#statemachine): held -> accepted (the
provider's published capacity is its standing agreement to take the patient, and the
place is set aside: the owner has agreed and not started; no one is still evaluating,
so not *received*); confirmed -> completed (the referral is done; the care itself is
the Encounter); released -> cancelled (zcc abandoned the reservation); expired ->
failed (attempted, ran out before confirmation). A placement without a matching hold
gives a completed Task. ``intent`` order; ``focus`` and ``basedOn`` -> the
ServiceRequest; ``owner`` -> the provider Organization; ``requester`` -> the ZCC;
``restriction.period.end`` = held_until; ``businessStatus`` and ``statusReason`` in
Dutch; ``output`` -> the Encounter once placed.

The Acute Zorg IG has no Task yet; this one follows its ELZ sibling (``intent`` order,
``code`` SNOMED 3457005 *verwijzen van patiënt*, ``focus``, ``for``, ``requester``,
``owner`` -> an Organization) plus ``basedOn`` as the Acute Zorg workflow page sketches.
It carries ``meta.tag`` ``ReferralTask`` rather than ``meta.profile``: zcc does not claim
conformance to that beta profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .builder import Builder
from .codes import HOLD_BUSINESS_STATUS, HOLD_STATUS_REASON, HOLD_TASK_STATUS, PRIORITY, SNOMED
from .datatypes import JSONDict
from .organization import provider, zcc

__all__ = ["link_output", "referral_task", "task_key"]


def task_key(request_id: str, hold: Mapping[str, Any] | None) -> str:
    """The builder key of the Task of this hold, or of the request's placement without a hold."""
    if hold is not None:
        return f"{request_id}/hold/{hold.get('hold_id', '')}"
    return f"{request_id}/placement"


def referral_task(
    b: Builder,
    *,
    request_id: str,
    urgency: Any,
    created_at: Any,
    history_at: Mapping[str, Any],
    hold: Mapping[str, Any] | None,
    placement: Mapping[str, Any] | None,
    sr_ref: JSONDict,
) -> JSONDict:
    """A ReferralTask for one hold (with its placement, if it was confirmed) or for a placement alone.

    ``history_at`` maps a history action (reserved, placed, released, hold_expired) to
    the time of its last entry on the request.
    """
    source = hold if hold is not None else placement
    if source is None:
        raise ValueError(f"request {request_id!r}: a Task needs a hold or a placement")
    provider_id = str(source["provider_id"])
    care_type = str(source.get("care_type", ""))
    if hold is not None:
        hold_status = hold.get("status")
        if hold_status not in HOLD_TASK_STATUS:
            raise ValueError(f"hold of request {request_id!r} has status {hold_status!r}, which has no Task status")
        # A confirmed placement completes the Task whatever the hold says since.
        state = "confirmed" if placement is not None else str(hold_status)
    else:
        state = "confirmed"
    owner = provider(b, provider_id)
    care_name = b.care_type_names.get(care_type, care_type)
    body: JSONDict = {
        "meta": {
            "tag": [
                {
                    "system": b.system("fhir-tag"),
                    "code": "ReferralTask",
                    "display": "ReferralTask (naar Nictiz hg-ReferralTask)",
                }
            ]
        },
    }
    identifiers = [{"system": b.region_system("request"), "value": request_id}]
    if hold is not None and hold.get("hold_id"):
        identifiers.insert(0, {"system": b.region_system("hold"), "value": str(hold["hold_id"])})
    body["identifier"] = identifiers
    body["basedOn"] = [sr_ref]
    body["status"] = HOLD_TASK_STATUS[state]
    if state in HOLD_STATUS_REASON:
        body["statusReason"] = {"text": HOLD_STATUS_REASON[state]}
    body["businessStatus"] = {
        "coding": [b.coding("hold-status", state)],
        "text": HOLD_BUSINESS_STATUS[state],
    }
    body["intent"] = "order"
    if isinstance(urgency, str) and urgency in PRIORITY:
        body["priority"] = PRIORITY[urgency]
    body["code"] = {
        "coding": [{"system": SNOMED, "code": "3457005", "display": "verwijzen van patiënt"}],
        "text": "ReferralTask: plaats voor acute zorg",
    }
    body["description"] = f"Plaats {care_name} bij {owner.get('display', provider_id)}"
    body["focus"] = sr_ref
    body["for"] = b.ref("Patient", b.patient_ref)
    authored = history_at.get("reserved") or (placement or {}).get("confirmed_at") or created_at
    if authored:
        body["authoredOn"] = authored
    last = _last_modified(state, placement, history_at)
    if last:
        body["lastModified"] = last
    body["requester"] = zcc(b)
    body["owner"] = owner
    if hold is not None and hold.get("held_until"):
        body["restriction"] = {"period": {"end": hold["held_until"]}}
    notes = [f"Zorgsoort: {care_name}"]
    travel = source.get("travel_minutes")
    if isinstance(travel, int | float):
        notes.append(f"Reistijd ca. {round(travel)} minuten")
    body["note"] = [{"text": n} for n in notes]
    return b.add("Task", task_key(request_id, hold), body)


def link_output(b: Builder, key: str, encounter: JSONDict) -> None:
    """Point the Task under ``key`` at the Encounter its placement led to."""
    b.entry("Task", key)["output"] = [{"type": {"text": "Plaatsing (Encounter)"}, "valueReference": encounter}]


def _last_modified(state: str, placement: Mapping[str, Any] | None, history_at: Mapping[str, Any]) -> Any:
    """When the Task reached its state: the placement's confirmation, or the history entry of the hold's end."""
    if state == "confirmed":
        return (placement or {}).get("confirmed_at") or history_at.get("placed")
    action = {"held": "reserved", "released": "released", "expired": "hold_expired"}[state]
    return history_at.get(action)
