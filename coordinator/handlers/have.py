"""EDXL-HAVE 2.0 over HTTP: a hospital system's document in (status and beds), the region's hospitals out."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from capacity.clock import utcnow
from capacity.errors import Forbidden, InvalidInput
from capacity.service import CapacityService
from capacity.state import ProviderStatus

from ..auth import require
from ..have import have_document, load_bed_map, parse_have
from ..have.parse import HospitalReport
from ..idempotency import idempotency_key, op_id_of
from ..intake import Report, apply_reports
from ..jsonio import json_response
from ..keys import CAPACITY
from ..logs import bind
from ..tokens import Principal

__all__ = ["export_have", "import_have"]

_LOGGER = logging.getLogger(__name__)

XML_TYPES = ("application/xml", "text/xml", "application/edxl-have+xml")
ALL_ROLES = ("provider", "triage", "dispatch", "ops", "admin")


async def set_seh_status(
    capacity: CapacityService, provider_id: str, *, closed: bool, reason: str, op_id: str | None
) -> ProviderStatus | None:
    """Stop or open the hospital's SEH as EMSTrafficStatus says; None when it already is so (nothing written).

    The one place EDXL-HAVE changes a stop: the SEH's own (care type ``seh``), so the hospital's other
    care types stay offered; a whole-hospital stop set by hand is neither repeated nor lifted here.
    """
    now = utcnow()
    current = capacity.view.stop_of(provider_id, now, "seh")
    reason = reason or "EDXL-HAVE: EMSTrafficStatus Closed"
    if closed and current is not None and current.reason == reason:
        return None
    own = current is not None and current.care_type == "seh"
    if not closed and not own:
        return None
    status = ProviderStatus(
        provider_id, "stop" if closed else "open", reason if closed else "", None, now, care_type="seh"
    )
    return await capacity.set_status(status, op_id)


def _where(paths: dict[str, str]) -> Any:
    return lambda name: paths.get(name, "/HospitalStatus")


def _reports(hospitals: list[HospitalReport], capacity: CapacityService) -> tuple[list[Report], list[dict[str, str]]]:
    """Capacity reports of every bed count that says something new; the unchanged ones as results."""
    reports: list[Report] = []
    unchanged: list[dict[str, str]] = []
    for h in hospitals:
        for b in h.beds:
            known = capacity.view.entries.get((h.provider_id, b.care_type))
            if (
                known is not None
                and known.reported_at == h.updated_at
                and known.available == b.available
                and b.total in (None, known.total)
            ):
                # What zcc has already, to the millisecond (an export read back): nothing to apply.
                unchanged.append({"provider_id": h.provider_id, "care_type": b.care_type, "status": "unchanged"})
                continue
            paths = {
                "provider_id": f"{h.path}/Organization",
                "care_type": f"{b.path}/BedType",
                "available": b.available_path,
                "total": b.total_path,
                "reported_at": f"{h.path}/LastUpdateTime",
            }
            reports.append(
                Report(h.provider_id, b.care_type, b.available, b.total, h.updated_at, None, where=_where(paths))
            )
    return reports, unchanged


async def import_have(request: web.Request) -> web.Response:
    """``POST /api/v1/interop/have``: apply a hospital system's EDXL-HAVE 2.0 document (provider, admin)."""
    who: Principal = require(request, "provider", "admin")
    if request.content_type not in XML_TYPES:
        raise web.HTTPUnsupportedMediaType(text=f"send Content-Type: application/xml, not {request.content_type}")
    raw = await request.read()
    if not raw:
        raise InvalidInput("the request body is empty; send an EDXL-HAVE 2.0 HospitalStatus", field="/")
    capacity = request.app[CAPACITY]
    doc = parse_have(raw, capacity.region, load_bed_map())
    bind(provider_id=",".join(sorted({h.provider_id for h in doc.hospitals})))
    for h in doc.hospitals:
        if not who.may_write_provider(h.provider_id):
            # Scope first: nothing of a document that names another provider is applied.
            raise Forbidden(f"this token may not report for {h.provider_id!r}", field=f"{h.path}/Organization")
    reports, unchanged = _reports(doc.hospitals, capacity)
    text = raw.decode("utf-8", errors="replace")
    results, replay = await apply_reports(request, who, reports, text) if reports else ([], False)
    op = op_id_of(idempotency_key(request, who, text))
    statuses = []
    for h in doc.hospitals:
        if h.traffic in ("Normal", "Advisory", "Closed"):
            closed = h.traffic == "Closed"
            stored = await set_seh_status(
                capacity, h.provider_id, closed=closed, reason=h.reason, op_id=f"{op}:{h.provider_id}" if op else None
            )
            statuses.append(
                {
                    "provider_id": h.provider_id,
                    "ems_traffic_status": h.traffic,
                    "status": "stop" if closed else "open",
                    "changed": stored is not None,
                }
            )
    body = {
        "results": [r.to_dict() for r in results] + unchanged,
        "statuses": statuses,
        "ignored": [{"element": path, "reason": why} for h in doc.hospitals for path, why in h.ignored],
    }
    return json_response(body, headers={"Idempotent-Replayed": "true"} if replay else None)


async def export_have(request: web.Request) -> web.Response:
    """``GET /api/v1/interop/have``: the region's hospitals as an EDXL-HAVE 2.0 HospitalStatus."""
    require(request, *ALL_ROLES)
    bed_of: dict[str, str] = {}
    for bed, ct in load_bed_map().items():
        bed_of.setdefault(ct, bed)
    body = have_document(request.app[CAPACITY].view, bed_of, utcnow())
    return web.Response(body=body, content_type="application/xml", charset="utf-8")
