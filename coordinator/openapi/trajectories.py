"""OpenAPI paths of trajectory records, their FHIR export and the audit log of patient-data access."""

from __future__ import annotations

from pydantic import BaseModel

from ..schemas import TrajectoryPatch
from .common import AUTH_ERRORS, IDEMPOTENCY_KEY, PROBLEM, Spec, json_response, path_param, query_param, schema_ref

__all__ = ["MODELS", "paths"]

#: The request models of these paths, in the order their schemas are listed.
MODELS: tuple[type[BaseModel], ...] = (TrajectoryPatch,)

_ERRORS: Spec = {"404": PROBLEM, "409": PROBLEM, "422": PROBLEM, "503": PROBLEM, **AUTH_ERRORS}
_ACCESS = (
    " Admin and the patient's care-team members (a token with a practitioner on the team); triage only "
    "while handling an open request of the patient (hints only when the patient objects to sharing); "
    "dispatch, provider and ops never. Every attempt is audited."
)


def paths() -> Spec:
    """Trajectory records, their FHIR export and the audit log."""
    pref = [path_param("patient_ref")]
    return {
        "/api/v1/trajectories/{patient_ref}": {
            "get": {
                "operationId": "getTrajectory",
                "summary": "The patient's trajectory record." + _ACCESS,
                "parameters": pref,
                "responses": {"200": json_response({"type": "object"}), **_ERRORS},
            },
            "patch": {
                "operationId": "patchTrajectory",
                "summary": "Change care team, hints, phase or stop criteria (admin, care team)",
                "parameters": [*pref, IDEMPOTENCY_KEY],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": schema_ref("TrajectoryPatch")}},
                },
                "responses": {"200": json_response({"type": "object"}), **_ERRORS},
            },
        },
        "/api/v1/trajectories/{patient_ref}/fhir": {
            "get": {
                "operationId": "getTrajectoryFhir",
                "summary": "The record as a FHIR R4 Bundle (collection)." + _ACCESS,
                "parameters": pref,
                "responses": {
                    "200": {
                        "description": "FHIR R4 Bundle",
                        "content": {"application/fhir+json": {"schema": {"type": "object"}}},
                    },
                    **_ERRORS,
                },
            }
        },
        "/api/v1/audit": {
            "get": {
                "operationId": "getAudit",
                "summary": "The NEN 7513 audit log of patient-data access (admin); read-only",
                "parameters": [
                    query_param("patient_ref", "Only this patient"),
                    query_param("since", "From this time", schema={"type": "string", "format": "date-time"}),
                    query_param("until", "Up to this time", schema={"type": "string", "format": "date-time"}),
                    query_param("limit", "At most this many (default 500)", schema={"type": "integer", "minimum": 1}),
                ],
                "responses": {"200": json_response({"type": "object"}), "422": PROBLEM, **AUTH_ERRORS},
            }
        },
    }
