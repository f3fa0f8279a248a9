"""The audit spool on a real store: durable before the request goes on, drained in order and exactly once."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient

from capacity.clock import from_ms, to_ms, utcnow
from capacity.errors import AuditUnavailable, ConfigError
from capacity.store import Stores
from coordinator.audit_spool import AuditSpool
from coordinator.keys import AUDIT

from ..http_helpers import auth, make_app, started, token
from ..regions import tiny_region
from ..stores.conftest import backend_url, stores

__all__ = ["backend_url", "stores"]  # the store contract's fixtures: each test runs on SQLite and on Redis


@pytest.fixture
async def spool(tmp_path: Path) -> AsyncIterator[AuditSpool]:
    s = AuditSpool(tmp_path / "spool", checkpoint_every=4)
    await s.open()
    try:
        yield s
    finally:
        await s.close()


async def put(spool: AuditSpool, n: int) -> list[str]:
    """Append ``n`` entries a millisecond apart; their event ids in order."""
    ids, t0 = [], to_ms(utcnow())
    for i in range(n):
        eid = secrets.token_hex(10)
        body = json.dumps({"event_id": eid, "n": i})
        await spool.append(eid, t0 + i, f"p-{i % 3}", 30, body)
        ids.append(eid)
    return ids


async def stored_ids(stores: Stores) -> list[str]:
    return [json.loads(r.body)["event_id"] for r in await stores.audit.query(limit=100_000)]


async def test_entries_reach_the_store_in_order_and_once(spool: AuditSpool, stores: Stores) -> None:
    ids = await put(spool, 10)
    assert spool.pending == 10
    assert await spool.drain(stores.audit) == 10
    assert await spool.drain(stores.audit) == 0
    assert await stored_ids(stores) == ids and spool.pending == 0


async def test_after_a_crash_between_shipping_and_the_checkpoint_nothing_is_shipped_twice(
    tmp_path: Path, stores: Stores
) -> None:
    directory = tmp_path / "spool"
    first = AuditSpool(directory, checkpoint_every=4)
    await first.open()
    ids = await put(first, 7)
    await first.close()  # a crash: entries in the file, none checkpointed
    # The crashed drainer had shipped the first five (its checkpoint never written).
    lines = (directory / "spool.jsonl").read_text().splitlines()
    for line in lines[:5]:
        d = json.loads(line)
        await stores.audit.append(d["body"], from_ms(d["at"]), d["ref"], d["keep"])
    again = AuditSpool(directory, checkpoint_every=4)
    await again.open()
    try:
        assert again.pending == 7
        assert await again.drain(stores.audit) == 2
        assert await stored_ids(stores) == ids
    finally:
        await again.close()


async def test_a_torn_last_line_is_dropped_and_the_rest_kept(tmp_path: Path, stores: Stores) -> None:
    directory = tmp_path / "spool"
    first = AuditSpool(directory)
    await first.open()
    ids = await put(first, 3)
    await first.close()
    with (directory / "spool.jsonl").open("ab") as f:
        f.write(b'{"seq": 4, "id": "half')  # the power went while this was written (never acknowledged)
    again = AuditSpool(directory)
    await again.open()
    try:
        await put(again, 1)
        assert again.pending == 4
        await again.drain(stores.audit)
        assert (await stored_ids(stores))[:3] == ids and len(await stored_ids(stores)) == 4
    finally:
        await again.close()


async def test_one_directory_serves_one_instance(spool: AuditSpool) -> None:
    other = AuditSpool(spool.directory)
    with pytest.raises(ConfigError, match="another zcc instance"):
        await other.open()


async def test_when_the_spool_cannot_be_written_the_access_is_refused(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    client = await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))
    nurse = await token(client.app, "triage")
    spool = client.app[AUDIT].spool
    # The disk is full: the kernel's /dev/full answers every write with ENOSPC.
    full = os.open("/dev/full", os.O_WRONLY)
    try:
        assert spool._fd is not None
        os.dup2(full, spool._fd)
    finally:
        os.close(full)
    body = {
        "patient_ref": "p-1",
        "age": 84,
        "location": {"lat": 50.85, "lon": 5.7},
        "complaint": "dyspnoe",
        "answers": {
            "dys_ademt_niet": False,
            "dys_geen_zinnen": False,
            "dys_pijn_borst": False,
            "dys_copd_hartfalen": True,
        },
    }
    resp = await client.post("/api/v1/requests", json=body, headers=auth(nurse))
    problem = await resp.json()
    assert resp.status == 503 and problem["type"].endswith("/audit-unavailable"), problem
    assert (await client.get("/api/v1/requests", headers=auth(nurse))).status == 503
    with pytest.raises(AuditUnavailable):
        await spool.append("x", 0, None, 30, "{}")
