"""A sample trajectory record with a request in every state, its export, and ways to look inside a bundle."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from coordinator.fhir import trajectory_bundle

__all__ = [
    "CAREPLAN_ACTIVITY_STATUS",
    "CARE_TYPE_NAMES",
    "PROVIDERS",
    "R4_CODES",
    "REGION",
    "SCENARIOS",
    "by_url",
    "export",
    "followed_requests",
    "make_hold",
    "make_placement",
    "make_record",
    "make_request",
    "resolve",
    "resources",
    "sample_requests",
    "service_request",
    "tasks_for",
    "walk",
]


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


def followed_requests() -> list[dict[str, Any]]:
    """Placements followed up (issue 15): one discharged, one refused at the door and reopened."""
    stay = {
        "provider_id": "vvt-venlo-2",
        "care_type": "elv_hoog",
        "hold_id": "h-vvt-venlo-2-confirmed",
        "placed_at": "2026-11-23T14:20:00Z",
        "arrived_at": "2026-11-23T15:02:00Z",
        "outcome": "admitted",
        "outcome_at": "2026-11-23T15:02:00Z",
        "discharged_at": "2026-11-30T10:00:00Z",
        "destination": "home_with_district_nursing",
        "unit_returned": True,
    }
    discharged = make_request("req-mn23", hold=make_hold("confirmed"), placement=make_placement()) | {"stay": stay}
    refused = make_request("req-op45", status="open", hold=None) | {
        "refused": [
            stay
            | {
                "outcome": "refused",
                "discharged_at": None,
                "destination": None,
                "refusal_reason": "care_need_too_high",
                "outcome_at": "2026-11-23T15:10:00Z",
            }
        ]
    }
    return [discharged, refused]


SCENARIOS = {
    "full": lambda: export(),
    "followed": lambda: export(requests=sample_requests() + followed_requests()),
    "no_requests": lambda: export(requests=[]),
    "intake_minimal": lambda: export(
        make_record(phase="intake", care_team=[], hints={}, next_evaluation=None, evaluation_due={}, stop_criteria={}),
        [],
    ),
    "ended": lambda: export(make_record(phase="ended", ended_at="2027-02-01T12:00:00Z")),
    "sharing_objection": lambda: export(make_record(hints={**make_record()["hints"], "sharing_objection": True})),
}
