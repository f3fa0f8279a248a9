"""The Grafana dashboard is what coordinator/ops/dashboard.py makes, and asks only for what a running zcc serves."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from pytest_aiohttp import AiohttpClient

from coordinator.ops import dashboard

from ..http_helpers import auth, make_app, report, started, token
from ..regions import tiny_region
from ..tools import ROOT
from .helpers import Samples, act, create, scrape

GRAFANA = ROOT / "config" / "grafana"
# Labels Prometheus adds to every scraped series (target labels), and a histogram's bucket label.
TARGET_LABELS = {"job", "instance"}
_FUNCS = {"by", "without", "sum", "max", "min", "rate", "increase", "histogram_quantile", "avg", "count", "on"}


def _exprs(doc: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in doc["panels"] for t in p.get("targets", [])]


def _recording_rules() -> dict[str, set[str]]:
    """Recorded series and the labels each keeps (its ``by (...)``)."""
    doc = yaml.safe_load((ROOT / "config" / "prometheus" / "recording.yml").read_text())
    out: dict[str, set[str]] = {}
    for rule in (r for g in doc["groups"] for r in g["rules"]):
        kept = re.findall(r"\bby \(([^)]*)\)", rule["expr"])
        out[rule["record"]] = {lbl.strip() for k in kept for lbl in k.split(",")} - {"le"}
    return out


def _family(name: str) -> str:
    return re.sub(r"_(total|bucket|count|sum)$", "", name)


def _check(expr: str, served: Samples, recorded: dict[str, set[str]]) -> list[str]:
    """What ``expr`` names that the service does not serve: metric names, and labels in selectors and by (...)."""
    problems = []
    metrics = set(re.findall(r"\b(zcc_[a-z0-9_]+|up)\b", expr)) | set(re.findall(r"\bzcc:[\w:]+", expr))
    labels = set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", expr))
    for group in re.findall(r"\b(?:by|without) \(([^)]*)\)", expr):
        labels |= {g.strip() for g in group.split(",") if g.strip()}
    allowed = set(TARGET_LABELS)
    for name in metrics:
        if name == "up":
            continue
        if name in recorded:
            allowed |= recorded[name]
            continue
        family = _family(name)
        if family not in served.families:
            problems.append(f"{name}: not served")
            continue
        allowed |= served.labels.get(family, set()) | served.labels.get(name, set())
        if name.endswith("_bucket"):
            allowed.add("le")
    problems += [f"{expr}: label {lbl!r} is on none of its metrics" for lbl in labels - allowed - _FUNCS]
    return problems


def test_the_committed_dashboard_is_what_the_code_makes() -> None:
    committed = (GRAFANA / "dashboards" / "zcc.json").read_text(encoding="utf-8")
    assert committed == dashboard.render(), "regenerate: python -m coordinator.ops.dashboard"
    doc = json.loads(committed)
    rows = [p["title"] for p in doc["panels"] if p["type"] == "row"]
    assert rows == ["Region capacity", "Triage flow", "Dispatch and API", "Store", "Instances"]
    ids = [p["id"] for p in doc["panels"]]
    assert len(ids) == len(set(ids))
    for panel in doc["panels"]:
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]


def test_grafana_is_provisioned_with_the_dashboard_and_its_datasource() -> None:
    boards = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "zcc.yaml").read_text())
    [provider] = boards["providers"]
    assert provider["type"] == "file" and provider["options"]["path"] == "/var/lib/grafana/dashboards/zcc"
    sources = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yaml").read_text())
    assert [s["type"] for s in sources["datasources"]] == ["prometheus"]
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    mounts = [str(v) for v in compose["services"]["grafana"]["volumes"]]
    assert any(m.endswith(":/var/lib/grafana/dashboards/zcc:ro") and "config/grafana/dashboards" in m for m in mounts)
    assert any(m.endswith(":/etc/grafana/provisioning:ro") for m in mounts)


async def test_every_query_names_only_metrics_and_labels_a_running_zcc_serves(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    client = await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))
    admin, nurse = await token(client.app, "admin"), await token(client.app, "triage")
    # Some traffic, so labelled families have their series: reports, a placement, dispatch, a refused report.
    resp = await client.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 3, 5), headers=auth(admin))
    assert resp.status == 200
    assert (await client.post("/api/v1/capacity", json={"bad": 1}, headers=auth(admin))).status == 422
    req = await create(client, nurse)
    assert (await act(client, nurse, req["id"], "reserve", {"provider_id": "vvt-a", "care_type": "elv_hoog"}))[0] == 200
    assert (await act(client, nurse, req["id"], "confirm"))[0] == 200
    resp = await client.get("/api/v1/dispatch/options?lat=50.85&lon=5.7&care_type=elv_hoog", headers=auth(nurse))
    assert resp.status == 200
    served = await scrape(client)
    recorded = _recording_rules()
    doc = json.loads((GRAFANA / "dashboards" / "zcc.json").read_text(encoding="utf-8"))
    exprs = _exprs(doc)
    assert len(exprs) >= 25
    problems = [p for expr in exprs for p in _check(expr, served, recorded)]
    assert problems == []
    # The check itself catches a wrong name and a wrong label.
    assert _check("sum by (kind) (zcc_capacity_free)", served, recorded) != []
    assert _check("zcc_no_such_metric", served, recorded) != []
