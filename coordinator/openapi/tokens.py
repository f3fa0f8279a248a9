"""OpenAPI paths of token administration (admin): list the tokens, revoke one."""

from __future__ import annotations

from .common import AUTH_ERRORS, PROBLEM, Spec, json_response, path_param

__all__ = ["paths"]

_TIME = {"type": ["string", "null"], "format": "date-time"}
_TOKEN: Spec = {
    "type": "object",
    "required": ["id", "role", "name", "providers", "created_at", "last_used"],
    "properties": {
        "id": {"type": "string"},
        "role": {"type": "string", "enum": ["provider", "triage", "dispatch", "ops", "admin"]},
        "name": {"type": "string", "description": "the person or system the token is for"},
        "providers": {"type": "array", "items": {"type": "string"}},
        "practitioner": {"type": ["string", "null"]},
        "created_at": _TIME,
        "last_used": {**_TIME, "description": "to within half a minute (instances report uses in batches)"},
    },
}


def paths() -> Spec:
    """The token paths; each call, allowed or denied, leaves an audit entry."""
    return {
        "/api/v1/tokens": {
            "get": {
                "operationId": "listTokens",
                "summary": "Every bearer token (admin): id, role, name, providers, created, last used; never a secret",
                "responses": {
                    "200": json_response(
                        {
                            "type": "object",
                            "required": ["tokens"],
                            "properties": {"tokens": {"type": "array", "items": _TOKEN}},
                        }
                    ),
                    "503": PROBLEM,
                    **AUTH_ERRORS,
                },
            }
        },
        "/api/v1/tokens/{token_id}": {
            "delete": {
                "operationId": "revokeToken",
                "summary": "Revoke a token (admin): refused on every instance within a second; audited",
                "parameters": [path_param("token_id")],
                "responses": {
                    "200": json_response(
                        {
                            "type": "object",
                            "required": ["id", "role", "name", "revoked"],
                            "properties": {
                                "id": {"type": "string"},
                                "role": {"type": "string"},
                                "name": {"type": "string"},
                                "revoked": {"type": "boolean", "const": True},
                            },
                        }
                    ),
                    "404": PROBLEM,
                    "503": PROBLEM,
                    **AUTH_ERRORS,
                },
            }
        },
    }
