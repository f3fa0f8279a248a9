"""The zcc command line as an operator uses it: serve, token create, check-config."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from ..eventually import eventually
from ..redis_server import free_port

ZCC = [sys.executable, "-m", "coordinator.cli"]
ROOT = Path(__file__).resolve().parents[2]
LIMBURG = ROOT / "config" / "regions" / "limburg.yaml"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ZCC, *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=_env())


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZCC_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_check_config_accepts_limburg_and_names_bad_fields(tmp_path: Path) -> None:
    ok = run("check-config", str(LIMBURG), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "region limburg" in ok.stdout
    data = yaml.safe_load(LIMBURG.read_text())
    data["providers"][0]["care_types"]["warp_drive"] = 3
    data["roads"][0]["to"] = "atlantis"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    out = run("check-config", str(bad), cwd=tmp_path)
    assert out.returncode == 1
    assert "providers[0].care_types.warp_drive" in out.stderr
    assert "roads[0].to" in out.stderr and "atlantis" in out.stderr


async def test_serve_tells_how_to_make_a_token_then_serves_with_one(tmp_path: Path) -> None:
    port = free_port()
    store = f"sqlite:///{tmp_path}/zcc.db"
    proc = await asyncio.create_subprocess_exec(
        *ZCC,
        "serve",
        "--store",
        store,
        "--port",
        str(port),
        cwd=tmp_path,
        env=_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with aiohttp.ClientSession() as http:
            await eventually(
                lambda: _answers(http, f"http://127.0.0.1:{port}/readyz"),
                timeout=30,
                interval=0.1,
                what="zcc serve answering /readyz",
            )
            created = await asyncio.to_thread(
                run, "token", "create", "--role", "dispatch", "--name", "Meldkamer", "--store", store, cwd=tmp_path
            )
            assert created.returncode == 0, created.stderr
            tok = created.stdout.strip()
            assert tok.startswith("zcc_")
            board = await _answers(
                http, f"http://127.0.0.1:{port}/api/v1/capacity?kind=hospital", {"Authorization": f"Bearer {tok}"}
            )
        assert board["region"] == "limburg"
        assert {e["provider_id"] for e in board["entries"] if e["care_type"] == "seh"} >= {"zh-maastricht", "zh-venlo"}
    finally:
        with contextlib.suppress(ProcessLookupError):  # it may have exited by itself
            proc.terminate()
        out, _ = await asyncio.wait_for(proc.communicate(), 15)
    output = out.decode()
    assert "zcc token create --role admin --name" in output
    assert proc.returncode == 0, output


async def _answers(http: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None) -> Any:
    """The JSON body of a 200 answer from ``url``; an AssertionError while nothing (or no 200) answers."""
    try:
        async with http.get(url, headers=headers, timeout=aiohttp.ClientTimeout(total=5)) as resp:
            assert resp.status == 200, f"{url} answered {resp.status}"
            return await resp.json()
    except aiohttp.ClientConnectionError as exc:
        raise AssertionError(f"nothing answers on {url} yet: {exc}") from exc


def test_token_create_refuses_bad_role_and_unknown_provider(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/zcc.db"
    out = run(
        "token", "create", "--role", "provider", "--name", "X", "--provider", "nope", "--store", store, cwd=tmp_path
    )
    assert out.returncode == 2 and "unknown provider" in out.stderr
    out = run("token", "create", "--role", "provider", "--name", "X", "--store", store, cwd=tmp_path)
    assert out.returncode == 2 and "--provider" in out.stderr
    out = run("token", "create", "--role", "king", "--store", store, cwd=tmp_path)
    assert out.returncode == 2
    out = run("token", "create", "--role", "triage", "--store", store, cwd=tmp_path)
    assert out.returncode == 2 and "--name" in out.stderr
    out = run("token", "create", "--role", "triage", "--name", "  ", "--store", store, cwd=tmp_path)
    assert out.returncode == 2 and "--name" in out.stderr


async def test_gen_region_writes_files_the_service_starts_on(tmp_path: Path) -> None:
    out = await asyncio.to_thread(
        run,
        "gen-region",
        "--nodes",
        "2000",
        "--providers",
        "200",
        "--regions",
        "3",
        "--seed",
        "5",
        "--out",
        str(tmp_path / "gen"),
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    files = sorted(p.name for p in (tmp_path / "gen").iterdir())
    assert files == ["nl.json", "roaz-01.json", "roaz-02.json", "roaz-03.json"]
    nl_json = str(tmp_path / "gen" / "nl.json")
    assert (await asyncio.to_thread(run, "check-config", nl_json, cwd=tmp_path)).returncode == 0
    port = free_port()
    store = f"sqlite:///{tmp_path}/nl.db"
    proc = await asyncio.create_subprocess_exec(
        *ZCC,
        "serve",
        "--store",
        store,
        "--port",
        str(port),
        "--config",
        nl_json,
        cwd=tmp_path,
        env=_env(),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        created = await asyncio.to_thread(
            run,
            "token",
            "create",
            "--role",
            "dispatch",
            "--name",
            "Meldkamer",
            "--store",
            store,
            "--config",
            nl_json,
            cwd=tmp_path,
        )
        tok = created.stdout.strip()
        nl = json.loads((tmp_path / "gen" / "nl.json").read_text())
        loc = nl["locations"][0]
        url = f"http://127.0.0.1:{port}/api/v1/dispatch/options?lat={loc['lat']}&lon={loc['lon']}&care_type=seh"
        async with aiohttp.ClientSession() as http:
            body = await eventually(
                lambda: _answers(http, url, {"Authorization": f"Bearer {tok}"}),
                timeout=60,
                interval=0.2,
                what="a dispatch answer once the travel matrix of the generated region is built",
            )
        assert body["region"] == "nl" and body["location"]["snapped_to"]["id"] == loc["id"]
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        await asyncio.wait_for(proc.wait(), 15)
