"""The Encounter carries what the receiving provider reported: status, period and discharge disposition."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle

from .helpers import export, followed_requests, make_hold, make_placement, make_request, resources


def encounters(requests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    bundle = export(requests=requests)
    Bundle.model_validate(bundle)
    return {e["identifier"][0]["value"] + ":" + e["status"]: e for e in resources(bundle, "Encounter")}


def test_a_discharge_finishes_the_encounter_with_its_period_and_disposition() -> None:
    found = encounters(followed_requests()[:1])
    enc = found["req-mn23:finished"]
    assert enc["period"] == {"start": "2026-11-23T15:02:00Z", "end": "2026-11-30T10:00:00Z"}
    disposition = enc["hospitalization"]["dischargeDisposition"]
    assert disposition["coding"][0]["code"] == "home"
    assert disposition["text"] == "Naar huis met wijkverpleging"


def test_a_refusal_at_the_door_is_a_cancelled_encounter_with_the_refusal() -> None:
    enc = encounters(followed_requests()[1:])["req-op45:cancelled"]
    assert enc["hospitalization"]["dischargeDisposition"]["text"].startswith("Geweigerd aan de deur")
    assert enc["period"]["end"] == "2026-11-23T15:10:00Z"


def test_each_step_has_its_encounter_status() -> None:
    base = make_request("req-x", hold=make_hold("confirmed"), placement=make_placement())
    stay = {"provider_id": "vvt-venlo-2", "care_type": "elv_hoog", "hold_id": "h", "placed_at": "2026-11-23T14:20:00Z"}
    arrived = stay | {"arrived_at": "2026-11-23T15:00:00Z"}
    steps = {
        "planned": None,
        "arrived": arrived,
        "in-progress": arrived | {"outcome": "admitted"},
        "finished": arrived | {"outcome": "treated_and_home", "discharged_at": "2026-11-23T16:00:00Z"},
    }
    for status, s in steps.items():
        (enc,) = encounters([base | {"stay": s}]).values()
        assert enc["status"] == status
