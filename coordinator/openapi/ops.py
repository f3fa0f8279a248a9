"""OpenAPI paths served without a token: health, readiness, metrics, this document and the triage board page."""

from __future__ import annotations

from .common import PROBLEM, Spec, json_response, path_param

__all__ = ["paths"]


def paths() -> Spec:
    """The paths that need no token (each operation has ``security: []``)."""
    return {
        "/healthz": {
            "get": {
                "operationId": "healthz",
                "security": [],
                "summary": "Alive",
                "responses": {"200": json_response({"type": "object"})},
            }
        },
        "/readyz": {
            "get": {
                "operationId": "readyz",
                "security": [],
                "summary": "Ready: store reachable and view loaded",
                "responses": {"200": json_response({"type": "object"}), "503": PROBLEM},
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
                "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}},
            }
        },
        "/static/{name}": {
            "get": {
                "operationId": "triageBoardFile",
                "security": [],
                "summary": "A file of the triage board page (JavaScript module, CSS, SVG)",
                "parameters": [path_param("name")],
                "responses": {
                    "200": {"description": "The file", "content": {"*/*": {"schema": {"type": "string"}}}},
                    "404": PROBLEM,
                },
            }
        },
        "/static/vendor/{name}": {
            "get": {
                "operationId": "triageBoardMapLibrary",
                "security": [],
                "summary": "A file of the map libraries installed by npm ci (Leaflet, Leaflet.markercluster); "
                "404 when they are not installed (the page then draws its own SVG map)",
                "parameters": [path_param("name")],
                "responses": {
                    "200": {"description": "The file", "content": {"*/*": {"schema": {"type": "string"}}}},
                    "404": PROBLEM,
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "security": [],
                "summary": "This document",
                "responses": {"200": json_response({"type": "object"})},
            }
        },
    }
