"""HL7's official FHIR R4 JSON schema (fhir.schema.json, installed by scripts/test) as a validator per resource type."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT6

__all__ = ["SCHEMA_PATH", "schema_errors"]

SCHEMA_PATH = Path(__file__).resolve().parents[2] / ".tools" / "fhir-schema" / "fhir.schema.json"


@cache
def _registry() -> tuple[Registry[Any], str]:
    if not SCHEMA_PATH.is_file():
        raise RuntimeError(f"{SCHEMA_PATH} is missing: run scripts/test once (it installs HL7's FHIR R4 JSON schema)")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0"  # R4
    # The file is the R4 release build (4.0.0); the 4.0.1 technical correction only added its own version
    # code to this one enum, which the service states in CapabilityStatement.fhirVersion.
    versions = schema["definitions"]["CapabilityStatement"]["properties"]["fhirVersion"]
    if "enum" in versions and "4.0.1" not in versions["enum"]:
        versions["enum"].append("4.0.1")
    uri = schema["id"]
    return Registry().with_resource(uri, DRAFT6.create_resource(schema)), uri


@cache
def _validator(resource_type: str) -> jsonschema.Draft6Validator:
    registry, uri = _registry()
    return jsonschema.Draft6Validator({"$ref": f"{uri}#/definitions/{resource_type}"}, registry=registry)


def schema_errors(resource: dict[str, Any]) -> list[str]:
    """Every way ``resource`` breaks the R4 JSON schema (empty when it conforms), contained resources included."""
    errors = [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in _validator(str(resource["resourceType"])).iter_errors(resource)
    ]
    if resource["resourceType"] == "Bundle":
        for entry in resource.get("entry", []):
            errors += schema_errors(entry["resource"])
    return errors
