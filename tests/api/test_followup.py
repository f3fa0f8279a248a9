"""After the placement, over real HTTP on both stores: arrival, outcome, discharge, refusal, alerts, scope, privacy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from fhir.resources.R4B.bundle import Bundle
from pytest_aiohttp import AiohttpClient

from ..eventually import eventually
from ..http_helpers import Client, auth, make_app, report, started, token
from ..regions import tiny_region

AT_B = {"lat": 50.90, "lon": 5.72}
U2 = {
    "complaint": "dyspnoe",
    "answers": {"dys_ademt_niet": False, "dys_geen_zinnen": False, "dys_pijn_borst": False, "dys_copd_hartfalen": True},
}  # hap_visit, seh, elv_hoog
LEAD = {"role": "regiebehandelaar", "name": "SO mw. Peters", "practitioner": "AGB-111"}
#: What a receiving provider may see of a patient (seed 003), and no more.
PROVIDER_FIELDS = {
    "id",
    "patient_ref",
    "urgency",
    "complaint",
    "care_type",
    "provider_id",
    "placed_at",
    "stage",
    "arrived_at",
    "outcome",
    "discharged_at",
    "destination",
}


class Hook:
    """A webhook receiver on a free port: what the regiebehandelaar would get."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self.server = TestServer(app)

    async def _hook(self, request: web.Request) -> web.Response:
        self.received.append(await request.json())
        return web.json_response({"ok": True})


@pytest.fixture
async def hook() -> AsyncIterator[Hook]:
    h = Hook()
    await h.server.start_server()
    try:
        yield h
    finally:
        await h.server.close()


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, store_url: str, hook: Hook) -> Client:
    app = make_app(store_url, tiny_region(), webhook_url=str(hook.server.make_url("/hook")), arrival_alert_minutes=0)
    return await started(aiohttp_client, app)


async def board_entry(client: Client, tok: str, pid: str, ct: str) -> dict[str, Any]:
    resp = await client.get("/api/v1/capacity", headers=auth(tok), params={"provider": pid, "care_type": ct})
    data: dict[str, Any] = (await resp.json())["entries"][0]
    return data


async def place(client: Client, nurse: str, ref: str = "p-7f3a", pid: str = "vvt-a") -> str:
    """A request triaged, reserved at ``pid`` elv_hoog and confirmed; its id."""
    body = {"patient_ref": ref, "age": 86, "location": AT_B, **U2}
    resp = await client.post("/api/v1/requests", json=body, headers=auth(nurse))
    assert resp.status == 201, await resp.text()
    rid: str = (await resp.json())["id"]
    resp = await client.post(
        f"/api/v1/requests/{rid}/reserve", json={"provider_id": pid, "care_type": "elv_hoog"}, headers=auth(nurse)
    )
    assert resp.status == 200, await resp.text()
    assert (await client.post(f"/api/v1/requests/{rid}/confirm", headers=auth(nurse))).status == 200
    return rid


async def post(client: Client, tok: str, rid: str, what: str, body: Any = None, **headers: str) -> tuple[int, Any]:
    resp = await client.post(f"/api/v1/requests/{rid}/{what}", json=body, headers=auth(tok, **headers))
    return resp.status, await resp.json()


async def setup(client: Client) -> tuple[str, str, str]:
    """Capacity on the board, and an admin, a triage and a vvt-a token."""
    admin = await token(client.app, "admin")
    updates = [report("vvt-a", "elv_hoog", 3, 5), report("vvt-c", "elv_hoog", 3, 10), report("zh-e", "seh", 3, 4)]
    assert (await client.post("/api/v1/capacity", json={"updates": updates}, headers=auth(admin))).status == 200
    return admin, await token(client.app, "triage"), await token(client.app, "provider", "vvt-a")


async def test_a_placement_is_followed_to_arrival_outcome_and_discharge_and_the_unit_comes_back(
    client: Client,
) -> None:
    admin, nurse, vvt_a = await setup(client)
    rid = await place(client, nurse)
    assert (await board_entry(client, admin, "vvt-a", "elv_hoog"))["available"] == 2  # the placement used one

    status, body = await post(client, vvt_a, rid, "arrived", {}, **{"Idempotency-Key": "arr-1"})
    assert status == 200 and body["stage"] == "arrived" and body["arrived_at"]
    again = await post(client, vvt_a, rid, "arrived", {}, **{"Idempotency-Key": "arr-1"})
    assert again == (200, body)  # a repeat answers the same
    assert set(body) <= PROVIDER_FIELDS  # no more of the record than the provider needs

    status, body = await post(client, vvt_a, rid, "outcome", {"outcome": "admitted"})
    assert (status, body["stage"], body["outcome"]) == (200, "admitted", "admitted")
    status, problem = await post(client, vvt_a, rid, "outcome", {"outcome": "treated_and_home"})
    assert status == 409, problem  # one outcome per stay

    discharge = {"destination": "home_with_district_nursing"}
    status, body = await post(client, vvt_a, rid, "discharge", discharge, **{"Idempotency-Key": "dis-1"})
    assert (status, body["stage"], body["destination"]) == (200, "discharged", "home_with_district_nursing")
    assert await post(client, vvt_a, rid, "discharge", discharge, **{"Idempotency-Key": "dis-1"}) == (200, body)
    assert (await post(client, vvt_a, rid, "discharge", discharge))[0] == 200  # the same discharge again
    assert (await board_entry(client, admin, "vvt-a", "elv_hoog"))["available"] == 3  # given back, once

    got = await (await client.get(f"/api/v1/requests/{rid}", headers=auth(nurse))).json()
    assert got["stage"] == "discharged" and got["stay"]["unit_returned"] is True
    trail = await (await client.get("/api/v1/trajectories/p-7f3a", headers=auth(admin))).json()
    kinds = [e["type"] for e in trail["events"] if e.get("request_id") == rid]
    assert kinds[-3:] == ["arrived", "outcome", "discharged"]  # each report in the patient's trajectory
    assert trail["events"][-1]["detail"]["destination"] == "home_with_district_nursing"
    # and in the FHIR export, which still validates
    bundle = await (await client.get("/api/v1/trajectories/p-7f3a/fhir", headers=auth(admin))).json()
    Bundle.model_validate(bundle)
    (enc,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter"]
    assert enc["status"] == "finished" and set(enc["period"]) == {"start", "end"}
    assert enc["hospitalization"]["dischargeDisposition"]["coding"][0]["code"] == "home"


async def test_reports_that_do_not_fit_are_409_and_change_nothing(client: Client) -> None:
    admin, nurse, vvt_a = await setup(client)
    rid = await place(client, nurse)
    status, problem = await post(client, vvt_a, rid, "discharge", {"destination": "home"})
    assert status == 409 and "arrival" in problem["detail"]  # no discharge before arrival
    assert (await board_entry(client, admin, "vvt-a", "elv_hoog"))["available"] == 2
    status, problem = await post(client, vvt_a, rid, "outcome", {"outcome": "refused"})
    assert status == 422 and problem["errors"][0]["field"] == "reason"  # a refusal says why
    status, _ = await post(client, vvt_a, rid, "outcome", {"outcome": "referred_on"})
    assert status == 422
    # an open request has no placement to report on
    body = {"patient_ref": "p-other", "age": 80, "location": AT_B, **U2}
    open_id = (await (await client.post("/api/v1/requests", json=body, headers=auth(nurse))).json())["id"]
    assert (await post(client, admin, open_id, "arrived", {}))[0] == 409
    # the same key for another report is refused
    assert (await post(client, vvt_a, rid, "arrived", {}, **{"Idempotency-Key": "k"}))[0] == 200
    status, _ = await post(client, vvt_a, rid, "outcome", {"outcome": "admitted"}, **{"Idempotency-Key": "k"})
    assert status == 422


async def test_only_the_receiving_provider_reports_and_every_attempt_is_audited(client: Client) -> None:
    admin, nurse, _ = await setup(client)
    rid = await place(client, nurse)
    vvt_c = await token(client.app, "provider", "vvt-c")
    dispatch = await token(client.app, "dispatch")
    for tok in (vvt_c, nurse, dispatch):
        status, problem = await post(client, tok, rid, "arrived", {})
        assert status == 403, problem
    assert (await client.get("/api/v1/providers/vvt-a/patients", headers=auth(vvt_c))).status == 403
    audit = await (await client.get("/api/v1/audit", params={"patient_ref": "p-7f3a"}, headers=auth(admin))).json()
    denied = [e for e in audit["entries"] if e["outcome"] == "denied" and e["resource"].endswith("/arrived")]
    assert len(denied) == 3


async def test_a_refusal_at_the_door_frees_the_unit_reopens_the_request_and_tells_the_team(
    client: Client, hook: Hook
) -> None:
    admin, nurse, vvt_a = await setup(client)
    resp = await client.patch("/api/v1/trajectories/p-7f3a", json={"care_team": [LEAD]}, headers=auth(admin))
    assert resp.status == 200
    rid = await place(client, nurse)
    refusal = {"outcome": "refused", "reason": "care_need_too_high", "text": "zuurstof nodig"}
    status, body = await post(client, vvt_a, rid, "outcome", refusal, **{"Idempotency-Key": "ref-1"})
    assert (status, body["stage"]) == (200, "refused")
    assert await post(client, vvt_a, rid, "outcome", refusal, **{"Idempotency-Key": "ref-1"}) == (200, body)
    assert (await board_entry(client, admin, "vvt-a", "elv_hoog"))["available"] == 3  # the unit is free again

    # at once open again for the triage staff, with the refusal beside it
    queue = await (await client.get("/api/v1/requests", headers=auth(nurse))).json()
    reopened = next(r for r in queue["requests"] if r["id"] == rid)
    assert reopened["status"] == "open" and reopened["placement"] is None
    assert reopened["refused"][0]["refusal_reason"] == "care_need_too_high"
    assert reopened["refused"][0]["refusal_text"] == "zuurstof nodig"
    # the place that refused comes after the others now, with the reason
    assert reopened["proposals"][0]["provider_id"] != "vvt-a"
    refusing = next(p for p in reopened["proposals"] if p["provider_id"] == "vvt-a")
    assert any("refused this patient" in r for r in refusing["reasons"])  # English: the test reads English
    # the same refusal again, without a key, answers the same and gives nothing back twice
    assert (await post(client, vvt_a, rid, "outcome", refusal))[0] == 200
    assert (await board_entry(client, admin, "vvt-a", "elv_hoog"))["available"] == 3
    # it can be placed again, elsewhere
    resp = await client.post(
        f"/api/v1/requests/{rid}/reserve", json={"provider_id": "vvt-c", "care_type": "elv_hoog"}, headers=auth(nurse)
    )
    assert resp.status == 200, await resp.text()

    trail = await (await client.get("/api/v1/trajectories/p-7f3a", headers=auth(admin))).json()
    assert trail["phase"] == "evaluation_due"
    assert trail["evaluation_due"]["due"] is True and trail["evaluation_due"]["code"] == "refusal"
    assert "zorgvraag te zwaar" in trail["evaluation_due"]["reason"]
    assert "refused" in [e["type"] for e in trail["events"]]

    def told() -> None:
        assert any(m["event"] == "refusal" for m in hook.received), hook.received

    await eventually(told, what="the refusal webhook")
    message = next(m for m in hook.received if m["event"] == "refusal")
    assert message["regiebehandelaar"]["practitioner"] == "AGB-111" and message["evaluation_due"] is True


async def test_the_provider_sees_its_incoming_and_current_patients_and_the_board_sees_who_did_not_arrive(
    client: Client,
) -> None:
    _, nurse, vvt_a = await setup(client)
    first = await place(client, nurse, "p-0001")
    second = await place(client, nurse, "p-0002")
    overdue = await (await client.get("/api/v1/arrivals/overdue", headers=auth(nurse))).json()
    assert {a["request_id"] for a in overdue["alerts"]} == {first, second}
    assert overdue["alerts"][0]["text"] == "niet aangekomen?"
    assert (await post(client, vvt_a, first, "arrived", {}))[0] == 200

    mine = await (await client.get("/api/v1/providers/vvt-a/patients", headers=auth(vvt_a))).json()
    assert [p["id"] for p in mine["incoming"]] == [second]
    assert [p["id"] for p in mine["current"]] == [first]
    assert all(set(p) <= PROVIDER_FIELDS for p in mine["incoming"] + mine["current"])
    overdue = await (await client.get("/api/v1/arrivals/overdue", headers=auth(nurse))).json()
    assert [a["request_id"] for a in overdue["alerts"]] == [second]
    assert (await client.get("/api/v1/arrivals/overdue", headers=auth(vvt_a))).status == 403


async def test_no_alert_before_the_configured_time(aiohttp_client: AiohttpClient, tmp_path: Path) -> None:
    client = await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))
    _, nurse, _ = await setup(client)
    await place(client, nurse)
    overdue = await (await client.get("/api/v1/arrivals/overdue", headers=auth(nurse))).json()
    assert overdue == {"alert_minutes": 60.0, "alerts": []}


async def test_a_readmission_within_30_days_raises_urgency_notifies_and_marks_evaluation_due(
    client: Client, hook: Hook
) -> None:
    admin, nurse, vvt_a = await setup(client)
    resp = await client.patch("/api/v1/trajectories/p-7f3a", json={"care_team": [LEAD]}, headers=auth(admin))
    assert resp.status == 200
    rid = await place(client, nurse)
    assert (await post(client, vvt_a, rid, "arrived", {}))[0] == 200
    assert (await post(client, vvt_a, rid, "discharge", {"destination": "home"}))[0] == 200

    # dyspnoe without a yes is U4; after a discharge in the last 30 days it is U3, and says why
    body = {
        "patient_ref": "p-7f3a",
        "age": 86,
        "location": AT_B,
        "complaint": "dyspnoe",
        "answers": {
            "dys_ademt_niet": False,
            "dys_geen_zinnen": False,
            "dys_pijn_borst": False,
            "dys_copd_hartfalen": False,
            "dys_koorts_oudere": False,
            "dys_toenemend": False,
        },
    }
    resp = await client.post("/api/v1/requests", json=body, headers=auth(nurse))
    assert resp.status == 201, await resp.text()
    again = await resp.json()
    assert again["urgency"] == "U3" and again["triage"]["raised_by"] == ["recent_discharge_30d"]
    assert any(r["code"] == "triage.modifier_raised" for r in again["triage"]["reasons_coded"]), again["triage"]
    assert again["previous"]["provider_id"] == "vvt-a" and again["previous"]["ended"] == "discharged"
    assert again["previous"]["text"] == "ontslagen naar huis"
    # another patient with the same complaint stays U4
    resp = await client.post("/api/v1/requests", json=body | {"patient_ref": "p-0009"}, headers=auth(nurse))
    assert (await resp.json())["urgency"] == "U4"

    trail = await (await client.get("/api/v1/trajectories/p-7f3a", headers=auth(admin))).json()
    assert trail["evaluation_due"]["code"] == "readmission" and trail["phase"] == "evaluation_due"

    def told() -> None:
        assert any(m["event"] == "readmission" for m in hook.received), hook.received

    await eventually(told, what="the readmission webhook")


async def test_a_place_that_refused_the_patient_ranks_lower_next_time_with_the_reason(client: Client) -> None:
    _, nurse, vvt_a = await setup(client)
    first = await place(client, nurse, pid="vvt-a")
    refusal = {"outcome": "refused", "reason": "no_bed_after_all"}
    assert (await post(client, vvt_a, first, "outcome", refusal))[0] == 200
    assert (await post(client, nurse, first, "cancel", {"reason": "elders opgelost"}))[0] == 200

    body = {"patient_ref": "p-7f3a", "age": 86, "location": AT_B, **U2}
    nxt = await (await client.post("/api/v1/requests", json=body, headers=auth(nurse))).json()
    order = [(p["provider_id"], p["care_type"]) for p in nxt["proposals"]]
    assert order.index(("vvt-c", "elv_hoog")) < order.index(("vvt-a", "elv_hoog"))  # vvt-a came first before
    refused = next(p for p in nxt["proposals"] if p["provider_id"] == "vvt-a")
    assert any("refused this patient" in r and "toch geen plek vrij" in r for r in refused["reasons"])
    assert nxt["previous"]["provider_id"] == "vvt-a" and nxt["previous"]["ended"] == "refused"
    # another patient still gets vvt-a first
    other = await (
        await client.post("/api/v1/requests", json=body | {"patient_ref": "p-0009"}, headers=auth(nurse))
    ).json()
    assert other["proposals"][0]["provider_id"] == "vvt-a" and other["previous"] is None


async def test_privacy_the_provider_sees_only_its_part_the_care_team_sees_the_outcome_all_audited(
    client: Client,
) -> None:
    admin, nurse, vvt_a = await setup(client)
    lead = await token(client.app, "triage", practitioner="AGB-111")
    resp = await client.patch("/api/v1/trajectories/p-7f3a", json={"care_team": [LEAD]}, headers=auth(admin))
    assert resp.status == 200
    rid = await place(client, nurse)
    assert (await post(client, vvt_a, rid, "arrived", {}))[0] == 200
    assert (await post(client, vvt_a, rid, "discharge", {"destination": "deceased"}))[0] == 200
    # the receiving provider never reads the request or the record
    assert (await client.get(f"/api/v1/requests/{rid}", headers=auth(vvt_a))).status == 403
    assert (await client.get("/api/v1/trajectories/p-7f3a", headers=auth(vvt_a))).status == 403
    mine = await (await client.get("/api/v1/receiving", headers=auth(vvt_a))).json()
    assert mine["providers"] == ["vvt-a"] and [p["id"] for p in mine["ended"]] == [rid]
    assert set(mine["ended"][0]) <= PROVIDER_FIELDS
    # the regiebehandelaar sees the outcome in the trajectory
    trail = await (await client.get("/api/v1/trajectories/p-7f3a", headers=auth(lead))).json()
    discharged = [e for e in trail["events"] if e["type"] == "discharged"]
    assert discharged and discharged[0]["detail"]["destination"] == "deceased"
    # every access is in the audit log, on the basis it was allowed
    audit = await (await client.get("/api/v1/audit", params={"patient_ref": "p-7f3a"}, headers=auth(admin))).json()
    seen = {(e["action"], e["outcome"], e["basis"]) for e in audit["entries"] if e["user"]["role"] == "provider"}
    assert {("update", "allowed", "receiving_provider"), ("search", "allowed", "receiving_provider")} <= seen


async def test_the_provider_can_set_its_own_free_count_with_the_discharge(client: Client) -> None:
    admin, nurse, vvt_a = await setup(client)
    rid = await place(client, nurse)
    assert (await post(client, vvt_a, rid, "arrived", {}))[0] == 200
    status, _ = await post(client, vvt_a, rid, "discharge", {"destination": "other_place", "available": 1})
    assert status == 200
    assert (await board_entry(client, admin, "vvt-a", "elv_hoog"))["available"] == 1  # its count, not 2 + 1
    status, problem = await post(client, vvt_a, rid, "discharge", {"destination": "home"})
    assert status == 409, problem  # discharged already, elsewhere
