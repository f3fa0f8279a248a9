"""Location, HealthcareService and MeasureReport (SANER PublicHealthMeasureReport) of the region's providers.

Pure functions over the region and the capacity view's state; every resource is checked with the
fhir.resources models before it leaves (:mod:`.checked`).

Mapping
    ``Location``: one per provider site; ``status`` ``suspended`` while the provider is under a stop,
    else ``active``; ``type`` the provider kind; ``position`` the site's coordinates.
    ``HealthcareService``: one per provider and care type; ``availableTime`` the opening hours (a
    window past midnight split in two), ``notAvailable`` a stop in force with its reason.
    ``MeasureReport``: one per provider, ``type`` summary, ``status`` complete, ``subject`` its
    Location, one ``group`` per care type with the populations total, available and held. A stale
    entry's ``available`` carries the data-absent-reason extension (``temp-unknown``) and no
    number: what the provider last said is no longer known to hold. ``total`` (the configured or
    last reported number of places) and ``held`` (zcc's own holds) stay numbers.
"""

from __future__ import annotations

from datetime import datetime

from capacity.clock import iso
from capacity.jsontypes import JSONObject
from capacity.model import Hours, Provider, Region
from capacity.state import CapacityEntry, ProviderStatus

from .codes import CARE_TYPE, DATA_ABSENT_REASON, KIND, MEASURE, POPULATION, SANER_PROFILE

__all__ = ["healthcare_service", "hs_id", "location", "measure_report", "provider_identifier"]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_KIND_NAMES = {"hap": "Huisartsenpost", "vvt": "VVT-instelling", "hospital": "Ziekenhuis", "ggz": "GGZ-crisisdienst"}
_POPULATION_NAMES = {"total": "Totaal", "available": "Beschikbaar", "held": "Vastgehouden door zcc"}


def hs_id(provider_id: str, care_type: str) -> str:
    """The id of a HealthcareService (FHIR ids allow letters, digits, ``-`` and ``.``)."""
    return f"{provider_id}.{care_type.replace('_', '-')}"


def provider_identifier(region: Region, provider_id: str) -> JSONObject:
    """The business identifier of a provider."""
    return {"system": f"urn:zcc:{region.id}:provider", "value": provider_id}


def _concept(system: str, code: str, display: str) -> JSONObject:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def location(region: Region, provider: Provider, stop: ProviderStatus | None) -> JSONObject:
    """The provider's site."""
    site = region.locations.get(provider.location)
    out: JSONObject = {
        "resourceType": "Location",
        "id": provider.id,
        "identifier": [provider_identifier(region, provider.id)],
        "status": "suspended" if stop is not None else "active",
        "name": provider.name,
        "mode": "instance",
        "type": [_concept(KIND, provider.kind, _KIND_NAMES.get(provider.kind, provider.kind))],
    }
    if stop is not None:
        out["description"] = f"Opnamestop: {stop.reason}" + (f" (tot {iso(stop.until)})" if stop.until else "")
    if provider.contact is not None:
        out["telecom"] = [{"system": "phone", "value": provider.contact.phone, "use": "work"}]
    if provider.address:
        out["address"] = {"text": provider.address, "country": "NL"}
    if site is not None:
        out["position"] = {"latitude": site.lat, "longitude": site.lon}
    return out


def _time(minute: int) -> str:
    if minute >= 24 * 60:
        return "23:59:59"  # FHIR's time has no 24:00
    return f"{minute // 60:02d}:{minute % 60:02d}:00"


def available_time(hours: Hours) -> list[JSONObject]:
    """Opening hours as ``availableTime``: all day every day, or the weekly windows (past midnight in two)."""
    if hours.always:
        return [{"daysOfWeek": list(_DAYS), "allDay": True}]
    out: list[JSONObject] = []
    for w in hours.windows:
        days = sorted(w.days)
        if w.end > w.start:
            out.append(
                {
                    "daysOfWeek": [_DAYS[d] for d in days],
                    "availableStartTime": _time(w.start),
                    "availableEndTime": _time(w.end),
                }
            )
            continue
        out.append(
            {
                "daysOfWeek": [_DAYS[d] for d in days],
                "availableStartTime": _time(w.start),
                "availableEndTime": "23:59:59",
            }
        )
        if w.end > 0:
            out.append(
                {
                    "daysOfWeek": [_DAYS[(d + 1) % 7] for d in days],
                    "availableStartTime": "00:00:00",
                    "availableEndTime": _time(w.end),
                }
            )
    return out


def healthcare_service(region: Region, provider: Provider, care_type: str, stop: ProviderStatus | None) -> JSONObject:
    """One care type at one provider, with its opening hours and a stop in force."""
    ct = region.care_types.get(care_type)
    name = ct.name if ct is not None else care_type
    out: JSONObject = {
        "resourceType": "HealthcareService",
        "id": hs_id(provider.id, care_type),
        "identifier": [{"system": f"urn:zcc:{region.id}:healthcare-service", "value": f"{provider.id}|{care_type}"}],
        "active": True,
        "providedBy": {"identifier": provider_identifier(region, provider.id), "display": provider.name},
        "type": [_concept(CARE_TYPE, care_type, name)],
        "location": [{"reference": f"Location/{provider.id}", "display": provider.name}],
        "name": f"{name} ({provider.name})",
        "availableTime": available_time(provider.hours_for(care_type)),
    }
    if ct is not None and ct.description:
        out["comment"] = ct.description
    if stop is not None:
        during: JSONObject = {"start": iso(stop.set_at)} if stop.set_at else {}
        if stop.until is not None:
            during["end"] = iso(stop.until)
        na: JSONObject = {"description": f"Opnamestop: {stop.reason}"}
        if during:
            na["during"] = during
        out["notAvailable"] = [na]
    return out


def _population(code: str, count: int | None) -> JSONObject:
    out: JSONObject = {"code": _concept(POPULATION, code, _POPULATION_NAMES[code])}
    if count is None:
        out["_count"] = {"extension": [{"url": DATA_ABSENT_REASON, "valueCode": "temp-unknown"}]}
    else:
        out["count"] = count
    return out


def measure_report(region: Region, provider: Provider, entries: list[CapacityEntry], now: datetime) -> JSONObject:
    """The provider's capacity per care type as a SANER PublicHealthMeasureReport (a summary report)."""
    groups: list[JSONObject] = []
    reported = [e.reported_at for e in entries if e.reported_at is not None]
    for e in entries:
        ct = region.care_types.get(e.care_type)
        stale = e.stale(now)
        groups.append(
            {
                "code": _concept(CARE_TYPE, e.care_type, ct.name if ct is not None else e.care_type),
                "population": [
                    _population("total", e.total),
                    _population("available", None if stale else e.available),
                    _population("held", e.held),
                ],
            }
        )
    out: JSONObject = {
        "resourceType": "MeasureReport",
        "id": provider.id,
        "meta": {"profile": [SANER_PROFILE]},
        "status": "complete",
        "type": "summary",
        "measure": MEASURE,
        "subject": {"reference": f"Location/{provider.id}", "display": provider.name},
        "date": iso(now),
        "reporter": {"identifier": provider_identifier(region, provider.id), "display": provider.name},
        "period": {"start": iso(min([*reported, now])), "end": iso(now)},
        "group": groups,
    }
    return out
