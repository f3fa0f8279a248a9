"""Every route of the service, declared in one place (names label the metrics)."""

from __future__ import annotations

from aiohttp import web

from .handlers import capacity, dispatch, forecast, health, providers, requests, tokens, trajectories
from .handlers import web as page
from .openapi import openapi_handler
from .vendor import VENDOR_NAME, vendor_file

__all__ = ["add_routes"]


def add_routes(app: web.Application) -> None:
    """Register the page, the probes, the metrics and the API."""
    r = app.router
    # The triage board page: static files without auth (the page holds no data; its API calls carry the token).
    r.add_get("/", page.index, name="index")
    r.add_get(f"/static/{{name:{page.STATIC_NAME}}}", page.static_file, name="static")
    r.add_get(f"/static/vendor/{{name:{VENDOR_NAME}}}", vendor_file, name="static_vendor")
    r.add_get("/healthz", health.healthz, name="healthz")
    r.add_get("/readyz", health.readyz, name="readyz")
    r.add_get("/metrics", health.metrics, name="metrics")
    r.add_get("/api/v1/openapi.json", openapi_handler, name="openapi")
    r.add_get("/api/v1/providers", providers.list_providers, name="providers")
    r.add_get("/api/v1/region/map", page.region_map, name="region_map")
    r.add_post("/api/v1/providers/{provider_id}/status", providers.set_provider_status, name="provider_status")
    r.add_get("/api/v1/capacity", capacity.get_capacity, name="capacity_get")
    r.add_post("/api/v1/capacity", capacity.post_capacity, name="capacity_post")
    r.add_get("/api/v1/capacity/stream", capacity.capacity_stream, name="capacity_stream")
    r.add_get("/api/v1/dispatch/options", dispatch.dispatch_options, name="dispatch_options")
    r.add_get("/api/v1/forecast", forecast.get_forecast, name="forecast")
    r.add_get("/api/v1/triage/protocol", requests.triage_protocol, name="triage_protocol")
    r.add_post("/api/v1/requests", requests.create_request, name="request_create")
    r.add_get("/api/v1/requests", requests.list_requests, name="request_list")
    r.add_get("/api/v1/requests/{request_id}", requests.get_request, name="request_get")
    r.add_post("/api/v1/requests/{request_id}/reserve", requests.reserve_request, name="request_reserve")
    r.add_post("/api/v1/requests/{request_id}/confirm", requests.confirm_request, name="request_confirm")
    r.add_post("/api/v1/requests/{request_id}/release", requests.release_request, name="request_release")
    r.add_post("/api/v1/requests/{request_id}/cancel", requests.cancel_request, name="request_cancel")
    r.add_post("/api/v1/optimize", requests.optimize_requests, name="optimize")
    r.add_get("/api/v1/trajectories/{patient_ref}", trajectories.get_trajectory, name="trajectory_get")
    r.add_patch("/api/v1/trajectories/{patient_ref}", trajectories.patch_trajectory, name="trajectory_patch")
    r.add_get("/api/v1/trajectories/{patient_ref}/fhir", trajectories.get_trajectory_fhir, name="trajectory_fhir")
    r.add_get("/api/v1/audit", trajectories.get_audit, name="audit")
    r.add_get("/api/v1/tokens", tokens.list_tokens, name="token_list")
    r.add_delete("/api/v1/tokens/{token_id}", tokens.revoke_token, name="token_revoke")
