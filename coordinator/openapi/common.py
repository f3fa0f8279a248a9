"""Shared pieces of the OpenAPI document: response and parameter helpers, the Problem schema and response."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeAlias

from pydantic import BaseModel

from ..fields import IDEMPOTENCY_KEY_PATTERN, PATIENT_REF_SCHEMA
from ..schemas import MAX_DEPTH, schema_of

__all__ = [
    "AUTH_ERRORS",
    "BODY_ERRORS",
    "IDEMPOTENCY_KEY",
    "PATIENT_REF_PARAM",
    "PROBLEM",
    "PROBLEM_RESPONSE",
    "PROBLEM_SCHEMA",
    "Spec",
    "json_body",
    "json_response",
    "link",
    "model_schemas",
    "path_param",
    "query_param",
    "schema_ref",
]

#: A piece of the OpenAPI document (JSON).
Spec: TypeAlias = dict[str, Any]

_SCHEMAS = "#/components/schemas/"

#: The answer of every error status: an RFC 9457 problem.
PROBLEM: Spec = {"$ref": "#/components/responses/Problem"}
#: The errors of every endpoint that needs a token.
AUTH_ERRORS: Spec = {"401": PROBLEM, "403": PROBLEM}
#: The errors of every operation that reads a JSON body: malformed (or nested deeper than MAX_DEPTH,
#: or NaN/Infinity) 400, too large 413, not JSON 415, not by the schema 422.
BODY_ERRORS: Spec = {"400": PROBLEM, "413": PROBLEM, "415": PROBLEM, "422": PROBLEM}

#: The Idempotency-Key header of the operations that honour it.
IDEMPOTENCY_KEY: Spec = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Repeat with the same key and body: the first answer, nothing applied twice. "
    "1-200 printable ASCII characters, no leading or trailing space; scoped to the token.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": IDEMPOTENCY_KEY_PATTERN},
}

#: The patient reference in a path: the body's rule (and no BSN), else 422 and nothing created.
PATIENT_REF_PARAM: Spec = {"name": "patient_ref", "in": "path", "required": True, "schema": dict(PATIENT_REF_SCHEMA)}

PROBLEM_SCHEMA: Spec = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string", "description": "The request field that is wrong"},
        "detail_coded": {
            "$ref": _SCHEMAS + "CodedText",
            "description": "The detail's catalogue code and parameters (absent for a detail not yet coded)",
        },
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "detail": {"type": "string"},
                    "detail_coded": {"$ref": _SCHEMAS + "CodedText"},
                },
            },
        },
    },
}

PROBLEM_RESPONSE: Spec = {
    "description": "An RFC 9457 problem",
    "content": {"application/problem+json": {"schema": {"$ref": _SCHEMAS + "Problem"}}},
}


def schema_ref(name: str) -> Spec:
    """A reference to a schema of the document's components."""
    return {"$ref": _SCHEMAS + name}


def json_response(schema: Spec, description: str = "OK") -> Spec:
    """A response with a JSON body of this schema."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def query_param(name: str, description: str, *, required: bool = False, schema: Spec | None = None) -> Spec:
    """A query parameter (a string unless ``schema`` says otherwise)."""
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def path_param(name: str, schema: Spec | None = None) -> Spec:
    """A required path parameter (a non-empty string unless ``schema`` says otherwise)."""
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string", "minLength": 1}}


def json_body(schema: Spec, *, required: bool = True) -> Spec:
    """A JSON request body of this schema."""
    return {
        "required": required,
        "description": f"application/json (or another +json type), nested at most {MAX_DEPTH} levels",
        "content": {"application/json": {"schema": schema}},
    }


def link(operation_id: str, description: str, **parameters: str) -> Spec:
    """A link from a response to another operation, with runtime expressions for its parameters."""
    return {"operationId": operation_id, "description": description, "parameters": parameters}


def model_schemas(models: Iterable[type[BaseModel]]) -> Spec:
    """The component schemas of request models, named after the model, with the models they use."""
    schemas: Spec = {}
    for model in models:
        s = schema_of(model)
        schemas.update(s.pop("$defs", {}))
        schemas[model.__name__] = s
    return schemas
