"""Every route of the service, declared in one place (names label the metrics)."""

from __future__ import annotations

from aiohttp import web

from .handlers import (
    capacity,
    dispatch,
    fhir,
    followup,
    forecast,
    have,
    health,
    history,
    indicators,
    providers,
    requests,
    subscriptions,
    texts,
    tokens,
    trajectories,
)
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
    r.add_get("/api/v1/capacity/history", history.get_history, name="capacity_history")
    r.add_post("/api/v1/subscriptions", subscriptions.create_subscription, name="subscription_create")
    r.add_get("/api/v1/subscriptions", subscriptions.list_subscriptions, name="subscription_list")
    r.add_get("/api/v1/subscriptions/{subscription_id}", subscriptions.get_subscription, name="subscription_get")
    r.add_delete(
        "/api/v1/subscriptions/{subscription_id}", subscriptions.delete_subscription, name="subscription_delete"
    )
    r.add_get(
        "/api/v1/subscriptions/{subscription_id}/deliveries",
        subscriptions.list_deliveries,
        name="subscription_deliveries",
    )
    r.add_get("/api/v1/dispatch/options", dispatch.dispatch_options, name="dispatch_options")
    r.add_get("/api/v1/forecast", forecast.get_forecast, name="forecast")
    r.add_get("/api/v1/triage/protocol", requests.triage_protocol, name="triage_protocol")
    r.add_get("/api/v1/texts", texts.get_texts, name="texts")
    r.add_post("/api/v1/requests", requests.create_request, name="request_create")
    r.add_get("/api/v1/requests", requests.list_requests, name="request_list")
    r.add_get("/api/v1/requests/{request_id}", requests.get_request, name="request_get")
    r.add_post("/api/v1/requests/{request_id}/reserve", requests.reserve_request, name="request_reserve")
    r.add_post("/api/v1/requests/{request_id}/confirm", requests.confirm_request, name="request_confirm")
    r.add_post("/api/v1/requests/{request_id}/release", requests.release_request, name="request_release")
    r.add_post("/api/v1/requests/{request_id}/cancel", requests.cancel_request, name="request_cancel")
    # After the placement (issue 15): the receiving provider's reports and lists, the board's alerts, the figures.
    r.add_post("/api/v1/requests/{request_id}/arrived", followup.arrived, name="request_arrived")
    r.add_post("/api/v1/requests/{request_id}/outcome", followup.outcome, name="request_outcome")
    r.add_post("/api/v1/requests/{request_id}/discharge", followup.discharge, name="request_discharge")
    r.add_get("/api/v1/providers/{provider_id}/patients", followup.provider_patients, name="provider_patients")
    r.add_get("/api/v1/receiving", followup.receiving, name="receiving")
    r.add_get("/api/v1/arrivals/overdue", followup.not_arrived, name="arrivals_overdue")
    r.add_get("/api/v1/indicators", indicators.get_indicators, name="indicators")
    r.add_post("/api/v1/optimize", requests.optimize_requests, name="optimize")
    r.add_get("/api/v1/trajectories/{patient_ref}", trajectories.get_trajectory, name="trajectory_get")
    r.add_patch("/api/v1/trajectories/{patient_ref}", trajectories.patch_trajectory, name="trajectory_patch")
    r.add_get("/api/v1/trajectories/{patient_ref}/fhir", trajectories.get_trajectory_fhir, name="trajectory_fhir")
    r.add_get("/api/v1/audit", trajectories.get_audit, name="audit")
    r.add_get("/api/v1/tokens", tokens.list_tokens, name="token_list")
    r.add_delete("/api/v1/tokens/{token_id}", tokens.revoke_token, name="token_revoke")
    # FHIR R4 (coordinator/fhir_api): capacity as Location, HealthcareService and MeasureReport.
    r.add_get("/fhir/metadata", fhir.fhir_metadata, name="fhir_metadata")
    for rtype in fhir.TYPES:
        r.add_get(f"/fhir/{rtype}", fhir.search_of(rtype), name=f"fhir_search_{rtype.lower()}")
        r.add_get(f"/fhir/{rtype}/{{id}}", fhir.read_of(rtype), name=f"fhir_read_{rtype.lower()}")
    r.add_post("/fhir/MeasureReport", fhir.create_measure_report, name="fhir_measure_report_create")
    # EDXL-HAVE 2.0 (coordinator/have): hospitals' status and beds in, the region's hospitals out.
    r.add_post("/api/v1/interop/have", have.import_have, name="have_import")
    r.add_get("/api/v1/interop/have", have.export_have, name="have_export")
