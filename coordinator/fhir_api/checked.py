"""Every resource the FHIR interface emits passes the fhir.resources models first (a bug is a 500, not bad FHIR)."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.measurereport import MeasureReport
from fhir.resources.R4B.operationoutcome import OperationOutcome

from capacity.jsontypes import JSONObject

__all__ = ["MODELS", "checked"]

#: The fhir.resources model of each resource type the interface emits or reads.
MODELS: dict[str, Any] = {
    "Bundle": Bundle,
    "CapabilityStatement": CapabilityStatement,
    "HealthcareService": HealthcareService,
    "Location": Location,
    "MeasureReport": MeasureReport,
    "OperationOutcome": OperationOutcome,
}


def checked(resource: JSONObject) -> JSONObject:
    """``resource`` unchanged, after its model accepted it (pydantic's ValidationError otherwise)."""
    MODELS[str(resource["resourceType"])].model_validate(resource)
    return resource
