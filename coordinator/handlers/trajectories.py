"""Trajectory records over HTTP: read, change, FHIR export; and the audit log. Every access is audited."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from capacity.errors import InvalidInput
from capacity.model import utcnow

from ..auth import Principal, principal, require
from ..fhir import trajectory_bundle
from ..jsonio import dumps, json_response
from ..keys import AUDIT, REQUESTS, VIEW
from ..problems import Forbidden
from ..schemas import AuditQuery, TrajectoryPatch, read_json, validate
from ..trajectories import Access, authorize, check_not_bsn

__all__ = ["get_audit", "get_trajectory", "get_trajectory_fhir", "patch_trajectory"]


async def _open_request_of(request: web.Request, patient_ref: str) -> bool:
    return any(r["patient_ref"] == patient_ref for r in await request.app[REQUESTS].list_open())


async def _access(request: web.Request, who: Principal, patient_ref: str, action: str) -> Access:
    """Check and audit one access; 403 (audited as denied) when not allowed."""
    check_not_bsn(patient_ref, "patient_ref")
    record, _, _ = await request.app[REQUESTS].trajectories.read(patient_ref)
    open_request = who.role == "triage" and await _open_request_of(request, patient_ref)
    access = authorize(who.role, who.practitioner, action, record, open_request)
    await request.app[AUDIT].record(
        request,
        who,
        action=action,
        patient_ref=patient_ref,
        outcome="allowed" if access.allowed else "denied",
        basis=access.basis,
        detail="limited to hints (sharing objection)" if access.limited else access.reason,
    )
    if not access.allowed:
        raise Forbidden(access.reason)
    return access


async def get_trajectory(request: web.Request) -> web.Response:
    """The patient's record: care team, hints, phase, evaluation due, events (or only hints when limited)."""
    who = principal(request)
    ref = request.match_info["patient_ref"]
    access = await _access(request, who, ref, "read")
    return json_response(await request.app[REQUESTS].trajectories.view(ref, limited=access.limited))


async def patch_trajectory(request: web.Request) -> web.Response:
    """Change care team, hints, phase or stop criteria (admin and the patient's care team)."""
    who = principal(request)
    ref = request.match_info["patient_ref"]
    body = validate(TrajectoryPatch, await read_json(request))
    changes: dict[str, Any] = body.model_dump(exclude_none=True)
    if "hints" in changes:
        region = request.app[VIEW].region
        unknown = [p for p in changes["hints"].get("preferred_providers", []) if p not in region.providers]
        if unknown:
            raise InvalidInput(f"unknown provider(s) {', '.join(unknown)}", field="hints.preferred_providers")
    if not changes:
        raise InvalidInput("send at least one of care_team, hints, phase, stop_criteria", field="body")
    await _access(request, who, ref, "update")
    actor = {"token_id": who.token_id, "role": who.role, "practitioner": who.practitioner}
    return json_response(await request.app[REQUESTS].trajectories.patch(ref, changes, actor))


async def get_trajectory_fhir(request: web.Request) -> web.Response:
    """The record as a FHIR R4 Bundle (Patient, EpisodeOfCare, CarePlan, ServiceRequest, Task, Encounter)."""
    who = principal(request)
    ref = request.match_info["patient_ref"]
    await _access(request, who, ref, "export")
    service = request.app[REQUESTS]
    view = await service.trajectories.view(ref)
    requests = [r for r, _ in await service.store.list_requests(open_only=False) if r.get("patient_ref") == ref]
    region = request.app[VIEW].region
    bundle = trajectory_bundle(
        view,
        requests,
        providers={p.id: {"name": p.name, "kind": p.kind} for p in region.providers.values()},
        care_type_names={ct.id: ct.name for ct in region.care_types.values()},
        region_id=region.id,
    )
    return web.Response(text=dumps(bundle), content_type="application/fhir+json")


async def get_audit(request: web.Request) -> web.Response:
    """The audit log (admin), filtered by patient and time; read-only: entries cannot be changed or deleted."""
    require(request, "admin")
    q = validate(AuditQuery, dict(request.query))
    entries = await request.app[AUDIT].store.list_audit(
        patient_ref=q.patient_ref, since=q.since, until=q.until, limit=q.limit
    )
    return json_response({"entries": entries, "generated_at": utcnow().isoformat()})
