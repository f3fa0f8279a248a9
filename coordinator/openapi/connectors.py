"""OpenAPI paths of the connectors: capacity history and webhook subscriptions with their deliveries."""

from __future__ import annotations

from ..subscriptions.model import EVENTS
from .common import AUTH_ERRORS, BODY_ERRORS, PROBLEM, Spec, json_body, json_response, path_param, query_param

__all__ = ["SCHEMAS", "paths"]

_COUNT_OR_GAP: Spec = {"type": ["integer", "null"], "minimum": 0}

_SUB_ID: Spec = {"type": "string", "minLength": 1, "maxLength": 64}

SCHEMAS: Spec = {
    "CapacityHistory": {
        "type": "object",
        "required": ["region", "care_type", "provider", "from", "to", "step_seconds", "resolution_seconds", "points"],
        "properties": {
            "region": {"type": "string"},
            "care_type": {"type": ["string", "null"]},
            "provider": {"type": ["string", "null"]},
            "from": {"type": "string", "format": "date-time", "description": "The first point (a whole step)"},
            "to": {"type": "string", "format": "date-time", "description": "The last point"},
            "step_seconds": {"type": "integer"},
            "resolution_seconds": {
                "type": "integer",
                "description": "The kept resolution the points were read from (300, 3600 or 86400)",
            },
            "entries": {"type": "integer", "description": "Entries (provider, care type) summed"},
            "points": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["at", "free", "held", "total", "reporting"],
                    "properties": {
                        "at": {"type": "string", "format": "date-time"},
                        "free": {**_COUNT_OR_GAP, "description": "Free places; null where no entry was fresh (a gap)"},
                        "held": _COUNT_OR_GAP,
                        "total": _COUNT_OR_GAP,
                        "reporting": {"type": "integer", "description": "Entries with a fresh report at that time"},
                    },
                },
            },
        },
    },
    "SubscriptionIn": {
        "type": "object",
        "additionalProperties": False,
        "required": ["url", "secret"],
        "properties": {
            "url": {"type": "string", "minLength": 8, "maxLength": 2000, "pattern": r"^https?://[^\s/]+"},
            "secret": {
                "type": "string",
                "minLength": 16,
                "maxLength": 200,
                "pattern": r"\S",
                "description": "Signs each delivery: X-Zcc-Signature: sha256=<hex HMAC-SHA256 of the body>. "
                "Never returned.",
            },
            "events": {
                "type": "array",
                "minItems": 1,
                "maxItems": len(EVENTS),
                "uniqueItems": True,
                "items": {"type": "string", "enum": list(EVENTS)},
                "description": "Events to deliver; every one when left out",
            },
            "thresholds": {
                "type": "object",
                "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 100000},
                "description": "Care type -> free places: capacity.below_threshold fires when the region's free "
                "places of that care type fall below the number",
            },
        },
    },
    "Subscription": {
        "type": "object",
        "required": ["id", "url", "events", "thresholds", "created_at"],
        "properties": {
            "id": {"type": "string"},
            "url": {"type": "string"},
            "events": {"type": "array", "items": {"type": "string", "enum": list(EVENTS)}},
            "thresholds": {"type": "object", "additionalProperties": {"type": "integer"}},
            "created_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "Delivery": {
        "type": "object",
        "required": ["id", "event", "status", "attempts", "last_status", "last_error", "created_at", "updated_at"],
        "properties": {
            "id": {"type": "string"},
            "event": {"type": "string"},
            "status": {"type": "string", "enum": ["pending", "retrying", "delivered", "failed"]},
            "attempts": {"type": "integer", "minimum": 0},
            "last_status": {"type": ["integer", "null"], "description": "The receiver's last HTTP status"},
            "last_error": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    },
}

_OPS_ONLY = "Roles ops and admin."


def paths() -> Spec:
    """The history and subscription paths."""
    sub_ref: Spec = {"$ref": "#/components/schemas/Subscription"}
    return {
        "/api/v1/capacity/history": {
            "get": {
                "operationId": "getCapacityHistory",
                "summary": "Free, held and total per step for a care type, a provider or both (all roles)",
                "description": "Each point sums the entries whose report was fresh at that time; a point where none "
                "was fresh has null values (a gap, not zero). care_type and provider name this region's care types "
                "and providers (422 otherwise, or when neither is given, or the provider does not offer the care "
                "type); from must be before to, within the years 2000-2200 and the history kept; at most 2016 "
                "points. Steps are whole multiples of 5 minutes; 5-minute points reach back the fine retention "
                "(35 days by default), older ones come from hourly and daily buckets.",
                "parameters": [
                    query_param("care_type", "A care type of the region", schema={"type": "string", "minLength": 1}),
                    query_param("provider", "A provider of the region", schema={"type": "string", "minLength": 1}),
                    query_param(
                        "from",
                        "Start (ISO 8601 with offset); default 24 hours before to",
                        schema={"type": "string", "format": "date-time"},
                    ),
                    query_param(
                        "to",
                        "End (ISO 8601 with offset); default now",
                        schema={"type": "string", "format": "date-time"},
                    ),
                    query_param(
                        "step",
                        "Seconds or a number with m, h or d (300, 5m, 1h, 1d); a multiple of 5 minutes. Default by "
                        "range: 5 minutes up to 2 days, an hour up to 60 days, else a day",
                        schema={"type": "string", "pattern": "^[0-9]{1,7}[smhd]?$"},
                    ),
                ],
                "responses": {
                    "200": json_response({"$ref": "#/components/schemas/CapacityHistory"}),
                    "422": PROBLEM,
                    "503": PROBLEM,
                    **AUTH_ERRORS,
                },
            }
        },
        "/api/v1/subscriptions": {
            "post": {
                "operationId": "createSubscription",
                "summary": "Register a webhook for stops, reopenings, thresholds, staleness, neighbours' SEH stops",
                "description": f"{_OPS_ONLY} Each delivery is a POST of JSON "
                "({id, subscription_id, event, region, occurred_at, data}) signed with "
                "X-Zcc-Signature: sha256=<HMAC-SHA256 of the body with the secret>, retried with backoff. "
                "thresholds name this region's care types (422 otherwise).",
                "requestBody": json_body({"$ref": "#/components/schemas/SubscriptionIn"}),
                "responses": {
                    "201": json_response(sub_ref, "Registered (the secret is not shown again)"),
                    **BODY_ERRORS,
                    "503": PROBLEM,
                    **AUTH_ERRORS,
                },
            },
            "get": {
                "operationId": "listSubscriptions",
                "summary": f"Every subscription, without secrets. {_OPS_ONLY}",
                "responses": {
                    "200": json_response(
                        {
                            "type": "object",
                            "required": ["subscriptions"],
                            "properties": {"subscriptions": {"type": "array", "items": sub_ref}},
                        }
                    ),
                    "503": PROBLEM,
                    **AUTH_ERRORS,
                },
            },
        },
        "/api/v1/subscriptions/{subscription_id}": {
            "get": {
                "operationId": "getSubscription",
                "summary": f"One subscription, without its secret. {_OPS_ONLY}",
                "parameters": [path_param("subscription_id", _SUB_ID)],
                "responses": {"200": json_response(sub_ref), "404": PROBLEM, "503": PROBLEM, **AUTH_ERRORS},
            },
            "delete": {
                "operationId": "deleteSubscription",
                "summary": f"Remove a subscription: nothing more is delivered to it. {_OPS_ONLY}",
                "parameters": [path_param("subscription_id", _SUB_ID)],
                "responses": {"204": {"description": "Removed"}, "404": PROBLEM, "503": PROBLEM, **AUTH_ERRORS},
            },
        },
        "/api/v1/subscriptions/{subscription_id}/deliveries": {
            "get": {
                "operationId": "listSubscriptionDeliveries",
                "summary": f"A subscription's deliveries, newest first (the latest 200 are kept). {_OPS_ONLY}",
                "parameters": [
                    path_param("subscription_id", _SUB_ID),
                    query_param(
                        "limit",
                        "At most this many (1-200, default 100)",
                        schema={"type": "integer", "minimum": 1, "maximum": 200},
                    ),
                ],
                "responses": {
                    "200": json_response(
                        {
                            "type": "object",
                            "required": ["subscription_id", "deliveries"],
                            "properties": {
                                "subscription_id": {"type": "string"},
                                "deliveries": {"type": "array", "items": {"$ref": "#/components/schemas/Delivery"}},
                            },
                        }
                    ),
                    "404": PROBLEM,
                    "422": PROBLEM,
                    "503": PROBLEM,
                    **AUTH_ERRORS,
                },
            }
        },
    }
