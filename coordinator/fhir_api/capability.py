"""The CapabilityStatement of ``GET /fhir/metadata``: exactly the resources, interactions and searches served."""

from __future__ import annotations

from datetime import datetime

from capacity.clock import iso
from capacity.jsontypes import JSONObject

from .codes import SANER_PROFILE

__all__ = ["SEARCH_PARAMS", "capability_statement"]

_ID = {"name": "_id", "type": "token", "documentation": "Logical id; several separated by commas"}
_NEAR = {
    "name": "near",
    "type": "special",
    "documentation": "latitude|longitude|distance|units (km by default, also m and [mi_i]); distance 50 km "
    "when left out",
}
#: The search parameters of each resource type, as ``GET /fhir/<type>`` reads them.
SEARCH_PARAMS: dict[str, list[dict[str, str]]] = {
    "Location": [
        _ID,
        {
            "name": "type",
            "type": "token",
            "documentation": "Provider kind, urn:zcc:provider-kind (hap, vvt, "
            "hospital, ggz); [system|]code, several separated by commas",
        },
        _NEAR,
    ],
    "HealthcareService": [
        _ID,
        {
            "name": "type",
            "type": "token",
            "documentation": "Care type, urn:zcc:care-type; [system|]code, several separated by commas",
        },
        {**_NEAR, "documentation": "Services at a Location within the distance; " + _NEAR["documentation"]},
    ],
    "MeasureReport": [_ID],
}


def capability_statement(base_url: str, now: datetime, version: str) -> JSONObject:
    """The server's CapabilityStatement (kind instance, FHIR 4.0.1, JSON)."""
    resources: list[JSONObject] = []
    for rtype, params in SEARCH_PARAMS.items():
        res: JSONObject = {
            "type": rtype,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [dict(p) for p in params],
        }
        if rtype == "MeasureReport":
            res["supportedProfile"] = [SANER_PROFILE]
            res["interaction"] = [{"code": "read"}, {"code": "search-type"}, {"code": "create"}]
            res["documentation"] = (
                "One report per provider (SANER PublicHealthMeasureReport: capacity per care type). A provider "
                "system creates one to report its capacity: the rules of POST /api/v1/capacity apply (token "
                "scope, validation, stale_ignored, Idempotency-Key); the result comes back as an OperationOutcome."
            )
        resources.append(res)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": iso(now),
        "publisher": "zcc",
        "kind": "instance",
        "software": {"name": "zcc", "version": version},
        "implementation": {"description": "zcc: regionale capaciteit en zorgcoördinatie", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Bearer token (Authorization: Bearer <token>) on every interaction except "
                    "metadata; any role reads, provider and admin create MeasureReports."
                },
                "resource": resources,
            }
        ],
    }
