"""Readiness: an instance says it is ready only once it can answer a dispatch lookup."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

import coordinator.matrix_cache
import coordinator.reload
from routing.lookup import Routing

from ..eventually import eventually
from ..http_helpers import auth, make_app, token
from ..regions import line_region


async def test_not_ready_until_the_travel_times_are_built(
    aiohttp_client: AiohttpClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The build of the travel-time matrix waits for the test's word, as a national one takes seconds.
    release = threading.Event()
    real_build = coordinator.matrix_cache.routing_with_cache

    def slow_build(*args: Any) -> Routing:
        release.wait(20)
        return real_build(*args)

    monkeypatch.setattr(coordinator.reload, "routing_with_cache", slow_build)
    client = await aiohttp_client(make_app(f"sqlite:///{tmp_path}/z.db", line_region()))
    tok = await token(client.app, "dispatch")
    query = {"care_type": "elv_hoog", "lat": "50.85", "lon": "5.70"}
    try:
        ready = await client.get("/readyz")
        assert ready.status == 503
        assert "travel-time matrix" in (await ready.json())["detail"]
        assert ready.headers["Retry-After"]
        lookup = await client.get("/api/v1/dispatch/options", headers=auth(tok), params=query)
        assert lookup.status == 503  # what readiness protects a load balancer from
        assert (await client.get("/healthz")).status == 200  # alive all the same
    finally:
        release.set()

    async def ready_now() -> None:
        assert (await client.get("/readyz")).status == 200

    await eventually(ready_now, what="/readyz once the matrix is built")
    lookup = await client.get("/api/v1/dispatch/options", headers=auth(tok), params=query)
    assert lookup.status == 200, await lookup.text()
