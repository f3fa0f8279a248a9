"""After the placement over HTTP: the receiving provider's reports and patient list; "niet aangekomen?" for the board.

Only the receiving provider's token (or an admin) reports on a placement, and what it is shown of a
patient is what it needs (seed 003): the reference, urgency, care type, what was asked and the stay,
never the rest of the record. Every attempt is audited, allowed or denied.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from capacity.clock import iso, utcnow
from capacity.errors import Forbidden, NotFound

from ..auth import principal
from ..followup_schemas import ArrivedIn, DischargeIn, OutcomeIn
from ..idempotency import idempotency_key
from ..jsonio import json_response
from ..keys import REQUESTS, SETTINGS
from ..records import RequestRecord
from ..records.stay import stage_of
from ..requests.followup import (
    DischargeReport,
    OutcomeReport,
    receiver_of,
    report_arrival,
    report_discharge,
    report_outcome,
)
from ..schemas import read_json, validate
from ..tokens import Principal
from .access import STAFF, audit, audit_shown, staff

__all__ = [
    "arrived",
    "discharge",
    "not_arrived",
    "outcome",
    "provider_patients",
    "provider_view",
    "receiving",
]


def provider_view(record: RequestRecord) -> dict[str, Any]:
    """What the receiving provider sees of a patient: reference, urgency, care type, what was asked, the stay."""
    stay = record.stay if record.stay is not None else (record.refused[-1] if record.refused else None)
    placement = record.placement
    out: dict[str, Any] = {
        "id": record.id,
        "patient_ref": record.patient_ref,
        "urgency": record.triage.urgency,
        "complaint": record.triage.complaint,
        "care_type": stay.care_type if stay else (placement.care_type if placement else None),
        "provider_id": receiver_of(record),
        "placed_at": iso(stay.placed_at if stay else placement.confirmed_at if placement else None),
        "stage": stage_of(record.stay) if record.status == "placed" else "refused",
    }
    if stay is not None:
        out |= {
            "arrived_at": iso(stay.arrived_at),
            "outcome": stay.outcome,
            "discharged_at": iso(stay.discharged_at),
            "destination": stay.destination,
        }
    return out


async def _receiver(request: web.Request, action: str) -> tuple[Principal, str]:
    """The caller if it is the receiving provider of the request in the path (or admin); audited either way."""
    who = principal(request)
    request_id = request.match_info["request_id"]
    found = await request.app[REQUESTS].stored(request_id)
    record = found[0] if found else None
    receiver = receiver_of(record) if record is not None else None
    if who.role == "admin":
        allowed, basis = True, "admin"
    else:
        allowed = who.role == "provider" and receiver is not None and receiver in who.providers
        basis = "receiving_provider" if allowed else "none"
    await audit(request, who, action, record.patient_ref if record else None, allowed=allowed, basis=basis)
    if not allowed:
        raise Forbidden("only the provider that received this patient reports on the placement")
    if record is None:
        raise NotFound(f"no request {request_id}", field="id")
    return who, request_id


async def arrived(request: web.Request) -> web.Response:
    """The patient arrived. Honours Idempotency-Key; the same arrival again answers the same."""
    who, request_id = await _receiver(request, "update")
    raw = await read_json(request) if request.body_exists else {}
    body = validate(ArrivedIn, raw)
    idem = idempotency_key(request, who, raw)
    record = await report_arrival(request.app[REQUESTS], request_id, body.at, who.actor, idem)
    return json_response(provider_view(record))


async def outcome(request: web.Request) -> web.Response:
    """What happened at the door; a refusal reopens the request at once. Honours Idempotency-Key."""
    who, request_id = await _receiver(request, "update")
    raw = await read_json(request)
    body = validate(OutcomeIn, raw)
    report = OutcomeReport(body.outcome, body.at, body.referred_to, body.reason, body.text)
    idem = idempotency_key(request, who, raw)
    record = await report_outcome(request.app[REQUESTS], request_id, report, who.actor, idem)
    return json_response(provider_view(record))


async def discharge(request: web.Request) -> web.Response:
    """The patient left; the unit goes back on the board. Honours Idempotency-Key."""
    who, request_id = await _receiver(request, "update")
    raw = await read_json(request)
    body = validate(DischargeIn, raw)
    report = DischargeReport(body.destination, body.at, body.available)
    idem = idempotency_key(request, who, raw)
    record = await report_discharge(request.app[REQUESTS], request_id, report, who.actor, idem)
    return json_response(provider_view(record))


async def provider_patients(request: web.Request) -> web.Response:
    """A provider's incoming (placed, not arrived) and current (arrived, not discharged) patients, and today's ended."""
    who = principal(request)
    provider_id = request.match_info["provider_id"]
    if not who.may_write_provider(provider_id):
        await audit(request, who, "search", None, allowed=False, basis="none")
        raise Forbidden(f"only {provider_id} itself (or an admin) sees its patients")
    return json_response({"provider_id": provider_id, **await _patients(request, who, {provider_id})})


async def receiving(request: web.Request) -> web.Response:
    """The patients of every provider the caller's token is for (the page's "Mijn patiënten"); admin: all."""
    who = principal(request)
    if who.role not in ("provider", "admin"):
        await audit(request, who, "search", None, allowed=False, basis="none")
        raise Forbidden("only a receiving provider's token (or an admin) has patients to report on")
    scope = None if who.role == "admin" else set(who.providers)
    return json_response({"providers": sorted(who.providers), **await _patients(request, who, scope)})


async def _patients(request: web.Request, who: Principal, providers: set[str] | None) -> dict[str, Any]:
    """Incoming, current and in the last 24 hours ended patients of ``providers`` (None: all); audited per patient."""
    since = utcnow() - timedelta(hours=24)
    incoming: list[RequestRecord] = []
    current: list[RequestRecord] = []
    ended: list[RequestRecord] = []
    for record in await request.app[REQUESTS].list_all():
        receiver = receiver_of(record)
        if receiver is None or (providers is not None and receiver not in providers):
            continue
        stay = record.stay
        if record.status == "placed" and (stay is None or not stay.ended):
            (current if stay is not None and stay.arrived_at is not None else incoming).append(record)
        elif (stay is not None and stay.discharged_at and stay.discharged_at >= since) or (
            record.status != "placed" and record.refused and (record.refused[-1].outcome_at or since) >= since
        ):
            ended.append(record)
    shown = [*incoming, *current, *ended]
    basis = "admin" if who.role == "admin" else "receiving_provider"
    for ref in dict.fromkeys(r.patient_ref for r in shown) or [None]:
        await audit(request, who, "search", ref, allowed=True, basis=basis)
    return {
        "incoming": [provider_view(r) for r in incoming],
        "current": [provider_view(r) for r in current],
        "ended": [provider_view(r) for r in ended],
    }


async def not_arrived(request: web.Request) -> web.Response:
    """Placements with no arrival reported within ZCC_ARRIVAL_ALERT_MINUTES: "niet aangekomen?" on the board."""
    who = principal(request)
    if who.role not in STAFF:
        await staff(request, "search")  # denied and audited
    minutes = request.app[SETTINGS].arrival_alert_minutes
    now = utcnow()
    late = []
    for record in await request.app[REQUESTS].list_all():
        placement, stay = record.placement, record.stay
        if record.status != "placed" or placement is None or (stay is not None and stay.arrived_at is not None):
            continue
        waited = (now - placement.confirmed_at).total_seconds() / 60
        if waited >= minutes:
            late.append((record, waited))
    await audit_shown(request, who, "search", (r.patient_ref for r, _ in late))
    alerts = [
        {
            "request_id": r.id,
            "patient_ref": r.patient_ref,
            "urgency": r.triage.urgency,
            "provider_id": r.placement.provider_id if r.placement else None,
            "care_type": r.placement.care_type if r.placement else None,
            "placed_at": iso(r.placement.confirmed_at if r.placement else None),
            "minutes_since_placement": round(waited),
            "code": "not_arrived",
            "text": "niet aangekomen?",
        }
        for r, waited in late
    ]
    return json_response({"alert_minutes": minutes, "alerts": alerts})
