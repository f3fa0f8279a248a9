"""The audit entries of an outage reach the store afterwards, each once, even when the store and the instance
were killed (``kill -9``) in between: a real ``zcc serve`` process, a real redis-server with AOF, both restarted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ..eventually import eventually
from ..redis_server import RedisServer, free_port

pytestmark = pytest.mark.redis

ZCC = [sys.executable, "-m", "coordinator.cli"]
MAASTRICHT = {"lat": 50.85, "lon": 5.69}


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    """A redis-server of this test alone (it is killed and restarted)."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


class Instance:
    """One ``zcc serve`` process on a free port, with the environment it was started with."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.url = f"http://127.0.0.1:{env['ZCC_PORT']}"
        self.proc: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([*ZCC, "serve"], env=self.env, stdout=log, stderr=log)

    async def start(self, session: aiohttp.ClientSession) -> None:
        self.spawn()

        async def ready() -> None:
            assert self.proc is not None and self.proc.poll() is None, f"zcc serve exited: {self.log.read_text()}"
            try:
                async with session.get(self.url + "/readyz") as resp:
                    assert resp.status == 200, await resp.text()
            except aiohttp.ClientConnectionError as exc:
                raise AssertionError(f"not listening yet: {exc}") from None

        await eventually(ready, timeout=60, interval=0.2, what="zcc serve ready")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s:
        yield s


def make_token(env: dict[str, str], role: str) -> str:
    out = subprocess.run(
        [*ZCC, "token", "create", "--role", role, "--name", f"{role} test"], env=env, capture_output=True, check=True
    )
    return out.stdout.decode().strip()


async def create(session: aiohttp.ClientSession, url: str, tok: str, ref: str) -> int:
    body = {
        "patient_ref": ref,
        "age": 80,
        "location": MAASTRICHT,
        "complaint": "dyspnoe",
        "answers": {"dys_copd_hartfalen": True},
    }
    headers = {"Authorization": f"Bearer {tok}", "Idempotency-Key": f"k-{ref}"}
    async with session.post(url + "/api/v1/requests", json=body, headers=headers) as resp:
        return resp.status


async def test_audit_entries_made_during_an_outage_arrive_once_after_store_and_instance_were_killed(
    redis: RedisServer, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "ZCC_STORE": redis.url,
        "ZCC_PORT": str(free_port()),
        "ZCC_HOST": "127.0.0.1",
        "ZCC_AUDIT_SPOOL_DIR": str(tmp_path / "spool"),
        "ZCC_REDIS_SOCKET_TIMEOUT": "0.3",
    }
    admin, nurse = make_token(env, "admin"), make_token(env, "triage")
    zcc = Instance(env, tmp_path / "zcc.log")
    await zcc.start(session)
    try:
        before = [await create(session, zcc.url, nurse, f"p-up-{i}") for i in range(3)]
        assert before == [201, 201, 201]
        redis.kill()
        during = [await create(session, zcc.url, nurse, f"p-down-{i}") for i in range(5)]
        assert during == [503] * 5  # triaged, not recorded: and audited, in the spool
        async with session.get(zcc.url + "/readyz") as resp:
            assert (await resp.json())["audit_spool"]["pending"] == 5
        zcc.kill()  # with the five entries only in its spool
        redis.start()  # the same port and AOF
        await zcc.start(session)

        async def all_arrived() -> list[dict[str, Any]]:
            headers = {"Authorization": f"Bearer {admin}"}
            async with session.get(zcc.url + "/api/v1/audit", headers=headers) as resp:
                assert resp.status == 200, await resp.text()
                entries: list[dict[str, Any]] = (await resp.json())["entries"]
            creates = [e for e in entries if e["action"] == "create"]
            assert len(creates) >= 8, [e["patient_ref"] for e in creates]
            return creates

        creates = await eventually(all_arrived, timeout=15, what="the spooled entries in the store")
        refs = [e["patient_ref"] for e in creates]
        assert refs == [f"p-up-{i}" for i in range(3)] + [f"p-down-{i}" for i in range(5)], refs
        assert len({e["event_id"] for e in creates}) == 8  # each once
        async with session.get(zcc.url + "/readyz") as resp:
            assert (await resp.json())["audit_spool"]["pending"] == 0
    finally:
        zcc.kill()
