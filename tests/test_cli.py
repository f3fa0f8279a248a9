"""The zcc command line as an operator uses it: serve, token create, check-config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from .redis_server import free_port

ZCC = [sys.executable, "-m", "coordinator.cli"]
ROOT = Path(__file__).resolve().parent.parent
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


def test_serve_tells_how_to_make_a_token_then_serves_with_one(tmp_path: Path) -> None:
    port = free_port()
    store = f"sqlite:///{tmp_path}/zcc.db"
    proc = subprocess.Popen(
        [*ZCC, "serve", "--store", store, "--port", str(port)],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                    assert r.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            raise AssertionError("zcc serve did not become ready")
        created = run("token", "create", "--role", "dispatch", "--store", store, cwd=tmp_path)
        assert created.returncode == 0, created.stderr
        tok = created.stdout.strip()
        assert tok.startswith("zcc_")
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/capacity?kind=hospital", headers={"Authorization": f"Bearer {tok}"}
        )
        with urllib.request.urlopen(req, timeout=5) as r:
            board = json.load(r)
        assert board["region"] == "limburg"
        assert {e["provider_id"] for e in board["entries"] if e["care_type"] == "seh"} >= {"zh-maastricht", "zh-venlo"}
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=15)
    assert "zcc token create --role admin" in output
    assert proc.returncode == 0, output


def test_token_create_refuses_bad_role_and_unknown_provider(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/zcc.db"
    out = run("token", "create", "--role", "provider", "--provider", "nope", "--store", store, cwd=tmp_path)
    assert out.returncode == 2 and "unknown provider" in out.stderr
    out = run("token", "create", "--role", "provider", "--store", store, cwd=tmp_path)
    assert out.returncode == 2 and "--provider" in out.stderr
    out = run("token", "create", "--role", "king", "--store", store, cwd=tmp_path)
    assert out.returncode == 2


def test_gen_region_writes_files_the_service_starts_on(tmp_path: Path) -> None:
    out = run(
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
    assert run("check-config", str(tmp_path / "gen" / "nl.json"), cwd=tmp_path).returncode == 0
    port = free_port()
    store = f"sqlite:///{tmp_path}/nl.db"
    proc = subprocess.Popen(
        [*ZCC, "serve", "--store", store, "--port", str(port), "--config", str(tmp_path / "gen" / "nl.json")],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        tok = run(
            "token",
            "create",
            "--role",
            "dispatch",
            "--store",
            store,
            "--config",
            str(tmp_path / "gen" / "nl.json"),
            cwd=tmp_path,
        ).stdout.strip()
        nl = json.loads((tmp_path / "gen" / "nl.json").read_text())
        loc = nl["locations"][0]
        url = f"http://127.0.0.1:{port}/api/v1/dispatch/options?lat={loc['lat']}&lon={loc['lon']}&care_type=seh"
        deadline = time.monotonic() + 60
        while True:  # ready once the travel matrix is built
            try:
                with urllib.request.urlopen(
                    urllib.request.Request(url, headers={"Authorization": f"Bearer {tok}"}), timeout=5
                ) as r:
                    body = json.load(r)
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the service did not answer on the generated region"
                time.sleep(0.2)
        assert body["region"] == "nl" and body["location"]["snapped_to"]["id"] == loc["id"]
    finally:
        proc.terminate()
        proc.wait(15)
