"""Tests of the FHIR export of a trajectory record (coordinator/fhir.py), validated with fhir.resources' R4B models."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from coordinator.fhir import trajectory_bundle

REGION = "limburg"

PROVIDERS: dict[str, dict[str, Any]] = {
    "vvt-venlo-1": {"name": "VVT Venlo-Centrum", "kind": "vvt"},
    "vvt-venlo-2": {"name": "VVT Venlo-Blerick", "kind": "vvt"},
    "hap-venlo": {"name": "Huisartsenpost Venlo", "kind": "hap"},
    "zh-venlo": {"name": "Ziekenhuis Venlo", "kind": "hospital"},
    "ggz-venlo": {"name": "GGZ Crisisdienst Venlo", "kind": "ggz"},
}

CARE_TYPE_NAMES = {
    "hap_consult": "Consult huisartsenpost",
    "hap_visit": "Visite huisartsenpost",
    "wijkverpleging_spoed": "Spoedwijkverpleging",
    "elv_laag": "ELV laagcomplex",
    "elv_hoog": "ELV hoogcomplex",
    "crisis_bed": "Crisisbed verpleeghuis",
    "seh": "Spoedeisende hulp",
    "admission_geriatrics": "Opname geriatrie",
    "ggz_crisis_assessment": "GGZ-crisisbeoordeling",
    "ggz_crisis_bed": "GGZ-crisisbed",
    "ggz_intensive_home": "GGZ intensieve thuisbehandeling",
}

# The code lists of the required R4 bindings this export fills (the models check structure, not codes).
R4_CODES = {
    ("Task", "status"): {
        "draft",
        "requested",
        "received",
        "accepted",
        "rejected",
        "ready",
        "cancelled",
        "in-progress",
        "on-hold",
        "failed",
        "completed",
        "entered-in-error",
    },
    ("ServiceRequest", "status"): {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"},
    ("ServiceRequest", "priority"): {"routine", "urgent", "asap", "stat"},
    ("Encounter", "status"): {
        "planned",
        "arrived",
        "triaged",
        "in-progress",
        "onleave",
        "finished",
        "cancelled",
        "entered-in-error",
        "unknown",
    },
    ("EpisodeOfCare", "status"): {
        "planned",
        "waitlist",
        "active",
        "onhold",
        "finished",
        "cancelled",
        "entered-in-error",
    },
    ("CarePlan", "status"): {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"},
    ("CareTeam", "status"): {"proposed", "active", "suspended", "inactive", "entered-in-error"},
}
CAREPLAN_ACTIVITY_STATUS = {
    "not-started",
    "scheduled",
    "in-progress",
    "on-hold",
    "completed",
    "cancelled",
    "stopped",
    "unknown",
    "entered-in-error",
}


def make_record(**changes: Any) -> dict[str, Any]:
    """A frail elderly patient in the vervolgfase, in Venlo, with a full care team."""
    record: dict[str, Any] = {
        "patient_ref": "p-7f3a",
        "care_team": [
            {
                "role": "gp",
                "name": "dr. L. Hermans",
                "practitioner": "AGB-01012345",
                "organisation": "Huisartsenpraktijk De Linde",
                "contact": "tel:+31773512345",
            },
            {
                "role": "regiebehandelaar",
                "name": "M. Peeters, specialist ouderengeneeskunde",
                "practitioner": "AGB-03045678",
                "organisation": "Zorggroep Noord-Limburg",
                "contact": "tel:+31773209876",
            },
            {
                "role": "district_nurse",
                "name": "Wijkteam Blerick",
                "practitioner": None,
                "organisation": "Thuiszorg Venlo",
                "contact": "tel:+31773334455",
            },
            {
                "role": "case_manager",
                "name": "J. Hendriks, casemanager dementie",
                "practitioner": None,
                "organisation": None,
                "contact": "mailto:casemanagement@thuiszorgvenlo.example",
            },
            {
                "role": "poh_o",
                "name": "S. Janssen, POH-ouderenzorg",
                "practitioner": "AGB-01098765",
                "organisation": "Huisartsenpraktijk De Linde",
                "contact": None,
            },
        ],
        "hints": {
            "preferred_providers": ["vvt-venlo-2", "hap-venlo"],
            "home_first": True,
            "no_hospital_admission": True,
            "acp_wishes": ["geen reanimatie", "niet beademen", "sterven thuis als dat kan"],
            "mobility": "rollator",
            "psychogeriatric": False,
            "wlz_indication": False,
            "can_return_home": True,
            "sharing_objection": False,
        },
        "phase": "vervolgfase",
        "phase_since": "2026-11-01T09:00:00Z",
        "started_at": "2026-08-01T10:00:00Z",
        "ended_at": None,
        "next_evaluation": "2026-12-01",
        "evaluation_due": {"due": True, "reason": "3 acute events within 30 days"},
        "stop_criteria": {
            "diagnostiek_afgerond": True,
            "so_niet_meer_nodig": False,
            "betrokkenen_en_afspraken_helder": True,
            "huisarts_ondersteuning_afgesproken": False,
        },
        "events": [
            {
                "id": "ev-1",
                "at": "2026-11-23T14:00:00Z",
                "type": "triage",
                "request_id": "req-ab12",
                "by": {"token_id": "tok-9", "role": "triage", "practitioner": None},
                "detail": {"urgency": "U3"},
            }
        ],
        "created_at": "2026-08-01T10:00:00Z",
        "updated_at": "2026-11-24T08:15:00Z",
    }
    record.update(changes)
    return record


def make_request(
    request_id: str,
    *,
    status: str = "placed",
    urgency: str = "U3",
    complaint: str = "dyspnoe",
    care_types: tuple[str, ...] = ("hap_visit", "elv_hoog"),
    hold: dict[str, Any] | None = None,
    placement: dict[str, Any] | None = None,
    created_at: str = "2026-11-23T14:00:00Z",
) -> dict[str, Any]:
    target = {"U0": 0, "U1": 15, "U2": 60, "U3": 180, "U4": 1440, "U5": 0}[urgency]
    history: list[dict[str, Any]] = [{"at": created_at, "action": "created", "detail": "triage", "by": None}]
    if hold is not None:
        history.append({"at": "2026-11-23T14:05:00Z", "action": "reserved", "detail": hold["provider_id"], "by": None})
        ending = {"released": "released", "expired": "hold_expired"}.get(hold["status"])
        if ending:
            history.append({"at": "2026-11-23T14:35:00Z", "action": ending, "detail": "", "by": None})
    if placement is not None:
        history.append({"at": placement["confirmed_at"], "action": "placed", "detail": "", "by": None})
    if status == "cancelled":
        history.append({"at": "2026-11-23T15:00:00Z", "action": "cancelled", "detail": "zorgvraag vervallen"})
    return {
        "id": request_id,
        "patient_ref": "p-7f3a",
        "created_at": created_at,
        "status": status,
        "complaint": complaint,
        "triage": {
            "urgency": urgency,
            "target_minutes": target,
            "care_types": list(care_types),
            "escalate_112": urgency in {"U0", "U1"},
            "decided_by": f"{complaint}_q1",
            "reasons": [f"{complaint}_q1: 'Kortademig bij geringe inspanning?' ja → {urgency}"],
        },
        "hold": hold,
        "placement": placement,
        "history": history,
    }


def make_hold(status: str, provider_id: str = "vvt-venlo-2", care_type: str = "elv_hoog") -> dict[str, Any]:
    return {
        "hold_id": f"h-{provider_id}-{status}",
        "provider_id": provider_id,
        "care_type": care_type,
        "held_until": "2026-11-23T14:35:00Z",
        "status": status,
        "travel_minutes": 12.0,
    }


def make_placement(provider_id: str = "vvt-venlo-2", care_type: str = "elv_hoog") -> dict[str, Any]:
    return {
        "provider_id": provider_id,
        "care_type": care_type,
        "confirmed_at": "2026-11-23T14:20:00Z",
        "travel_minutes": 12.0,
    }


def sample_requests() -> list[dict[str, Any]]:
    """One request in each state a trajectory sees."""
    return [
        make_request("req-ab12", hold=make_hold("confirmed"), placement=make_placement()),
        make_request(
            "req-cd34",
            status="open",
            urgency="U4",
            complaint="val_trauma_oudere",
            care_types=("hap_visit",),
            hold=make_hold("released", "hap-venlo", "hap_visit"),
            created_at="2026-11-10T22:40:00Z",
        ),
        make_request(
            "req-ef56",
            status="reserved",
            urgency="U2",
            complaint="koorts_oudere",
            care_types=("elv_laag", "elv_hoog"),
            hold=make_hold("held", "vvt-venlo-1", "elv_laag"),
            created_at="2026-11-24T07:50:00Z",
        ),
        make_request(
            "req-gh78",
            status="escalated",
            urgency="U1",
            complaint="pijn_op_de_borst",
            care_types=(),
            created_at="2026-11-02T03:10:00Z",
        ),
        make_request("req-ij90", status="advice", urgency="U5", complaint="buikpijn", care_types=()),
        make_request(
            "req-kl01",
            status="cancelled",
            hold=make_hold("expired", "vvt-venlo-1"),
            created_at="2026-11-15T11:00:00Z",
        ),
    ]


def export(record: dict[str, Any] | None = None, requests: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return trajectory_bundle(
        make_record() if record is None else record,
        sample_requests() if requests is None else requests,
        providers=PROVIDERS,
        care_type_names=CARE_TYPE_NAMES,
        region_id=REGION,
    )


def resources(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type]


def by_url(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def resolve(bundle: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    return by_url(bundle)[reference["reference"]]


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, value) pair in a JSON tree, depth first."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}[{index}]")


def service_request(bundle: dict[str, Any], request_id: str) -> dict[str, Any]:
    (found,) = [r for r in resources(bundle, "ServiceRequest") if r["identifier"][0]["value"] == request_id]
    return found


def tasks_for(bundle: dict[str, Any], request_id: str) -> list[dict[str, Any]]:
    sr_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is service_request(bundle, request_id))
    return [t for t in resources(bundle, "Task") if t["focus"]["reference"] == sr_url]


SCENARIOS = {
    "full": lambda: export(),
    "no_requests": lambda: export(requests=[]),
    "intake_minimal": lambda: export(
        make_record(phase="intake", care_team=[], hints={}, next_evaluation=None, evaluation_due={}, stop_criteria={}),
        [],
    ),
    "ended": lambda: export(make_record(phase="ended", ended_at="2027-02-01T12:00:00Z")),
    "sharing_objection": lambda: export(make_record(hints={**make_record()["hints"], "sharing_objection": True})),
}


# --- validation -----------------------------------------------------------------------


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_export_is_a_valid_fhir_bundle(scenario: str) -> None:
    bundle = SCENARIOS[scenario]()
    model = Bundle.model_validate(bundle)
    assert model.type == "collection"
    assert len(model.entry or []) == len(bundle["entry"])
    # Every entry became its own resource model, not a generic one.
    for entry, parsed in zip(bundle["entry"], model.entry or [], strict=True):
        assert parsed.resource is not None
        assert type(parsed.resource).__name__ == entry["resource"]["resourceType"]
    json.dumps(bundle)  # plain JSON all the way down


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_entry_has_a_urn_uuid_full_url_matching_its_id(scenario: str) -> None:
    bundle = SCENARIOS[scenario]()
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls))
    for entry in bundle["entry"]:
        assert re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", entry["fullUrl"])
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_reference_resolves_inside_the_bundle(scenario: str) -> None:
    bundle = SCENARIOS[scenario]()
    urls = by_url(bundle)
    references = [(path, value) for path, value in walk(bundle) if path.endswith(".reference")]
    assert references
    for path, value in references:
        assert value in urls, f"{path} -> {value} is not in the bundle"
        # The reference's type says what it points at.
        parent = eval_parent(bundle, path)
        if "type" in parent:
            assert urls[value]["resourceType"] == parent["type"], path


def eval_parent(bundle: dict[str, Any], path: str) -> dict[str, Any]:
    parent_path = path.rsplit(".", 1)[0]
    for candidate_path, node in walk(bundle):
        if candidate_path == parent_path:
            return node  # type: ignore[no-any-return]
    raise AssertionError(path)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_required_codes_are_from_the_r4_value_sets(scenario: str) -> None:
    bundle = SCENARIOS[scenario]()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        for (resource_type, element), codes in R4_CODES.items():
            if resource["resourceType"] == resource_type and element in resource:
                assert resource[element] in codes, (resource_type, element, resource[element])
        for activity in resource.get("activity", []) if resource["resourceType"] == "CarePlan" else []:
            assert activity["detail"]["status"] in CAREPLAN_ACTIVITY_STATUS


# --- the patient stays pseudonymous -----------------------------------------------------


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_patient_carries_only_the_pseudonymous_reference(scenario: str) -> None:
    bundle = SCENARIOS[scenario]()
    (patient,) = resources(bundle, "Patient")
    assert set(patient) == {"resourceType", "id", "identifier"}
    assert patient["identifier"] == [{"system": "urn:zcc:limburg:patient-ref", "value": "p-7f3a"}]
    for identifier in patient["identifier"]:
        assert "bsn" not in identifier["system"].lower()
        assert not re.fullmatch(r"\d{9}", identifier["value"])  # a BSN is nine digits
    # Nowhere in the bundle: no birth date, no BSN naming system, no patient name.
    for path, value in walk(bundle):
        assert not path.endswith(".birthDate")
        if isinstance(value, str):
            assert "NamingSystem/bsn" not in value
    assert "name" not in patient


# --- status, priority and class mappings ----------------------------------------------------


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


# --- trajectory, care team and care plan ---------------------------------------------------------


def test_episode_of_care_links_care_manager_and_team() -> None:
    bundle = export()
    (episode,) = resources(bundle, "EpisodeOfCare")
    assert episode["type"][0]["text"] == "Zorgtraject kwetsbare ouderen (GZSP)"
    assert episode["type"][1]["text"] == "Vervolgfase"
    assert episode["statusHistory"] == [{"status": "active", "period": {"start": "2026-11-01T09:00:00Z"}}]
    manager = resolve(bundle, episode["careManager"])
    assert manager["resourceType"] == "PractitionerRole"
    assert manager["code"][0]["text"] == "Regiebehandelaar (specialist ouderengeneeskunde)"
    practitioner = resolve(bundle, manager["practitioner"])
    assert practitioner["identifier"] == [{"system": "http://fhir.nl/fhir/NamingSystem/agb-z", "value": "03045678"}]
    assert resolve(bundle, manager["organization"])["name"] == "Zorggroep Noord-Limburg"
    assert resolve(bundle, episode["managingOrganization"])["name"] == "Zorggroep Noord-Limburg"
    (team,) = [resolve(bundle, t) for t in episode["team"]]
    assert team["resourceType"] == "CareTeam"
    roles = [p["role"][0]["text"] for p in team["participant"]]
    assert roles == [
        "Huisarts",
        "Regiebehandelaar (specialist ouderengeneeskunde)",
        "Wijkverpleegkundige",
        "Casemanager",
        "Praktijkondersteuner ouderenzorg (POH-O)",
    ]
    assert [p["member"]["display"] for p in team["participant"]][3] == "J. Hendriks, casemanager dementie"


def test_practitioners_only_for_members_with_an_agb_code() -> None:
    bundle = export()
    agb = sorted(p["identifier"][0]["value"] for p in resources(bundle, "Practitioner"))
    assert agb == ["01012345", "01098765", "03045678"]
    roles = resources(bundle, "PractitionerRole")
    assert len(roles) == 5
    telecoms = [r.get("telecom") for r in roles]
    assert telecoms[0] == [{"system": "phone", "value": "+31773512345", "use": "work"}]
    assert telecoms[3] == [{"system": "email", "value": "casemanagement@thuiszorgvenlo.example", "use": "work"}]
    assert telecoms[4] is None
    # The practice shared by the GP and the POH-O is one Organization.
    names = [o.get("name") for o in resources(bundle, "Organization")]
    assert names.count("Huisartsenpraktijk De Linde") == 1


def test_careplan_carries_the_hints() -> None:
    bundle = export()
    (careplan,) = resources(bundle, "CarePlan")
    assert careplan["status"] == "active"
    assert resolve(bundle, careplan["subject"])["resourceType"] == "Patient"
    details = {a["detail"]["code"]["text"]: a["detail"] for a in careplan["activity"]}
    preferred = details["Voorkeursaanbieders"]
    assert [resolve(bundle, p)["name"] for p in preferred["performer"]] == ["VVT Venlo-Blerick", "Huisartsenpost Venlo"]
    assert "Thuis eerst" in details
    no_admission = details["Ziekenhuisopname"]
    assert no_admission["doNotPerform"] is True
    assert no_admission["code"]["coding"][0]["code"] == "32485007"
    evaluation = details["Evaluatie zorgtraject"]
    assert evaluation["scheduledTiming"]["event"] == ["2026-12-01"]
    assert evaluation["scheduledTiming"]["repeat"]["period"] == 1
    assert evaluation["scheduledTiming"]["repeat"]["periodUnit"] == "mo"
    assert "3 maanden" in evaluation["description"]
    # The evaluation is due: not started, with the reason.
    assert evaluation["status"] == "not-started"
    assert evaluation["statusReason"]["text"] == "Evaluatie nodig: 3 acute events within 30 days"
    notes = [n["text"] for n in careplan["note"]]
    assert "ACP-wens: geen reanimatie" in notes
    assert "ACP-wens: niet beademen" in notes
    assert "Mobiliteit: rollator" in notes
    assert "Psychogeriatrische problematiek: nee" in notes
    assert "Wlz-indicatie: nee" in notes
    assert "Kan na verblijf terug naar huis: ja" in notes
    assert any(n.startswith("Stopcriteria zorgtraject: 2 van 4 voldaan") for n in notes)


def test_careplan_without_hints_keeps_only_the_evaluation_rhythm() -> None:
    bundle = SCENARIOS["intake_minimal"]()
    (careplan,) = resources(bundle, "CarePlan")
    assert [a["detail"]["code"]["text"] for a in careplan["activity"]] == ["Evaluatie zorgtraject"]
    assert "note" not in careplan
    (episode,) = resources(bundle, "EpisodeOfCare")
    assert "careManager" not in episode


def test_sharing_objection_still_exports_with_a_restricted_label() -> None:
    bundle = SCENARIOS["sharing_objection"]()
    Bundle.model_validate(bundle)
    assert bundle["meta"]["security"][0]["code"] == "R"
    (careplan,) = resources(bundle, "CarePlan")
    assert any(
        n["text"].startswith("Bezwaar tegen gegevensdeling") and n["text"].endswith(": ja") for n in careplan["note"]
    )
    assert len(resources(bundle, "ServiceRequest")) == len(sample_requests())
    assert "meta" not in export()


# --- determinism and input checks --------------------------------------------------------------


def test_export_is_deterministic() -> None:
    first = export()
    shuffled = list(reversed(sample_requests()))
    second = export(copy.deepcopy(make_record()), shuffled)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert first["timestamp"] == "2026-11-24T08:15:00Z"


def test_identity_is_stable_per_thing_and_differs_per_region() -> None:
    full = export()
    alone = export(requests=[r for r in sample_requests() if r["id"] == "req-ab12"])

    def identity(resource: dict[str, Any]) -> str:
        fields = ("identifier", "name", "code", "telecom")
        return json.dumps([resource["resourceType"], *(resource.get(f) for f in fields)])

    url_of = {identity(e["resource"]): e["fullUrl"] for e in full["entry"]}
    shared = [e for e in alone["entry"] if identity(e["resource"]) in url_of]
    assert len(shared) == len(alone["entry"])  # a sub-export holds nothing the full one does not
    for entry in shared:
        assert url_of[identity(entry["resource"])] == entry["fullUrl"]
    other_region = trajectory_bundle(
        make_record(), [], providers=PROVIDERS, care_type_names=CARE_TYPE_NAMES, region_id="brabant"
    )
    patient_urls = {resources(b, "Patient")[0]["id"] for b in (full, other_region)}
    assert len(patient_urls) == 2


def test_requests_are_ordered_by_creation() -> None:
    bundle = export()
    ids = [sr["identifier"][0]["value"] for sr in resources(bundle, "ServiceRequest")]
    assert ids == ["req-gh78", "req-cd34", "req-kl01", "req-ab12", "req-ij90", "req-ef56"]


def test_http_base_url_gives_url_systems() -> None:
    bundle = trajectory_bundle(
        make_record(),
        sample_requests(),
        providers=PROVIDERS,
        care_type_names=CARE_TYPE_NAMES,
        region_id=REGION,
        base_url="https://zcc.example.nl/fhir/",
    )
    Bundle.model_validate(bundle)
    (patient,) = resources(bundle, "Patient")
    assert patient["identifier"][0]["system"] == "https://zcc.example.nl/fhir/limburg/patient-ref"


def test_a_request_of_another_patient_is_refused() -> None:
    other = make_request("req-x")
    other["patient_ref"] = "p-0000"
    with pytest.raises(ValueError, match="another patient"):
        export(requests=[other])


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("phase", lambda rec, req: rec.update(phase="archived")),
        ("status", lambda rec, req: req.update(status="parked")),
        ("urgency", lambda rec, req: req["triage"].update(urgency="U9")),
        ("hold", lambda rec, req: req.update(hold=make_hold("frozen"))),
    ],
)
def test_unmapped_states_are_refused_rather_than_guessed(what: str, change: Any) -> None:
    record, request = make_record(), make_request("req-1", status="reserved", hold=make_hold("held"), placement=None)
    change(record, request)
    with pytest.raises(ValueError, match=r"has no|no .* status|priority"):
        export(record, [request])


def test_input_is_not_modified() -> None:
    record, requests = make_record(), sample_requests()
    before = json.dumps([record, requests], sort_keys=True)
    export(record, requests)
    assert json.dumps([record, requests], sort_keys=True) == before
