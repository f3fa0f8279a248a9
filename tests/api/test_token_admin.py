"""Named tokens an operator manages: create with a name, list, revoke on every instance within a second; audited."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from capacity.model import Region
from capacity.region import load_care_types, load_region
from coordinator.cli import main
from coordinator.keys import AUDIT, AUTH, CAPACITY
from coordinator.tokens import hash_token

from ..eventually import eventually
from ..http_helpers import Client, auth, make_app, started
from ..redis_server import RedisServer
from ..tcp_proxy import TcpProxy


@functools.cache
def limburg() -> Region:
    """The shipped region, the one ``zcc token`` uses without --config."""
    return load_region(None, load_care_types(None))


async def zcc(*args: str) -> tuple[int, str, str]:
    """Run the ``zcc`` command in a thread (as an operator would), with its exit code, stdout and stderr."""

    def run() -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
        return code, out.getvalue(), err.getvalue()

    return await asyncio.to_thread(run)


async def status(client: Client, tok: str) -> int:
    return (await client.get("/api/v1/capacity", headers=auth(tok))).status


async def test_create_list_and_revoke_from_the_command_line_on_every_instance_within_a_second(
    aiohttp_client: AiohttpClient, store_url: str
) -> None:
    region = limburg()
    a = await started(aiohttp_client, make_app(store_url, region, token_use_flush_seconds=0.1))
    b = await started(aiohttp_client, make_app(store_url, region, token_use_flush_seconds=0.1))
    code, secret, err = await zcc(
        "token", "create", "--role", "provider", "--name", "Anna de Vries",
        "--provider", "zh-venlo", "--store", store_url,
    )  # fmt: skip
    assert code == 0, err
    secret = secret.strip()
    assert f"stored in {store_url}" in err and "Anna de Vries" in err
    code, listed, err = await zcc("token", "list", "--store", store_url)
    assert code == 0, err
    [line] = listed.splitlines()
    token_id, role, name, providers, created, last_used = line.split("\t")
    assert (role, name, providers, last_used) == ("provider", "Anna de Vries", "zh-venlo", "-")
    assert created.endswith("Z") and secret not in listed and hash_token(secret) not in listed

    await eventually(lambda: _knows(b, secret), timeout=1.5, what="B learning the token")
    assert await status(a, secret) == 200 and await status(b, secret) == 200

    async def used() -> None:
        _, out, _ = await zcc("token", "list", "--store", store_url)
        assert out.split("\t")[-1].strip() != "-", out

    await eventually(used, timeout=5, what="the use showing in zcc token list")

    t0 = time.monotonic()
    code, out, err = await zcc("token", "revoke", token_id, "--store", store_url)
    assert code == 0 and token_id in out and "Anna de Vries" in out, err
    # SQLite's follower re-reads a file another process wrote each view_block_ms (0.2 s here); Redis wakes at once.
    await eventually(lambda: _forgot(a, secret), timeout=1.0, what="A forgetting the revoked token")
    await eventually(lambda: _forgot(b, secret), timeout=1.0, what="B forgetting the revoked token")
    print(f"\nrevoked on both instances after {1000 * (time.monotonic() - t0):.0f} ms")
    assert await status(a, secret) == 401 and await status(b, secret) == 401
    code, listed, _ = await zcc("token", "list", "--store", store_url)
    assert code == 0 and listed == ""
    code, _, err = await zcc("token", "revoke", token_id, "--store", store_url)
    assert code == 2 and "no token" in err


@pytest.mark.redis
async def test_a_revocation_while_an_instance_is_cut_off_is_applied_when_it_is_back(
    aiohttp_client: AiohttpClient, redis_url: str, redis_server: RedisServer
) -> None:
    region = limburg()
    proxy = TcpProxy(redis_server.port)
    await proxy.start()
    try:
        a = await started(aiohttp_client, make_app(redis_url, region))
        b = await started(aiohttp_client, make_app(proxy.url, region, redis_socket_timeout=0.3))
        nurse, record = await a.app[AUTH].create("triage", name="Verpleegkundige Joke")
        await eventually(lambda: _knows(b, nurse), timeout=1.0, what="B learning the token")
        proxy.arm(b"", lose="commands")  # B alone loses the store from its next command on
        await eventually(lambda: _degraded(b), timeout=5, what="B cut off from the store")
        assert await a.app[AUTH].revoke(record.token_id) is not None
        assert await status(a, nurse) == 401
        # Cut off, B serves its last known set (issue 12): the revocation waits in the event log for it.
        assert b.app[AUTH].knows(hash_token(nurse))
        proxy.restore()
        await eventually(lambda: _forgot(b, nurse), timeout=10, what="B applying the revocation once back")
        assert await status(b, nurse) == 401
    finally:
        await proxy.close()


async def test_the_admin_api_lists_and_revokes_tokens_and_audits_each_call(
    aiohttp_client: AiohttpClient, store_url: str
) -> None:
    region = limburg()
    a = await started(aiohttp_client, make_app(store_url, region))
    b = await started(aiohttp_client, make_app(store_url, region))
    admin, _ = await a.app[AUTH].create("admin", name="Beheerder Bea")
    feed, record = await a.app[AUTH].create("provider", ("zh-venlo",), name="Feed VieCuri")
    resp = await a.get("/api/v1/tokens", headers=auth(admin))
    assert resp.status == 200
    listed = {t["id"]: t for t in (await resp.json())["tokens"]}
    assert listed[record.token_id] | {"created_at": None} == {
        "id": record.token_id,
        "role": "provider",
        "name": "Feed VieCuri",
        "providers": ["zh-venlo"],
        "practitioner": None,
        "created_at": None,
        "last_used": None,
    }
    assert admin not in await resp.text() and feed not in await resp.text()
    assert (await a.get("/api/v1/tokens", headers=auth(feed))).status == 403
    assert (await a.delete(f"/api/v1/tokens/{record.token_id}", headers=auth(feed))).status == 403
    await eventually(lambda: _knows(b, feed), timeout=1.5, what="B learning the feed's token")
    gone = await a.delete(f"/api/v1/tokens/{record.token_id}", headers=auth(admin))
    assert gone.status == 200 and (await gone.json())["revoked"] is True
    await eventually(lambda: _forgot(b, feed), timeout=1.0, what="B forgetting the revoked token")
    missing = await a.delete(f"/api/v1/tokens/{record.token_id}", headers=auth(admin))
    assert missing.status == 404 and missing.content_type == "application/problem+json"
    entries: list[Any] = await a.app[AUDIT].entries(limit=100)
    calls = [(e["action"], e["outcome"], e["user"]["name"], e["user"]["role"]) for e in entries]
    assert calls == [
        ("search", "allowed", "Beheerder Bea", "admin"),
        ("search", "denied", "Feed VieCuri", "provider"),
        ("revoke", "denied", "Feed VieCuri", "provider"),
        ("revoke", "allowed", "Beheerder Bea", "admin"),
        ("revoke", "allowed", "Beheerder Bea", "admin"),
    ]


async def test_the_audit_log_and_the_events_name_the_person_and_role(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    from ..http_helpers import report
    from ..regions import tiny_region

    client = await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))
    nurse, _ = await client.app[AUTH].create("triage", practitioner="AGB-12", name="Verpleegkundige Joke")
    admin, _ = await client.app[AUTH].create("admin", name="Beheerder Bea")
    fill = {"updates": [report("vvt-a", "elv_hoog", 3, 5)]}
    assert (await client.post("/api/v1/capacity", json=fill, headers=auth(admin))).status == 200
    body = {
        "patient_ref": "p-named",
        "age": 86,
        "location": {"lat": 50.90, "lon": 5.72},
        "complaint": "dyspnoe",
        "answers": {"dys_copd_hartfalen": True},
    }
    created = await client.post("/api/v1/requests", json=body, headers=auth(nurse))
    assert created.status == 201, await created.text()
    rec = await created.json()
    assert rec["created_by"] | {"token_id": ""} == {
        "token_id": "",
        "role": "triage",
        "practitioner": "AGB-12",
        "name": "Verpleegkundige Joke",
    }
    entries: list[Any] = await client.app[AUDIT].entries(limit=100)
    [entry] = [e for e in entries if e["patient_ref"] == "p-named"]
    assert (entry["user"]["name"], entry["user"]["role"]) == ("Verpleegkundige Joke", "triage")
    trail = await (await client.get("/api/v1/trajectories/p-named", headers=auth(admin))).json()
    by = [e["by"] for e in trail["events"] if e.get("by")]
    assert by and all((b["name"], b["role"]) == ("Verpleegkundige Joke", "triage") for b in by)


def _knows(client: Client, tok: str) -> None:
    assert client.app[AUTH].knows(hash_token(tok))


def _degraded(client: Client) -> None:
    assert client.app[CAPACITY].view.degraded


def _forgot(client: Client, tok: str) -> None:
    assert not client.app[AUTH].knows(hash_token(tok))


async def test_a_live_stream_ends_once_its_token_is_revoked(aiohttp_client: AiohttpClient, tmp_path: Path) -> None:
    from ..regions import tiny_region

    client = await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))
    board, record = await client.app[AUTH].create("dispatch", name="Meldkamer scherm 2")
    resp = await client.get("/api/v1/capacity/stream", headers=auth(board))
    assert resp.status == 200
    assert (await resp.content.readline()).startswith(b"event: board")
    assert await client.app[AUTH].revoke(record.token_id) is not None
    async with asyncio.timeout(5):  # the stream checks its token every second
        await resp.content.read()
    assert resp.content.at_eof()
