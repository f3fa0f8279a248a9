"""Shared fixtures: a real redis-server per test session, and a store of each kind."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from capacity.clock import utcnow
from capacity.store import Store, open_store

from .redis_server import RedisServer
from .regions import tiny_region


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the session, on a free port with its own data directory."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


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


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    """An open store seeded with the tiny region; closed afterwards."""
    region = tiny_region(f"tiny{uuid.uuid4().hex[:6]}")
    s = open_store(store_url, region.id)
    await s.open()
    await s.seed(region, utcnow())
    try:
        yield s
    finally:
        await s.close()
