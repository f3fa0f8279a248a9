"""Audited access to patient data over HTTP: every attempt, allowed or denied, leaves an audit entry per patient.

The order is the same everywhere: who is calling and may they, audited, before anything reads or
validates the body; a denied attempt is logged even when its body is invalid.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from capacity.errors import Forbidden, ZccError
from capacity.messages import msg

from ..auth import principal
from ..fields import check_patient_ref
from ..keys import AUDIT
from ..schemas import read_json
from ..tokens import Principal

__all__ = ["STAFF", "audit", "audit_shown", "named_patient", "staff", "staff_basis"]

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


def staff_basis(who: Principal) -> str:
    """The basis on which a staff role handles patient requests."""
    return "admin" if who.role == "admin" else "open_request"


async def staff(request: web.Request, action: str, patient_ref: str | None = None) -> Principal:
    """The caller if triage or admin; every attempt on patient data is audited, denied ones included."""
    who = principal(request)
    allowed = who.role in STAFF
    basis = staff_basis(who) if allowed else "none"
    await audit(request, who, action, patient_ref, allowed=allowed, basis=basis)
    if not allowed:
        raise Forbidden(msg("error.role_not_staff", role=who.role, roles=", ".join(STAFF)))
    return who


async def audit_shown(request: web.Request, who: Principal, action: str, patient_refs: Iterable[str]) -> None:
    """One entry per patient an answer shows (in order of first appearance), or one without a patient if none."""
    shown: list[str | None] = list(dict.fromkeys(patient_refs))
    for ref in shown or [None]:
        await audit(request, who, action, ref, allowed=True, basis=staff_basis(who))


async def named_patient(request: web.Request) -> str | None:
    """The patient a denied request's body names, for its audit entry; None when the body names none validly."""
    try:
        body = await read_json(request)
        ref = body.get("patient_ref") if isinstance(body, dict) else None
        return check_patient_ref(ref) if isinstance(ref, str) else None
    except (ZccError, web.HTTPException):
        return None
