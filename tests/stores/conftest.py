"""Fixtures of the store contract suite: an opened set of stores of each backend, seeded with the tiny region."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from capacity.clock import utcnow
from capacity.store import Stores, open_stores

from ..redis_topology import ClusterTopology, SentinelTopology
from ..regions import tiny_region

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("redis", id="redis", marks=pytest.mark.redis),
    pytest.param("sentinel", id="sentinel", marks=pytest.mark.redis),
    pytest.param("cluster", id="cluster", marks=pytest.mark.redis),
]


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a store of each backend: a fresh SQLite file, an emptied redis-server, a Sentinel set, a cluster.

    The Sentinel set and the cluster live for the session; each test uses a region of its own there.
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/zcc.db"
    if request.param == "sentinel":
        sentinel: SentinelTopology = request.getfixturevalue("sentinel_topology")
        return sentinel.url
    if request.param == "cluster":
        cluster: ClusterTopology = request.getfixturevalue("cluster_topology")
        return cluster.url
    url: str = request.getfixturevalue("redis_url")
    return url


@pytest.fixture
def primary_url(request: pytest.FixtureRequest, backend_url: str) -> Callable[[str], str]:
    """The plain ``redis://`` URL of the server that holds a key now (for looking at it from outside the store)."""

    def of(key: str) -> str:
        if backend_url.startswith("redis+sentinel"):
            sentinel: SentinelTopology = request.getfixturevalue("sentinel_topology")
            return sentinel.primary().url
        if backend_url.startswith("redis+cluster"):
            cluster: ClusterTopology = request.getfixturevalue("cluster_topology")
            return cluster.primary_of(key).url
        return backend_url

    return of


@pytest.fixture
async def stores(backend_url: str) -> AsyncIterator[Stores]:
    """The opened stores of a fresh tiny region on ``backend_url``, seeded; closed afterwards."""
    region = tiny_region(f"tiny{uuid.uuid4().hex[:6]}")
    opened = open_stores(backend_url, region.id)
    await opened.backend.open()
    try:
        await opened.capacity.seed(region, utcnow())
        yield opened
    finally:
        await opened.backend.close()
