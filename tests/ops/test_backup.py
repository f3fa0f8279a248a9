"""Backup while the service writes, restore, and the restored store is one consistent moment (both stores)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient

from capacity.backup import backup_store, restore_store
from capacity.clock import utcnow
from capacity.errors import InvalidInput
from capacity.store import open_stores

from ..eventually import eventually
from ..http_helpers import auth, make_app, report, started, token
from ..regions import tiny_region
from .helpers import create


async def test_a_backup_taken_while_the_service_writes_restores_one_consistent_moment(
    aiohttp_client: AiohttpClient, store_url: str, tmp_path: Path
) -> None:
    region = tiny_region()
    client = await started(aiohttp_client, make_app(store_url, region))
    admin, nurse = await token(client.app, "admin"), await token(client.app, "triage")
    base = utcnow() - timedelta(minutes=2)
    written = 0
    stop = asyncio.Event()

    async def writer() -> None:
        # vvt-c's elv_hoog counts up, one report per step, and every fifth step a request is triaged.
        nonlocal written
        while not stop.is_set():
            step = written + 1
            body = report("vvt-c", "elv_hoog", step, 100_000, at=base + timedelta(milliseconds=step))
            resp = await client.post("/api/v1/capacity", json=body, headers=auth(admin))
            assert resp.status == 200, await resp.text()
            if step % 5 == 0:
                await create(client, nurse, patient_ref=f"p-{step}")
            written = step

    def reached(n: int) -> None:
        assert written >= n, f"{written} steps written"

    task = asyncio.create_task(writer())
    try:
        await eventually(lambda: reached(20), timeout=30, what="20 steps written")
        out = tmp_path / "zcc.backup"
        before = written
        info = await backup_store(store_url, region.id, out)
        at_backup = written
        # and the service goes on writing after it
        await eventually(lambda: reached(at_backup + 10), timeout=30, what="10 more steps")
    finally:
        stop.set()
        await task
    assert info["region"] == region.id and out.is_file()
    await client.close()  # the instance stops before a restore

    target = store_url if store_url.startswith("redis") else f"sqlite:///{tmp_path}/restored.db"
    await restore_store(target, region.id, out)
    stores = open_stores(target, region.id)
    await stores.backend.open()
    try:
        snap = await stores.capacity.snapshot()
        events = await stores.events.events_after("0", 100_000)
        requests = await stores.records.list_requests(open_only=False)
    finally:
        await stores.backend.close()
    [entry] = [e for e in snap.entries if e.key == ("vvt-c", "elv_hoog")]
    k = entry.available
    # The moment the backup was taken (one report may have been in flight at either end), not the end.
    assert before <= k <= at_backup + 1 and k < written
    vvt_c = [
        e.data["entry"]["available"]
        for e in events
        if e.type == "capacity.updated" and e.data["entry"]["provider_id"] == "vvt-c"
    ]
    assert vvt_c == list(range(1, k + 1))  # the log holds exactly the reports up to the state: no gap, none after
    # Step k's request comes after its report: the backup may fall between the two.
    assert len(requests) in (k // 5, (k - 1) // 5)
    assert len(requests) == sum(1 for e in events if e.type == "request.created")
    assert snap.last_event_id == events[-1].id

    # The restored store serves: the token made before the backup still works, and the board shows the moment.
    restored = await started(aiohttp_client, make_app(target, region))
    resp = await restored.get("/api/v1/capacity?provider=vvt-c", headers=auth(admin))
    assert resp.status == 200
    assert [e["available"] for e in (await resp.json())["entries"]] == [k]


async def test_a_backup_of_another_region_or_cut_short_is_refused(store_url: str, tmp_path: Path) -> None:
    region = tiny_region()
    stores = open_stores(store_url, region.id)
    await stores.backend.open()
    try:
        await stores.capacity.seed(region, utcnow())
    finally:
        await stores.backend.close()
    out = tmp_path / "b"
    await backup_store(store_url, region.id, out)
    with pytest.raises(InvalidInput, match="region"):
        await restore_store(store_url if "redis" in store_url else f"sqlite:///{tmp_path}/o.db", "other", out)
    if store_url.startswith("redis"):
        lines = out.read_text().splitlines()
        (tmp_path / "cut").write_text("\n".join(lines[:-1]) + "\n")
        with pytest.raises(InvalidInput, match="cut short"):
            await restore_store(store_url, region.id, tmp_path / "cut")
        header = json.loads(lines[0])
        assert header["format"] == "zcc-redis-backup" and header["keys"] >= 1


def test_zcc_backup_and_restore_on_the_command_line(tmp_path: Path) -> None:
    store, copy = f"sqlite:///{tmp_path}/z.db", f"sqlite:///{tmp_path}/copy.db"
    zcc = [sys.executable, "-m", "coordinator.cli"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*zcc, *args], capture_output=True, text=True, check=False, timeout=60)

    made = run("token", "create", "--role", "admin", "--name", "Beheer", "--store", store)
    assert made.returncode == 0, made.stderr
    done = run("backup", "--store", store, "--out", str(tmp_path / "b.db"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["region"] == "limburg"
    back = run("restore", "--store", copy, "--in", str(tmp_path / "b.db"))
    assert back.returncode == 0, back.stderr
    missing = run("restore", "--store", copy, "--in", str(tmp_path / "nope.db"))
    assert missing.returncode == 2 and "nope.db" in missing.stderr
