"""OpenAPI paths and schemas of capacity: providers, the board and its stream, dispatch options, the region map."""

from __future__ import annotations

from pydantic import BaseModel

from ..schemas import CapacityBatchIn, CapacityUpdateIn, ProviderStatusIn
from .common import AUTH_ERRORS, PROBLEM, Spec, json_response, path_param, query_param, schema_ref

__all__ = ["MODELS", "SCHEMAS", "paths"]

#: The request models of these paths, in the order their schemas are listed.
MODELS: tuple[type[BaseModel], ...] = (CapacityUpdateIn, CapacityBatchIn, ProviderStatusIn)

_ENTRY: Spec = {
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

_DISPATCH_OPTION: Spec = {
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

#: The component schemas of the answers of these paths.
SCHEMAS: Spec = {"CapacityEntry": _ENTRY, "DispatchOption": _DISPATCH_OPTION}

_FILTERS = [
    query_param("care_type", "Only these care types (repeat or comma-separate)"),
    query_param("kind", "Only these provider kinds: hap, vvt, hospital, ggz"),
    query_param("provider", "Only these provider ids"),
]


def paths() -> Spec:
    """The capacity paths: region map, providers, the board, its stream and dispatch options."""
    return {
        "/api/v1/region/map": {"get": _region_map()},
        "/api/v1/providers": {
            "get": {
                "operationId": "listProviders",
                "summary": "Providers of the region with care types, hours, address, contact and stop status",
                "responses": {"200": json_response(_providers()), **AUTH_ERRORS},
            }
        },
        "/api/v1/providers/{provider_id}/status": {
            "post": {
                "operationId": "setProviderStatus",
                "summary": "Stop (with reason and expected end) or open a provider (roles provider, triage, admin)",
                "parameters": [path_param("provider_id")],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": schema_ref("ProviderStatusIn")}},
                },
                "responses": {
                    "200": json_response({"type": "object"}),
                    "404": PROBLEM,
                    "422": PROBLEM,
                    **AUTH_ERRORS,
                },
            }
        },
        "/api/v1/capacity": {"get": _get_capacity(), "post": _post_capacity()},
        "/api/v1/dispatch/options": {"get": _dispatch_options()},
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
                    **AUTH_ERRORS,
                },
            }
        },
    }


def _providers() -> Spec:
    """GET /api/v1/providers: the fields a client may rely on (more may be added)."""
    contact = {
        "type": ["object", "null"],
        "required": ["phone", "fictitious"],
        "properties": {
            "phone": {"type": "string", "description": "the coordination desk's number"},
            "desk": {"type": ["string", "null"], "description": "who answers"},
            "fictitious": {"type": "boolean", "description": "a placeholder number of a demo region"},
        },
    }
    provider = {
        "type": "object",
        "required": ["id", "name", "kind", "location", "hours", "care_types"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "kind": {"type": "string"},
            "location": {"type": "object"},
            "address": {"type": ["string", "null"]},
            "contact": contact,
            "hours": {"type": "string"},
            "care_types": {"type": "object"},
            "stop": {"type": ["object", "null"]},
        },
    }
    return {
        "type": "object",
        "properties": {"region": {"type": "string"}, "providers": {"type": "array", "items": provider}},
    }


def _region_map() -> Spec:
    """GET /api/v1/region/map."""
    location = {
        "type": "object",
        "required": ["id", "name", "lat", "lon"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "lat": {"type": "number"},
            "lon": {"type": "number"},
            "kind": {"type": "string", "enum": ["town", "site", "junction"]},
        },
    }
    road = {
        "type": "object",
        "required": ["from", "to", "minutes"],
        "properties": {
            "from": {"type": "string"},
            "to": {"type": "string"},
            "minutes": {"type": "number"},
            "tier": {"type": ["string", "null"], "enum": ["motorway", "main", "access", None]},
            "ref": {"type": ["string", "null"], "description": "road number, e.g. A2"},
            "oneway": {"type": "boolean", "description": "from -> to only"},
        },
    }
    return {
        "operationId": "regionMap",
        "summary": "The region's locations, roads and care types, to draw its map (all roles)",
        "responses": {
            "200": json_response(
                {
                    "type": "object",
                    "required": ["locations", "roads"],
                    "properties": {
                        "region": {"type": "object"},
                        "locations": {"type": "array", "items": location},
                        "roads": {"type": "array", "items": road},
                        "care_types": {"type": "array", "items": {"type": "object"}},
                    },
                }
            ),
            **AUTH_ERRORS,
        },
    }


def _get_capacity() -> Spec:
    """GET /api/v1/capacity."""
    return {
        "operationId": "getCapacity",
        "summary": "The board, from the in-memory view",
        "parameters": _FILTERS,
        "responses": {
            "200": json_response(
                {
                    "type": "object",
                    "properties": {
                        "region": {"type": "string"},
                        "degraded": {"type": "boolean"},
                        "generated_at": {"type": "string", "format": "date-time"},
                        "entries": {"type": "array", "items": schema_ref("CapacityEntry")},
                    },
                }
            ),
            "422": PROBLEM,
            **AUTH_ERRORS,
        },
    }


def _post_capacity() -> Spec:
    """POST /api/v1/capacity."""
    result = {
        "type": "object",
        "properties": {
            "provider_id": {"type": "string"},
            "care_type": {"type": "string"},
            "status": {"type": "string", "enum": ["applied", "stale_ignored"]},
        },
    }
    return {
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
                    "schema": {"oneOf": [schema_ref("CapacityUpdateIn"), schema_ref("CapacityBatchIn")]}
                }
            },
        },
        "responses": {
            "200": json_response({"type": "object", "properties": {"results": {"type": "array", "items": result}}}),
            "400": PROBLEM,
            "413": PROBLEM,
            "415": PROBLEM,
            "422": PROBLEM,
            "503": PROBLEM,
            **AUTH_ERRORS,
        },
    }


def _dispatch_options() -> Spec:
    """GET /api/v1/dispatch/options."""
    return {
        "operationId": "dispatchOptions",
        "summary": "Places of one care type near a coordinate, ranked (roles dispatch, triage, admin)",
        "description": "Score = travel minutes + 10 if 1 place is free (5 if 2) + report age / 6; lower is "
        "better. Closed (at arrival, Europe/Amsterdam), stopped, stale and full places are never "
        "proposed; include_excluded=true lists them with the reason. When nothing suits in the region, "
        "places of neighbouring regions are listed with cross_region=true.",
        "parameters": [
            query_param("lat", "Latitude (WGS84)", schema={"type": "number", "minimum": -90, "maximum": 90}),
            query_param("lon", "Longitude (WGS84)", schema={"type": "number", "minimum": -180, "maximum": 180}),
            query_param(
                "postcode",
                "Postcode instead of lat/lon: PC4 (6211) or full (6211 AB, resolved to its PC4, as "
                "location.resolution says)",
                schema={"type": "string", "pattern": "^\\s*[1-9][0-9]{3}(\\s?[A-Za-z]{2})?\\s*$"},
            ),
            query_param(
                "place",
                "A town or village of the region instead of lat/lon (case and accents do not matter; "
                "'Heide (venray)' picks one of two places of that name)",
                schema={"type": "string", "maxLength": 100},
            ),
            query_param(
                "address",
                "An address, when the service has a geocoder (ZCC_GEOCODER_URL); falls back to the postcode "
                "or place in it",
                schema={"type": "string", "maxLength": 200},
            ),
            query_param("care_type", "Care type, e.g. seh, elv_hoog", required=True),
            query_param(
                "limit",
                "How many options (1-50, default 5)",
                schema={"type": "integer", "minimum": 1, "maximum": 50},
            ),
            query_param("include_excluded", "Also list excluded places with why", schema={"type": "boolean"}),
        ],
        "responses": {
            "200": json_response(
                {
                    "type": "object",
                    "properties": {
                        "region": {"type": "string"},
                        "care_type": {"type": "string"},
                        "cross_region": {"type": "boolean"},
                        "location": {"type": "object"},
                        "options": {"type": "array", "items": schema_ref("DispatchOption")},
                        "excluded": {"type": "array", "items": schema_ref("DispatchOption")},
                    },
                }
            ),
            "422": PROBLEM,
            "503": PROBLEM,
            **AUTH_ERRORS,
        },
    }
