"""Trajectory records: the care plan steers the match, acute steps are written back, access and audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient

from ..eventually import eventually
from ..http_helpers import Client, auth, make_app, report, started, token
from ..regions import tiny_region

AT_B = {"lat": 50.90, "lon": 5.72}  # 10 minutes from both VVTs (A and C), 30 from the hospital (E)
U2 = {
    "complaint": "dyspnoe",
    "answers": {"dys_ademt_niet": False, "dys_geen_zinnen": False, "dys_pijn_borst": False, "dys_copd_hartfalen": True},
}  # hap_visit, seh, elv_hoog
LEAD = {"role": "regiebehandelaar", "name": "SO mw. Peters", "practitioner": "AGB-111", "contact": "tel:+31431234567"}
PLAN: dict[str, Any] = {
    "care_team": [LEAD, {"role": "gp", "name": "Huisartsenpraktijk De Linde", "practitioner": "AGB-222"}],
    "hints": {"no_hospital_admission": True, "preferred_providers": ["vvt-c"], "home_first": True},
    "phase": "vervolgfase",
}


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, tmp_path: Path) -> Client:
    return await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))


async def fill(client: Client) -> None:
    admin = await token(client.app, "admin")
    body = {
        "updates": [report("vvt-a", "elv_hoog", 3, 5), report("vvt-c", "elv_hoog", 3, 10), report("zh-e", "seh", 3, 4)]
    }
    assert (await client.post("/api/v1/capacity", json=body, headers=auth(admin))).status == 200


async def create(client: Client, tok: str, ref: str = "p-7f3a", **over: Any) -> dict[str, Any]:
    body = {"patient_ref": ref, "age": 86, "location": AT_B, **U2, **over}
    resp = await client.post("/api/v1/requests", json=body, headers=auth(tok))
    assert resp.status == 201, await resp.text()
    data: dict[str, Any] = await resp.json()
    return data


async def patch(client: Client, tok: str, ref: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    resp = await client.patch(f"/api/v1/trajectories/{ref}", json=body, headers=auth(tok))
    return resp.status, await resp.json()


def pairs(req: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["provider_id"], p["care_type"]) for p in req["proposals"]]


async def test_without_a_care_plan_the_nearest_and_the_hospital_are_proposed(client: Client) -> None:
    await fill(client)
    nurse = await token(client.app, "triage")
    req = await create(client, nurse, ref="p-none")
    assert ("zh-e", "seh") in pairs(req)
    assert pairs(req)[0] == ("vvt-a", "elv_hoog")  # a tie on travel: the provider id decides


async def test_no_hospital_wish_and_preferred_vvt_steer_the_match_and_the_placement_is_written_back(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({"ok": True})

    receiver = web.Application()
    receiver.router.add_post("/hook", hook)
    server = TestServer(receiver)
    await server.start_server()
    try:
        url = str(server.make_url("/hook"))
        client = await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region(), webhook_url=url))
        await fill(client)
        admin, nurse = await token(client.app, "admin"), await token(client.app, "triage")
        status, record = await patch(client, admin, "p-7f3a", PLAN)
        assert status == 200 and record["hints"]["no_hospital_admission"] is True
        req = await create(client, nurse)
        assert pairs(req)[0] == ("vvt-c", "elv_hoog")  # the preferred VVT first
        assert all(ct != "seh" for _, ct in pairs(req))  # no hospital
        assert any("preferred" in r for r in req["proposals"][0]["reasons"])
        assert any(e["care_type"] == "seh" and e["excluded"] == "no_hospital" for e in req["excluded"])
        assert (
            await client.post(
                f"/api/v1/requests/{req['id']}/reserve",
                json={"provider_id": "vvt-c", "care_type": "elv_hoog"},
                headers=auth(nurse),
            )
        ).status == 200
        assert (await client.post(f"/api/v1/requests/{req['id']}/confirm", headers=auth(nurse))).status == 200
        # on the record
        lead = await token(client.app, "triage", practitioner="AGB-111")
        got = await (await client.get("/api/v1/trajectories/p-7f3a", headers=auth(lead))).json()
        kinds = [e["type"] for e in got["events"]]
        assert kinds[:1] == ["update"] and {"triage", "hold", "placement", "notification"} <= set(kinds)
        placement = next(e for e in got["events"] if e["type"] == "placement")
        assert placement["detail"]["placement"]["provider_id"] == "vvt-c"

        # the regiebehandelaar's webhook got it, without the request waiting for it
        def delivered() -> None:
            assert received, "nothing received yet"

        await eventually(delivered, what="the placement webhook")
        assert received[0]["event"] == "placement"
        assert received[0]["regiebehandelaar"]["practitioner"] == "AGB-111"
        assert received[0]["placement"]["provider_id"] == "vvt-c"
        # in the audit log
        audit = await (await client.get("/api/v1/audit", params={"patient_ref": "p-7f3a"}, headers=auth(admin))).json()
        actions = [(e["action"], e["outcome"]) for e in audit["entries"]]
        assert ("create", "allowed") in actions and ("update", "allowed") in actions and ("read", "allowed") in actions
        # and in the FHIR export
        fhir = await client.get("/api/v1/trajectories/p-7f3a/fhir", headers=auth(lead))
        assert fhir.status == 200 and fhir.content_type == "application/fhir+json"
        bundle = await fhir.json()
        types = [e["resource"]["resourceType"] for e in bundle["entry"]]
        assert {"Patient", "EpisodeOfCare", "CarePlan", "ServiceRequest", "Task", "Encounter"} <= set(types)
    finally:
        await server.close()


async def test_a_clinician_override_allows_the_hospital_and_is_an_event(client: Client) -> None:
    await fill(client)
    admin, nurse = await token(client.app, "admin"), await token(client.app, "triage")
    await patch(client, admin, "p-7f3a", PLAN)
    req = await create(client, nurse, hospital_override="ernstige benauwdheid, overleg met SO: opname nodig")
    assert ("zh-e", "seh") in pairs(req)
    got = await (await client.get("/api/v1/trajectories/p-7f3a", headers=auth(admin))).json()
    override = next(e for e in got["events"] if e["type"] == "override")
    assert "opname nodig" in override["detail"]["hospital_override"]


async def test_home_first_ranks_care_at_home_above_a_bed(client: Client) -> None:
    admin, nurse = await token(client.app, "admin"), await token(client.app, "triage")
    await fill(client)
    await patch(client, admin, "p-home", {"hints": {"home_first": True}})
    # zorg thuis: wijkverpleging_spoed and ELV both fit; the tiny region has only ELV, so compare scores instead
    req = await create(client, nurse, ref="p-home")
    plain = await create(client, nurse, ref="p-plain")
    home = {(p["provider_id"], p["care_type"]): p["score"] for p in req["proposals"]}
    other = {(p["provider_id"], p["care_type"]): p["score"] for p in plain["proposals"]}
    # home-first adds the level-of-care cost of a bed (ELV) and more for the hospital
    assert home[("vvt-a", "elv_hoog")] > other[("vvt-a", "elv_hoog")]
    assert home[("zh-e", "seh")] - other[("zh-e", "seh")] > home[("vvt-a", "elv_hoog")] - other[("vvt-a", "elv_hoog")]


async def test_three_acute_requests_in_30_days_set_evaluation_due(client: Client) -> None:
    admin, nurse = await token(client.app, "admin"), await token(client.app, "triage")
    await patch(client, admin, "p-often", {"phase": "startfase"})
    for _ in range(2):
        await create(client, nurse, ref="p-often")
    got = await (await client.get("/api/v1/trajectories/p-often", headers=auth(admin))).json()
    assert got["evaluation_due"]["due"] is False
    await create(client, nurse, ref="p-often")
    got = await (await client.get("/api/v1/trajectories/p-often", headers=auth(admin))).json()
    due = got["evaluation_due"]
    assert (due["due"], due["reason"]) == (True, "3 acute requests within 30 days")
    assert due["reason_coded"]["params"]["parts"][0]["code"] == "trajectory.acute_requests"


@pytest.mark.parametrize("ref", ["111222333", "111 222 333"])
async def test_a_bsn_is_refused(client: Client, ref: str) -> None:
    nurse, admin = await token(client.app, "triage"), await token(client.app, "admin")
    resp = await client.post(
        "/api/v1/requests", json={"patient_ref": ref, "age": 80, "location": AT_B, **U2}, headers=auth(nurse)
    )
    assert resp.status == 422
    resp = await client.get(f"/api/v1/trajectories/{ref}", headers=auth(admin))
    assert resp.status == 422 and "BSN" in (await resp.json())["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phase": "halfway"}, "phase"),
        ({"care_team": [{"role": "astronaut", "name": "x"}]}, "care_team[0].role"),
        ({"hints": {"preferred_providers": ["vvt-zz"]}}, "hints.preferred_providers"),
        ({"hints": {"home_first": "yes please"}}, "hints.home_first"),
        ({}, "body"),
    ],
)
async def test_bad_patches_name_the_field_and_change_nothing(client: Client, body: dict[str, Any], field: str) -> None:
    admin = await token(client.app, "admin")
    status, problem = await patch(client, admin, "p-x", body)
    assert status == 422 and problem["field"] == field, problem
    got = await (await client.get("/api/v1/trajectories/p-x", headers=auth(admin))).json()
    assert got["version"] == 0


# The role x endpoint x basis matrix lives in test_access_matrix.py (one policy table, every cell).


async def test_sharing_objection_limits_triage_to_the_hints(client: Client) -> None:
    admin, nurse = await token(client.app, "admin"), await token(client.app, "triage")
    await patch(client, admin, "p-7f3a", PLAN | {"hints": PLAN["hints"] | {"sharing_objection": True}})
    await create(client, nurse)
    got = await (await client.get("/api/v1/trajectories/p-7f3a", headers=auth(nurse))).json()
    assert got["limited"] is True and got["hints"]["no_hospital_admission"] is True
    assert got["limited_because"] == "sharing_objection"
    assert "events" not in got and "care_team" not in got
    assert (await client.get("/api/v1/trajectories/p-7f3a/fhir", headers=auth(nurse))).status == 403
    full = await (await client.get("/api/v1/trajectories/p-7f3a", headers=auth(admin))).json()
    assert full["events"] and full["care_team"]


async def test_request_endpoints_are_audited_including_denied_attempts(client: Client) -> None:
    admin, nurse, dispatch = (
        await token(client.app, "admin"),
        await token(client.app, "triage"),
        await token(client.app, "dispatch"),
    )
    req = await create(client, nurse, ref="p-aud")
    await client.get(f"/api/v1/requests/{req['id']}", headers=auth(nurse))
    await client.get(f"/api/v1/requests/{req['id']}", headers=auth(dispatch))
    await client.get("/api/v1/requests", headers=auth(nurse))
    await client.post(f"/api/v1/requests/{req['id']}/cancel", headers=auth(nurse))
    entries = (await (await client.get("/api/v1/audit", headers=auth(admin))).json())["entries"]
    seen = [(e["action"], e["outcome"], e["user"]["role"]) for e in entries if e["patient_ref"] in ("p-aud", None)]
    assert ("create", "allowed", "triage") in seen
    assert ("read", "allowed", "triage") in seen and ("read", "denied", "dispatch") in seen
    assert ("search", "allowed", "triage") in seen and ("update", "allowed", "triage") in seen
    one = next(e for e in entries if e["action"] == "read")
    assert {"event_id", "at", "outcome", "user", "access_point", "patient_id_type", "source", "basis"} <= set(one)
    assert (await client.get("/api/v1/audit", headers=auth(nurse))).status == 403
    assert (await client.delete("/api/v1/audit", headers=auth(admin))).status == 405


async def test_webhook_is_retried_with_backoff_until_it_is_delivered(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    calls: list[int] = []

    async def flaky(request: web.Request) -> web.Response:
        calls.append(1)
        return web.Response(status=503 if len(calls) < 3 else 200)

    receiver = web.Application()
    receiver.router.add_post("/hook", flaky)
    server = TestServer(receiver)
    await server.start_server()
    try:
        app = make_app(f"sqlite:///{tmp_path}/z.db", tiny_region(), webhook_url=str(server.make_url("/hook")))
        client = await started(aiohttp_client, app)
        from coordinator.keys import NOTIFIER

        client.app[NOTIFIER].first_backoff = 0.05
        client.app[NOTIFIER].notify({"event": "placement", "patient_ref": "p-1"})

        async def delivered_on_the_third_try() -> None:
            metrics = await (await client.get("/metrics")).text()
            assert 'zcc_webhook_deliveries_total{result="delivered"} 1.0' in metrics, len(calls)
            assert 'zcc_webhook_deliveries_total{result="retried"} 2.0' in metrics

        await eventually(delivered_on_the_third_try, what="two retries, then the delivery")
        assert len(calls) == 3
    finally:
        await server.close()
