"""The OpenAPI document against the routes the real app registers: every route documented, nothing made up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from coordinator.openapi import build_openapi

from ..http_helpers import Client, make_app
from ..regions import tiny_region

_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, tmp_path: Path) -> Client:
    return await aiohttp_client(make_app(f"sqlite:///{tmp_path}/zcc.db", tiny_region()))


def served(client: Client) -> set[tuple[str, str]]:
    """(method, path) of every route the app registers; HEAD comes with GET and is not documented."""
    return {
        (route.method.lower(), route.resource.canonical)
        for route in client.app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }


def documented(spec: dict[str, Any]) -> set[tuple[str, str]]:
    """(method, path) of every operation in the document."""
    return {(method, path) for path, item in spec["paths"].items() for method in item if method in _METHODS}


async def test_every_registered_route_and_method_is_documented(client: Client) -> None:
    spec = await (await client.get("/api/v1/openapi.json")).json()
    missing = served(client) - documented(spec)
    assert not missing, f"routes without an operation in the OpenAPI document: {sorted(missing)}"


async def test_the_document_lists_no_operation_the_app_does_not_serve(client: Client) -> None:
    extra = documented(build_openapi()) - served(client)
    assert not extra, f"operations in the OpenAPI document that no route serves: {sorted(extra)}"


def test_operation_ids_are_unique() -> None:
    spec = build_openapi()
    ids = [op["operationId"] for item in spec["paths"].values() for method, op in item.items() if method in _METHODS]
    assert len(ids) == len(set(ids))
