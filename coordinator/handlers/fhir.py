"""The FHIR R4 interface at /fhir: metadata, Location, HealthcareService and MeasureReport (read, search, create)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import metadata
from typing import Any, TypeAlias

from aiohttp import web

from capacity.clock import utcnow
from capacity.errors import NotFound
from capacity.jsontypes import JSONObject
from capacity.view import CapacityView

from ..auth import require
from ..fhir_api.capability import capability_statement
from ..fhir_api.checked import checked
from ..fhir_api.codes import KIND, load_code_map
from ..fhir_api.intake import parse_measure_report
from ..fhir_api.outcome import fhir_response, issue
from ..fhir_api.resources import healthcare_service, hs_id, location, measure_report
from ..fhir_api.search import Search, km_between, parse_search, searchset
from ..intake import apply_reports
from ..keys import CAPACITY
from ..logs import bind
from ..schemas import read_json

__all__ = ["TYPES", "create_measure_report", "fhir_metadata", "read_of", "search_of"]

Handler: TypeAlias = Callable[[web.Request], Awaitable[web.Response]]
#: The resource types served (read and search), as the CapabilityStatement lists them.
TYPES = ("Location", "HealthcareService", "MeasureReport")
ALL_ROLES = ("provider", "triage", "dispatch", "ops", "admin")


def _base(request: web.Request) -> str:
    return f"{request.url.origin()}/fhir"


async def fhir_metadata(request: web.Request) -> web.Response:
    """The CapabilityStatement (no token needed, as FHIR clients read it first)."""
    try:
        version = metadata.version("zcc")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree without install
        version = "0"
    return fhir_response(checked(capability_statement(_base(request), utcnow(), version)))


def _near_ok(view: CapacityView, provider_id: str, search: Search) -> bool:
    if search.near is None:
        return True
    p = view.region.providers[provider_id]
    site = view.region.locations.get(p.location)
    return site is not None and km_between(search.near.lat, search.near.lon, site.lat, site.lon) <= search.near.km


def _resources(view: CapacityView, rtype: str, search: Search) -> list[JSONObject]:
    """Every resource of ``rtype`` that matches ``search``, in region order."""
    region, now = view.region, utcnow()
    out: list[JSONObject] = []
    for pid, p in region.providers.items():
        if not _near_ok(view, pid, search):
            continue
        stop = view.stop_of(pid, now)
        if rtype == "Location":
            if (search.ids is None or pid in search.ids) and search.type_matches(KIND, p.kind):
                out.append(location(region, p, stop))
        elif rtype == "HealthcareService":
            for ct in p.offers:
                if (search.ids is None or hs_id(pid, ct) in search.ids) and search.type_matches(
                    "urn:zcc:care-type", ct
                ):
                    out.append(healthcare_service(region, p, ct, stop))
        elif search.ids is None or pid in search.ids:
            entries = [e for ct in p.offers if (e := view.entries.get((pid, ct))) is not None]
            out.append(measure_report(region, p, entries, now))
    return [checked(r) for r in out]


def search_of(rtype: str) -> Handler:
    """The handler of ``GET /fhir/<rtype>?_id=&type=&near=``: a searchset Bundle."""

    async def fhir_search(request: web.Request) -> web.Response:
        require(request, *ALL_ROLES)
        search = parse_search(request.query)
        found = _resources(request.app[CAPACITY].view, rtype, search)
        return fhir_response(checked(searchset(_base(request), found)))

    return fhir_search


def read_of(rtype: str) -> Handler:
    """The handler of ``GET /fhir/<rtype>/<id>``: one resource, or 404 with an OperationOutcome."""

    async def fhir_read(request: web.Request) -> web.Response:
        require(request, *ALL_ROLES)
        rid = request.match_info["id"]
        found = _resources(request.app[CAPACITY].view, rtype, Search(ids=frozenset({rid})))
        if not found:
            raise NotFound(f"no {rtype} with id {rid!r}", field=f"{rtype}.id")
        return fhir_response(found[0])

    return fhir_read


async def create_measure_report(request: web.Request) -> web.Response:
    """``POST /fhir/MeasureReport``: capacity from a provider system, under the rules of POST /api/v1/capacity."""
    who = require(request, "provider", "admin")
    capacity = request.app[CAPACITY]
    body: Any = await read_json(request)
    parsed = parse_measure_report(capacity.region, load_code_map(), body)
    if parsed.reports:
        bind(provider_id=parsed.reports[0].provider_id)
        results, replay = await apply_reports(request, who, parsed.reports, body)
    else:
        results, replay = [], False
    issues: list[JSONObject] = []
    for gi, r in zip(parsed.groups, results, strict=True):
        said = "toegepast" if r.status == "applied" else "genegeerd: een nieuwere melding is er al"
        issues.append(
            issue(
                f"{r.provider_id} {r.care_type}: {said}",
                code="informational",
                severity="information",
                zcc_code=r.status,
                expression=f"MeasureReport.group[{gi}]",
            )
        )
    for gi in parsed.skipped:
        issues.append(
            issue(
                "geen aantal beschikbaar (data-absent-reason): niets gemeld voor deze zorgvorm",
                code="incomplete",
                severity="warning",
                zcc_code="not_reported",
                expression=f"MeasureReport.group[{gi}]",
            )
        )
    outcome = checked({"resourceType": "OperationOutcome", "issue": issues})
    headers = {"Idempotent-Replayed": "true"} if replay else {}
    if parsed.reports:
        headers["Location"] = f"{_base(request)}/MeasureReport/{parsed.reports[0].provider_id}"
    return fhir_response(outcome, 201 if parsed.reports else 200, headers or None)
