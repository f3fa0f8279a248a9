"""The OpenAPI 3.1 document of every endpoint, built from the request models, and its handler.

Each module holds the paths of one group of resources: :mod:`.ops` (health, metrics,
this document, the triage board page), :mod:`.capacity` (providers, the board and its
stream, dispatch, the region map), :mod:`.requests` and :mod:`.trajectories` (records,
FHIR export, audit), :mod:`.forecast`,
:mod:`.tokens` (token administration); :mod:`.common` the helpers, the Problem schema and response.
"""

from __future__ import annotations

from aiohttp import web

from . import capacity, forecast, ops, requests, tokens, trajectories
from .common import PROBLEM_RESPONSE, PROBLEM_SCHEMA, Spec, model_schemas

__all__ = ["build_openapi", "openapi_handler"]


def build_openapi() -> Spec:
    """The whole OpenAPI 3.1 document."""
    schemas = model_schemas((*capacity.MODELS, *requests.MODELS, *trajectories.MODELS))
    schemas.update(capacity.SCHEMAS)
    schemas.update(forecast.SCHEMAS)
    schemas["Problem"] = PROBLEM_SCHEMA
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
            "responses": {"Problem": PROBLEM_RESPONSE},
        },
        "paths": {
            **ops.paths(),
            **capacity.paths(),
            **forecast.paths(),
            **requests.paths(),
            **trajectories.paths(),
            **tokens.paths(),
        },
    }


async def openapi_handler(request: web.Request) -> web.Response:
    """Serve the OpenAPI document."""
    return web.json_response(build_openapi())
