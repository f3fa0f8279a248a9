"""How trajectory, request, hold and placement states map to FHIR statuses, priorities and encounter classes."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.bundle import Bundle

from .helpers import (
    CARE_TYPE_NAMES,
    PROVIDERS,
    export,
    make_hold,
    make_placement,
    make_record,
    make_request,
    resolve,
    resources,
    service_request,
    tasks_for,
)


@pytest.mark.parametrize(
    ("phase", "episode_status", "careplan_status"),
    [
        ("intake", "planned", "active"),
        ("startfase", "active", "active"),
        ("vervolgfase", "active", "active"),
        ("evaluation_due", "active", "active"),
        ("ended", "finished", "completed"),
    ],
)
def test_phase_maps_to_episode_and_careplan_status(phase: str, episode_status: str, careplan_status: str) -> None:
    ended_at = "2027-02-01T12:00:00Z" if phase == "ended" else None
    bundle = export(make_record(phase=phase, ended_at=ended_at), [])
    Bundle.model_validate(bundle)
    (episode,) = resources(bundle, "EpisodeOfCare")
    (careplan,) = resources(bundle, "CarePlan")
    assert episode["status"] == episode_status
    assert careplan["status"] == careplan_status
    assert careplan["intent"] == "plan"
    assert episode["period"] == {"start": "2026-08-01T10:00:00Z", **({"end": ended_at} if ended_at else {})}


@pytest.mark.parametrize(
    ("status", "urgency", "expected", "note_fragment"),
    [
        ("open", "U3", "active", None),
        ("reserved", "U3", "active", None),
        ("placed", "U3", "completed", None),
        ("cancelled", "U3", "revoked", "Geannuleerd: zorgvraag vervallen"),
        ("escalated", "U1", "completed", "112"),
        ("advice", "U5", "completed", "advies"),
    ],
)
def test_request_status_maps_to_service_request_status(
    status: str, urgency: str, expected: str, note_fragment: str | None
) -> None:
    placement = make_placement() if status == "placed" else None
    hold = make_hold("confirmed") if status == "placed" else make_hold("held") if status == "reserved" else None
    bundle = export(requests=[make_request("req-1", status=status, urgency=urgency, hold=hold, placement=placement)])
    Bundle.model_validate(bundle)
    sr = service_request(bundle, "req-1")
    assert sr["status"] == expected
    assert sr["intent"] == "order"
    if note_fragment is not None:
        assert any(note_fragment in n["text"] for n in sr["note"])


@pytest.mark.parametrize(
    ("urgency", "priority"),
    [("U0", "stat"), ("U1", "stat"), ("U2", "asap"), ("U3", "urgent"), ("U4", "routine"), ("U5", "routine")],
)
def test_urgency_maps_to_priority(urgency: str, priority: str) -> None:
    status = {"U0": "escalated", "U1": "escalated", "U5": "advice"}.get(urgency, "open")
    bundle = export(requests=[make_request("req-1", status=status, urgency=urgency)])
    Bundle.model_validate(bundle)
    assert service_request(bundle, "req-1")["priority"] == priority


def test_service_request_carries_the_triage() -> None:
    bundle = export()
    sr = service_request(bundle, "req-ab12")
    assert sr["code"]["text"] == "dyspnoe"
    assert sr["authoredOn"] == "2026-11-23T14:00:00Z"
    # U3: care within 180 minutes of the request.
    assert sr["occurrencePeriod"] == {"start": "2026-11-23T14:00:00Z", "end": "2026-11-23T17:00:00Z"}
    assert [r["text"] for r in sr["reasonCode"]] == ["dyspnoe_q1: 'Kortademig bij geringe inspanning?' ja → U3"]
    detail_texts = [d["text"] for d in sr["orderDetail"]]
    assert detail_texts == ["Urgentie U3 (NTS), zorg binnen 180 minuten", "Visite huisartsenpost", "ELV hoogcomplex"]
    assert resolve(bundle, sr["subject"])["resourceType"] == "Patient"
    assert resolve(bundle, sr["requester"])["name"] == "Zorgcoördinatiecentrum ROAZ-regio limburg"
    assert [resolve(bundle, p)["name"] for p in sr["performer"]] == ["VVT Venlo-Blerick"]
    assert resolve(bundle, sr["supportingInfo"][0])["resourceType"] == "CarePlan"


@pytest.mark.parametrize(
    ("hold_status", "task_status", "business_status"),
    [
        ("held", "accepted", "Plaats gereserveerd"),
        ("confirmed", "completed", "Plaatsing bevestigd"),
        ("released", "cancelled", "Reservering vrijgegeven"),
        ("expired", "failed", "Reservering verlopen"),
    ],
)
def test_hold_status_maps_to_referral_task_status(hold_status: str, task_status: str, business_status: str) -> None:
    request_status = {"held": "reserved", "confirmed": "placed", "released": "open", "expired": "open"}[hold_status]
    placement = make_placement() if hold_status == "confirmed" else None
    request = make_request("req-1", status=request_status, hold=make_hold(hold_status), placement=placement)
    bundle = export(requests=[request])
    Bundle.model_validate(bundle)
    (task,) = tasks_for(bundle, "req-1")
    assert task["status"] == task_status
    assert task["businessStatus"]["text"] == business_status
    assert task["intent"] == "order"
    assert task["priority"] == "urgent"
    assert {"code": "ReferralTask"}.items() <= task["meta"]["tag"][0].items()
    assert task["code"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "3457005",
        "display": "verwijzen van patiënt",
    }
    assert resolve(bundle, task["focus"]) is service_request(bundle, "req-1")
    assert task["basedOn"] == [task["focus"]]
    assert resolve(bundle, task["for"])["resourceType"] == "Patient"
    owner = resolve(bundle, task["owner"])
    assert owner["resourceType"] == "Organization"
    assert owner["name"] == "VVT Venlo-Blerick"
    assert owner["identifier"] == [{"system": "urn:zcc:limburg:provider", "value": "vvt-venlo-2"}]
    assert task["restriction"] == {"period": {"end": "2026-11-23T14:35:00Z"}}
    assert task["identifier"][0] == {"system": "urn:zcc:limburg:hold", "value": "h-vvt-venlo-2-" + hold_status}
    assert task["authoredOn"] == "2026-11-23T14:05:00Z"
    if hold_status in {"released", "expired"}:
        assert task["statusReason"]["text"]
        assert task["lastModified"] == "2026-11-23T14:35:00Z"


def test_a_placement_without_its_hold_still_gets_a_completed_task() -> None:
    request = make_request("req-1", hold=make_hold("released", "vvt-venlo-1"), placement=make_placement())
    bundle = export(requests=[request])
    Bundle.model_validate(bundle)
    statuses = sorted(t["status"] for t in tasks_for(bundle, "req-1"))
    assert statuses == ["cancelled", "completed"]


@pytest.mark.parametrize(
    ("provider_id", "care_type", "encounter_class"),
    [
        ("vvt-venlo-2", "elv_hoog", "IMP"),
        ("vvt-venlo-2", "elv_laag", "IMP"),
        ("vvt-venlo-2", "crisis_bed", "IMP"),
        ("vvt-venlo-2", "wijkverpleging_spoed", "HH"),
        ("hap-venlo", "hap_visit", "HH"),
        ("hap-venlo", "hap_consult", "AMB"),
        ("zh-venlo", "seh", "EMER"),
        ("zh-venlo", "admission_geriatrics", "IMP"),
        ("zh-venlo", "admission_pulmonology", "IMP"),  # a specialty the table does not list: by prefix
        ("ggz-venlo", "ggz_crisis_assessment", "FLD"),
        ("ggz-venlo", "ggz_crisis_bed", "IMP"),
        ("ggz-venlo", "ggz_intensive_home", "HH"),
    ],
)
def test_placement_yields_a_planned_encounter_with_the_right_class(
    provider_id: str, care_type: str, encounter_class: str
) -> None:
    request = make_request(
        "req-1",
        care_types=(care_type,),
        hold=make_hold("confirmed", provider_id, care_type),
        placement=make_placement(provider_id, care_type),
    )
    bundle = export(requests=[request])
    Bundle.model_validate(bundle)
    (encounter,) = resources(bundle, "Encounter")
    assert encounter["status"] == "planned"
    assert encounter["class"]["system"] == "http://terminology.hl7.org/CodeSystem/v3-ActCode"
    assert encounter["class"]["code"] == encounter_class
    assert resolve(bundle, encounter["serviceProvider"])["name"] == PROVIDERS[provider_id]["name"]
    assert [resolve(bundle, b) for b in encounter["basedOn"]] == [service_request(bundle, "req-1")]
    assert [resolve(bundle, e)["resourceType"] for e in encounter["episodeOfCare"]] == ["EpisodeOfCare"]
    assert encounter["type"][0]["text"] == CARE_TYPE_NAMES.get(care_type, care_type)
    # The completed ReferralTask points at the stay or visit it led to.
    (task,) = tasks_for(bundle, "req-1")
    assert task["status"] == "completed"
    assert resolve(bundle, task["output"][0]["valueReference"]) is encounter


def test_requests_without_placement_have_no_encounter() -> None:
    bundle = export()
    encounters = resources(bundle, "Encounter")
    assert len(encounters) == 1
    assert encounters[0]["identifier"][0]["value"] == "req-ab12"
    # Escalated and advice-only requests have no Task either.
    assert tasks_for(bundle, "req-gh78") == []
    assert tasks_for(bundle, "req-ij90") == []
