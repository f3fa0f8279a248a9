"""Tokens without the store: made anywhere, they work everywhere within a second, and go on working while it is away."""

from __future__ import annotations

import time

import pytest
from pytest_aiohttp import AiohttpClient

from capacity.clock import utcnow
from coordinator.keys import AUTH, CAPACITY, STORES
from coordinator.tokens import hash_token

from ..eventually import eventually
from ..http_helpers import REAL_DEADLINES, Client, auth, make_app, started, token
from ..redis_server import RedisServer
from ..regions import tiny_region

pytestmark = pytest.mark.redis


async def board_status(client: Client, tok: str) -> int:
    return (await client.get("/api/v1/capacity", headers=auth(tok))).status


async def test_a_token_made_on_one_instance_works_on_another_within_a_second_and_while_the_store_is_down(
    aiohttp_client: AiohttpClient, redis_url: str, redis_server: RedisServer
) -> None:
    region = tiny_region()
    a = await started(aiohttp_client, make_app(redis_url, region, **REAL_DEADLINES))
    b = await started(aiohttp_client, make_app(redis_url, region, **REAL_DEADLINES))
    t0 = time.monotonic()
    dispatch = await token(a.app, "dispatch")

    def b_knows() -> None:
        assert b.app[AUTH].knows(hash_token(dispatch))

    await eventually(b_knows, timeout=1.0, what="instance B learning A's token from the event log")
    print(f"\ntoken made on A known to B after {1000 * (time.monotonic() - t0):.0f} ms")
    redis_server.stop()
    try:
        await eventually(lambda: _degraded(b), timeout=5, what="B cut off from the store")
        assert await board_status(b, dispatch) == 200
        options = await b.get(
            "/api/v1/dispatch/options", params={"lat": 50.85, "lon": 5.7, "care_type": "seh"}, headers=auth(dispatch)
        )
        assert options.status == 200 and (await options.json())["options"] is not None
        assert await board_status(b, "zcc_made_up") == 401
        ready = await b.get("/readyz")
        body = await ready.json()
        assert ready.status == 503 and body["tokens"] == body["tokens"] | {"source": "last_known", "known": 1}
    finally:
        redis_server.start()
    await eventually(lambda: _live(b), timeout=10, what="B back on the store")
    ready = await (await b.get("/readyz")).json()
    assert ready["tokens"]["source"] == "live"


async def test_a_revocation_in_the_event_log_reaches_every_instance_within_a_second(
    aiohttp_client: AiohttpClient, redis_url: str
) -> None:
    region = tiny_region()
    a = await started(aiohttp_client, make_app(redis_url, region, **REAL_DEADLINES))
    b = await started(aiohttp_client, make_app(redis_url, region, **REAL_DEADLINES))
    ops = await token(a.app, "ops")
    await eventually(lambda: _knows(b, ops), timeout=1.0, what="B learning the token")
    assert await board_status(b, ops) == 200
    # What a revocation appends with its delete (``zcc token revoke`` is not built yet): B forgets the grant.
    await a.app[STORES].events.append_event("token.revoked", {"token_hash": hash_token(ops)}, utcnow())
    await eventually(lambda: _forgot(b, ops), timeout=1.0, what="B forgetting the revoked token")


def _knows(client: Client, tok: str) -> None:
    assert client.app[AUTH].knows(hash_token(tok))


def _forgot(client: Client, tok: str) -> None:
    assert not client.app[AUTH].knows(hash_token(tok))


def _degraded(client: Client) -> None:
    assert client.app[CAPACITY].view.degraded


def _live(client: Client) -> None:
    assert not client.app[CAPACITY].view.degraded
