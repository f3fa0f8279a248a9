"""Every export is a valid FHIR R4B bundle: ids, references, required codes; the patient stays pseudonymous."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from .helpers import CAREPLAN_ACTIVITY_STATUS, R4_CODES, SCENARIOS, by_url, resources, walk


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
    """The JSON object that holds the element at ``path``."""
    parent_path = path.rsplit(".", 1)[0]
    for candidate_path, node in walk(bundle):
        if candidate_path == parent_path:
            assert isinstance(node, dict), path
            return node
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
