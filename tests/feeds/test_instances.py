"""Two zcc instances sharing one real redis-server poll each feed once per interval between them."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpServer

from ..eventually import eventually
from ..http_helpers import Client, auth, make_app, token
from .helpers import FeedServer, feed_region, metric, zcc_json

pytestmark = pytest.mark.redis

INTERVAL = 0.5


async def test_two_instances_poll_each_feed_once_per_interval(
    aiohttp_client: Callable[..., Awaitable[Client]], aiohttp_server: AiohttpServer, redis_url: str, tmp_path: Path
) -> None:
    server = FeedServer()
    server.body = zcc_json("vvt-a", "elv_hoog", 2)
    url = str((await aiohttp_server(server.app())).make_url("/feed"))
    region = feed_region(url, every=INTERVAL)
    one = await aiohttp_client(make_app(redis_url, region, audit_spool_dir=tmp_path / "s1"))
    two = await aiohttp_client(make_app(redis_url, region, audit_spool_dir=tmp_path / "s2"))

    def enough() -> None:
        assert len(server.hits) >= 8

    await eventually(enough, timeout=15, what="eight polls")
    hits = list(server.hits)
    gaps = [b - a for a, b in itertools.pairwise(hits)]
    # The lease lasts one interval: no poll follows another sooner, whichever instance made it.
    assert min(gaps) >= INTERVAL * 0.8, gaps
    span = hits[-1] - hits[0]
    assert len(hits) <= span / INTERVAL + 2

    async def counted() -> None:
        total = 0.0
        for client in (one, two):
            for outcome in ("ok", "not_modified"):
                total += await metric(client, "zcc_feed_polls_total", provider_id="vvt-a", result=outcome)
        assert total >= len(hits)

    await eventually(counted)
    tok = await token(two.app, "triage")
    board = await (await two.get("/api/v1/capacity", headers=auth(tok))).json()
    entry = next(e for e in board["entries"] if e["provider_id"] == "vvt-a" and e["care_type"] == "elv_hoog")
    assert entry["available"] == 2 and entry["stale"] is False
