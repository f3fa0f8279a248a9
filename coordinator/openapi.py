"""The OpenAPI 3.1 document of every endpoint, built from the request models."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .schemas import (
    CancelIn,
    CapacityBatchIn,
    CapacityUpdateIn,
    ProviderStatusIn,
    RequestIn,
    ReserveIn,
    TrajectoryPatch,
    schema_of,
)

__all__ = ["build_openapi", "openapi_handler"]

_PROBLEM = {"$ref": "#/components/responses/Problem"}
_AUTH_ERRORS = {"401": _PROBLEM, "403": _PROBLEM}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _q(name: str, description: str, *, required: bool = False, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


_ENTRY = {
    "type": "object",
    "required": ["provider_id", "care_type", "available", "held", "total", "reported_at", "stale"],
    "properties": {
        "provider_id": {"type": "string"},
        "provider_name": {"type": "string"},
        "kind": {"type": "string", "enum": ["hap", "vvt", "hospital", "ggz"]},
        "care_type": {"type": "string"},
        "available": {"type": "integer", "description": "Last reported free units"},
        "held": {"type": "integer", "description": "Units held by zcc for requests"},
        "total": {"type": "integer"},
        "free": {"type": ["integer", "null"], "description": "available - held; null when stale (unknown)"},
        "reported_at": {"type": ["string", "null"], "format": "date-time"},
        "valid_until": {"type": ["string", "null"], "format": "date-time"},
        "age_seconds": {"type": ["integer", "null"]},
        "stale": {"type": "boolean"},
        "stop": {
            "type": ["object", "null"],
            "properties": {
                "reason": {"type": "string"},
                "until": {"type": ["string", "null"], "format": "date-time"},
                "since": {"type": ["string", "null"], "format": "date-time"},
            },
        },
    },
}

_FILTERS = [
    _q("care_type", "Only these care types (repeat or comma-separate)"),
    _q("kind", "Only these provider kinds: hap, vvt, hospital, ggz"),
    _q("provider", "Only these provider ids"),
]


def build_openapi() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    schemas: dict[str, Any] = {}
    for model in (CapacityUpdateIn, CapacityBatchIn, ProviderStatusIn, RequestIn, ReserveIn, CancelIn, TrajectoryPatch):
        s = schema_of(model)
        schemas.update(s.pop("$defs", {}))
        schemas[model.__name__] = s
    schemas["CapacityEntry"] = _ENTRY
    schemas["DispatchOption"] = {
        "type": "object",
        "required": ["provider_id", "care_type", "travel_minutes", "available", "stale", "score", "reason"],
        "properties": {
            "provider_id": {"type": "string"},
            "provider_name": {"type": "string"},
            "kind": {"type": "string"},
            "care_type": {"type": "string"},
            "region": {"type": "string"},
            "cross_region": {"type": "boolean"},
            "travel_minutes": {"type": ["number", "null"], "description": "Door to door, access time included"},
            "available": {"type": ["integer", "null"]},
            "held": {"type": ["integer", "null"]},
            "total": {"type": ["integer", "null"]},
            "free": {"type": ["integer", "null"]},
            "stale": {"type": "boolean"},
            "age_minutes": {"type": ["number", "null"]},
            "score": {"type": ["number", "null"], "description": "Cost in minutes; lower is better"},
            "reason": {"type": "string", "description": "e.g. '12 min, 3 free, updated 4 min ago'"},
            "excluded": {"type": "string", "enum": ["closed", "stop", "stale", "full", "unreachable"]},
        },
    }
    schemas["Problem"] = {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "field": {"type": "string", "description": "The request field that is wrong"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
                },
            },
        },
    }
    ref = "#/components/schemas/"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "zcc: regional acute care coordination",
            "version": "1.0.0",
            "description": "Capacity, dispatch lookups, triage requests and trajectory records of one ROAZ region. "
            "Every /api/v1 endpoint except this document needs a bearer token (zcc token create).",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
            "responses": {
                "Problem": {
                    "description": "An RFC 9457 problem",
                    "content": {"application/problem+json": {"schema": {"$ref": ref + "Problem"}}},
                }
            },
        },
        "paths": {
            "/healthz": {
                "get": {
                    "operationId": "healthz",
                    "security": [],
                    "summary": "Alive",
                    "responses": {"200": _json({"type": "object"})},
                }
            },
            "/readyz": {
                "get": {
                    "operationId": "readyz",
                    "security": [],
                    "summary": "Ready: store reachable and view loaded",
                    "responses": {"200": _json({"type": "object"}), "503": _PROBLEM},
                }
            },
            "/metrics": {
                "get": {
                    "operationId": "metrics",
                    "security": [],
                    "summary": "Prometheus metrics",
                    "responses": {
                        "200": {
                            "description": "Prometheus text",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
            "/": {
                "get": {
                    "operationId": "triageBoardPage",
                    "security": [],
                    "summary": "The triage board web page (holds no data; its API calls send the bearer token)",
                    "responses": {
                        "200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}
                    },
                }
            },
            "/static/{name}": {
                "get": {
                    "operationId": "triageBoardFile",
                    "security": [],
                    "summary": "A file of the triage board page (JavaScript module, CSS, SVG)",
                    "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {"description": "The file", "content": {"*/*": {"schema": {"type": "string"}}}},
                        "404": _PROBLEM,
                    },
                }
            },
            "/api/v1/region/map": {
                "get": {
                    "operationId": "regionMap",
                    "summary": "The region's locations, roads and care types, to draw its map (all roles)",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["locations", "roads"],
                                "properties": {
                                    "region": {"type": "object"},
                                    "locations": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "name", "lat", "lon"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "name": {"type": "string"},
                                                "lat": {"type": "number"},
                                                "lon": {"type": "number"},
                                            },
                                        },
                                    },
                                    "roads": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["from", "to", "minutes"],
                                            "properties": {
                                                "from": {"type": "string"},
                                                "to": {"type": "string"},
                                                "minutes": {"type": "number"},
                                            },
                                        },
                                    },
                                    "care_types": {"type": "array", "items": {"type": "object"}},
                                },
                            }
                        ),
                        **_AUTH_ERRORS,
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "security": [],
                    "summary": "This document",
                    "responses": {"200": _json({"type": "object"})},
                }
            },
            "/api/v1/providers": {
                "get": {
                    "operationId": "listProviders",
                    "summary": "Providers of the region with care types, hours and stop status",
                    "responses": {"200": _json({"type": "object"}), **_AUTH_ERRORS},
                }
            },
            "/api/v1/providers/{provider_id}/status": {
                "post": {
                    "operationId": "setProviderStatus",
                    "summary": "Stop (with reason and expected end) or open a provider (roles provider, triage, admin)",
                    "parameters": [
                        {"name": "provider_id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": ref + "ProviderStatusIn"}}},
                    },
                    "responses": {
                        "200": _json({"type": "object"}),
                        "404": _PROBLEM,
                        "422": _PROBLEM,
                        **_AUTH_ERRORS,
                    },
                }
            },
            "/api/v1/capacity": {
                "get": {
                    "operationId": "getCapacity",
                    "summary": "The board, from the in-memory view",
                    "parameters": _FILTERS,
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "region": {"type": "string"},
                                    "degraded": {"type": "boolean"},
                                    "generated_at": {"type": "string", "format": "date-time"},
                                    "entries": {"type": "array", "items": {"$ref": ref + "CapacityEntry"}},
                                },
                            }
                        ),
                        "422": _PROBLEM,
                        **_AUTH_ERRORS,
                    },
                },
                "post": {
                    "operationId": "postCapacity",
                    "summary": "Report capacity: one update or a batch, applied atomically (roles provider, admin)",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "description": "Repeat with the same key and body: the first answer, nothing applied twice",
                            "schema": {"type": "string", "maxLength": 200},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": ref + "CapacityUpdateIn"},
                                        {"$ref": ref + "CapacityBatchIn"},
                                    ]
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "results": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "provider_id": {"type": "string"},
                                                "care_type": {"type": "string"},
                                                "status": {
                                                    "type": "string",
                                                    "enum": ["applied", "stale_ignored"],
                                                },
                                            },
                                        },
                                    }
                                },
                            }
                        ),
                        "400": _PROBLEM,
                        "413": _PROBLEM,
                        "415": _PROBLEM,
                        "422": _PROBLEM,
                        "503": _PROBLEM,
                        **_AUTH_ERRORS,
                    },
                },
            },
            "/api/v1/dispatch/options": {
                "get": {
                    "operationId": "dispatchOptions",
                    "summary": "Places of one care type near a coordinate, ranked (roles dispatch, triage, admin)",
                    "description": "Score = travel minutes + 10 if 1 place is free (5 if 2) + report age / 6; lower is "
                    "better. Closed (at arrival, Europe/Amsterdam), stopped, stale and full places are never "
                    "proposed; include_excluded=true lists them with the reason. When nothing suits in the region, "
                    "places of neighbouring regions are listed with cross_region=true.",
                    "parameters": [
                        _q("lat", "Latitude (WGS84)", schema={"type": "number", "minimum": -90, "maximum": 90}),
                        _q("lon", "Longitude (WGS84)", schema={"type": "number", "minimum": -180, "maximum": 180}),
                        _q(
                            "postcode",
                            "4-digit postcode instead of lat/lon",
                            schema={"type": "string", "pattern": "^[1-9][0-9]{3}$"},
                        ),
                        _q("care_type", "Care type, e.g. seh, elv_hoog", required=True),
                        _q(
                            "limit",
                            "How many options (1-50, default 5)",
                            schema={"type": "integer", "minimum": 1, "maximum": 50},
                        ),
                        _q("include_excluded", "Also list excluded places with why", schema={"type": "boolean"}),
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "region": {"type": "string"},
                                    "care_type": {"type": "string"},
                                    "cross_region": {"type": "boolean"},
                                    "location": {"type": "object"},
                                    "options": {"type": "array", "items": {"$ref": ref + "DispatchOption"}},
                                    "excluded": {"type": "array", "items": {"$ref": ref + "DispatchOption"}},
                                },
                            }
                        ),
                        "422": _PROBLEM,
                        "503": _PROBLEM,
                        **_AUTH_ERRORS,
                    },
                }
            },
            **_request_paths(ref),
            **_trajectory_paths(ref),
            "/api/v1/capacity/stream": {
                "get": {
                    "operationId": "streamCapacity",
                    "summary": "Server-Sent Events: board, entry, health events",
                    "parameters": _FILTERS,
                    "responses": {
                        "200": {
                            "description": "text/event-stream",
                            "content": {"text/event-stream": {"schema": {"type": "string"}}},
                        },
                        **_AUTH_ERRORS,
                    },
                }
            },
        },
    }


def _request_paths(ref: str) -> dict[str, Any]:
    """Requests, their transitions, the batch optimisation and the triage protocol."""
    rid = [{"name": "request_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    request_obj = {
        "type": "object",
        "required": ["id", "status", "urgency", "target_minutes", "care_types", "escalate_112", "proposals"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "reserved", "placed", "cancelled", "escalated", "advice"]},
            "urgency": {"type": "string", "enum": ["U0", "U1", "U2", "U3", "U4", "U5"]},
            "target_minutes": {"type": ["integer", "null"]},
            "care_types": {"type": "array", "items": {"type": "string"}},
            "escalate_112": {"type": "boolean"},
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
                    },
                },
            },
            "excluded": {"type": "array", "items": {"type": "object"}},
            "hold": {"type": ["object", "null"]},
            "placement": {"type": ["object", "null"]},
            "triage": {"type": "object"},
        },
    }
    errors = {"404": _PROBLEM, "409": _PROBLEM, "422": _PROBLEM, "503": _PROBLEM, **_AUTH_ERRORS}

    def transition(op: str, summary: str, body: str | None = None) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "operationId": op,
            "summary": summary + " (roles triage, admin)",
            "parameters": rid,
            "responses": {"200": _json(request_obj), **errors},
        }
        if body:
            spec["requestBody"] = {"required": False, "content": {"application/json": {"schema": {"$ref": ref + body}}}}
        return {"post": spec}

    return {
        "/api/v1/triage/protocol": {
            "get": {
                "operationId": "triageProtocol",
                "summary": "Complaints, their questions in order and the modifiers (roles triage, admin)",
                "responses": {"200": _json({"type": "object"}), **_AUTH_ERRORS},
            }
        },
        "/api/v1/requests": {
            "post": {
                "operationId": "createRequest",
                "summary": "Triage a request and propose places (roles triage, admin)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": ref + "RequestIn"}}},
                },
                "responses": {"201": _json(request_obj, "Created"), **errors},
            },
            "get": {
                "operationId": "listRequests",
                "summary": "Open and reserved requests, oldest first (roles triage, admin)",
                "responses": {"200": _json({"type": "object"}), **_AUTH_ERRORS},
            },
        },
        "/api/v1/requests/{request_id}": {
            "get": {
                "operationId": "getRequest",
                "summary": "One request (roles triage, admin)",
                "parameters": rid,
                "responses": {"200": _json(request_obj), "404": _PROBLEM, **_AUTH_ERRORS},
            }
        },
        "/api/v1/requests/{request_id}/reserve": {
            "post": {
                "operationId": "reserveRequest",
                "summary": "Hold a place atomically; 409 when it is gone; honours Idempotency-Key "
                "(roles triage, admin)",
                "parameters": [
                    *rid,
                    {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": ref + "ReserveIn"}}},
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["reservation_id", "held_until"],
                            "properties": {
                                "reservation_id": {"type": "string"},
                                "held_until": {"type": "string", "format": "date-time"},
                                "provider_id": {"type": "string"},
                                "care_type": {"type": "string"},
                                "request": request_obj,
                            },
                        }
                    ),
                    **errors,
                },
            }
        },
        "/api/v1/requests/{request_id}/confirm": transition("confirmRequest", "The hold becomes a placement"),
        "/api/v1/requests/{request_id}/release": transition("releaseRequest", "Give the held place back"),
        "/api/v1/requests/{request_id}/cancel": transition("cancelRequest", "Close without a place", "CancelIn"),
        "/api/v1/optimize": {
            "post": {
                "operationId": "optimize",
                "summary": "Batch proposal for all open requests: most placed (weighted by urgency), then least cost; "
                "proposals, not holds (roles triage, admin)",
                "responses": {
                    "200": _json(
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
                    **_AUTH_ERRORS,
                },
            }
        },
    }


def _trajectory_paths(ref: str) -> dict[str, Any]:
    """Trajectory records, their FHIR export and the audit log."""
    pref = [{"name": "patient_ref", "in": "path", "required": True, "schema": {"type": "string"}}]
    errors = {"404": _PROBLEM, "409": _PROBLEM, "422": _PROBLEM, "503": _PROBLEM, **_AUTH_ERRORS}
    access = (
        " Admin and the patient's care-team members (a token with a practitioner on the team); triage only "
        "while handling an open request of the patient (hints only when the patient objects to sharing); "
        "dispatch, provider and ops never. Every attempt is audited."
    )
    return {
        "/api/v1/trajectories/{patient_ref}": {
            "get": {
                "operationId": "getTrajectory",
                "summary": "The patient's trajectory record." + access,
                "parameters": pref,
                "responses": {"200": _json({"type": "object"}), **errors},
            },
            "patch": {
                "operationId": "patchTrajectory",
                "summary": "Change care team, hints, phase or stop criteria (admin, care team)",
                "parameters": pref,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": ref + "TrajectoryPatch"}}},
                },
                "responses": {"200": _json({"type": "object"}), **errors},
            },
        },
        "/api/v1/trajectories/{patient_ref}/fhir": {
            "get": {
                "operationId": "getTrajectoryFhir",
                "summary": "The record as a FHIR R4 Bundle (collection)." + access,
                "parameters": pref,
                "responses": {
                    "200": {
                        "description": "FHIR R4 Bundle",
                        "content": {"application/fhir+json": {"schema": {"type": "object"}}},
                    },
                    **errors,
                },
            }
        },
        "/api/v1/audit": {
            "get": {
                "operationId": "getAudit",
                "summary": "The NEN 7513 audit log of patient-data access (admin); read-only",
                "parameters": [
                    _q("patient_ref", "Only this patient"),
                    _q("since", "From this time", schema={"type": "string", "format": "date-time"}),
                    _q("until", "Up to this time", schema={"type": "string", "format": "date-time"}),
                    _q("limit", "At most this many (default 500)", schema={"type": "integer", "minimum": 1}),
                ],
                "responses": {"200": _json({"type": "object"}), "422": _PROBLEM, **_AUTH_ERRORS},
            }
        },
    }


async def openapi_handler(request: web.Request) -> web.Response:
    """Serve the OpenAPI document."""
    return web.json_response(build_openapi())
