"""Logs are JSON lines with the request's id, route, status and duration; the id is echoed to the caller."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from coordinator.logs import RequestContextFilter, configure_logging, json_formatter

from ..http_helpers import Client, auth, make_app, report, started, token
from ..regions import tiny_region
from .helpers import create


class Lines:
    """The JSON lines the root logger wrote."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def of(self, request_id: str) -> list[dict[str, Any]]:
        return [line for line in self.all() if line.get("request_id") == request_id]


@pytest.fixture
def lines() -> Iterator[Lines]:
    out = Lines()
    handler = logging.StreamHandler(out.stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, tmp_path: Path) -> Client:
    return await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))


async def test_every_request_gets_an_id_in_the_header_and_one_json_access_line(client: Client, lines: Lines) -> None:
    admin = await token(client.app, "admin")
    resp = await client.post(
        "/api/v1/capacity", json=report("vvt-a", "elv_hoog", 2, 5), headers=auth(admin, **{"X-Request-Id": "lb-42.a"})
    )
    assert resp.status == 200
    assert resp.headers["X-Request-Id"] == "lb-42.a"  # a sane incoming id is kept
    [access] = [line for line in lines.of("lb-42.a") if line["logger"] == "zcc.access"]
    assert {"time", "level", "logger", "message"} <= set(access)
    assert access["time"].endswith("+00:00") and access["level"] == "INFO"
    assert (access["route"], access["method"], access["status"]) == ("capacity_post", "POST", 200)
    assert access["path"] == "/api/v1/capacity" and access["provider_id"] == "vvt-a"
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] >= 0

    resp = await client.get("/api/v1/providers", headers=auth(admin, **{"X-Request-Id": "bad id\twith spaces"}))
    fresh = resp.headers["X-Request-Id"]
    assert fresh != "bad id\twith spaces" and len(fresh) == 32  # replaced: a log never carries what a client chose
    assert [line["route"] for line in lines.of(fresh)] == ["providers"]


async def test_a_problem_response_names_its_request_id(client: Client, lines: Lines) -> None:
    admin = await token(client.app, "admin")
    resp = await client.post("/api/v1/capacity", json={"provider_id": "nope"}, headers=auth(admin))
    assert resp.status == 422
    body = await resp.json()
    assert body["request_id"] == resp.headers["X-Request-Id"]
    [access] = lines.of(body["request_id"])
    assert access["status"] == 422
    unauthorised = await client.get("/api/v1/capacity")
    assert (await unauthorised.json())["request_id"] == unauthorised.headers["X-Request-Id"]
    missing = await client.get("/no/such/page")
    assert missing.status == 404 and (await missing.json())["request_id"] == missing.headers["X-Request-Id"]


async def test_no_patient_data_but_the_pseudonymous_reference_reaches_the_log(client: Client, lines: Lines) -> None:
    nurse = await token(client.app, "triage")
    req = await create(client, nurse, patient_ref="p-secret-ref")
    await client.get("/api/v1/dispatch/options?lat=50.851234&lon=5.701234&care_type=seh", headers=auth(nurse))
    await client.get("/api/v1/trajectories/p-secret-ref", headers=auth(nurse))
    # aiohttp's own access log is the test server's (zcc serve turns it off): left out.
    text = "\n".join(json.dumps(line) for line in lines.all() if line["logger"] != "aiohttp.access")
    assert req["status"] == "open" and "p-secret-ref" in text  # the pseudonymous reference may appear (a path)
    assert "dyspnoe" not in text and "dys_copd_hartfalen" not in text  # the complaint and answers never
    assert "50.851234" not in text  # a dispatch query's coordinates are where the patient is
    routes = {line["route"] for line in lines.all() if line["logger"] == "zcc.access"}
    assert {"request_create", "dispatch_options", "trajectory_get"} <= routes


def test_text_format_for_a_terminal() -> None:
    out = io.StringIO()
    handler = configure_logging("text", stream=out)
    root = logging.getLogger()
    try:
        logging.getLogger("zcc.test").info("hello %s", "there", extra={"request_id": "r-1"})
    finally:
        root.removeHandler(handler)
    line = out.getvalue().strip()
    assert "INFO zcc.test: hello there [request_id=r-1]" in line and not line.startswith("{")
