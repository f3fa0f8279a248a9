"""The export's entry point: checks the input, reads the trajectory record and adds the resources in order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .builder import Builder
from .care_plan import care_plan
from .datatypes import JSONDict
from .episode import episode_of_care
from .patient import patient
from .service_request import service_request

__all__ = ["trajectory_bundle"]


def trajectory_bundle(
    record: Mapping[str, Any],
    requests: Sequence[Mapping[str, Any]],
    *,
    providers: Mapping[str, Mapping[str, Any]],
    care_type_names: Mapping[str, str],
    region_id: str,
    base_url: str = "urn:zcc",
) -> JSONDict:
    """A FHIR R4 ``collection`` Bundle of one trajectory record and its requests (see :mod:`coordinator.fhir`).

    ``providers`` maps provider id -> ``{"name", "kind"}``; ``care_type_names`` maps
    care type id -> Dutch name. Raises ValueError for a request of another patient
    or a phase, status or urgency this export has no mapping for, rather than
    export it with a guessed meaning.
    """
    patient_ref = record.get("patient_ref")
    if not isinstance(patient_ref, str) or not patient_ref:
        raise ValueError("trajectory record has no patient_ref")
    for request in requests:
        if not isinstance(request.get("id"), str) or not request["id"]:
            raise ValueError("a request has no id")
        if request.get("patient_ref") != patient_ref:
            raise ValueError(f"request {request.get('id')!r} belongs to another patient than the record")

    # The record is read here and only here; each resource gets the fields it maps.
    hints: Mapping[str, Any] = record.get("hints") or {}
    ended = record.get("phase") == "ended"
    started_at, ended_at = record.get("started_at"), record.get("ended_at")
    b = Builder(
        patient_ref=patient_ref,
        # The trajectory's own key: a patient may have a later trajectory, after this one ended.
        trajectory_key=f"{patient_ref}/{record.get('started_at', '')}",
        providers=providers,
        care_type_names=care_type_names,
        region_id=region_id,
        base_url=base_url,
    )
    patient(b)
    episode = episode_of_care(
        b,
        phase=record.get("phase"),
        phase_since=record.get("phase_since"),
        started_at=started_at,
        ended_at=ended_at,
        members=record.get("care_team") or [],
    )
    careplan = care_plan(
        b,
        hints=hints,
        ended=ended,
        started_at=started_at,
        ended_at=ended_at,
        created_at=record.get("created_at"),
        evaluation_due=record.get("evaluation_due") or {},
        next_evaluation=record.get("next_evaluation"),
        stop_criteria=record.get("stop_criteria") or {},
    )
    for request in sorted(requests, key=lambda r: (str(r.get("created_at", "")), str(r.get("id", "")))):
        service_request(b, request, episode=episode, careplan=careplan)
    return b.bundle(restricted=bool(hints.get("sharing_objection")), timestamp=record.get("updated_at"))
