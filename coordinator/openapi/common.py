"""Shared pieces of the OpenAPI document: response and parameter helpers, the Problem schema and response."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeAlias

from pydantic import BaseModel

from ..schemas import schema_of

__all__ = [
    "AUTH_ERRORS",
    "IDEMPOTENCY_KEY",
    "PROBLEM",
    "PROBLEM_RESPONSE",
    "PROBLEM_SCHEMA",
    "Spec",
    "json_response",
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

#: The header every write honours.
IDEMPOTENCY_KEY: Spec = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Repeat a write with the same key and body after a 503 or a lost answer: it is applied once, "
    "and the repeat gets its answer; the same key with another body is 422",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}

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
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
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


def path_param(name: str) -> Spec:
    """A required string path parameter."""
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def model_schemas(models: Iterable[type[BaseModel]]) -> Spec:
    """The component schemas of request models, named after the model, with the models they use."""
    schemas: Spec = {}
    for model in models:
        s = schema_of(model)
        schemas.update(s.pop("$defs", {}))
        schemas[model.__name__] = s
    return schemas
