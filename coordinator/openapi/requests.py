"""OpenAPI paths of acute requests: their transitions, the batch optimisation and the triage protocol."""

from __future__ import annotations

from pydantic import BaseModel

from ..schemas import CancelIn, RequestIn, ReserveIn
from .common import (
    AUTH_ERRORS,
    BODY_ERRORS,
    IDEMPOTENCY_KEY,
    PROBLEM,
    Spec,
    json_body,
    json_response,
    link,
    path_param,
    schema_ref,
)

__all__ = ["MODELS", "paths"]

#: The request models of these paths, in the order their schemas are listed.
MODELS: tuple[type[BaseModel], ...] = (RequestIn, ReserveIn, CancelIn)

_REQUEST: Spec = {
    "type": "object",
    "required": ["id", "status", "urgency", "target_minutes", "care_types", "escalate_112", "proposals"],
    "properties": {
        "id": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "reserved", "placed", "cancelled", "escalated", "advice"]},
        "urgency": {"type": "string", "enum": ["U0", "U1", "U2", "U3", "U4", "U5"]},
        "target_minutes": {"type": ["integer", "null"]},
        "care_types": {"type": "array", "items": {"type": "string"}},
        "escalate_112": {"type": "boolean"},
        "recorded": {"type": "boolean", "description": "the store has it (always true in a 2xx)"},
        "degraded": {"type": "boolean", "description": "proposals made without the care plan or a live board"},
        "degraded_reasons": {"type": "array", "items": {"type": "string"}},
        "proposals": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "provider_id": {"type": "string"},
                    "care_type": {"type": "string"},
                    "travel_minutes": {"type": "number"},
                    "score": {"type": "number"},
                    "reasons": {"type": "array", "items": {"type": "string"}},
                    "cross_region": {
                        "type": "boolean",
                        "description": "a place in a neighbouring region (--neighbour), proposed only when no place "
                        "at home fits the urgency window; zcc does not hold it (reserve answers 409): the "
                        "neighbouring region's ZCC does",
                    },
                    "region": {"type": ["string", "null"]},
                    "region_name": {"type": ["string", "null"]},
                },
            },
        },
        "excluded": {"type": "array", "items": {"type": "object"}},
        "hold": {"type": ["object", "null"]},
        "placement": {"type": ["object", "null"]},
        "triage": {"type": "object"},
    },
}

#: The answer of a creation the store could not record (or whose recording is not known): the triage inside.
_NOT_RECORDED: Spec = {
    "description": "Triaged, not recorded (type .../not-recorded) or not known to be (.../outcome-unknown); "
    "repeat with the same Idempotency-Key (given back) when the store is back: recorded once",
    "content": {
        "application/problem+json": {
            "schema": {
                "allOf": [{"$ref": "#/components/schemas/Problem"}],
                "type": "object",
                "properties": {
                    "recorded": {"type": "boolean", "const": False},
                    "outcome": {"type": "string", "enum": ["not_recorded", "unknown"]},
                    "idempotency_key": {"type": "string"},
                    "urgency": {"type": "string"},
                    "escalate_112": {"type": "boolean"},
                    "advice": {"type": "string"},
                    "request": _REQUEST,
                },
            }
        }
    },
}

_ERRORS: Spec = {"404": PROBLEM, "409": PROBLEM, "422": PROBLEM, "503": PROBLEM, **AUTH_ERRORS}


_ID = "$response.body#/id"
#: Where a created (or reserved) request leads: the operations on it, and its patient's record.
_CREATED_LINKS: Spec = {
    "GetRequest": link("getRequest", "The request just created", request_id=_ID),
    "ReserveRequest": link("reserveRequest", "Hold its first proposal", request_id=_ID)
    | {
        "requestBody": {
            "provider_id": "$response.body#/proposals/0/provider_id",
            "care_type": "$response.body#/proposals/0/care_type",
        }
    },
    "CancelRequest": link("cancelRequest", "Close it without a place", request_id=_ID),
    "GetTrajectory": link(
        "getTrajectory",
        "The patient's care-plan hints (triage: while the request is open)",
        patient_ref="$request.body#/patient_ref",
    ),
}
_RESERVED_LINKS: Spec = {
    "ConfirmRequest": link("confirmRequest", "The hold becomes a placement", request_id="$request.path.request_id"),
    "ReleaseRequest": link("releaseRequest", "Give the held place back", request_id="$request.path.request_id"),
    "GetRequest": link("getRequest", "The request with its hold", request_id="$request.path.request_id"),
}


def _transition(op: str, summary: str, body: str | None = None) -> Spec:
    """POST of one request transition, answered with the request."""
    spec: Spec = {
        "operationId": op,
        "summary": summary + " (roles triage, admin)",
        "parameters": [path_param("request_id"), IDEMPOTENCY_KEY],
        "responses": {"200": json_response(_REQUEST), **_ERRORS},
    }
    if body:
        spec["requestBody"] = json_body(schema_ref(body), required=False)
        spec["responses"].update(BODY_ERRORS)
    return {"post": spec}


def paths() -> Spec:
    """Requests, their transitions, the batch optimisation and the triage protocol."""
    return {
        "/api/v1/triage/protocol": {
            "get": {
                "operationId": "triageProtocol",
                "summary": "Complaints, their questions in order and the modifiers (roles triage, admin)",
                "responses": {"200": json_response({"type": "object"}), **AUTH_ERRORS},
            }
        },
        "/api/v1/requests": {
            "post": {
                "operationId": "createRequest",
                "summary": "Triage a request and propose places (roles triage, admin)",
                "description": "Refused with 422 beyond the schema: a complaint the protocol does not know, "
                "answers or context factors that complaint does not ask, a location outside the region or a "
                "postcode not in its table. Audited: a denied attempt names the patient of the body. The "
                "triage answers even when the store cannot record it: 503 with the triage inside "
                "(recorded false); a repeat with the same Idempotency-Key records it once.",
                "parameters": [IDEMPOTENCY_KEY],
                "requestBody": json_body(schema_ref("RequestIn")),
                "responses": {
                    "201": json_response(_REQUEST, "Created (recorded); a repeat of a keyed creation answers it")
                    | {"links": _CREATED_LINKS},
                    **_ERRORS,
                    **BODY_ERRORS,
                    "503": _NOT_RECORDED,
                },
            },
            "get": {
                "operationId": "listRequests",
                "summary": "Open and reserved requests, oldest first (roles triage, admin); "
                "one audit entry per patient shown",
                "responses": {
                    "200": json_response(
                        {
                            "type": "object",
                            "required": ["requests"],
                            "properties": {"requests": {"type": "array", "items": _REQUEST}},
                        }
                    ),
                    "503": PROBLEM,
                    **AUTH_ERRORS,
                },
            },
        },
        "/api/v1/requests/{request_id}": {
            "get": {
                "operationId": "getRequest",
                "summary": "One request (roles triage, admin)",
                "parameters": [path_param("request_id")],
                "responses": {"200": json_response(_REQUEST), "404": PROBLEM, "503": PROBLEM, **AUTH_ERRORS},
            }
        },
        "/api/v1/requests/{request_id}/reserve": {"post": _reserve()},
        "/api/v1/requests/{request_id}/confirm": _transition("confirmRequest", "The hold becomes a placement"),
        "/api/v1/requests/{request_id}/release": _transition("releaseRequest", "Give the held place back"),
        "/api/v1/requests/{request_id}/cancel": _transition("cancelRequest", "Close without a place", "CancelIn"),
        "/api/v1/optimize": {"post": _optimize()},
    }


def _reserve() -> Spec:
    """POST /api/v1/requests/{request_id}/reserve."""
    return {
        "operationId": "reserveRequest",
        "summary": "Hold a place atomically; 409 when it is gone; honours Idempotency-Key (roles triage, admin)",
        "parameters": [path_param("request_id"), IDEMPOTENCY_KEY],
        "requestBody": json_body(schema_ref("ReserveIn")),
        "responses": {
            **BODY_ERRORS,
            "200": {"links": _RESERVED_LINKS}
            | json_response(
                {
                    "type": "object",
                    "required": ["reservation_id", "held_until"],
                    "properties": {
                        "reservation_id": {"type": "string"},
                        "held_until": {"type": "string", "format": "date-time"},
                        "provider_id": {"type": "string"},
                        "care_type": {"type": "string"},
                        "request": _REQUEST,
                    },
                }
            ),
            **_ERRORS,
        },
    }


def _optimize() -> Spec:
    """POST /api/v1/optimize."""
    return {
        "operationId": "optimize",
        "summary": "Batch proposal for all open requests: most placed (weighted by urgency), then least cost; "
        "proposals, not holds (roles triage, admin); one audit entry per patient considered",
        "responses": {
            "503": PROBLEM,
            "200": json_response(
                {
                    "type": "object",
                    "required": ["status", "objective", "assignments", "unassigned"],
                    "properties": {
                        "status": {"type": "string"},
                        "objective": {"type": "number"},
                        "assignments": {"type": "array", "items": {"type": "object"}},
                        "unassigned": {"type": "array", "items": {"type": "object"}},
                    },
                }
            ),
            **AUTH_ERRORS,
        },
    }
