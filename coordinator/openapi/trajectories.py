"""OpenAPI paths of trajectory records, their FHIR export and the audit log of patient-data access."""

from __future__ import annotations

from pydantic import BaseModel

from ..fields import PATIENT_REF_SCHEMA, TIMESTAMP_PATTERN
from ..schemas import TrajectoryPatch
from .common import (
    AUTH_ERRORS,
    BODY_ERRORS,
    IDEMPOTENCY_KEY,
    PATIENT_REF_PARAM,
    PROBLEM,
    Spec,
    json_body,
    json_response,
    query_param,
    schema_ref,
)

__all__ = ["MODELS", "paths"]

#: The request models of these paths, in the order their schemas are listed.
MODELS: tuple[type[BaseModel], ...] = (TrajectoryPatch,)

_ERRORS: Spec = {"404": PROBLEM, "409": PROBLEM, "422": PROBLEM, "503": PROBLEM, **AUTH_ERRORS}
_ACCESS = (
    " Admin and the patient's care-team members (a token with a practitioner on the team); triage only "
    "while handling an open request of the patient, and then only the care-plan hints (limited: true; no "
    "FHIR export); dispatch, provider and ops never, even with a practitioner on the team. Every attempt, "
    "allowed or denied, leaves one audit entry naming the patient; a reference that breaks the rule is 422."
)
_TIME = {"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN}


def paths() -> Spec:
    """Trajectory records, their FHIR export and the audit log."""
    pref = [PATIENT_REF_PARAM]
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
                "description": "Authorised (and audited) before the body is read. At least one field, none "
                "null. Refused with 422 beyond the schema: a preferred provider the region does not have. "
                "409 when the trajectory has ended and the phase would change.",
                "parameters": [*pref, IDEMPOTENCY_KEY],
                "requestBody": json_body(schema_ref("TrajectoryPatch")),
                "responses": {"200": json_response({"type": "object"}), **_ERRORS, **BODY_ERRORS},
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
                "summary": "The NEN 7513 audit log of patient-data access (admin); read-only; every read "
                "(and every denied attempt) is itself an entry",
                "description": "Entries oldest first, each with `hash` and `prev`: the hash chain (SHA-256 of "
                "the previous entry's hash and the entry's text) that `zcc audit verify` checks. With "
                "`Accept: text/csv` the entries stream as CSV (a header line, then one line per entry; every "
                "matching entry unless `limit` is given) for the privacy officer's periodic review.",
                "parameters": [
                    query_param("patient_ref", "Only this patient", schema=dict(PATIENT_REF_SCHEMA)),
                    query_param("since", "From this time (ISO 8601 with offset)", schema=_TIME),
                    query_param("until", "Up to this time (ISO 8601 with offset)", schema=_TIME),
                    query_param(
                        "limit",
                        "At most this many (1-10000, default 500)",
                        schema={"type": "integer", "minimum": 1, "maximum": 10_000},
                    ),
                    query_param(
                        "person",
                        "Only entries of this person: a token id or a practitioner identity",
                        schema={"type": "string", "minLength": 1, "maxLength": 200},
                    ),
                    query_param(
                        "outcome", "Only allowed or only denied accesses", schema={"enum": ["allowed", "denied"]}
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "The entries",
                        "content": {
                            "application/json": {"schema": {"type": "object"}},
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "422": PROBLEM,
                    "503": PROBLEM,
                    **AUTH_ERRORS,
                },
            }
        },
    }
