"""OpenAPI paths of what follows a placement: the receiving provider's reports and patient list, the arrival alerts."""

from __future__ import annotations

from pydantic import BaseModel

from ..fields import TIMESTAMP_PATTERN
from ..followup_schemas import ArrivedIn, DischargeIn, OutcomeIn
from .common import (
    AUTH_ERRORS,
    BODY_ERRORS,
    IDEMPOTENCY_KEY,
    PROBLEM,
    Spec,
    json_body,
    json_response,
    path_param,
    query_param,
    schema_ref,
)

__all__ = ["MODELS", "paths"]

#: The request models of these paths, in the order their schemas are listed.
MODELS: tuple[type[BaseModel], ...] = (ArrivedIn, OutcomeIn, DischargeIn)

_TIME: Spec = {"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN}
_NULLABLE_TIME: Spec = {"type": ["string", "null"], "format": "date-time"}

#: What the receiving provider sees of one patient (seed 003: no more than it needs).
PATIENT_VIEW: Spec = {
    "type": "object",
    "required": ["id", "patient_ref", "urgency", "complaint", "care_type", "stage"],
    "properties": {
        "id": {"type": "string"},
        "patient_ref": {"type": "string"},
        "urgency": {"type": "string"},
        "complaint": {"type": "string"},
        "care_type": {"type": ["string", "null"]},
        "provider_id": {"type": ["string", "null"]},
        "placed_at": _NULLABLE_TIME,
        "stage": {
            "type": "string",
            "enum": ["placed", "arrived", "admitted", "treated_and_home", "referred_on", "discharged", "refused"],
        },
        "arrived_at": _NULLABLE_TIME,
        "outcome": {"type": ["string", "null"]},
        "discharged_at": _NULLABLE_TIME,
        "destination": {"type": ["string", "null"]},
    },
}


def _report(op: str, summary: str, body: str, *, required: bool) -> Spec:
    """POST of one report on a placement, answered with what the provider sees of the patient."""
    return {
        "post": {
            "operationId": op,
            "summary": summary + " (the receiving provider's token, or admin)",
            "parameters": [path_param("request_id"), IDEMPOTENCY_KEY],
            "requestBody": json_body(schema_ref(body), required=required),
            "responses": {
                "200": json_response(PATIENT_VIEW),
                **AUTH_ERRORS,
                **BODY_ERRORS,
                "404": PROBLEM,
                "409": PROBLEM,
                "503": PROBLEM,
            },
        }
    }


def _list(items: Spec) -> Spec:
    return {"type": "array", "items": items}


def _patients(scope: str) -> Spec:
    """Incoming, current and recently ended patients, and the provider(s) they are of."""
    scope_schema: Spec = {"type": "string"} if scope == "provider_id" else _list({"type": "string"})
    return {
        "type": "object",
        "required": [scope, "incoming", "current", "ended"],
        "properties": {
            scope: scope_schema,
            "incoming": _list(PATIENT_VIEW),
            "current": _list(PATIENT_VIEW),
            "ended": _list(PATIENT_VIEW),
        },
    }


def paths() -> Spec:
    """The reports, the provider's patient list and the arrival alerts."""
    alert: Spec = {"type": "object", "required": ["request_id", "code", "text"]}
    return {
        "/api/v1/requests/{request_id}/arrived": _report(
            "reportArrival", "The patient arrived", "ArrivedIn", required=False
        ),
        "/api/v1/requests/{request_id}/outcome": _report(
            "reportOutcome",
            "Admitted, treated and home, referred on, or refused at the door",
            "OutcomeIn",
            required=True,
        ),
        "/api/v1/requests/{request_id}/discharge": _report(
            "reportDischarge", "The patient left; the unit goes back on the board", "DischargeIn", required=True
        ),
        "/api/v1/providers/{provider_id}/patients": {
            "get": {
                "operationId": "providerPatients",
                "summary": "Incoming, current and recently ended patients of a provider (its own token, or admin)",
                "parameters": [path_param("provider_id")],
                "responses": {"200": json_response(_patients("provider_id")), **AUTH_ERRORS, "503": PROBLEM},
            }
        },
        "/api/v1/receiving": {
            "get": {
                "operationId": "receivingPatients",
                "summary": "The patients of every provider of the caller's token (role provider; admin: all)",
                "responses": {"200": json_response(_patients("providers")), **AUTH_ERRORS, "503": PROBLEM},
            }
        },
        "/api/v1/indicators": {
            "get": {
                "operationId": "getIndicators",
                "summary": "The region's figures per provider kind and care type: within the urgency window, request "
                "to arrival, refusals at the door, readmissions within 30 days, length of stay (roles triage, ops, "
                "admin); CSV with Accept: text/csv",
                "parameters": [
                    query_param("from", "Placements confirmed from this time (ISO 8601 with offset)", schema=_TIME),
                    query_param("to", "Up to this time (ISO 8601 with offset)", schema=_TIME),
                ],
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {"schema": {"type": "object", "required": ["region", "groups"]}},
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "422": PROBLEM,
                    "503": PROBLEM,
                    **AUTH_ERRORS,
                },
            }
        },
        "/api/v1/arrivals/overdue": {
            "get": {
                "operationId": "overdueArrivals",
                "summary": 'Placements with no arrival within ZCC_ARRIVAL_ALERT_MINUTES: "niet aangekomen?" '
                "(roles triage, admin)",
                "responses": {
                    "200": json_response(
                        {
                            "type": "object",
                            "required": ["alert_minutes", "alerts"],
                            "properties": {"alert_minutes": {"type": "number"}, "alerts": _list(alert)},
                        }
                    ),
                    **AUTH_ERRORS,
                    "503": PROBLEM,
                },
            }
        },
    }
