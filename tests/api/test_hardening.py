"""The findings of the security review (issue 11), one test each: every one failed on main before its fix."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from pytest_aiohttp import AiohttpClient

from capacity.clock import utcnow
from coordinator.keys import AUDIT, STORES
from coordinator.openapi import build_openapi

from ..http_helpers import Client, auth, iso, make_app, report, started, token
from ..regions import tiny_region

AT_B = {"lat": 50.90, "lon": 5.72}
U2 = {"complaint": "dyspnoe", "answers": {"dys_copd_hartfalen": True}}
TEAM = {"care_team": [{"role": "gp", "name": "Huisartsenpraktijk De Linde", "practitioner": "AGB-1"}]}


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, tmp_path: Path) -> Client:
    return await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))


def request_body(ref: str = "p-1", **over: Any) -> dict[str, Any]:
    return {"patient_ref": ref, "age": 84, "location": AT_B, **U2, **over}


async def entries(client: Client) -> list[dict[str, Any]]:
    """The audit log as stored (read without the API, so reading it adds no entry)."""
    return await client.app[AUDIT].entries(limit=10_000)


async def new_entries(client: Client, before: int) -> list[tuple[str, str, str | None, str]]:
    return [(e["action"], e["outcome"], e["patient_ref"], e["user"]["role"]) for e in (await entries(client))[before:]]


# -- finding 1: an ops token never reads patient records, even with its practitioner on the care team --


async def test_finding_1_ops_on_the_care_team_reads_no_record(client: Client) -> None:
    admin, ops = await token(client.app, "admin"), await token(client.app, "ops", practitioner="AGB-1")
    assert (await client.patch("/api/v1/trajectories/pat-1", json=TEAM, headers=auth(admin))).status == 200
    before = len(await entries(client))
    assert (await client.get("/api/v1/trajectories/pat-1", headers=auth(ops))).status == 403
    patch = await client.patch("/api/v1/trajectories/pat-1", json={"phase": "ended"}, headers=auth(ops))
    assert patch.status == 403
    assert (await client.get("/api/v1/trajectories/pat-1/fhir", headers=auth(ops))).status == 403
    assert await new_entries(client, before) == [
        ("read", "denied", "pat-1", "ops"),
        ("update", "denied", "pat-1", "ops"),
        ("export", "denied", "pat-1", "ops"),
    ]
    record = await (await client.get("/api/v1/trajectories/pat-1", headers=auth(admin))).json()
    assert record["phase"] != "ended"


# -- finding 2: 1,000 levels of JSON are a 400 naming the body on every JSON endpoint, never a 500 --

DEEP = "[" * 1000 + "]" * 1000


async def test_finding_2_deep_json_is_a_400_naming_the_body_everywhere(client: Client) -> None:
    admin = await token(client.app, "admin")
    req = await client.post("/api/v1/requests", json=request_body(), headers=auth(admin))
    rid = (await req.json())["id"]
    deep_in_a_field = '{"updates": ' + DEEP + "}"
    targets = [
        ("POST", "/api/v1/capacity", DEEP),
        ("POST", "/api/v1/capacity", deep_in_a_field),
        ("POST", "/api/v1/requests", DEEP),
        ("POST", f"/api/v1/requests/{rid}/reserve", DEEP),
        ("POST", f"/api/v1/requests/{rid}/cancel", DEEP),
        ("POST", "/api/v1/providers/vvt-a/status", DEEP),
        ("PATCH", "/api/v1/trajectories/p-1", DEEP),
    ]
    for method, path, body in targets:
        resp = await client.request(
            method, path, data=body, headers=auth(admin, **{"Content-Type": "application/json"})
        )
        problem = await resp.json()
        assert (resp.status, resp.content_type, problem["field"]) == (400, "application/problem+json", "body"), (
            path,
            problem,
        )
        assert "deeper than" in problem["detail"]
    # nothing changed and the service still answers
    assert (await client.get(f"/api/v1/requests/{rid}", headers=auth(admin))).status == 200
    assert (await (await client.get(f"/api/v1/requests/{rid}", headers=auth(admin))).json())["status"] == "open"


async def test_finding_2_nan_and_infinity_are_not_json(client: Client) -> None:
    admin = await token(client.app, "admin")
    for text in ('{"available": NaN}', '{"available": Infinity}', '{"available": 1e999}'):
        resp = await client.post(
            "/api/v1/capacity", data=text, headers=auth(admin, **{"Content-Type": "application/json"})
        )
        assert resp.status == 400 and (await resp.json())["field"] == "body", text


# -- finding 3: patient_ref in a path follows the body's rule (and the BSN check): 422, nothing created --

BAD_REFS = ["Jan Jansen 12-03-1950", "x' OR '1'='1", "p" * 3000, "111222333", "12.34.56.789", "pat/../../etc"]


@pytest.mark.parametrize("ref", BAD_REFS)
async def test_finding_3_a_bad_patient_ref_in_a_path_is_422_and_creates_nothing(
    aiohttp_client: AiohttpClient, store_url: str, ref: str
) -> None:
    client = await started(aiohttp_client, make_app(store_url, tiny_region()))  # on both stores: no key made
    admin = await token(client.app, "admin")
    before = len(await entries(client))
    path = f"/api/v1/trajectories/{quote(ref, safe='')}"
    for method, url, body in (
        ("PATCH", path, {"phase": "startfase"}),
        ("GET", path, None),
        ("GET", path + "/fhir", None),
    ):
        resp = await client.request(method, url, json=body, headers=auth(admin))
        problem = await resp.json()
        assert (resp.status, problem["field"]) == (422, "patient_ref"), (method, problem)
    trail = await client.app[STORES].records.get_trajectory(ref)
    assert trail.record is None and not trail.events
    assert await new_entries(client, before) == []  # the name never reaches the audit log either
    audit = await client.get("/api/v1/audit", params={"patient_ref": ref}, headers=auth(admin))
    assert audit.status == 422 and (await audit.json())["field"] == "patient_ref"


# -- finding 4: authorise and audit before validating; one entry per patient shown; audit reads audited --


@pytest.mark.parametrize("role", ["dispatch", "provider", "ops"])
async def test_finding_4_a_denied_patch_with_a_bad_body_is_403_and_audited(client: Client, role: str) -> None:
    tok = await token(client.app, role, *(["vvt-a"] if role == "provider" else []))
    before = len(await entries(client))
    for body in ({"phase": "halfway"}, {}, "not json"):
        resp = await client.patch("/api/v1/trajectories/p-2", json=body, headers=auth(tok))
        assert resp.status == 403
    resp = await client.patch("/api/v1/trajectories/p-2", data="{", headers=auth(tok))
    assert resp.status == 403
    assert await new_entries(client, before) == [("update", "denied", "p-2", role)] * 4


async def test_finding_4_a_denied_create_names_the_patient_whatever_the_body(client: Client) -> None:
    dispatch = await token(client.app, "dispatch")
    before = len(await entries(client))
    bad = await client.post("/api/v1/requests", json=request_body("p-3", age="old"), headers=auth(dispatch))
    good = await client.post("/api/v1/requests", json=request_body("p-3"), headers=auth(dispatch))
    named = await client.post("/api/v1/requests", json={"patient_ref": "Jan Jansen"}, headers=auth(dispatch))
    assert (bad.status, good.status, named.status) == (403, 403, 403)
    assert await new_entries(client, before) == [
        ("create", "denied", "p-3", "dispatch"),
        ("create", "denied", "p-3", "dispatch"),
        ("create", "denied", None, "dispatch"),  # not a valid reference: nothing of it is kept
    ]


async def test_finding_4_list_and_optimize_write_one_entry_per_patient_shown(client: Client) -> None:
    nurse = await token(client.app, "triage")
    for ref in ("p-a", "p-b", "p-a"):
        assert (await client.post("/api/v1/requests", json=request_body(ref), headers=auth(nurse))).status == 201
    before = len(await entries(client))
    listed = await (await client.get("/api/v1/requests", headers=auth(nurse))).json()
    assert len(listed["requests"]) == 3
    assert (await client.post("/api/v1/optimize", headers=auth(nurse))).status == 200
    assert await new_entries(client, before) == [
        ("search", "allowed", "p-a", "triage"),
        ("search", "allowed", "p-b", "triage"),
        ("search", "allowed", "p-a", "triage"),
        ("search", "allowed", "p-b", "triage"),
    ]


async def test_finding_4_reads_of_the_audit_log_are_audited(client: Client) -> None:
    admin, nurse = await token(client.app, "admin"), await token(client.app, "triage")
    before = len(await entries(client))
    assert (await client.get("/api/v1/audit", headers=auth(admin))).status == 200
    assert (await client.get("/api/v1/audit", params={"patient_ref": "p-9"}, headers=auth(admin))).status == 200
    assert (await client.get("/api/v1/audit", params={"patient_ref": "p-9"}, headers=auth(nurse))).status == 403
    got = [
        (e["action"], e["outcome"], e["patient_ref"], e["user"]["role"], e["resource"]) for e in await entries(client)
    ]
    assert got[before:] == [
        ("search", "allowed", None, "admin", "GET /api/v1/audit"),
        ("search", "allowed", "p-9", "admin", "GET /api/v1/audit"),
        ("search", "denied", "p-9", "triage", "GET /api/v1/audit"),
    ]


# -- finding 5: an open request gives triage the care-plan hints, not the record's history --


async def test_finding_5_an_open_request_shows_triage_the_hints_only(client: Client) -> None:
    admin, nurse = await token(client.app, "admin"), await token(client.app, "triage")
    plan = TEAM | {"hints": {"no_hospital_admission": True, "home_first": True}, "phase": "vervolgfase"}
    assert (await client.patch("/api/v1/trajectories/p-5", json=plan, headers=auth(admin))).status == 200
    assert (await client.post("/api/v1/requests", json=request_body("p-5"), headers=auth(nurse))).status == 201
    got = await (await client.get("/api/v1/trajectories/p-5", headers=auth(nurse))).json()
    assert got["limited"] is True and got["hints"]["no_hospital_admission"] is True
    assert {"events", "care_team", "phase", "stop_criteria"}.isdisjoint(got)
    assert got["limited_because"] == "open_request" and "open request" in got["limited_reason"]
    assert (await client.get("/api/v1/trajectories/p-5/fhir", headers=auth(nurse))).status == 403


# -- finding 7: strict types at the edge --


@pytest.mark.parametrize(
    "reported_at",
    [
        0,
        1_700_000_000,
        "0",
        "1700000000",
        "0001-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
        "2026-11-23T14:00:00",  # no offset
        "2026-11-23",
        "2026-02-30T10:00:00Z",
        timedelta(days=1),  # ahead of the clock when the test runs (not when it was collected)
        timedelta(seconds=400),  # beyond the 300 s skew
        True,
        None,
    ],
)
async def test_finding_7_reported_at_is_only_an_iso_string_with_offset_in_sane_bounds(
    client: Client, reported_at: Any
) -> None:
    admin = await token(client.app, "admin")
    if isinstance(reported_at, timedelta):
        reported_at = iso(utcnow() + reported_at)
    body = report("vvt-a", "elv_hoog", 1, 5) | {"reported_at": reported_at}
    resp = await client.post("/api/v1/capacity", json=body, headers=auth(admin))
    problem = await resp.json()
    assert (resp.status, problem.get("field")) == (422, "reported_at"), problem
    board = await (await client.get("/api/v1/capacity", headers=auth(admin))).json()
    assert all(e["reported_at"] is None for e in board["entries"])


async def test_finding_7_reported_at_within_the_skew_and_in_any_offset_is_taken(client: Client) -> None:
    admin = await token(client.app, "admin")
    now = utcnow()
    for at in (iso(now + timedelta(seconds=200)), (now - timedelta(minutes=5)).astimezone().isoformat()):
        body = report("vvt-a", "elv_hoog", 1, 5) | {"reported_at": at}
        assert (await client.post("/api/v1/capacity", json=body, headers=auth(admin))).status == 200, at


@pytest.mark.parametrize("answer", ["yes", "no", "1", "on", 1, 0, None])
async def test_finding_7_answers_are_strictly_json_booleans(client: Client, answer: Any) -> None:
    nurse = await token(client.app, "triage")
    body = request_body("p-7") | {"answers": {"dys_copd_hartfalen": answer}}
    resp = await client.post("/api/v1/requests", json=body, headers=auth(nurse))
    assert (resp.status, (await resp.json())["field"]) == (422, "answers.dys_copd_hartfalen")
    for flags in ({"frail_elderly": "yes"}, {"wlz_indication": 1}):
        resp = await client.post("/api/v1/requests", json=request_body("p-7", flags=flags), headers=auth(nurse))
        assert resp.status == 422
    patch = await client.patch(
        "/api/v1/trajectories/p-7", json={"hints": {"home_first": "on"}}, headers=auth(await token(client.app, "admin"))
    )
    assert patch.status == 422
    assert (await client.get("/api/v1/requests", headers=auth(nurse))).status == 200
    assert (await (await client.get("/api/v1/requests", headers=auth(nurse))).json())["requests"] == []


# -- finding 8: the document says what the service enforces --

_METHODS = {"get", "post", "patch", "put", "delete"}


def operations() -> dict[str, dict[str, Any]]:
    spec = build_openapi()
    return {op["operationId"]: op for item in spec["paths"].values() for m, op in item.items() if m in _METHODS}


def param(op: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in op.get("parameters", []) if p["name"] == name)
    return found


def test_finding_8_every_operation_with_a_body_documents_400_413_415_and_422() -> None:
    with_body = {oid: op for oid, op in operations().items() if "requestBody" in op}
    assert set(with_body) >= {
        "postCapacity",
        "setProviderStatus",
        "createRequest",
        "reserveRequest",
        "cancelRequest",
        "patchTrajectory",
    }
    for oid, op in with_body.items():
        assert {"400", "413", "415", "422"} <= set(op["responses"]), oid


def test_finding_8_the_limits_the_service_enforces_are_declared() -> None:
    ops, spec = operations(), build_openapi()
    schemas = spec["components"]["schemas"]
    assert param(ops["getAudit"], "limit")["schema"]["maximum"] == 10_000
    assert param(ops["dispatchOptions"], "care_type")["schema"]["minLength"] == 1
    assert schemas["TrajectoryPatch"]["minProperties"] == 1
    location = schemas["LocationIn"]["anyOf"]
    assert [sorted(b["required"]) for b in location] == [["lat", "lon"], ["postcode"], ["place"], ["address"]]
    for oid in ("postCapacity", "reserveRequest"):
        key = param(ops[oid], "Idempotency-Key")["schema"]
        assert (key["minLength"], key["maxLength"], key["pattern"]) == (1, 200, "^[!-~]([ -~]{0,198}[!-~])?$")
    assert param(ops["getTrajectory"], "patient_ref")["schema"]["pattern"] == "^[A-Za-z0-9._:-]+$"
    assert schemas["CapacityBatchIn"]["properties"]["updates"]["maxItems"] == 500
    assert schemas["CapacityUpdateIn"]["properties"]["reported_at"]["pattern"].startswith("^2[0-9]{3}-")
    assert schemas["ProviderStatusIn"]["then"]["required"] == ["reason"]


def test_finding_8_the_stream_is_declared_as_server_sent_events() -> None:
    content = operations()["streamCapacity"]["responses"]["200"]["content"]
    assert list(content) == ["text/event-stream"]
    events = content["text/event-stream"]["schema"]["oneOf"]
    assert [e["properties"]["event"]["const"] for e in events] == ["board", "entry", "health"]
    assert all(e["properties"]["data"]["contentMediaType"] == "application/json" for e in events)


def test_finding_8_operations_are_linked() -> None:
    ops = operations()
    created = ops["createRequest"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in created.values()} >= {"getRequest", "reserveRequest", "cancelRequest"}
    assert created["GetRequest"]["parameters"] == {"request_id": "$response.body#/id"}
    reserved = ops["reserveRequest"]["responses"]["200"]["links"]
    assert {link["operationId"] for link in reserved.values()} >= {"confirmRequest", "releaseRequest"}
    for link in [*created.values(), *reserved.values()]:
        assert link["operationId"] in ops


async def test_finding_8_the_documented_415_and_400_are_what_the_service_answers(client: Client) -> None:
    admin = await token(client.app, "admin")
    req = await client.post("/api/v1/requests", json=request_body(), headers=auth(admin))
    rid = (await req.json())["id"]
    for method, path in (
        ("POST", "/api/v1/capacity"),
        ("POST", "/api/v1/requests"),
        ("POST", f"/api/v1/requests/{rid}/reserve"),
        ("POST", f"/api/v1/requests/{rid}/cancel"),
        ("POST", "/api/v1/providers/vvt-a/status"),
        ("PATCH", "/api/v1/trajectories/p-1"),
    ):
        plain = await client.request(method, path, data="{}", headers=auth(admin, **{"Content-Type": "text/plain"}))
        assert (plain.status, plain.content_type) == (415, "application/problem+json"), path
        broken = await client.request(
            method, path, data="{", headers=auth(admin, **{"Content-Type": "application/json"})
        )
        assert (broken.status, (await broken.json())["field"]) == (400, "body"), path


def test_finding_8_the_schemas_use_json_schema_keywords_only() -> None:
    """A bound pydantic could not turn into JSON Schema would be left as ``ge``/``le``: declared to nobody."""
    stray: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            stray.extend(f"{path}/{k}" for k in node if k in {"ge", "le", "gt", "lt", "min_length", "max_length"})
            for k, v in node.items():
                walk(v, f"{path}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")

    walk(build_openapi(), "")
    assert stray == []
