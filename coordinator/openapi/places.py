"""OpenAPI schemas of the region's providers (with their stops and contacts) and of the region map."""

from __future__ import annotations

from .common import AUTH_ERRORS, Spec, json_response

__all__ = ["providers", "region_map"]


def providers() -> Spec:
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


def region_map() -> Spec:
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
