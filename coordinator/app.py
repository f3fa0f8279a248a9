"""The app factory: wiring only; every resource is opened and closed in a cleanup context."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Coroutine
from datetime import timedelta
from typing import Any

from aiohttp import web

from capacity.errors import StoreUnavailable
from capacity.model import Region, utcnow
from capacity.store import Store, open_store
from capacity.view import CapacityView, follow, raise_if_cancelling

from . import reload
from .audit import AuditLog
from .auth import TokenAuth, setup_auth
from .board_cache import BoardCache
from .handlers import capacity, dispatch, health, providers, requests, trajectories
from .handlers import web as page
from .keys import AUDIT, AUTH, BACKGROUND, BOARD_CACHE, METRICS, NOTIFIER, REQUESTS, ROUTING, SETTINGS, STORE, VIEW
from .metrics import Metrics, setup_metrics
from .notify import Notifier
from .openapi import openapi_handler
from .problems import setup_problems
from .requests import RequestService
from .routing_state import RoutingState
from .settings import Settings
from .triage import TriageProtocol, load_protocol

__all__ = ["create_app"]

_LOGGER = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 5.0


def create_app(
    settings: Settings,
    region: Region,
    *,
    neighbours: tuple[Region, ...] = (),
    protocol: TriageProtocol | None = None,
    store: Store | None = None,
) -> web.Application:
    """Build the service for ``region`` (and its ``neighbours`` for the cross-border view).

    ``protocol`` is the triage protocol; without one the shipped (or configured) file is read here,
    the only I/O the factory does.
    """
    app = web.Application(client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[ROUTING] = RoutingState(neighbours)
    if store is None:
        store = _store_for(settings, region)
    app[STORE] = store
    app[VIEW] = CapacityView(region)
    app[METRICS] = Metrics()
    app[METRICS].watch(app[VIEW])
    app[AUTH] = TokenAuth(store, settings.token_cache_seconds)
    app[BACKGROUND] = []
    app[BOARD_CACHE] = BoardCache()
    app[NOTIFIER] = Notifier(settings.webhook_url, app[METRICS].webhooks)
    app[REQUESTS] = RequestService(
        store,
        app[VIEW],
        protocol or load_protocol(settings.triage_path),
        hold_ttl=timedelta(seconds=settings.hold_ttl_seconds),
        on_placed=app[NOTIFIER].notify,
    )
    app[AUDIT] = AuditLog(store, region.id, secrets.token_hex(4), settings.audit_retention_days)

    # Order matters, outermost first: metrics time everything including error mapping;
    # problems turns every error into problem+json; auth runs before any handler reads a body.
    setup_metrics(app, app[METRICS])
    setup_problems(app, retry_after=settings.retry_after_seconds, max_body_bytes=settings.max_body_bytes)
    setup_auth(app, lambda: app[AUTH])

    app.cleanup_ctx.append(_store_ctx)
    app.cleanup_ctx.append(_background_ctx)
    app.cleanup_ctx.append(_notifier_ctx)
    app.on_shutdown.append(_close_streams)
    _routes(app)
    return app


def _store_for(settings: Settings, region: Region) -> Store:
    if settings.store_url.startswith("redis"):
        return open_store(settings.store_url, region.id, socket_timeout=settings.redis_socket_timeout)
    return open_store(settings.store_url, region.id)


def _routes(app: web.Application) -> None:
    r = app.router
    # The triage board page: static files without auth (the page holds no data; its API calls carry the token).
    r.add_get("/", page.index, name="index")
    r.add_get(f"/static/{{name:{page.STATIC_NAME}}}", page.static_file, name="static")
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


async def _store_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the store, seed the region's entries and load the view; close the store last."""
    store, view = app[STORE], app[VIEW]
    region = view.region
    await store.open()
    try:
        await store.seed(region, utcnow())
        view.load(await store.snapshot())
        if await store.count_tokens() == 0:
            _LOGGER.warning(
                "no tokens exist yet; create one with: zcc token create --role admin --store %s",
                app[SETTINGS].store_url,
            )
        yield
    finally:
        try:
            await asyncio.wait_for(store.close(), SHUTDOWN_GRACE_SECONDS)
        except TimeoutError:
            _LOGGER.error("the store did not close within %s s", SHUTDOWN_GRACE_SECONDS)


async def _expire_holds(app: web.Application) -> None:
    """Give back the places of holds past their time, every few seconds, on every instance (idempotent)."""
    store, metrics, view = app[STORE], app[METRICS], app[VIEW]
    interval = app[SETTINGS].expiry_interval_seconds
    while True:
        try:
            for hold in await store.expire_holds(utcnow()):
                view.apply_hold(hold)
                metrics.holds.labels("expired").inc()
                _LOGGER.info("hold %s at %s %s expired", hold.hold_id, hold.provider_id, hold.care_type)
                await app[REQUESTS].hold_expired(hold)
        except StoreUnavailable as exc:
            raise_if_cancelling()
            metrics.store_errors.labels("expire_holds").inc()
            _LOGGER.warning("cannot expire holds now: %s", exc.detail)
        await asyncio.sleep(interval)


async def _background_ctx(app: web.Application) -> AsyncIterator[None]:
    """Start the view follower and the hold expiry; cancel and await them at cleanup."""
    jobs: dict[str, Coroutine[Any, Any, None]] = {
        "zcc-view-follower": follow(app[STORE], app[VIEW], block_ms=app[SETTINGS].view_block_ms),
        "zcc-hold-expiry": _expire_holds(app),
        "zcc-routing": reload.keep_routing_current(app),
        "zcc-neighbours": reload.follow_neighbours(app),
    }
    tasks = app[BACKGROUND]
    tasks.extend(asyncio.create_task(job, name=name) for name, job in jobs.items())
    yield
    for task in tasks:
        task.cancel()
    # Bounded: a task that does not end on cancel is reported, not waited for forever.
    done, pending = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_SECONDS)
    for task in pending:
        _LOGGER.error("background task %s did not stop on cancel: %s", task.get_name(), task.get_stack(limit=5))
    for task in done:
        with contextlib.suppress(asyncio.CancelledError):
            task.result()
    tasks.clear()


async def _notifier_ctx(app: web.Application) -> AsyncIterator[None]:
    """Run the webhook worker; queued notifications still in flight are dropped at shutdown."""
    async for _ in app[NOTIFIER].run():
        yield


async def _close_streams(app: web.Application) -> None:
    """End open SSE streams so a graceful shutdown does not wait for them."""
    app[VIEW].close_subscribers()
