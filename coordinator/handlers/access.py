"""Audited access to patient data over HTTP: every attempt, allowed or denied, leaves one audit entry."""

from __future__ import annotations

from aiohttp import web

from capacity.errors import Forbidden

from ..auth import principal
from ..keys import AUDIT
from ..tokens import Principal

__all__ = ["STAFF", "audit", "staff"]

#: Roles that handle patient requests.
STAFF = ("triage", "admin")


async def audit(
    request: web.Request,
    who: Principal,
    action: str,
    patient_ref: str | None,
    *,
    allowed: bool,
    basis: str,
    detail: str = "",
) -> None:
    """Write one audit entry for this request (503 when it cannot be written)."""
    await request.app[AUDIT].record(
        who.actor,
        action=action,
        patient_ref=patient_ref,
        outcome="allowed" if allowed else "denied",
        basis=basis,
        resource=f"{request.method} {request.path}",
        access_point=request.remote,
        detail=detail,
    )


async def staff(request: web.Request, action: str, patient_ref: str | None = None) -> Principal:
    """The caller if triage or admin; every attempt on patient data is audited, denied ones included."""
    who = principal(request)
    allowed = who.role in STAFF
    basis = ("admin" if who.role == "admin" else "open_request") if allowed else "none"
    await audit(request, who, action, patient_ref, allowed=allowed, basis=basis)
    if not allowed:
        raise Forbidden(f"role {who.role!r} may not handle patient requests; allowed: {', '.join(STAFF)}")
    return who
