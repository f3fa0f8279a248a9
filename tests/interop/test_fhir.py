"""The FHIR R4 interface: metadata, Location, HealthcareService, SANER MeasureReport and its intake.

Every resource the service emits is checked against HL7's R4 JSON schema and the fhir.resources models.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from capacity.clock import utcnow
from coordinator.fhir_api.checked import MODELS

from ..http_helpers import Client, auth, iso, make_app, report, started, token
from ..regions import tiny_region
from .hl7_schema import schema_errors

SANER = "http://hl7.org/fhir/uv/saner/CodeSystem/MeasuredValues"
DAR = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, tmp_path: Path) -> Client:
    return await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region()))


def valid(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` after HL7's R4 JSON schema and the fhir.resources model accepted it."""
    assert schema_errors(resource) == []
    MODELS[resource["resourceType"]].model_validate(resource)
    return resource


async def get(client: Client, path: str, tok: str | None, status: int = 200, **params: str) -> dict[str, Any]:
    resp = await client.get(path, params=params, headers=auth(tok) if tok else {})
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/fhir+json"
    body: dict[str, Any] = await resp.json()
    return valid(body)


def ids(bundle: dict[str, Any]) -> list[str]:
    assert bundle["type"] == "searchset" and bundle["total"] == len(bundle["entry"])
    return [e["resource"]["id"] for e in bundle["entry"]]


async def test_metadata_states_exactly_what_is_served_without_a_token(client: Client) -> None:
    cs = await get(client, "/fhir/metadata", None)
    assert cs["fhirVersion"] == "4.0.1" and cs["kind"] == "instance"
    served = {r["type"]: r for r in cs["rest"][0]["resource"]}
    assert set(served) == {"Location", "HealthcareService", "MeasureReport"}
    assert {p["name"] for p in served["Location"]["searchParam"]} == {"_id", "type", "near"}
    assert {i["code"] for i in served["MeasureReport"]["interaction"]} == {"read", "search-type", "create"}
    assert served["MeasureReport"]["supportedProfile"] == [
        "http://hl7.org/fhir/uv/saner/StructureDefinition/PublicHealthMeasureReport"
    ]
    # What metadata does not list is not served.
    admin = await token(client.app, "admin")
    missing = await get(client, "/fhir/Patient", admin, status=404)
    assert missing["issue"][0]["code"] == "not-found"
    assert (await client.post("/fhir/Location", json={}, headers=auth(admin))).status == 405


async def test_locations_searched_by_id_type_and_near_and_suspended_while_stopped(client: Client) -> None:
    tok = await token(client.app, "dispatch")
    assert ids(await get(client, "/fhir/Location", tok)) == ["vvt-a", "vvt-c", "zh-e", "hap-b"]
    assert ids(await get(client, "/fhir/Location", tok, _id="zh-e,hap-b")) == ["zh-e", "hap-b"]
    assert ids(await get(client, "/fhir/Location", tok, type="urn:zcc:provider-kind|vvt")) == ["vvt-a", "vvt-c"]
    # Town A is at 50.85, 5.70; B 5.6 km further, E 23 km.
    assert ids(await get(client, "/fhir/Location", tok, near="50.85|5.70|3|km")) == ["vvt-a"]
    assert ids(await get(client, "/fhir/Location", tok, near="50.85|5.70|8000|m")) == ["vvt-a", "hap-b"]
    bad = await get(client, "/fhir/Location", tok, status=422, near="north|5.7")
    assert bad["issue"][0]["expression"] == ["near"]

    admin = await token(client.app, "admin")
    body = {"status": "stop", "reason": "SEH vol"}
    assert (await client.post("/api/v1/providers/zh-e/status", json=body, headers=auth(admin))).status == 200
    zh = await get(client, "/fhir/Location/zh-e", tok)
    assert zh["status"] == "suspended" and "SEH vol" in zh["description"]
    assert zh["position"] == {"latitude": pytest.approx(51.05), "longitude": pytest.approx(5.78)}
    assert (await get(client, "/fhir/Location/vvt-a", tok))["status"] == "active"
    services = await get(client, "/fhir/HealthcareService", tok, _id="zh-e.seh")
    assert services["entry"][0]["resource"]["notAvailable"][0]["description"] == "Opnamestop: SEH vol"


async def test_every_fhir_path_but_metadata_needs_a_token(client: Client) -> None:
    outcome = await get(client, "/fhir/Location", None, status=401)
    assert outcome["issue"][0]["code"] == "login"
    assert (await client.post("/fhir/MeasureReport", json={})).status == 401


async def test_one_healthcare_service_per_provider_and_care_type_with_opening_hours(client: Client) -> None:
    tok = await token(client.app, "triage")
    every = await get(client, "/fhir/HealthcareService", tok)
    assert ids(every) == ["vvt-a.elv-hoog", "vvt-a.elv-laag", "vvt-c.elv-hoog", "zh-e.seh", "hap-b.hap-consult"]
    elv = await get(client, "/fhir/HealthcareService", tok, type="elv_hoog")
    assert ids(elv) == ["vvt-a.elv-hoog", "vvt-c.elv-hoog"]
    near_e = await get(client, "/fhir/HealthcareService", tok, near="51.05|5.78|1")
    assert ids(near_e) == ["zh-e.seh"]
    one = await get(client, "/fhir/HealthcareService/vvt-a.elv-laag", tok)
    assert one["location"] == [{"reference": "Location/vvt-a", "display": "VVT-A"}]
    assert one["availableTime"] == [{"daysOfWeek": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "allDay": True}]
    assert one["type"][0]["coding"][0]["code"] == "elv_laag"
    await get(client, "/fhir/HealthcareService/vvt-a.seh", tok, status=404)


def _population(report: dict[str, Any], care_type: str, code: str) -> dict[str, Any]:
    group = next(g for g in report["group"] if g["code"]["coding"][0]["code"] == care_type)
    pop: dict[str, Any] = next(p for p in group["population"] if p["code"]["coding"][0]["code"] == code)
    return pop


async def test_measure_report_per_provider_with_stale_counts_absent_not_zero(client: Client) -> None:
    admin = await token(client.app, "admin")
    body = report("vvt-a", "elv_hoog", 2, 5)
    assert (await client.post("/api/v1/capacity", json=body, headers=auth(admin))).status == 200
    mr = await get(client, "/fhir/MeasureReport/vvt-a", admin)
    assert mr["meta"]["profile"] == ["http://hl7.org/fhir/uv/saner/StructureDefinition/PublicHealthMeasureReport"]
    assert (mr["status"], mr["type"], mr["subject"]["reference"]) == ("complete", "summary", "Location/vvt-a")
    assert _population(mr, "elv_hoog", "available")["count"] == 2
    assert _population(mr, "elv_hoog", "total")["count"] == 5
    assert _population(mr, "elv_hoog", "held")["count"] == 0
    never = _population(mr, "elv_laag", "available")  # never reported: stale
    assert "count" not in never
    assert never["_count"]["extension"] == [{"url": DAR, "valueCode": "temp-unknown"}]
    every = await get(client, "/fhir/MeasureReport", admin)
    assert ids(every) == ["vvt-a", "vvt-c", "zh-e", "hap-b"]


def saner_report(provider: str, at: str, *, total: int, occupied: int, group: str = "EDBeds") -> dict[str, Any]:
    """A SANER-style report as a hospital system sends it: SANER codes, occupied beds and a total."""
    return {
        "resourceType": "MeasureReport",
        "meta": {"profile": ["http://hl7.org/fhir/uv/saner/StructureDefinition/PublicHealthMeasureReport"]},
        "status": "complete",
        "type": "summary",
        "measure": "http://hl7.org/fhir/uv/saner/Measure/CDCPatientImpactAndHospitalCapacity",
        "subject": {"reference": f"Location/{provider}"},
        "date": at,
        "period": {"start": at, "end": at},
        "group": [
            {
                "code": {
                    "coding": [{"system": "http://hl7.org/fhir/uv/saner/CodeSystem/MeasureGroupSystem", "code": group}]
                },
                "population": [
                    {"code": {"coding": [{"system": SANER, "code": "numTotBeds"}]}, "count": total},
                    {"code": {"coding": [{"system": SANER, "code": "numTotBedsOcc"}]}, "count": occupied},
                ],
            }
        ],
    }


async def post(client: Client, tok: str, body: Any, status: int, **headers: str) -> dict[str, Any]:
    resp = await client.post("/fhir/MeasureReport", json=body, headers=auth(tok, **headers))
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/fhir+json"
    out: dict[str, Any] = await resp.json()
    return valid(out)


async def test_a_provider_system_reports_by_measure_report_under_the_capacity_rules(client: Client) -> None:
    hospital = await token(client.app, "provider", "zh-e")
    now = utcnow()
    done = await post(client, hospital, saner_report("zh-e", iso(now - timedelta(seconds=5)), total=4, occupied=1), 201)
    assert [(i["severity"], i["details"]["coding"][0]["code"]) for i in done["issue"]] == [("information", "applied")]
    board = await (await client.get("/api/v1/capacity", params={"provider": "zh-e"}, headers=auth(hospital))).json()
    assert [(e["care_type"], e["available"], e["total"], e["stale"]) for e in board["entries"]] == [
        ("seh", 3, 4, False)
    ]
    older = await post(
        client, hospital, saner_report("zh-e", iso(now - timedelta(minutes=5)), total=4, occupied=4), 201
    )
    assert older["issue"][0]["details"]["coding"][0]["code"] == "stale_ignored"
    # zcc's own MeasureReport, posted back, is understood as it is (the codes of GET /fhir/MeasureReport).
    own = await get(client, "/fhir/MeasureReport/zh-e", hospital)
    own["date"] = iso(utcnow())
    again = await post(client, hospital, {k: v for k, v in own.items() if k != "id"}, 201)
    assert again["issue"][0]["details"]["coding"][0]["code"] == "applied"


async def test_measure_report_errors_name_the_element(client: Client) -> None:
    vvt = await token(client.app, "provider", "vvt-a")
    hospital = await token(client.app, "provider", "zh-e")
    at = iso(utcnow() - timedelta(seconds=5))

    async def refused(tok: str, body: Any, status: int, expression: str) -> dict[str, Any]:
        outcome = await post(client, tok, body, status)
        assert outcome["issue"][0]["expression"] == [expression], outcome
        return outcome

    await refused(vvt, saner_report("zh-e", at, total=4, occupied=1), 403, "MeasureReport.subject")
    await refused(
        hospital, saner_report("zh-e", at, total=4, occupied=1, group="ICU"), 422, "MeasureReport.group[0].code"
    )
    over = saner_report("zh-e", at, total=2, occupied=0)
    over["group"][0]["population"][1] = {
        "code": {"coding": [{"system": "http://loinc.org", "code": "112576-4"}]},
        "count": 5,
    }  # 5 unoccupied beds of 2
    await refused(hospital, over, 422, "MeasureReport.group[0].population[1].count")
    wrong_type = saner_report("zh-e", at, total=4, occupied=1)
    wrong_type["group"][0]["population"][0]["count"] = "four"
    outcome = await refused(hospital, wrong_type, 422, "MeasureReport.group[0].population[0].count")
    assert outcome["issue"][0]["code"] == "invalid"
    await refused(
        hospital, {**saner_report("zh-e", at, total=4, occupied=1), "status": "pending"}, 422, "MeasureReport.status"
    )
    await refused(hospital, {"resourceType": "Location"}, 422, "MeasureReport.resourceType")
    future = saner_report("zh-e", iso(utcnow() + timedelta(hours=1)), total=4, occupied=1)
    await refused(hospital, future, 422, "MeasureReport.date")
    board = await (await client.get("/api/v1/capacity", params={"provider": "zh-e"}, headers=auth(hospital))).json()
    assert board["entries"][0]["stale"] is True  # nothing refused was applied


async def test_measure_report_honours_the_idempotency_key(client: Client) -> None:
    hospital = await token(client.app, "provider", "zh-e")
    body = saner_report("zh-e", iso(utcnow() - timedelta(seconds=5)), total=4, occupied=2)
    first = await client.post("/fhir/MeasureReport", json=body, headers=auth(hospital, **{"Idempotency-Key": "k-1"}))
    again = await client.post("/fhir/MeasureReport", json=body, headers=auth(hospital, **{"Idempotency-Key": "k-1"}))
    assert (first.status, again.status) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await first.json() == await again.json()
    other = {**body, "date": iso(utcnow())}
    reused = await client.post("/fhir/MeasureReport", json=other, headers=auth(hospital, **{"Idempotency-Key": "k-1"}))
    assert reused.status == 422 and (await reused.json())["resourceType"] == "OperationOutcome"
