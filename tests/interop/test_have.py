"""EDXL-HAVE 2.0: a hospital's document stops or opens its SEH and reports its beds; the export reads back as
a no-op; XML with a DTD or entities (XXE, entity expansion) is refused before anything in it is read."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
import pytest
from pytest_aiohttp import AiohttpClient

from capacity.clock import utcnow
from capacity.model import CareType, Provider, ProviderOffer, Region
from coordinator.have import HAVE_NS

from ..http_helpers import Client, auth, iso, make_app, report, started, token
from ..regions import tiny_region


def region() -> Region:
    """The tiny region, its hospital also offering internal-medicine admission beds."""
    base = tiny_region()
    zh = base.providers["zh-e"]
    offers = {**zh.offers, "admission_internal": ProviderOffer("admission_internal", 20)}
    providers = {**base.providers, "zh-e": Provider(zh.id, "Zuyderland E", zh.kind, zh.location, offers, zh.hours)}
    care_types = {
        **base.care_types,
        "admission_internal": CareType("admission_internal", "Opname interne", frozenset({"hospital"})),
    }
    return Region(base.id, base.name, base.timezone, base.locations, base.roads, providers, care_types)


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, tmp_path: Path) -> Client:
    return await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", region()))


def have(
    *,
    status: str | None = "Normal",
    reason: str = "",
    at: str | None = None,
    seh: int | None = 2,
    beds: int | None = 11,
    org: str = "<OrganizationID>zh-e</OrganizationID>",
    prolog: str = "",
) -> bytes:
    """A HospitalStatus of hospital E as a hospital system writes it."""
    traffic = ""
    if status is not None:
        why = f"<EMSTrafficReason>{reason}</EMSTrafficReason>" if reason else ""
        traffic = (
            f"<EmergencyDepartmentStatus><EMSTraffic><EMSTrafficStatus>{status}</EMSTrafficStatus>{why}"
            "</EMSTraffic></EmergencyDepartmentStatus>"
        )
    capacity = ""
    for bed_type, count, total in (("EmergencyDepartment", seh, 4), ("MedicalSurgical", beds, 20), ("AdultICU", 3, 8)):
        if count is not None:
            capacity += (
                f"<BedCapacity><BedType>{bed_type}</BedType><Capacity><CapacityStatus>VacantAvailable"
                f"</CapacityStatus><AvailableCount>{count}</AvailableCount><BaselineCount>{total}"
                "</BaselineCount></Capacity></BedCapacity>"
            )
    when = at or iso(utcnow() - timedelta(seconds=5))
    return (
        f'{prolog}<HospitalStatus xmlns="{HAVE_NS}"><Hospital><Organization><OrganizationInformation>{org}'
        f"</OrganizationInformation></Organization>{traffic}<HospitalBedCapacityStatus>{capacity}"
        f"</HospitalBedCapacityStatus><LastUpdateTime>{when}</LastUpdateTime></Hospital></HospitalStatus>"
    ).encode()


async def post(client: Client, tok: str, body: bytes, status: int = 200, ctype: str = "application/xml") -> Any:
    resp = await client.post("/api/v1/interop/have", data=body, headers=auth(tok, **{"Content-Type": ctype}))
    assert resp.status == status, await resp.text()
    return await resp.json()


async def state(client: Client, tok: str) -> tuple[Any, Any]:
    """What a reader sees: the board's entries of hospital E and its stop."""
    board = await (await client.get("/api/v1/capacity", params={"provider": "zh-e"}, headers=auth(tok))).json()
    rows = [
        {k: e[k] for k in ("care_type", "available", "total", "reported_at", "valid_until", "stop")}
        for e in board["entries"]
    ]
    return rows, [e["stop"] for e in board["entries"]]


async def test_a_hospital_closes_and_reopens_its_seh_and_reports_its_beds(client: Client) -> None:
    hospital = await token(client.app, "provider", "zh-e")
    at = iso((utcnow() - timedelta(minutes=1)).replace(microsecond=0))
    done = await post(client, hospital, have(status="Closed", reason="SEH vol, ambulances omleiden", at=at))
    assert sorted((r["care_type"], r["status"]) for r in done["results"]) == [
        ("admission_internal", "applied"),
        ("seh", "applied"),
    ]
    assert done["statuses"] == [
        {"provider_id": "zh-e", "ems_traffic_status": "Closed", "status": "stop", "changed": True}
    ]
    assert done["ignored"] == [
        {
            "element": "/HospitalStatus/Hospital[1]/HospitalBedCapacityStatus/BedCapacity[3]/BedType",
            "reason": "no care type for this bed type",
        }
    ]
    rows, stops = await state(client, hospital)
    assert {(r["care_type"], r["available"], r["total"]) for r in rows} == {
        ("seh", 2, 4),
        ("admission_internal", 11, 20),
    }
    assert all(r["reported_at"] == at for r in rows)
    assert stops[0]["reason"] == "SEH vol, ambulances omleiden"
    # Normal opens it again; Advisory leaves it open.
    opened = await post(client, hospital, have(status="Normal"))
    assert opened["statuses"][0]["changed"] is True
    assert (await state(client, hospital))[1] == [None, None]
    advisory = await post(client, hospital, have(status="Advisory", at=iso(utcnow())))
    assert advisory["statuses"][0] == {
        "provider_id": "zh-e",
        "ems_traffic_status": "Advisory",
        "status": "open",
        "changed": False,
    }
    older = await post(client, hospital, have(at=iso(utcnow() - timedelta(hours=1))))
    assert {r["status"] for r in older["results"]} == {"stale_ignored"}


async def test_export_lists_the_hospitals_and_a_round_trip_changes_nothing(client: Client) -> None:
    admin = await token(client.app, "admin")
    first = report("zh-e", "seh", 1, 4, at=utcnow() - timedelta(minutes=3), minutes=90)
    second = report("zh-e", "admission_internal", 7, 20, at=utcnow() - timedelta(minutes=2))
    assert (await client.post("/api/v1/capacity", json={"updates": [first, second]}, headers=auth(admin))).status == 200
    stop = {"status": "stop", "reason": "SEH vol", "until": iso(utcnow() + timedelta(hours=2))}
    assert (await client.post("/api/v1/providers/zh-e/status", json=stop, headers=auth(admin))).status == 200
    before = await state(client, admin)

    resp = await client.get("/api/v1/interop/have", headers=auth(admin))
    assert resp.status == 200 and resp.content_type == "application/xml"
    exported = await resp.read()
    root = SafeET.fromstring(exported)
    ns = {"h": HAVE_NS}
    hospitals = root.findall("h:Hospital", ns)
    assert [
        h.findtext("h:Organization/h:OrganizationInformation/h:OrganizationID", namespaces=ns) for h in hospitals
    ] == ["zh-e", "zh-e"]  # counted at two times: one Hospital element each
    assert (
        hospitals[0].findtext("h:EmergencyDepartmentStatus/h:EMSTraffic/h:EMSTrafficStatus", namespaces=ns) == "Closed"
    )
    assert (
        hospitals[0].findtext("h:EmergencyDepartmentStatus/h:EMSTraffic/h:EMSTrafficReason", namespaces=ns) == "SEH vol"
    )
    beds = {
        b.findtext("h:BedType", namespaces=ns): b.findtext("h:Capacity/h:AvailableCount", namespaces=ns)
        for b in root.iter(f"{{{HAVE_NS}}}BedCapacity")
    }
    assert beds == {"EmergencyDepartment": "1", "MedicalSurgical": "7"}

    back = await post(client, admin, exported)
    assert {r["status"] for r in back["results"]} == {"unchanged"}
    assert [s["changed"] for s in back["statuses"]] == [False]
    assert await state(client, admin) == before


ID = "<OrganizationID>zh-e</OrganizationID>"


@pytest.mark.parametrize(
    ("prolog", "org"),
    [
        # XXE: an external entity that would read a local file into the hospital's name
        (
            '<?xml version="1.0"?><!DOCTYPE HospitalStatus [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            f"{ID}<OrganizationName>&xxe;</OrganizationName>",
        ),
        # entity expansion ("billion laughs", cut short: the refusal does not depend on the depth)
        (
            '<?xml version="1.0"?><!DOCTYPE HospitalStatus [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>',
            f"{ID}<OrganizationName>&d;</OrganizationName>",
        ),
        # an external DTD
        ('<?xml version="1.0"?><!DOCTYPE HospitalStatus SYSTEM "http://127.0.0.1:9/have.dtd">', ID),
    ],
    ids=["xxe", "billion-laughs", "external-dtd"],
)
async def test_dtds_and_entities_are_refused_and_nothing_is_read(client: Client, prolog: str, org: str) -> None:
    hospital = await token(client.app, "provider", "zh-e")
    before = await state(client, hospital)
    problem = await post(client, hospital, have(status="Closed", reason="x", org=org, prolog=prolog), status=400)
    assert "DTD" in problem["detail"]
    assert await state(client, hospital) == before


async def test_errors_name_the_element_and_change_nothing(client: Client) -> None:
    hospital = await token(client.app, "provider", "zh-e")
    vvt = await token(client.app, "provider", "vvt-a")
    before = await state(client, hospital)
    h1 = "/HospitalStatus/Hospital[1]"
    cases = [
        (hospital, have(org="<OrganizationID>zh-x</OrganizationID>"), 422, f"{h1}/Organization"),
        (hospital, have(at="gisteren"), 422, f"{h1}/LastUpdateTime"),
        (hospital, have(at="2026-11-23T14:00:00"), 422, f"{h1}/LastUpdateTime"),  # no offset
        (hospital, have(seh=-1), 422, f"{h1}/HospitalBedCapacityStatus/BedCapacity[1]/Capacity/AvailableCount"),
        (hospital, have(seh=9), 422, f"{h1}/HospitalBedCapacityStatus/BedCapacity[1]/Capacity/AvailableCount"),
        (hospital, have(status="Diverting"), 422, f"{h1}/EmergencyDepartmentStatus/EMSTraffic/EMSTrafficStatus"),
        (hospital, have(at=iso(utcnow() + timedelta(hours=2))), 422, f"{h1}/LastUpdateTime"),
        (hospital, b"<HospitalStatus><Hospital/></HospitalStatus>", 422, "/"),
        (hospital, b"<HospitalStatus", 400, "/"),
        (vvt, have(), 403, f"{h1}/Organization"),
    ]
    for tok, body, status, field in cases:
        problem = await post(client, tok, body, status)
        assert problem["field"] == field, (body, problem)
    assert (await client.post("/api/v1/interop/have", json={}, headers=auth(hospital))).status == 415
    assert await state(client, hospital) == before
