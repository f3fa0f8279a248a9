"""Acute requests over HTTP: create (triage + proposals), read, reserve, confirm, release, cancel, optimise."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from capacity.errors import InvalidInput, ZccError
from capacity.model import utcnow
from capacity.store import IdempotencyKey
from routing.matching import optimize

from ..auth import Principal, principal, require
from ..jsonio import json_response
from ..keys import AUDIT, REQUESTS, ROUTING, SETTINGS, VIEW
from ..problems import Forbidden
from ..requests import Actor, RequestInput, body_fingerprint
from ..schemas import CancelIn, RequestIn, ReserveIn, read_json, validate

__all__ = [
    "cancel_request",
    "confirm_request",
    "create_request",
    "get_request",
    "list_requests",
    "optimize_requests",
    "release_request",
    "reserve_request",
    "triage_protocol",
]

STAFF = ("triage", "admin")


async def _staff(request: web.Request, action: str, patient_ref: str | None = None) -> Principal:
    """The caller if triage or admin; every attempt on patient data is audited, denied ones included."""
    who = principal(request)
    allowed = who.role in STAFF
    await request.app[AUDIT].record(
        request,
        who,
        action=action,
        patient_ref=patient_ref,
        outcome="allowed" if allowed else "denied",
        basis=("admin" if who.role == "admin" else "open_request") if allowed else "none",
    )
    if not allowed:
        raise Forbidden(f"role {who.role!r} may not handle patient requests; allowed: {', '.join(STAFF)}")
    return who


async def _staff_on(request: web.Request, action: str) -> Principal:
    """As _staff, for a request named in the path: the audit entry names its patient."""
    found = await request.app[REQUESTS].store.get_request(request.match_info["request_id"])
    return await _staff(request, action, found[0].get("patient_ref") if found else None)


def _actor(who: Principal) -> Actor:
    return Actor(who.token_id, who.role, who.practitioner)


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    """The request as the API shows it: the contract's top-level fields plus the whole record."""
    t = record["triage"]
    return {
        "id": record["id"],
        "status": record["status"],
        "urgency": t["urgency"],
        "target_minutes": t["target_minutes"],
        "care_types": t["care_types"],
        "escalate_112": t["escalate_112"],
        "proposals": record["proposals"],
        **{k: v for k, v in record.items() if k not in ("id", "status", "proposals")},
    }


async def create_request(request: web.Request) -> web.Response:
    """Triage a request and propose places: 201 with urgency, care types and ranked proposals."""
    if principal(request).role not in STAFF:
        await _staff(request, "create")
    body = validate(RequestIn, await read_json(request))
    who = await _staff(request, "create", body.patient_ref)
    state = request.app[ROUTING]
    loc = body.location
    if loc.postcode is not None:
        hit = state.postcodes.get(loc.postcode)
        if hit is None:
            raise InvalidInput(
                f"postcode {loc.postcode} is not in this region's postcode table", field="location.postcode"
            )
        lat, lon = hit[0], hit[1]
    elif loc.lat is not None and loc.lon is not None:
        lat, lon = loc.lat, loc.lon
    else:
        raise InvalidInput("give location.lat and location.lon, or location.postcode", field="location")
    data = RequestInput(
        patient_ref=body.patient_ref,
        age=body.age,
        lat=lat,
        lon=lon,
        complaint=body.complaint,
        answers=body.answers,
        context=body.context,
        postcode=loc.postcode,
        **body.flags.model_dump(),
        hospital_override=body.hospital_override,
    )
    record = await request.app[REQUESTS].create(data, state.get(), _actor(who))
    return json_response(_summary(record), status=201, headers={"Location": f"/api/v1/requests/{record['id']}"})


async def get_request(request: web.Request) -> web.Response:
    """One request."""
    await _staff_on(request, "read")
    record, _ = await request.app[REQUESTS].get(request.match_info["request_id"])
    return json_response(_summary(record))


async def list_requests(request: web.Request) -> web.Response:
    """Every open (or reserved) request, oldest first."""
    await _staff(request, "search")
    records = await request.app[REQUESTS].list_open()
    return json_response({"requests": [_summary(r) for r in records]})


async def reserve_request(request: web.Request) -> web.Response:
    """Hold a place for the request (atomic; 409 when it is gone). Honours Idempotency-Key."""
    who = await _staff_on(request, "update")
    request_id = request.match_info["request_id"]
    raw = await read_json(request)
    body = validate(ReserveIn, raw)
    idem = None
    if (key := request.headers.get("Idempotency-Key")) is not None:
        key = key.strip()
        if not key or len(key) > 200 or not key.isprintable():
            raise InvalidInput("Idempotency-Key must be 1-200 printable characters", field="Idempotency-Key")
        idem = IdempotencyKey(f"{who.token_id}:{key}", body_fingerprint(request_id, raw))
    result = await request.app[REQUESTS].reserve(
        request_id, body.provider_id, body.care_type, _actor(who), request.app[ROUTING].get(), idem
    )
    return json_response(result | {"request": _summary(result["request"])})


async def confirm_request(request: web.Request) -> web.Response:
    """The hold becomes a placement."""
    who = await _staff_on(request, "update")
    record = await request.app[REQUESTS].confirm(request.match_info["request_id"], _actor(who))
    return json_response(_summary(record))


async def release_request(request: web.Request) -> web.Response:
    """Give the held place back."""
    who = await _staff_on(request, "update")
    record = await request.app[REQUESTS].release(request.match_info["request_id"], _actor(who))
    return json_response(_summary(record))


async def cancel_request(request: web.Request) -> web.Response:
    """Close the request without a place."""
    who = await _staff_on(request, "update")
    reason = ""
    if request.can_read_body:
        reason = validate(CancelIn, await read_json(request)).reason
    record = await request.app[REQUESTS].cancel(request.match_info["request_id"], _actor(who), reason)
    return json_response(_summary(record))


async def triage_protocol(request: web.Request) -> web.Response:
    """The triage protocol (complaints, their questions in order, modifiers) for the intake page."""
    require(request, *STAFF)
    return json_response(request.app[REQUESTS].protocol.to_json())


async def optimize_requests(request: web.Request) -> web.Response:
    """A batch proposal for all open requests (not holds): placed weighted by urgency, then least cost."""
    await _staff(request, "search")
    service, view, settings = request.app[REQUESTS], request.app[VIEW], request.app[SETTINGS]
    routing = request.app[ROUTING].get()
    records = [r for r in await service.list_open() if r["status"] == "open"]
    needs, candidates, unplaceable = [], {}, []
    for r in records:
        try:
            candidates[r["id"]] = service.candidates(r, routing)
        except ZccError as exc:  # e.g. a location the reloaded region no longer covers
            unplaceable.append({"request_id": r["id"], "reason": exc.detail})
            continue
        needs.append(service.need_of(r))
    region, now = view.region, utcnow()
    loop = asyncio.get_running_loop()
    # CPU-bound: off the event loop, so lookups stay fast while it runs.
    result = await loop.run_in_executor(
        None,
        lambda: optimize(
            needs, candidates, now, region.tz, region.care_types, time_limit_s=settings.optimize_time_limit_s
        ),
    )
    body = result.to_json()
    body["unassigned"] = list(body.get("unassigned", [])) + unplaceable
    return json_response(body)
