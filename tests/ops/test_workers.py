"""``zcc serve --workers 2`` as an operator runs it: two processes on one port, one region, one store."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from capacity.clock import utcnow

from ..config.test_cli import ZCC, _env, run
from ..eventually import eventually
from ..http_helpers import iso
from ..redis_server import free_port


def _children(pid: int) -> set[int]:
    """The processes ``pid`` started (Linux /proc)."""
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return {int(p) for p in text.split()}


async def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    # A fresh connection each time: the kernel spreads connections over the workers.
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as http, http.get(url, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[asyncio.subprocess.Process, str, str, str]]:
    """``zcc serve --workers 2`` on a fresh SQLite store; the process, its URL, the store and an admin token."""
    port, store = free_port(), f"sqlite:///{tmp_path}/zcc.db"
    created = await asyncio.to_thread(
        run, "token", "create", "--role", "admin", "--name", "Beheer", "--store", store, cwd=tmp_path
    )
    assert created.returncode == 0, created.stderr
    proc = await asyncio.create_subprocess_exec(
        *ZCC,
        "serve",
        "--store",
        store,
        "--port",
        str(port),
        "--workers",
        "2",
        cwd=tmp_path,
        env=_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    async def ready() -> None:
        status, _ = await _get(url + "/readyz")
        assert status == 200

    try:
        await eventually(lambda: _no_raise(ready), timeout=30, interval=0.1, what="both workers answering /readyz")
        yield proc, url, store, created.stdout.strip()
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        await asyncio.wait_for(proc.communicate(), 20)


async def _no_raise(check: Any) -> None:
    try:
        await check()
    except aiohttp.ClientError as exc:
        raise AssertionError(str(exc)) from exc


async def test_two_workers_share_the_port_and_see_each_others_writes(
    served: tuple[asyncio.subprocess.Process, str, str, str], tmp_path: Path
) -> None:
    proc, url, store, admin = served
    assert len(_children(proc.pid)) == 2

    def two_instances() -> None:
        status = run("status", "--store", store, "--json", cwd=tmp_path)
        assert len(json.loads(status.stdout)["instances"]) == 2, status.stdout

    await eventually(lambda: asyncio.to_thread(two_instances), timeout=20, what="both workers in zcc status")

    headers = {"Authorization": f"Bearer {admin}"}
    body = {"provider_id": "vvt-maastricht-1", "care_type": "elv_hoog", "available": 2, "total": 10}
    body["reported_at"] = iso(utcnow() - timedelta(seconds=1))
    async with aiohttp.ClientSession() as http, http.post(url + "/api/v1/capacity", json=body, headers=headers) as r:
        assert r.status == 200, await r.text()

    async def everyone_sees_it() -> None:
        # Twenty fresh connections land on both workers; each must show the write made through one of them.
        for _ in range(20):
            status, board = await _get(url + "/api/v1/capacity?provider=vvt-maastricht-1&care_type=elv_hoog", headers)
            assert status == 200
            assert [(e["available"], e["total"]) for e in board["entries"]] == [(2, 10)], board

    await eventually(everyone_sees_it, timeout=2, what="the write on every worker")


async def test_a_killed_worker_is_started_again_and_sigterm_stops_them_all(
    served: tuple[asyncio.subprocess.Process, str, str, str],
) -> None:
    proc, url, _, _ = served
    first = _children(proc.pid)
    victim = min(first)
    os.kill(victim, signal.SIGKILL)

    def replaced() -> None:
        now = _children(proc.pid)
        assert victim not in now and len(now) == 2, now

    await eventually(replaced, timeout=15, interval=0.1, what="the killed worker started again")

    async def ready() -> None:
        status, _ = await _get(url + "/readyz")
        assert status == 200

    await eventually(lambda: _no_raise(ready), timeout=30, interval=0.1, what="the new worker ready")
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    out, _ = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, out.decode()
    assert not [pid for pid in workers if _alive(pid)], "a worker outlived its parent"
    assert "ended with exit code -9; starting it again" in out.decode()


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for its parent does not)."""
    with contextlib.suppress(FileNotFoundError):
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    return False


def test_workers_need_a_fixed_port_and_a_sane_number(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/zcc.db"
    zero = subprocess.run(
        [*ZCC, "serve", "--store", store, "--workers", "0"], cwd=tmp_path, capture_output=True, text=True, env=_env()
    )
    assert zero.returncode == 2 and "--workers must be at least 1" in zero.stderr
