"""Polled feeds against local feed servers: normal, CSV, slow, failing, malformed, foreign; the rules of POST."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpServer

from capacity.clock import utcnow

from ..eventually import eventually
from ..http_helpers import Client, auth, iso, make_app, token
from .helpers import FeedServer, feed_region, metric, zcc_json

ClientFactory = Callable[..., Awaitable[Client]]


@pytest.fixture
async def feed(aiohttp_server: AiohttpServer) -> tuple[FeedServer, str]:
    """A local feed server and its URL."""
    server = FeedServer()
    running = await aiohttp_server(server.app())
    return server, str(running.make_url("/feed"))


async def _entry(client: Client, tok: str, provider: str, care_type: str) -> dict[str, Any]:
    board = await (await client.get("/api/v1/capacity", headers=auth(tok))).json()
    return next(e for e in board["entries"] if e["provider_id"] == provider and e["care_type"] == care_type)


async def _start(aiohttp_client: ClientFactory, tmp_path: Path, url: str, **kw: Any) -> tuple[Client, str]:
    settings = {k: kw.pop(k) for k in list(kw) if k.startswith("feed_")}
    app = make_app(f"sqlite:///{tmp_path}/z.db", feed_region(url, **kw), **settings)
    client = await aiohttp_client(app)
    return client, await token(client.app, "triage")


async def test_a_feed_is_polled_and_shows_on_the_board_then_answers_not_modified(
    aiohttp_client: ClientFactory, tmp_path: Path, feed: tuple[FeedServer, str]
) -> None:
    server, url = feed
    server.body, server.etag = zcc_json("vvt-a", "elv_hoog", 3), '"v1"'
    client, tok = await _start(aiohttp_client, tmp_path, url)

    async def shown() -> None:
        e = await _entry(client, tok, "vvt-a", "elv_hoog")
        assert (e["available"], e["stale"]) == (3, False)

    await eventually(shown, what="the feed's report on the board")

    async def conditional() -> None:
        assert await metric(client, "zcc_feed_polls_total", provider_id="vvt-a", result="not_modified") >= 1

    await eventually(conditional, what="a conditional poll answered 304")
    assert any(h.get("If-None-Match") == '"v1"' for h in server.headers)
    assert await metric(client, "zcc_feed_last_success_timestamp_seconds", provider_id="vvt-a") > 0


async def test_a_csv_feed(aiohttp_client: ClientFactory, tmp_path: Path, feed: tuple[FeedServer, str]) -> None:
    server, url = feed
    at = iso(utcnow() - timedelta(seconds=2))
    server.body = (
        f"provider_id,care_type,available,total,reported_at\nvvt-a,elv_hoog,2,5,{at}\nvvt-a,elv_laag,1,,{at}\n".encode()
    )
    server.content_type = "text/csv"
    client, tok = await _start(aiohttp_client, tmp_path, url, fmt="csv")

    async def shown() -> None:
        assert (await _entry(client, tok, "vvt-a", "elv_hoog"))["available"] == 2
        assert (await _entry(client, tok, "vvt-a", "elv_laag"))["available"] == 1

    await eventually(shown)


async def test_a_failing_feed_lets_its_entries_go_stale_and_backs_off(
    aiohttp_client: ClientFactory, tmp_path: Path, feed: tuple[FeedServer, str]
) -> None:
    server, url = feed
    # Valid for one minute, counted 58 s ago: fresh for two more seconds.
    server.body = zcc_json("vvt-a", "elv_hoog", 4, at=utcnow() - timedelta(seconds=58), minutes=1)
    client, tok = await _start(aiohttp_client, tmp_path, url, every=0.3)

    async def fresh() -> None:
        e = await _entry(client, tok, "vvt-a", "elv_hoog")
        assert (e["available"], e["stale"]) == (4, False)

    await eventually(fresh)
    server.status = 500
    failed_from = len(server.hits)

    async def stale() -> None:
        assert (await _entry(client, tok, "vvt-a", "elv_hoog"))["stale"] is True

    await eventually(stale, what="the entry of a failing feed turned stale")
    assert await metric(client, "zcc_feed_polls_total", provider_id="vvt-a", result="http_error") >= 1

    def backed_off() -> None:
        gaps = [b - a for a, b in itertools.pairwise(server.hits[failed_from:])]
        assert len(gaps) >= 2 and gaps[-1] > 0.5, gaps  # 0.3 s interval, doubling after each failure

    await eventually(backed_off, timeout=10)
    assert (await _entry(client, tok, "vvt-a", "elv_hoog"))["stale"] is True  # never re-stamped fresh


async def test_a_slow_feed_times_out_and_changes_nothing(
    aiohttp_client: ClientFactory, tmp_path: Path, feed: tuple[FeedServer, str]
) -> None:
    server, url = feed
    server.body, server.delay = zcc_json("vvt-a", "elv_hoog", 3), 2.0
    client, tok = await _start(aiohttp_client, tmp_path, url, every=1.0, feed_timeout_seconds=0.2)

    async def timed_out() -> None:
        assert await metric(client, "zcc_feed_polls_total", provider_id="vvt-a", result="timeout") >= 1

    await eventually(timed_out)
    e = await _entry(client, tok, "vvt-a", "elv_hoog")
    assert e["stale"] is True and e["reported_at"] is None


@pytest.mark.parametrize(
    ("fmt", "body", "outcome"),
    [
        ("zcc-json", b"{not json", "malformed"),
        ("zcc-json", b'{"provider_id": "vvt-a", "care_type": "elv_hoog"}', "malformed"),
        (
            "csv",
            b"provider_id,care_type,available,reported_at\nvvt-a,elv_hoog,veel,2026-01-01T00:00:00Z\n",
            "malformed",
        ),
        ("zcc-json", None, "invalid"),  # available above total: the rules of POST /api/v1/capacity
        ("fhir-measurereport", b"{}", "unsupported"),
    ],
)
async def test_a_bad_document_is_refused_and_counted(
    aiohttp_client: ClientFactory,
    tmp_path: Path,
    feed: tuple[FeedServer, str],
    fmt: str,
    body: bytes | None,
    outcome: str,
) -> None:
    server, url = feed
    server.body = body if body is not None else zcc_json("vvt-a", "elv_hoog", 99)
    client, tok = await _start(aiohttp_client, tmp_path, url, fmt=fmt)

    async def counted() -> None:
        assert await metric(client, "zcc_feed_polls_total", provider_id="vvt-a", result=outcome) >= 1

    await eventually(counted)
    assert (await _entry(client, tok, "vvt-a", "elv_hoog"))["reported_at"] is None


async def test_a_feed_reporting_another_providers_data_is_refused_and_counted(
    aiohttp_client: ClientFactory, tmp_path: Path, feed: tuple[FeedServer, str]
) -> None:
    server, url = feed
    server.body = zcc_json("zh-e", "seh", 2)  # the feed of vvt-a speaks for the hospital
    client, tok = await _start(aiohttp_client, tmp_path, url)

    async def refused() -> None:
        assert await metric(client, "zcc_feed_polls_total", provider_id="vvt-a", result="foreign") >= 1
        assert await metric(client, "zcc_feed_foreign_reports_total", provider_id="vvt-a") >= 1

    await eventually(refused)
    assert (await _entry(client, tok, "zh-e", "seh"))["reported_at"] is None


async def test_a_feed_token_is_sent_from_its_environment_variable(
    aiohttp_client: ClientFactory, tmp_path: Path, feed: tuple[FeedServer, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, url = feed
    server.body = zcc_json("vvt-a", "elv_hoog", 1)
    monkeypatch.setenv("ZCC_TEST_FEED_TOKEN", "s3cr3t-feed")
    await _start(aiohttp_client, tmp_path, url, token_env="ZCC_TEST_FEED_TOKEN")
    await eventually(lambda: assert_hit(server))
    assert server.headers[0]["Authorization"] == "Bearer s3cr3t-feed"


def assert_hit(server: FeedServer) -> None:
    """At least one poll arrived."""
    assert server.hits


async def test_an_old_report_from_a_feed_is_stale_ignored(
    aiohttp_client: ClientFactory, tmp_path: Path, feed: tuple[FeedServer, str]
) -> None:
    server, url = feed
    client, tok = await _start(aiohttp_client, tmp_path, url)
    prov = await token(client.app, "provider", "vvt-a")
    resp = await client.post(
        "/api/v1/capacity",
        json={"provider_id": "vvt-a", "care_type": "elv_hoog", "available": 5, "reported_at": iso(utcnow())},
        headers=auth(prov),
    )
    assert resp.status == 200
    server.body = zcc_json("vvt-a", "elv_hoog", 1, at=utcnow() - timedelta(minutes=5))

    async def polled() -> None:
        assert await metric(client, "zcc_feed_polls_total", provider_id="vvt-a", result="ok") >= 1

    await eventually(polled)
    assert (await _entry(client, tok, "vvt-a", "elv_hoog"))["available"] == 5
