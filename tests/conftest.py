"""Shared fixtures: a real redis-server, Sentinel set and Redis Cluster per session, and a store URL of each kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .redis_server import RedisServer
from .redis_topology import ClusterTopology, SentinelTopology


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the session, on a free port with its own data directory."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def sentinel_topology() -> Iterator[SentinelTopology]:
    """A primary, two replicas and three Sentinels for the session (tests that kill nodes start their own)."""
    topology = SentinelTopology()
    try:
        topology.start()
        yield topology
    finally:
        topology.cleanup()


@pytest.fixture(scope="session")
def cluster_topology() -> Iterator[ClusterTopology]:
    """Three primaries, a replica each and a spare replica, for the session (tests that kill nodes start their own)."""
    topology = ClusterTopology()
    try:
        topology.start()
        yield topology
    finally:
        topology.cleanup()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The URL of an emptied, running redis-server."""
    if redis_server.proc is None or redis_server.proc.poll() is not None:
        redis_server.start()
    redis_server.flush()
    return redis_server.url


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL of each kind: the same contract runs against both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/zcc.db"
    url: str = request.getfixturevalue("redis_url")
    return url
