"""OpenAPI path of the forecast: free places per care type over the next hours."""

from __future__ import annotations

from .common import AUTH_ERRORS, PROBLEM, Spec, json_response, query_param

__all__ = ["SCHEMAS", "paths"]

_HOUR: Spec = {
    "type": "object",
    "required": ["at", "local_time", "expected_free", "free_p10", "free_p90", "p_full", "open_places"],
    "properties": {
        "at": {"type": "string", "format": "date-time", "description": "A whole local hour"},
        "local_time": {"type": "string", "description": "HH:MM in the region's time zone"},
        "expected_free": {"type": "number", "description": "Mean free units in the region over the replications"},
        "free_p10": {"type": "integer"},
        "free_p90": {"type": "integer"},
        "p_full": {
            "type": ["number", "null"],
            "description": "Chance that no unit is free at an open place; null when no place is open then",
        },
        "open_places": {"type": "integer", "description": "Fresh places open and not on stop at that hour"},
    },
}

_NOTE: Spec = {
    "type": ["object", "null"],
    "description": "Why the demand model's defaults were used (thin history), for a person to read",
    "properties": {"code": {"type": "string"}, "params": {"type": "object"}, "text": {"type": "string"}},
}

SCHEMAS: Spec = {
    "Forecast": {
        "type": "object",
        "required": ["region", "generated_at", "hours", "replications", "demand", "care_types"],
        "properties": {
            "region": {"type": "string"},
            "generated_at": {"type": "string", "format": "date-time"},
            "hours": {"type": "integer"},
            "replications": {"type": "integer", "description": "Replications run (fewer when the time budget ran out)"},
            "compute_seconds": {"type": "number"},
            "demand": {
                "type": "object",
                "required": ["source", "note"],
                "properties": {
                    "source": {"type": "string", "enum": ["history", "default"]},
                    "requests": {"type": "integer"},
                    "placements": {"type": "integer"},
                    "days": {"type": "number"},
                    "note": _NOTE,
                },
            },
            "care_types": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["care_type", "name", "places", "free_now", "hours"],
                    "properties": {
                        "care_type": {"type": "string"},
                        "name": {"type": "string"},
                        "places": {"type": "integer", "description": "Places with a fresh report"},
                        "stale_excluded": {"type": "integer", "description": "Places left out: report stale"},
                        "on_stop": {"type": "integer"},
                        "free_now": {"type": "integer"},
                        "zcc_placements_per_hour": {"type": "number"},
                        "hours": {"type": "array", "items": _HOUR},
                    },
                },
            },
        },
    }
}


def paths() -> Spec:
    """The forecast path."""
    return {
        "/api/v1/forecast": {
            "get": {
                "operationId": "getForecast",
                "summary": "Expected free places and the chance of full per care type and hour, run forward from the "
                "live board (roles triage, ops, admin, dispatch; no patient data)",
                "parameters": [
                    query_param(
                        "care_type",
                        "A care type offered in the region; every one when left out",
                        schema={"type": "string", "minLength": 1},
                    ),
                    query_param(
                        "hours",
                        "Hours ahead (1 to 24, default 8)",
                        schema={"type": "integer", "minimum": 1, "maximum": 24, "default": 8},
                    ),
                ],
                "responses": {
                    "200": json_response({"$ref": "#/components/schemas/Forecast"}),
                    "422": PROBLEM,
                    "503": PROBLEM,
                    **AUTH_ERRORS,
                },
            }
        }
    }
