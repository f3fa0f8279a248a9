"""OpenAPI paths of the interoperability interfaces: FHIR R4 at /fhir and EDXL-HAVE 2.0."""

from __future__ import annotations

from ..fhir_api.search import NEAR_PATTERN
from .common import AUTH_ERRORS, BODY_ERRORS, IDEMPOTENCY_KEY, PROBLEM, Spec, json_response, path_param, query_param

__all__ = ["paths"]

FHIR_JSON = "application/fhir+json"
_RESOURCE: Spec = {"type": "object", "required": ["resourceType"], "properties": {"resourceType": {"type": "string"}}}
_OUTCOME: Spec = {
    "description": "An OperationOutcome naming the element at fault (issue.expression, FHIRPath)",
    "content": {
        FHIR_JSON: {
            "schema": {
                "type": "object",
                "required": ["resourceType", "issue"],
                "properties": {"resourceType": {"const": "OperationOutcome"}, "issue": {"type": "array"}},
            }
        }
    },
}
_FHIR_AUTH: Spec = {"401": _OUTCOME, "403": _OUTCOME, "503": _OUTCOME}
_TYPES = ("Location", "HealthcareService", "MeasureReport")
_SEARCH_DOC = {
    "Location": "Each provider site; status suspended while the provider is under a stop. type: the provider kind "
    "(urn:zcc:provider-kind|hap, vvt, hospital, ggz).",
    "HealthcareService": "One per provider and care type, with opening hours (availableTime) and a stop in force "
    "(notAvailable). type: the care type (urn:zcc:care-type|<care type>); near: services at a site within the "
    "distance.",
    "MeasureReport": "One per provider, following SANER PublicHealthMeasureReport: per care type the populations "
    "total, available and held; a stale available count carries the data-absent-reason extension and no number.",
}


def _fhir(description: str = "A FHIR R4 resource") -> Spec:
    return {"description": description, "content": {FHIR_JSON: {"schema": _RESOURCE}}}


def _search(rtype: str) -> Spec:
    params = [query_param("_id", "Logical ids, separated by commas", schema={"type": "string"})]
    if rtype != "MeasureReport":
        params.append(query_param("type", "[system|]code tokens, separated by commas", schema={"type": "string"}))
        params.append(
            query_param(
                "near",
                "latitude|longitude[|distance[|units]]: within the distance (50 km when left out; km, m or [mi_i])",
                schema={"type": "string", "pattern": NEAR_PATTERN},
            )
        )
    return {
        "get": {
            "operationId": f"searchFhir{rtype}",
            "summary": f"Search {rtype} (FHIR R4): a searchset Bundle. " + _SEARCH_DOC[rtype],
            "tags": ["FHIR"],
            "parameters": params,
            "responses": {"200": _fhir("A searchset Bundle"), "422": _OUTCOME, **_FHIR_AUTH},
        }
    }


def _read(rtype: str) -> Spec:
    return {
        "get": {
            "operationId": f"readFhir{rtype}",
            "summary": f"Read one {rtype} (FHIR R4) by its logical id",
            "tags": ["FHIR"],
            "parameters": [path_param("id")],
            "responses": {"200": _fhir(), "404": _OUTCOME, **_FHIR_AUTH},
        }
    }


def paths() -> Spec:
    """The FHIR interface and the EDXL-HAVE import and export."""
    out: Spec = {
        "/fhir/metadata": {
            "get": {
                "operationId": "fhirMetadata",
                "summary": "The CapabilityStatement of the FHIR R4 interface (no token needed)",
                "tags": ["FHIR"],
                "security": [],
                "responses": {"200": _fhir("The CapabilityStatement")},
            }
        }
    }
    for rtype in _TYPES:
        out[f"/fhir/{rtype}"] = _search(rtype)
        out[f"/fhir/{rtype}/{{id}}"] = _read(rtype)
    out["/fhir/MeasureReport"]["post"] = {
        "operationId": "createFhirMeasureReport",
        "summary": "Report capacity as a FHIR MeasureReport (provider, admin)",
        "description": "A provider system's capacity report: a FHIR R4 MeasureReport, status complete, type summary, "
        "subject Location/<provider id>, date the time of counting, a group per care type (its code through "
        "config/interop/fhir_codes.yaml, or urn:zcc:care-type) counting available places, or occupied ones and a "
        "total. The rules of POST /api/v1/capacity apply: the token's provider scope, the region's providers and "
        "care types, available at most total, date not ahead of the service's clock (422 otherwise, on "
        "schema-valid data), an older report is stale_ignored, Idempotency-Key honoured. 201 with an "
        "OperationOutcome: one information issue per group (applied or stale_ignored). Errors are an "
        "OperationOutcome whose issue.expression names the element (FHIRPath).",
        "tags": ["FHIR"],
        "parameters": [IDEMPOTENCY_KEY],
        "requestBody": {
            "required": True,
            "content": {FHIR_JSON: {"schema": _RESOURCE}, "application/json": {"schema": _RESOURCE}},
        },
        "responses": {
            "200": _outcome_ok("Nothing to apply: every group's available count was absent"),
            "201": _outcome_ok("Applied (see each issue)"),
            "400": _OUTCOME,
            "413": _OUTCOME,
            "415": _OUTCOME,
            "422": _OUTCOME,
            **_FHIR_AUTH,
        },
    }
    out["/api/v1/interop/have"] = _have()
    return out


def _have() -> Spec:
    xml = {"application/xml": {"schema": {"type": "string"}}}
    return {
        "post": {
            "operationId": "importHave",
            "summary": "Import an EDXL-HAVE 2.0 HospitalStatus (provider, admin)",
            "description": "A hospital system's EDXL-HAVE 2.0 document (application/xml). Per Hospital: the "
            "Organization names the provider (OrganizationID = zcc's provider id, or the provider's name); "
            "EmergencyDepartmentStatus/EMSTraffic/EMSTrafficStatus Closed stops the SEH with EMSTrafficReason, "
            "Normal and Advisory open it, NotApplicable leaves it; each HospitalBedCapacityStatus/BedCapacity "
            "whose BedType maps to a care type (config/interop/have_beds.yaml) reports Capacity/AvailableCount "
            "(BaselineCount as the total) at LastUpdateTime. The rules of POST /api/v1/capacity apply (scope, "
            "validation, stale_ignored, Idempotency-Key): 422 on schema-valid data for an unknown hospital, a count "
            "over the total or a time ahead of the service's clock; an error names the element (XPath) in `field`. "
            "A count zcc already has at that time is `unchanged`, so an export read back changes nothing. XML with "
            "a DTD, entities or external references is refused with 400 before anything in it is read.",
            "tags": ["EDXL-HAVE"],
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {"required": True, "content": xml},
            "responses": {
                "200": json_response({"type": "object", "required": ["results", "statuses", "ignored"]}),
                **BODY_ERRORS,
                **AUTH_ERRORS,
                "503": PROBLEM,
            },
        },
        "get": {
            "operationId": "exportHave",
            "summary": "The region's hospitals as an EDXL-HAVE 2.0 HospitalStatus (any role)",
            "tags": ["EDXL-HAVE"],
            "responses": {"200": {"description": "EDXL-HAVE 2.0 HospitalStatus", "content": xml}, **AUTH_ERRORS},
        },
    }


def _outcome_ok(description: str) -> Spec:
    return {**_OUTCOME, "description": description}
