"""GET /api/v1/forecast over real HTTP: who may read it, what it answers, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient

from ..http_helpers import Client, auth, make_app, report, token
from ..regions import tiny_region


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, tmp_path: Path) -> Client:
    return await aiohttp_client(make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))


async def reported(client: Client) -> None:
    admin = await token(client.app, "admin")
    bodies = [
        report("vvt-a", "elv_hoog", 0, 5),
        report("vvt-a", "elv_laag", 1, 3),
        report("vvt-c", "elv_hoog", 2, 10),
        report("zh-e", "seh", 4, 4),
        report("hap-b", "hap_consult", 3, 6),
    ]
    resp = await client.post("/api/v1/capacity", json={"updates": bodies}, headers=auth(admin))
    assert resp.status == 200, await resp.text()


@pytest.mark.parametrize("role", ["triage", "ops", "admin", "dispatch"])
async def test_every_role_that_works_with_the_board_reads_the_forecast(client: Client, role: str) -> None:
    await reported(client)
    resp = await client.get("/api/v1/forecast", headers=auth(await token(client.app, role)))
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["hours"] == 8 and body["replications"] > 0
    assert [c["care_type"] for c in body["care_types"]] == ["elv_hoog", "elv_laag", "hap_consult", "seh"]
    elv = body["care_types"][0]
    assert (elv["places"], elv["free_now"]) == (2, 2)
    assert len(elv["hours"]) == 8
    for h in elv["hours"]:
        assert 0 <= h["expected_free"] <= 15 and 0 <= h["p_full"] <= 1 and h["open_places"] == 2
        assert h["local_time"].endswith(":00")
    # No history in a new store: the demand model's defaults, and the answer says so in Dutch.
    assert body["demand"]["source"] == "default"
    note = body["demand"]["note"]
    assert note["code"] == "forecast.default_demand" and "standaard vraagmodel" in note["text"]
    assert "patient" not in await resp.text()  # counts of places only


async def test_a_provider_may_not_read_the_forecast(client: Client) -> None:
    tok = await token(client.app, "provider", "vvt-a")
    resp = await client.get("/api/v1/forecast", headers=auth(tok))
    assert resp.status == 403
    assert resp.content_type == "application/problem+json"
    assert (await client.get("/api/v1/forecast")).status == 401


async def test_one_care_type_and_the_hours_ahead(client: Client) -> None:
    await reported(client)
    tok = await token(client.app, "triage")
    resp = await client.get("/api/v1/forecast", params={"care_type": "seh", "hours": "3"}, headers=auth(tok))
    body = await resp.json()
    assert [c["care_type"] for c in body["care_types"]] == ["seh"] and len(body["care_types"][0]["hours"]) == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"care_type": "ggz_crisis_bed"}, "care_type"),  # not a care type of this region
        ({"care_type": "nonsense"}, "care_type"),
        ({"hours": "0"}, "hours"),
        ({"hours": "25"}, "hours"),
        ({"hours": "acht"}, "hours"),
        ({"hour": "8"}, "hour"),
    ],
)
async def test_bad_input_is_a_problem_naming_the_field(client: Client, params: dict[str, str], field: str) -> None:
    tok = await token(client.app, "ops")
    resp = await client.get("/api/v1/forecast", params=params, headers=auth(tok))
    assert resp.status == 422
    problem = await resp.json()
    assert problem["field"] == field and problem["detail"]
