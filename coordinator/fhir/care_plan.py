"""The ``CarePlan``: the acute-care hints of the trajectory, as activities and notes.

``status`` active, completed once the trajectory ended; ``intent`` plan. Activities:
preferred providers (``detail.performer`` -> their Organizations), home first, no
hospital admission (``detail.doNotPerform`` = true on SNOMED 32485007
*ziekenhuisopname*), the evaluation rhythm (``scheduledTiming``: the next evaluation,
then monthly; the first comes 3 months after the start, per the ZN uitgangspunten
zorgtraject kwetsbare patiënten). Notes: each ACP wish, mobility, the flags
(psychogeriatric, Wlz indication, can return home, sharing objection), a due
evaluation and the stop criteria.

Why no ``Consent`` for "no hospital admission" and the ACP wishes: the zib that fits
(TreatmentDirective2, nl-core as Consent) records an agreement, dated and with its
parties, made by the patient and a professional. zcc holds a hint copied from the care
plan, without those parties or dates; exporting it as a Consent would make zcc look
like the source of a treatment directive. The authoritative directive stays with the
GP and the specialist ouderengeneeskunde; zcc exports what it acts on, as a plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .builder import Builder
from .codes import FLAG_NOTES, SNOMED, STOP_CRITERIA_LABEL
from .datatypes import JSONDict, period
from .organization import provider

__all__ = ["care_plan"]


def care_plan(
    b: Builder,
    *,
    hints: Mapping[str, Any],
    ended: bool,
    started_at: Any,
    ended_at: Any,
    created_at: Any,
    evaluation_due: Mapping[str, Any],
    next_evaluation: Any,
    stop_criteria: Mapping[str, Any],
) -> JSONDict:
    """Add the CarePlan of the hints and the evaluation rhythm and return the reference to it."""
    activity_status = "completed" if ended else "in-progress"
    activities: list[JSONDict] = []

    preferred = [p for p in hints.get("preferred_providers") or [] if isinstance(p, str)]
    if preferred:
        refs = [provider(b, p) for p in preferred]
        names = ", ".join(r.get("display", p) for r, p in zip(refs, preferred, strict=True))
        activities.append(
            _activity(
                b,
                "preferred-providers",
                "Voorkeursaanbieders",
                activity_status,
                f"Acute zorg bij voorkeur bij: {names}.",
                performer=refs,
            )
        )
    if hints.get("home_first"):
        activities.append(
            _activity(
                b,
                "home-first",
                "Thuis eerst",
                activity_status,
                "Acute zorg bij voorkeur thuis (visite, spoedwijkverpleging) vóór een opname.",
            )
        )
    if hints.get("no_hospital_admission"):
        activities.append(
            {
                "detail": {
                    "code": {
                        "coding": [{"system": SNOMED, "code": "32485007", "display": "ziekenhuisopname"}],
                        "text": "Ziekenhuisopname",
                    },
                    "status": activity_status,
                    "doNotPerform": True,
                    "description": "Geen ziekenhuisopname: wens uit advance care planning.",
                }
            }
        )
    activities.append(_evaluation_activity(b, ended=ended, due=evaluation_due, next_evaluation=next_evaluation))

    notes = _notes(hints, evaluation_due, stop_criteria)
    body: JSONDict = {
        "status": "completed" if ended else "active",
        "intent": "plan",
        "category": [{"text": "Afspraken acute zorg binnen het zorgtraject"}],
        "title": "Acute zorg: wensen en afspraken zorgtraject kwetsbare ouderen",
        "subject": b.ref("Patient", b.patient_ref),
        "period": period(started_at, ended_at),
        "careTeam": [b.ref("CareTeam", b.trajectory_key)],
        "activity": activities,
    }
    if created_at:
        body["created"] = created_at
    if notes:
        body["note"] = [{"text": note} for note in notes]
    return b.add("CarePlan", b.trajectory_key, body)


def _notes(hints: Mapping[str, Any], due: Mapping[str, Any], stop: Mapping[str, Any]) -> list[str]:
    """The CarePlan's notes: ACP wishes, mobility, the flags, a due evaluation and the stop criteria."""
    notes = [f"ACP-wens: {wish}" for wish in hints.get("acp_wishes") or [] if isinstance(wish, str) and wish]
    mobility = hints.get("mobility")
    if isinstance(mobility, str) and mobility:
        notes.append(f"Mobiliteit: {mobility}")
    for flag, label in FLAG_NOTES:
        value = hints.get(flag)
        if isinstance(value, bool):
            notes.append(f"{label}: {'ja' if value else 'nee'}")
    if due.get("due"):
        notes.append(f"Evaluatie nodig: {due.get('reason') or 'zonder opgegeven reden'}")
    if stop:
        met = sum(1 for key in STOP_CRITERIA_LABEL if stop.get(key))
        parts = "; ".join(f"{label}: {'ja' if stop.get(key) else 'nee'}" for key, label in STOP_CRITERIA_LABEL.items())
        notes.append(f"Stopcriteria zorgtraject: {met} van {len(STOP_CRITERIA_LABEL)} voldaan ({parts})")
    return notes


def _activity(
    b: Builder,
    code: str,
    label: str,
    status: str,
    description: str,
    *,
    performer: list[JSONDict] | None = None,
) -> JSONDict:
    """A CarePlan activity for one hint, coded in zcc's care-plan-hint system."""
    detail: JSONDict = {
        "code": {"coding": [b.coding("care-plan-hint", code, label)], "text": label},
        "status": status,
        "description": description,
    }
    if performer:
        detail["performer"] = performer
    return {"detail": detail}


def _evaluation_activity(b: Builder, *, ended: bool, due: Mapping[str, Any], next_evaluation: Any) -> JSONDict:
    """First evaluation 3 months after the start, then monthly (ZN uitgangspunten, at each declaration)."""
    description = "Evaluatie van het zorgtraject: eerst na 3 maanden, daarna maandelijks"
    description += f"; volgende evaluatie {next_evaluation}." if next_evaluation else "."
    detail: JSONDict = {
        "code": {
            "coding": [b.coding("care-plan-hint", "evaluation", "Evaluatie zorgtraject")],
            "text": "Evaluatie zorgtraject",
        },
        "description": description,
    }
    if ended:
        detail["status"] = "completed"
    elif due.get("due"):
        detail["status"] = "not-started"
        detail["statusReason"] = {"text": f"Evaluatie nodig: {due.get('reason') or 'zonder opgegeven reden'}"}
    else:
        detail["status"] = "scheduled"
    repeat: JSONDict = {"frequency": 1, "period": 1, "periodUnit": "mo"}
    timing: JSONDict = {"repeat": repeat}
    if next_evaluation:
        timing["event"] = [next_evaluation]
        repeat["boundsPeriod"] = {"start": next_evaluation}
    detail["scheduledTiming"] = timing
    return {"detail": detail}
