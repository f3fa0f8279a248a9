"""The ops files shipped in config/ refer to metrics the service really serves."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import yaml

from ..http_helpers import Client, make_app
from ..regions import tiny_region

ROOT = Path(__file__).resolve().parents[2]


async def test_alert_rules_use_only_served_metrics(
    aiohttp_client: Callable[..., Awaitable[Client]], tmp_path: Path
) -> None:
    client = await aiohttp_client(make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))
    text = await (await client.get("/metrics")).text()

    def family(name: str) -> str:
        return re.sub(r"_(total|bucket|count|sum)$", "", name)

    served = {family(n) for n in re.findall(r"^# TYPE (\w+) ", text, flags=re.M)}
    rules = yaml.safe_load((ROOT / "config" / "prometheus" / "alerts.yml").read_text())
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    assert len(exprs) >= 5
    for expr in exprs:
        for name in re.findall(r"\bzcc_\w+", expr):
            assert family(name) in served, f"alert rule uses {name}, which /metrics does not serve"
