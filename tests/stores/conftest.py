"""Fixtures of the store contract suite: an opened set of stores of each backend, seeded with the tiny region."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from capacity.clock import utcnow
from capacity.store import Stores, open_stores

from ..regions import tiny_region

BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("redis", id="redis", marks=pytest.mark.redis)]


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store of each backend: a fresh SQLite file, an emptied redis-server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/zcc.db"
    url: str = request.getfixturevalue("redis_url")
    return url


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
