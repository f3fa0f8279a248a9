"""Acute requests over HTTP: create (triage + proposals), read, reserve, confirm, release, cancel, optimise."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from capacity.clock import iso, utcnow
from capacity.errors import OutcomeUnknown, StoreUnavailable, ZccError
from capacity.messages import Message, msg
from routing.matching import optimize

from ..auth import principal, require
from ..deadline import narrowed
from ..idempotency import client_key, idempotency_key
from ..jsonio import json_response
from ..keys import CAPACITY, REQUESTS, ROUTING, SETTINGS
from ..places.resolve import Where, resolve_location
from ..problems import problem
from ..requests import Intake, RequestInput, need_of
from ..schemas import CancelIn, RequestIn, ReserveIn, read_json, validate
from ..texts import catalogue, current_language, text_of
from ..tokens import Principal
from .access import STAFF, audit_shown, named_patient, staff

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


async def _staff_on(request: web.Request, action: str) -> Principal:
    """As ``staff``, for a request named in the path: the audit entry names its patient."""
    found = await request.app[REQUESTS].find(request.match_info["request_id"])
    return await staff(request, action, found[0].patient_ref if found else None)


async def create_request(request: web.Request) -> web.Response:
    """Triage a request and propose places: 201 when recorded; 503 with the triage when the store has not got it.

    The triage (urgency, 112, advice, care types, proposals) never waits for the store: its store calls
    share a short budget, and when they fail the answer still carries the triage, marked not recorded.
    Honours Idempotency-Key (one is made up when absent, and given back when the caller must repeat).
    """
    if principal(request).role not in STAFF:
        await staff(request, "create", await named_patient(request))  # denied and audited, whatever the body
    raw = await read_json(request)
    body = validate(RequestIn, raw)
    who = await staff(request, "create", body.patient_ref)
    state = request.app[ROUTING]
    loc = body.location
    where = Where(loc.lat, loc.lon, loc.postcode, loc.place, loc.address)
    resolved = await resolve_location(where, state.postcodes, state.places, state.geocoder, prefix="location.")
    lat, lon = resolved.lat, resolved.lon
    data = RequestInput(
        patient_ref=body.patient_ref,
        age=body.age,
        lat=lat,
        lon=lon,
        complaint=body.complaint,
        answers=body.answers,
        context=body.context,
        postcode=resolved.pc4,
        place=resolved.place,
        resolution=resolved.to_json(),
        **body.flags.model_dump(),
        hospital_override=body.hospital_override,
    )
    idem = idempotency_key(request, who, raw, mint=True)
    assert idem is not None  # minted when absent
    with narrowed(request.app[SETTINGS].triage_answer_seconds):
        result = await request.app[REQUESTS].intake(data, state.get(), who.actor, idem)
    if not result.stored:
        return _not_recorded(request, result, client_key(idem))
    out = result.record.to_api() | _degraded(result)
    headers = {"Location": f"/api/v1/requests/{result.record.id}"}
    if result.recorded == "repeat":
        headers["Idempotent-Replayed"] = "true"
    return json_response(out, status=201, headers=headers)


def _degraded(result: Intake) -> dict[str, Any]:
    """Whether the answer's proposals are degraded, and why (codes)."""
    reasons = list(result.degraded) + ([] if result.stored else ["not_recorded"])
    return {"recorded": result.stored, "degraded": bool(reasons), "degraded_reasons": reasons}


def _not_recorded(request: web.Request, result: Intake, key: str) -> web.Response:
    """503 with the triage: not a 2xx, since a 2xx means the store has it; the triage and 112 advice still shown."""
    record = result.record
    unknown = result.recorded == "unknown" or isinstance(result.failure, OutcomeUnknown)
    failure = result.failure
    why: Message | str = msg("error.store_silent")
    if failure is not None:
        why = failure.message if failure.message is not None else failure.detail
    if unknown:
        code, title = "outcome-unknown", "Outcome unknown"
        coded = msg("error.triage_outcome_unknown", why=why).to_json()
    else:
        code, title = "not-recorded", "Triaged, not recorded"
        coded = msg("error.triage_not_recorded", why=why).to_json()
    retry_after = request.app[SETTINGS].retry_after_seconds
    lang = current_language()
    title = catalogue().texts(lang).get(f"problem.title.{code}", title)
    return problem(
        503,
        title,
        text_of(coded, lang),
        detail_coded=coded,
        code=code,
        instance=request.path,
        headers={"Retry-After": str(retry_after), "Idempotency-Key": key},
        recorded=False,
        outcome="unknown" if unknown else "not_recorded",
        idempotency_key=key,
        urgency=record.triage.urgency,
        escalate_112=record.triage.escalate_112,
        advice=record.triage.advice,
        request=record.to_api() | _degraded(result),
    )


async def get_request(request: web.Request) -> web.Response:
    """One request."""
    await _staff_on(request, "read")
    record, _ = await request.app[REQUESTS].get(request.match_info["request_id"])
    return json_response(record.to_api())


async def list_requests(request: web.Request) -> web.Response:
    """Every open (or reserved) request, oldest first; one audit entry per patient shown."""
    who = principal(request)
    if who.role not in STAFF:
        await staff(request, "search")  # denied and audited
    records = await request.app[REQUESTS].list_open()
    await audit_shown(request, who, "search", (r.patient_ref for r in records))
    return json_response({"requests": [r.to_api() for r in records]})


async def reserve_request(request: web.Request) -> web.Response:
    """Hold a place for the request (atomic; 409 when it is gone). Honours Idempotency-Key."""
    who = await _staff_on(request, "update")
    raw = await read_json(request)
    body = validate(ReserveIn, raw)
    try:
        held, record = await request.app[REQUESTS].reserve(
            request.match_info["request_id"],
            body.provider_id,
            body.care_type,
            who.actor,
            request.app[ROUTING].get(),
            idempotency_key(request, who, raw),
        )
    except StoreUnavailable as exc:
        if isinstance(exc, OutcomeUnknown):
            raise
        why = exc.message if exc.message is not None else exc.detail
        raise StoreUnavailable(msg("error.reserve_needs_store", why=why)) from exc
    return json_response(
        {
            "reservation_id": held.hold_id,
            "held_until": iso(held.held_until),
            "provider_id": held.provider_id,
            "care_type": held.care_type,
            "request": record.to_api(),
        }
    )


async def confirm_request(request: web.Request) -> web.Response:
    """The hold becomes a placement. Honours Idempotency-Key."""
    who = await _staff_on(request, "update")
    idem = idempotency_key(request, who, None)
    record = await request.app[REQUESTS].confirm(request.match_info["request_id"], who.actor, idem)
    return json_response(record.to_api())


async def release_request(request: web.Request) -> web.Response:
    """Give the held place back. Honours Idempotency-Key."""
    who = await _staff_on(request, "update")
    idem = idempotency_key(request, who, None)
    record = await request.app[REQUESTS].release(request.match_info["request_id"], who.actor, idem)
    return json_response(record.to_api())


async def cancel_request(request: web.Request) -> web.Response:
    """Close the request without a place. Honours Idempotency-Key."""
    who = await _staff_on(request, "update")
    reason, raw = "", None
    if request.body_exists:
        raw = await read_json(request)
        reason = validate(CancelIn, raw).reason
    idem = idempotency_key(request, who, raw)
    record = await request.app[REQUESTS].cancel(request.match_info["request_id"], who.actor, reason, idem)
    return json_response(record.to_api())


async def triage_protocol(request: web.Request) -> web.Response:
    """The triage protocol (complaints, their questions in order, modifiers) for the intake page."""
    require(request, *STAFF)
    return json_response(request.app[REQUESTS].protocol.to_json())


async def optimize_requests(request: web.Request) -> web.Response:
    """A batch proposal for all open requests (not holds): placed weighted by urgency, then least cost."""
    who = principal(request)
    if who.role not in STAFF:
        await staff(request, "search")  # denied and audited
    service, settings = request.app[REQUESTS], request.app[SETTINGS]
    routing = request.app[ROUTING].get()
    records = [r for r in await service.list_open() if r.status == "open"]
    await audit_shown(request, who, "search", (r.patient_ref for r in records))
    needs, candidates, unplaceable = [], {}, []
    for r in records:
        try:
            candidates[r.id] = service.candidates(r, routing)
        except ZccError as exc:  # e.g. a location the reloaded region no longer covers
            coded = exc.message.to_json() if exc.message is not None else None
            unplaceable.append({"request_id": r.id, "reason": exc.detail, "reason_coded": coded})
            continue
        needs.append(need_of(r))
    region, now = request.app[CAPACITY].region, utcnow()
    loop = asyncio.get_running_loop()
    # CPU-bound: off the event loop, so lookups stay fast while it runs.
    result = await loop.run_in_executor(
        None,
        lambda: optimize(
            needs, candidates, now, region.tz, region.care_types, time_limit_s=settings.optimize_time_limit_s
        ),
    )
    body: dict[str, Any] = result.to_json()
    body["unassigned"] = list(body.get("unassigned", [])) + unplaceable
    return json_response(body)
