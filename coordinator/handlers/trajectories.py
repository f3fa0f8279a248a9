"""Trajectory records over HTTP: read, change, FHIR export; and the audit log. Every access is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from capacity.clock import utcnow
from capacity.errors import Forbidden, InvalidInput

from ..auth import principal
from ..fhir import trajectory_bundle
from ..fields import check_patient_ref
from ..idempotency import idempotency_key, op_id_of
from ..jsonio import dumps, json_response
from ..keys import AUDIT, CAPACITY, REQUESTS, SETTINGS, TRAJECTORIES
from ..schemas import AuditQuery, TrajectoryPatch, read_json, validate
from ..tokens import Principal
from ..trajectories import Access, authorize, placed_by
from .access import audit

__all__ = ["get_audit", "get_trajectory", "get_trajectory_fhir", "patch_trajectory"]


async def _open_request_of(request: web.Request, patient_ref: str) -> bool:
    return any(r.patient_ref == patient_ref for r in await request.app[REQUESTS].list_open())


async def _access(request: web.Request, who: Principal, patient_ref: str, action: str) -> Access:
    """Check and audit one access; 403 (audited as denied) when not allowed.

    A reference that breaks the body's rule (a name, a birth date, a BSN, a path) is refused first
    with 422: it names no patient, and it must not become a key or an audit entry.
    """
    check_patient_ref(patient_ref)
    record = await request.app[TRAJECTORIES].record(patient_ref)
    open_request = who.role == "triage" and await _open_request_of(request, patient_ref)
    care_episode = False
    if who.role == "triage" and not open_request:
        window = timedelta(hours=request.app[SETTINGS].care_access_hours)
        mine = await request.app[REQUESTS].list_of_patient(patient_ref)
        care_episode = placed_by(mine, who.person, utcnow(), window)
    access = authorize(who.role, who.practitioner, action, record, open_request, care_episode=care_episode)
    detail = "limited to the care-plan hints" if access.limited else access.reason
    await audit(request, who, action, patient_ref, allowed=access.allowed, basis=access.basis, detail=detail)
    if not access.allowed:
        raise Forbidden(access.reason)
    return access


async def get_trajectory(request: web.Request) -> web.Response:
    """The patient's record: care team, hints, phase, evaluation due, events (or only hints when limited)."""
    who = principal(request)
    ref = request.match_info["patient_ref"]
    access = await _access(request, who, ref, "read")
    view = await request.app[TRAJECTORIES].view(ref, limited=access.limited, because=access.basis)
    return json_response(view)


async def patch_trajectory(request: web.Request) -> web.Response:
    """Change care team, hints, phase or stop criteria (admin and the patient's care team); authorised first.

    Honours Idempotency-Key.
    """
    who = principal(request)
    ref = request.match_info["patient_ref"]
    await _access(request, who, ref, "update")
    raw = await read_json(request)
    body = validate(TrajectoryPatch, raw)
    changes: dict[str, Any] = body.model_dump(exclude_none=True)
    if "hints" in changes:
        region = request.app[CAPACITY].region
        unknown = [p for p in changes["hints"].get("preferred_providers", []) if p not in region.providers]
        if unknown:
            raise InvalidInput(f"unknown provider(s) {', '.join(unknown)}", field="hints.preferred_providers")
    op_id = op_id_of(idempotency_key(request, who, raw))
    return json_response(await request.app[TRAJECTORIES].patch(ref, changes, who.actor, op_id))


async def get_trajectory_fhir(request: web.Request) -> web.Response:
    """The record as a FHIR R4 Bundle (Patient, EpisodeOfCare, CarePlan, ServiceRequest, Task, Encounter)."""
    who = principal(request)
    ref = request.match_info["patient_ref"]
    await _access(request, who, ref, "export")
    view = await request.app[TRAJECTORIES].view(ref)
    requests = [r.model_dump(mode="json") for r in await request.app[REQUESTS].list_of_patient(ref)]
    region = request.app[CAPACITY].region
    bundle = trajectory_bundle(
        view,
        requests,
        providers={p.id: {"name": p.name, "kind": p.kind} for p in region.providers.values()},
        care_type_names={ct.id: ct.name for ct in region.care_types.values()},
        region_id=region.id,
    )
    return web.Response(text=dumps(bundle), content_type="application/fhir+json")


async def get_audit(request: web.Request) -> web.Response:
    """The audit log (admin), filtered by patient and time; read-only. Every read is itself audited."""
    who = principal(request)
    if who.role != "admin":
        ref = request.query.get("patient_ref")
        named = ref if ref is not None and _valid_ref(ref) else None
        await audit(request, who, "search", named, allowed=False, basis="none", detail="audit log")
        raise Forbidden(f"role {who.role!r} may not read the audit log; allowed: admin")
    q = validate(AuditQuery, dict(request.query))
    await audit(request, who, "search", q.patient_ref, allowed=True, basis="admin", detail="audit log")
    entries = await request.app[AUDIT].entries(patient_ref=q.patient_ref, since=q.since, until=q.until, limit=q.limit)
    return json_response({"entries": entries, "generated_at": utcnow().isoformat()})


def _valid_ref(ref: str) -> bool:
    try:
        check_patient_ref(ref)
    except InvalidInput:
        return False
    return True
