"""The deployment to copy: a valid compose file with two read-only non-root instances behind a proxy, Prometheus
scraping both with the rules, Grafana provisioned; the Dockerfile linted and its dependencies pinned.

No container engine runs on these machines: the compose file is checked against the Compose Specification's
JSON schema and by its structure here, the Prometheus config by promtool, the Dockerfile by hadolint.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from typing import Any

import yaml

from ..tools import ROOT, tool

DEPLOY = ROOT / "deploy"


def _compose() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return doc


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)


def test_the_compose_file_follows_the_compose_specification() -> None:
    done = _run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "deploy/compose.yaml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_two_zcc_instances_run_read_only_as_non_root_behind_the_proxy_on_redis_with_aof() -> None:
    services = _compose()["services"]
    zcc = {name: s for name, s in services.items() if name.startswith("zcc-")}
    assert sorted(zcc) == ["zcc-1", "zcc-2"]
    for s in zcc.values():
        assert s["read_only"] is True and s["user"] == "10001:10001" and "/tmp" in s["tmpfs"]
        assert s["environment"]["ZCC_STORE"] == "redis://redis:6379/0"
    nginx = (DEPLOY / "proxy" / "nginx.conf").read_text()
    assert re.findall(r"server (zcc-\d):8080", nginx) == ["zcc-1", "zcc-2"]
    assert "proxy_buffering off" in nginx  # the SSE stream
    redis = services["redis"]["command"]
    assert redis[redis.index("--appendfsync") + 1] == "always"
    assert {"redis-data", "prometheus-data", "grafana-data"} <= set(_compose()["volumes"])


def test_prometheus_scrapes_both_instances_with_the_rules_and_promtool_accepts_its_config(tmp_path: Any) -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    [job] = [j for j in config["scrape_configs"] if j["job_name"] == "zcc"]  # the alerts' up{job="zcc"}
    assert job["static_configs"][0]["targets"] == ["zcc-1:8080", "zcc-2:8080"]
    mounts = _compose()["services"]["prometheus"]["volumes"]
    for rule_file in config["rule_files"]:
        name = rule_file.split("/")[-1]
        assert f"../config/prometheus/{name}:/etc/prometheus/{rule_file}:ro" in mounts
    # Laid out as the container sees it, promtool checks the config and the rule files it names.
    (tmp_path / "rules").mkdir()
    (tmp_path / "prometheus.yml").write_text((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    for name in ("recording.yml", "alerts.yml"):
        (tmp_path / "rules" / name).write_text((ROOT / "config" / "prometheus" / name).read_text())
    done = _run(tool("promtool"), "check", "config", str(tmp_path / "prometheus.yml"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_dockerfile_passes_hadolint_pins_its_dependencies_and_runs_as_non_root() -> None:
    done = _run(tool("hadolint"), "Dockerfile")
    assert done.returncode == 0, done.stdout + done.stderr
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--constraint constraints.txt" in dockerfile
    assert re.search(r"^USER 10001", dockerfile, flags=re.M)
    pins = {
        re.split(r"==", line)[0].lower().replace("_", "-")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert all("==" in line for line in (ROOT / "constraints.txt").read_text().splitlines() if not line.startswith("#"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for dep in project["dependencies"]:
        name = re.split(r"[<>=\[ ;]", dep)[0].lower().replace("_", "-")
        assert name in pins, f"{name} is not pinned in constraints.txt (run scripts/lock)"
