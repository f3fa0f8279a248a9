"""The ops files in config/ use only metrics the service serves; every alert is tested and has a runbook."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml

from ..http_helpers import Client, make_app
from ..regions import tiny_region
from ..tools import ROOT, tool

PROMETHEUS = ROOT / "config" / "prometheus"


def _rules(name: str) -> list[dict[str, Any]]:
    doc = yaml.safe_load((PROMETHEUS / name).read_text())
    return [r for g in doc["groups"] for r in g["rules"]]


def _family(name: str) -> str:
    return re.sub(r"_(total|bucket|count|sum)$", "", name)


async def test_alert_and_recording_rules_use_only_served_metrics(
    aiohttp_client: Callable[..., Awaitable[Client]], tmp_path: Path
) -> None:
    client = await aiohttp_client(make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))
    text = await (await client.get("/metrics")).text()
    served = {_family(n) for n in re.findall(r"^# TYPE (\w+) ", text, flags=re.M)}
    recorded = {r["record"] for r in _rules("recording.yml")}
    exprs = [r["expr"] for r in _rules("alerts.yml") + _rules("recording.yml")]
    assert len(exprs) >= 15
    for expr in exprs:
        for name in re.findall(r"\bzcc_\w+", expr):
            assert _family(name) in served, f"a rule uses {name}, which /metrics does not serve"
        for name in re.findall(r"\bzcc:[\w:]+", expr):
            assert name in recorded, f"an alert uses {name}, which no recording rule makes"


def test_every_alert_has_a_runbook_entry_and_a_firing_unit_test() -> None:
    runbook = (ROOT / "docs" / "runbook.md").read_text()
    headings = {h.strip().lower() for h in re.findall(r"^## (.+)$", runbook, flags=re.M)}
    tests = yaml.safe_load((PROMETHEUS / "tests" / "rules_test.yml").read_text())["tests"]
    firing = {c["alertname"] for t in tests for c in t.get("alert_rule_test", []) if c["exp_alerts"]}
    for rule in _rules("alerts.yml"):
        name = rule["alert"]
        assert rule["annotations"]["runbook_url"] == f"docs/runbook.md#{name.lower()}", name
        assert name.lower() in headings, f"docs/runbook.md has no entry for {name}"
        assert name in firing, f"rules_test.yml never makes {name} fire"
        section = runbook.split(f"## {name}\n", 1)[1].split("\n## ", 1)[0]
        for part in ("**Means.**", "**Check.**", "**Do.**"):
            assert part in section, f"the runbook entry of {name} lacks {part}"


def test_promtool_checks_the_rules_and_runs_their_unit_tests() -> None:
    promtool = tool("promtool")
    check = subprocess.run(
        [promtool, "check", "rules", str(PROMETHEUS / "recording.yml"), str(PROMETHEUS / "alerts.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    run = subprocess.run(
        [promtool, "test", "rules", str(PROMETHEUS / "tests" / "rules_test.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0 and "SUCCESS" in run.stdout, run.stdout + run.stderr
