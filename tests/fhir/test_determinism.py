"""The export is deterministic and stable per thing, keeps its input intact and refuses what it cannot map."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any, TypeAlias

import pytest
from fhir.resources.R4B.bundle import Bundle

from coordinator.fhir import trajectory_bundle

from .helpers import (
    CARE_TYPE_NAMES,
    PROVIDERS,
    REGION,
    export,
    make_hold,
    make_record,
    make_request,
    resources,
    sample_requests,
)


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


Change: TypeAlias = Callable[[dict[str, Any], dict[str, Any]], object]


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("phase", lambda rec, req: rec.update(phase="archived")),
        ("status", lambda rec, req: req.update(status="parked")),
        ("urgency", lambda rec, req: req["triage"].update(urgency="U9")),
        ("hold", lambda rec, req: req.update(hold=make_hold("frozen"))),
    ],
)
def test_unmapped_states_are_refused_rather_than_guessed(what: str, change: Change) -> None:
    record, request = make_record(), make_request("req-1", status="reserved", hold=make_hold("held"), placement=None)
    change(record, request)
    with pytest.raises(ValueError, match=r"has no|no .* status|priority"):
        export(record, [request])


def test_input_is_not_modified() -> None:
    record, requests = make_record(), sample_requests()
    before = json.dumps([record, requests], sort_keys=True)
    export(record, requests)
    assert json.dumps([record, requests], sort_keys=True) == before
