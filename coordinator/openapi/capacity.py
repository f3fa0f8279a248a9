"""OpenAPI paths and schemas of capacity: providers, the board and its stream, dispatch options, the region map."""

from __future__ import annotations

from pydantic import BaseModel

from ..schemas import CapacityBatchIn, CapacityUpdateIn, ProviderStatusIn
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

__all__ = ["MODELS", "SCHEMAS", "paths"]

#: The request models of these paths, in the order their schemas are listed.
MODELS: tuple[type[BaseModel], ...] = (CapacityUpdateIn, CapacityBatchIn, ProviderStatusIn)

_TIME: Spec = {"type": ["string", "null"], "format": "date-time"}
# A stop in force: why (as the provider wrote it, EDXL-HAVE style), expected end, and whose (null: the whole provider).
_STOP: Spec = {
    "reason": {"type": "string"},
    "until": _TIME,
    "since": _TIME,
    "care_type": {"type": ["string", "null"], "description": "The care type stopped; null: the whole provider"},
}

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
        "stop": {"type": ["object", "null"], "properties": _STOP},
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
        "stop": {
            "type": "object",
            "description": "Only for urgency U0/U1 at an SEH under a stop: the stop, which does not apply (LNAZ)",
            "properties": {k: v for k, v in _STOP.items() if k != "since"} | {"applies": {"const": False}},
        },
    },
}

#: The component schemas of the answers of these paths.
SCHEMAS: Spec = {"CapacityEntry": _ENTRY, "DispatchOption": _DISPATCH_OPTION}

_FILTERS = [
    query_param("care_type", "Only these care types (repeat or comma-separate); an unknown one is 422"),
    query_param("kind", "Only these provider kinds: hap, vvt, hospital, ggz (repeat or comma-separate); else 422"),
    query_param("provider", "Only these provider ids (repeat or comma-separate); an unknown one is 422"),
]

_BOARD: Spec = {
    "type": "object",
    "required": ["region", "degraded", "entries"],
    "properties": {
        "region": {"type": "string"},
        "degraded": {"type": "boolean"},
        "entries": {"type": "array", "items": schema_ref("CapacityEntry")},
    },
}


def _event(name: str, data: Spec) -> Spec:
    """One kind of Server-Sent Event: its name and the JSON of its data line."""
    return {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"const": name},
            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data},
        },
    }


#: One event of the capacity stream (the schema of each event, as Schemathesis reads text/event-stream).
_STREAM_EVENT: Spec = {
    "oneOf": [
        _event("board", _BOARD),
        _event("entry", schema_ref("CapacityEntry")),
        _event("health", {"type": "object", "required": ["degraded"], "properties": {"degraded": {"type": "boolean"}}}),
    ]
}


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
                "summary": "Stop (with reason and expected end) or open a provider or one of its care types "
                "(roles provider, triage, admin)",
                "description": "A provider token changes only its own providers (else 403). With care_type only "
                "that care type is stopped or opened (an SEH stop leaves the admission beds offered); without it "
                "the whole provider. The two are kept apart: opening a care type does not lift a stop of the "
                "whole provider. A stop lifts by itself at until. Refused with 422 beyond the schema: a "
                "care_type the provider does not offer, a stop whose until is not in the future or more than "
                "14 days ahead.",
                "parameters": [path_param("provider_id") | {"example": "vvt-maastricht-1"}, IDEMPOTENCY_KEY],
                "requestBody": json_body(schema_ref("ProviderStatusIn")),
                "responses": {
                    "200": json_response(
                        {
                            "type": "object",
                            "required": ["provider_id", "care_type", "status", "reason", "until", "set_at"],
                            "properties": {"provider_id": {"type": "string"}, "set_at": _TIME}
                            | {"status": {"type": "string", "enum": ["open", "stop"]}}
                            | {k: v for k, v in _STOP.items() if k != "since"},
                        }
                    ),
                    "404": PROBLEM,
                    "503": PROBLEM,
                    **BODY_ERRORS,
                    **AUTH_ERRORS,
                },
            }
        },
        "/api/v1/capacity": {"get": _get_capacity(), "post": _post_capacity()},
        "/api/v1/dispatch/options": {"get": _dispatch_options()},
        "/api/v1/capacity/stream": {
            "get": {
                "operationId": "streamCapacity",
                "summary": "Server-Sent Events: a board event, then entry and health events (all roles)",
                "description": "text/event-stream: first `board` (every entry, filtered), then `entry` per "
                "changed entry, `health` when the store goes away or comes back, `board` again after a "
                "region reload; a comment line every 15 s keeps proxies open. The schema is that of each event.",
                "parameters": _FILTERS,
                "responses": {
                    "200": {
                        "description": "A stream of events",
                        "content": {"text/event-stream": {"schema": _STREAM_EVENT}},
                    },
                    "422": PROBLEM,
                    "503": PROBLEM,  # too many live streams, in all or from this address
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
            "care_types": {
                "type": "object",
                "description": "care type -> total, hours, eligibility and stop (that care type's own stop, or null)",
            },
            "stop": {"type": ["object", "null"], "description": "A stop of the whole provider"},
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
            **{key: {"type": "string"} for key in ("id", "name")},
            **{key: {"type": "number"} for key in ("lat", "lon")},
            "kind": {"type": "string", "enum": ["town", "site", "junction"]},
            "population": {"type": "integer", "description": "inhabitants, when the region file gives them"},
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
        "summary": "The region's locations, roads, care types and base map, to draw its map (all roles)",
        "responses": {
            "200": json_response(
                {
                    "type": "object",
                    "required": ["locations", "roads"],
                    "properties": {
                        "region": {"type": "object"},
                        "locations": {"type": "array", "items": location},
                        "roads": {"type": "array", "items": road},
                        # The base map's tile URL template (null: none, the page draws its offline map), credit.
                        "base_map": {"properties": {"tiles": {"type": ["string", "null"]}, "attribution": {}}},
                        "care_types": {"type": "array", "items": {"type": "object"}},
                        "caller": {
                            "type": "object",
                            "description": "Who the token is: role, and for a provider token its providers",
                            "properties": {
                                "role": {"type": "string"},
                                "providers": {"type": "array", "items": {"type": "string"}},
                            },
                        },
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
                _BOARD
                | {"properties": _BOARD["properties"] | {"generated_at": {"type": "string", "format": "date-time"}}}
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
        "description": "A provider token reports only for its own providers (else 403). Refused with 422 beyond "
        "the schema: a provider or care type the region does not have, a care type the provider does not "
        "offer, available above total, the same provider and care type twice in one batch, more updates "
        "than the service's batch limit (500 by default), or reported_at more than the allowed clock skew "
        "(300 s by default) ahead of the service's clock.",
        "parameters": [IDEMPOTENCY_KEY],
        "requestBody": json_body({"oneOf": [schema_ref("CapacityUpdateIn"), schema_ref("CapacityBatchIn")]}),
        "responses": {
            "200": json_response(
                {
                    "type": "object",
                    "required": ["results"],
                    "properties": {"results": {"type": "array", "items": result}},
                }
            ),
            "503": PROBLEM,
            **BODY_ERRORS,
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
        "places of neighbouring regions are listed with cross_region=true. Give lat and lon, or postcode "
        "(else 422); a postcode not in the region's table or a point outside the region is 422 too.",
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
            query_param(
                "care_type",
                "Care type, e.g. seh, elv_hoog (one the region knows, else 422)",
                required=True,
                schema={"type": "string", "minLength": 1, "maxLength": 100},
            ),
            query_param(
                "limit",
                "How many options (1-50, default 5)",
                schema={"type": "integer", "minimum": 1, "maximum": 50},
            ),
            query_param("include_excluded", "Also list excluded places with why", schema={"type": "boolean"}),
            query_param(
                "urgency",
                "The patient's urgency; with U0 or U1 an SEH under a stop is still listed, with its stop marked "
                "as not applying (LNAZ: an SEH stop never turns away a life-threatening patient)",
                schema={"type": "string", "enum": ["U0", "U1", "U2", "U3", "U4", "U5"]},
            ),
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
