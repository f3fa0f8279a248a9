"""The region file and the triage protocol are reloaded on change and on SIGHUP (``zcc serve`` in a subprocess),
and ``zcc status`` lists the running instance."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pytest_aiohttp import AiohttpClient

from capacity.region import load_care_types, load_region

from ..eventually import eventually
from ..http_helpers import auth, make_app, started, token
from ..redis_server import free_port
from ..tools import ROOT

OLD_NAME, NEW_NAME = "Laurentius Ziekenhuis Roermond", "Laurentius Ziekenhuis Roermond (herladen)"
OLD_Q = "Is de benauwdheid plotseling ontstaan, samen met pijn op de borst?"
NEW_Q = "Is de benauwdheid plotseling ontstaan, met pijn op de borst (herladen)?"
ZCC = [sys.executable, "-m", "coordinator.cli"]


def _config(tmp_path: Path) -> tuple[Path, Path]:
    region, triage = tmp_path / "region.yaml", tmp_path / "triage.yaml"
    shutil.copy(ROOT / "config" / "regions" / "limburg.yaml", region)
    shutil.copy(ROOT / "config" / "triage.yaml", triage)
    return region, triage


def _edit(path: Path, old: str, new: str, *, keep_mtime: bool = False) -> None:
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    if keep_mtime:  # so that only a SIGHUP can tell the service to look
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _questions(protocol: dict[str, Any]) -> list[str]:
    return [q["text"] for c in protocol["complaints"] for q in c["questions"]]


async def test_a_changed_triage_protocol_and_region_file_are_used_without_a_restart(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    region_file, triage_file = _config(tmp_path)
    region = load_region(region_file, load_care_types())
    app = make_app(
        f"sqlite:///{tmp_path}/z.db", region, config_path=region_file, triage_path=triage_file, reload_seconds=0.1
    )
    client = await started(aiohttp_client, app)
    nurse = await token(client.app, "triage")

    async def protocol() -> list[str]:
        resp = await client.get("/api/v1/triage/protocol", headers=auth(nurse))
        return _questions(await resp.json())

    assert OLD_Q in await protocol()
    _edit(triage_file, OLD_Q, NEW_Q)

    async def new_question() -> None:
        assert NEW_Q in await protocol()

    await eventually(new_question, what="the changed triage protocol in use")

    triage_file.write_text("complaints: [not a protocol\n", encoding="utf-8")  # invalid: the last good one stays
    _edit(region_file, f"name: {OLD_NAME}\n", f"name: {NEW_NAME}\n")

    async def renamed() -> None:
        resp = await client.get("/api/v1/providers", headers=auth(nurse))
        assert NEW_NAME in {p["name"] for p in (await resp.json())["providers"]}

    await eventually(renamed, what="the changed region file in use")
    assert NEW_Q in await protocol()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, dict[str, str], Path]]:
    region_file, triage_file = _config(tmp_path)
    port = free_port()
    env = {**os.environ, "ZCC_TRIAGE": str(triage_file), "ZCC_CONFIG": str(region_file)}
    env.pop("ZCC_LOG_FORMAT", None)
    store = f"sqlite:///{tmp_path}/z.db"
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([*ZCC, "serve", "--store", store, "--port", str(port)], stderr=log, env=env)
    try:
        yield proc, f"http://127.0.0.1:{port}", env, tmp_path
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


async def test_zcc_serve_reloads_on_sighup_logs_json_lines_and_zcc_status_lists_it(
    serve: tuple[subprocess.Popen[bytes], str, dict[str, str], Path],
) -> None:
    proc, base, env, tmp_path = serve
    store = f"sqlite:///{tmp_path}/z.db"

    def zcc(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*ZCC, *args], capture_output=True, text=True, env=env, check=False, timeout=60)

    async with aiohttp.ClientSession() as http:

        async def ready() -> None:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                async with http.get(f"{base}/readyz") as resp:
                    assert resp.status == 200
            except aiohttp.ClientConnectionError as exc:
                raise AssertionError(f"not listening yet: {exc}") from exc

        await eventually(ready, timeout=30, interval=0.1, what="zcc serve ready")
        made = await asyncio.to_thread(
            zcc, "token", "create", "--role", "triage", "--name", "Triagist", "--store", store
        )
        assert made.returncode == 0, made.stderr
        headers = auth(made.stdout.strip())

        async def names() -> set[str]:
            async with http.get(f"{base}/api/v1/providers", headers=headers) as resp:
                return {p["name"] for p in (await resp.json())["providers"]}

        async def questions() -> list[str]:
            async with http.get(f"{base}/api/v1/triage/protocol", headers=headers) as resp:
                return _questions(await resp.json())

        assert OLD_NAME in await names() and OLD_Q in await questions()
        _edit(tmp_path / "region.yaml", f"name: {OLD_NAME}\n", f"name: {NEW_NAME}\n", keep_mtime=True)
        _edit(tmp_path / "triage.yaml", OLD_Q, NEW_Q, keep_mtime=True)
        proc.send_signal(signal.SIGHUP)

        async def reloaded() -> None:
            assert NEW_NAME in await names()
            assert NEW_Q in await questions()

        await eventually(reloaded, timeout=15, what="the files reloaded on SIGHUP")

        status = await asyncio.to_thread(zcc, "status", "--store", store, "--json")
        assert status.returncode == 0, status.stdout + status.stderr
        [instance] = json.loads(status.stdout)["instances"]
        assert instance["pid"] == proc.pid and instance["version"] and instance["degraded"] is False

    lines = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines()]
    messages = [line["message"] for line in lines]
    assert "SIGHUP: reloading the region file and the triage protocol" in messages
    assert any(m.startswith("region limburg reloaded") for m in messages)
    assert any(m.startswith("triage protocol reloaded") for m in messages)
    access = [line for line in lines if line["logger"] == "zcc.access" and line["route"] == "providers"]
    assert access and all(len(line["request_id"]) == 32 for line in access)


def test_zcc_status_says_when_no_instance_runs_and_when_the_store_is_unreachable(tmp_path: Path) -> None:
    def zcc(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*ZCC, *args], capture_output=True, text=True, check=False, timeout=60)

    idle = zcc("status", "--store", f"sqlite:///{tmp_path}/z.db")
    assert idle.returncode == 3 and "instances seen in the last minute: 0" in idle.stdout
    gone = zcc("status", "--store", f"redis://127.0.0.1:{free_port()}/0")
    assert gone.returncode == 1 and "UNREACHABLE" in gone.stdout
