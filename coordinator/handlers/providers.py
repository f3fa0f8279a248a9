"""The region's providers, and their stop status."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from capacity.board import stop_json
from capacity.clock import iso, utcnow
from capacity.errors import Forbidden, InvalidInput, NotFound
from capacity.jsontypes import JSONObject
from capacity.model import Region
from capacity.state import ProviderStatus, status_key

from ..auth import require
from ..idempotency import idempotency_key, op_id_of
from ..jsonio import json_response
from ..keys import CAPACITY
from ..schemas import ProviderStatusIn, read_json, validate

__all__ = ["list_providers", "set_provider_status"]

ALL_ROLES = ("provider", "triage", "dispatch", "ops", "admin")


def provider_json(region: Region, pid: str) -> JSONObject:
    """The API shape of one provider."""
    p = region.providers[pid]
    loc = region.locations[p.location]
    return {
        "id": p.id,
        "name": p.name,
        "kind": p.kind,
        "location": {"id": loc.id, "name": loc.name, "lat": loc.lat, "lon": loc.lon, "kind": loc.kind},
        "address": p.address or None,
        # The coordination desk to call at the hand-over; ``fictitious`` marks a demo placeholder number.
        "contact": None
        if p.contact is None
        else {"phone": p.contact.phone, "desk": p.contact.desk or None, "fictitious": p.contact.fictitious},
        "hours": p.hours.text,
        "care_types": {
            ct: {"total": o.total, "hours": (o.hours or p.hours).text, "eligibility": dict(o.eligibility)}
            for ct, o in p.offers.items()
        },
    }


async def list_providers(request: web.Request) -> web.Response:
    """Every provider of the region with its care types, location, hours and stop status."""
    require(request, *ALL_ROLES)
    view, now = request.app[CAPACITY].view, utcnow()
    region = view.region
    out = []
    for pid in region.providers:
        d = provider_json(region, pid)
        d["stop"] = stop_json(view.stop_of(pid, now))
        offers = d["care_types"]
        assert isinstance(offers, dict)
        for ct, offer in offers.items():
            # A care type's own stop (the provider's stop, above, covers every care type).
            own = view.statuses.get(status_key(pid, ct))
            offer["stop"] = stop_json(own if own is not None and own.stopped(now) else None)
        out.append(d)
    return json_response({"region": region.id, "providers": out})


async def set_provider_status(request: web.Request) -> web.Response:
    """Put a provider under a stop (no new patients) until a time, or open it again. Honours Idempotency-Key."""
    who = require(request, "provider", "triage", "admin")
    capacity = request.app[CAPACITY]
    region = capacity.region
    pid = request.match_info["provider_id"]
    if pid not in region.providers:
        raise NotFound(f"unknown provider {pid!r} in region {region.id}", field="provider_id")
    if who.role == "provider" and pid not in who.providers:
        raise Forbidden(f"this token may not change {pid}; it is scoped to {', '.join(sorted(who.providers))}")
    raw = await read_json(request)
    body = validate(ProviderStatusIn, raw)
    care_type = body.care_type or ""
    if care_type and care_type not in region.providers[pid].offers:
        offered = ", ".join(sorted(region.providers[pid].offers))
        raise InvalidInput(f"{pid} offers no {care_type!r}; it offers {offered}", field="care_type")
    now = utcnow()
    if body.status == "stop":
        if not body.reason.strip():
            raise InvalidInput("a stop needs a reason the triage staff can read", field="reason")
        if body.until is not None and body.until <= now:
            raise InvalidInput("until must lie in the future", field="until")
        if body.until is not None and body.until > now + timedelta(days=14):
            raise InvalidInput("a stop can be set for at most 14 days at a time", field="until")
    status = ProviderStatus(
        pid,
        body.status,
        body.reason.strip() if body.status == "stop" else "",
        body.until if body.status == "stop" else None,
        now,
        care_type=care_type,
    )
    stored = await capacity.set_status(status, op_id_of(idempotency_key(request, who, raw)))
    return json_response(
        {
            "provider_id": pid,
            "care_type": stored.care_type or None,
            "status": stored.status,
            "reason": stored.reason,
            "until": iso(stored.until),
            "set_at": iso(stored.set_at),
        }
    )
