"""The app factory: wiring only, no I/O; every resource is opened and closed in a cleanup context."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Coroutine
from datetime import timedelta
from typing import Any

from aiohttp import web

from capacity.clock import utcnow
from capacity.errors import StoreUnavailable
from capacity.model import Region
from capacity.service import CapacityService, raise_if_cancelling
from capacity.store import Stores, open_stores
from capacity.store.timing import timed_stores

from . import reload
from .audit import AuditLog
from .audit_spool import AuditSpool
from .auth import setup_auth
from .board_cache import BoardCache
from .connectors_setup import setup_connectors
from .deadline import budget, current_budget, setup_deadline
from .fhir_api import setup_fhir_errors
from .forecast import ForecastService
from .indicators import FollowUpMetrics
from .keys import (
    AUDIT,
    AUTH,
    BACKGROUND,
    BOARD_CACHE,
    CAPACITY,
    FORECAST,
    HEARTBEAT,
    LABELS,
    METRICS,
    NOTIFIER,
    RELOAD,
    REQUESTS,
    ROUTING,
    SETTINGS,
    STORES,
    STREAM_SLOTS,
    TRAJECTORIES,
)
from .logs import setup_request_ids
from .metrics import Metrics, setup_metrics
from .notify import Notifier
from .oidc import OidcVerifier, oidc_config
from .ops.heartbeat import Heartbeat
from .places.setup import geocoder_ctx
from .problems import setup_problems
from .requests import RequestService, reconcile
from .routes import add_routes
from .routing_state import RoutingState
from .server.body import setup_body_timeout
from .server.streams import StreamSlots
from .settings import Settings
from .store_guard import StoreGuard, guard_stores
from .texts import setup_language
from .texts.data_labels import labels_of
from .tokens import TokenAuth
from .trajectories import TrajectoryService
from .triage import TriageProtocol

__all__ = ["create_app", "stores_for"]

_LOGGER = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 5.0


def stores_for(settings: Settings, region_id: str) -> Stores:
    """The stores the settings name (not opened yet)."""
    if settings.store_url.startswith("redis"):
        return open_stores(
            settings.store_url,
            region_id,
            socket_timeout=settings.redis_socket_timeout,
            min_replicas=settings.redis_min_replicas,
        )
    return open_stores(settings.store_url, region_id)


def create_app(
    settings: Settings,
    region: Region,
    protocol: TriageProtocol,
    *,
    neighbours: tuple[Region, ...] = (),
    stores: Stores | None = None,
) -> web.Application:
    """Build the service for ``region`` (and its ``neighbours`` for the cross-border view), triaging by ``protocol``."""
    app = web.Application(client_max_size=settings.max_body_bytes)
    metrics = Metrics()
    stores = timed_stores(stores or stores_for(settings, region.id), metrics.store_observer)
    # Every store call made for a request shares the request's one deadline (coordinator.deadline).
    backend = stores.backend
    guard = StoreGuard(backend.ping, lambda: backend.where)
    guarded = guard_stores(stores, guard)
    capacity = CapacityService(guarded.capacity, guarded.events, region)
    guard.degraded = lambda: capacity.view.degraded
    capacity.time_left = _time_left
    metrics.watch(capacity.view)
    notifier = Notifier(settings.webhook_url, metrics.webhooks)
    trajectories = TrajectoryService(guarded.records)
    auth = TokenAuth(guarded.tokens, settings.token_cache_seconds)
    capacity.add_listener("token.", auth)
    spool = AuditSpool(settings.audit_spool_dir)
    metrics.watch_spool(lambda: spool.pending)
    app[SETTINGS] = settings
    app[STORES] = stores
    app[CAPACITY] = capacity
    app[ROUTING] = RoutingState(neighbours)
    app[METRICS] = metrics
    app[AUTH] = auth
    app[BACKGROUND] = []
    app[BOARD_CACHE] = BoardCache()
    app[NOTIFIER] = notifier
    app[TRAJECTORIES] = trajectories
    app[HEARTBEAT] = Heartbeat(capacity.view)
    app[RELOAD] = asyncio.Event()
    app[LABELS] = labels_of(region, protocol, neighbours)
    app[REQUESTS] = RequestService(
        guarded.records,
        capacity,
        trajectories,
        protocol,
        hold_ttl=timedelta(seconds=settings.hold_ttl_seconds),
        on_placed=notifier.notify,
        observer=metrics,
    )
    app[REQUESTS].refusal_days = settings.refusal_penalty_days
    app[REQUESTS].followup = FollowUpMetrics(metrics.registry, {p.id: p.kind for p in region.providers.values()})
    app[STREAM_SLOTS] = StreamSlots(
        settings.max_streams, settings.max_streams_per_client, retry_after=settings.retry_after_seconds
    )
    app[REQUESTS].border = app[ROUTING].border_places if neighbours else None
    app[FORECAST] = ForecastService(capacity, guarded.records, protocol)
    app[AUDIT] = AuditLog(guarded.audit, spool, region.id, secrets.token_hex(4), settings.audit_retention_days)

    # Order matters, outermost first: the request id and access line cover everything; metrics time
    # everything including error mapping; problems turns every error into problem+json; the deadline
    # covers every store call of a request, the token's look-up included; auth runs before any handler
    # reads a body; the body deadline reads it (within the time allowed) only for a request that got
    # past auth.
    setup_request_ids(app)
    setup_language(app, app[LABELS])  # outside problems: a problem's detail is written in the reader's language
    setup_metrics(app, metrics)
    setup_problems(app, retry_after=settings.retry_after_seconds, max_body_bytes=settings.max_body_bytes)
    # /fhir answers its errors as OperationOutcome: inside the problems, outside auth (a 401 is one too).
    setup_fhir_errors(app, retry_after=settings.retry_after_seconds)
    setup_deadline(app, settings.store_deadline_seconds)
    oidc = oidc_config(settings)
    verifier = OidcVerifier(oidc) if oidc else None
    setup_auth(app, auth, verifier)
    setup_body_timeout(app, settings.body_timeout_seconds)

    app.cleanup_ctx.append(_store_ctx)
    app.cleanup_ctx.append(_audit_ctx)
    app.cleanup_ctx.append(_background_ctx)
    app.cleanup_ctx.append(_notifier_ctx)
    app.cleanup_ctx.append(geocoder_ctx)
    if verifier is not None:
        app.cleanup_ctx.append(verifier.ctx)
    setup_connectors(app)  # polled feeds, history, webhooks: after the store opens, before it closes
    app.on_shutdown.append(_close_streams)
    add_routes(app)
    return app


def _time_left() -> float | None:
    """Seconds left of the running request's store deadline (None outside a request)."""
    b = current_budget()
    return None if b is None else b.remaining()


async def _store_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the store, seed the region's entries and load the view; close the store last."""
    backend = app[STORES].backend
    await backend.open()
    try:
        await app[CAPACITY].start(utcnow())
        await app[AUTH].load()  # after the view: token events from its position on are followed
        if app[AUTH].known == 0:
            _LOGGER.warning(
                "no tokens exist yet; create one with: zcc token create --role admin --name 'NAME' --store %s",
                app[SETTINGS].store_url,
            )
        yield
    finally:
        try:
            await asyncio.wait_for(backend.close(), SHUTDOWN_GRACE_SECONDS)
        except TimeoutError:
            _LOGGER.error("the store did not close within %s s", SHUTDOWN_GRACE_SECONDS)


async def _expire_holds(app: web.Application) -> None:
    """Give back the places of holds past their time, every few seconds, on every instance (idempotent)."""
    capacity, metrics, requests = app[CAPACITY], app[METRICS], app[REQUESTS]
    interval = app[SETTINGS].expiry_interval_seconds
    while True:
        try:
            for hold in await capacity.expire():
                requests.observer.hold("expired")
                _LOGGER.info("hold %s at %s %s expired", hold.hold_id, hold.provider_id, hold.care_type)
                await requests.hold_expired(hold)
        except StoreUnavailable as exc:
            raise_if_cancelling()
            metrics.store_errors.labels("expire_holds").inc()
            _LOGGER.warning("cannot expire holds now: %s", exc.detail)
        await asyncio.sleep(interval)


async def _audit_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the audit spool and drain it into the store; at cleanup one last bounded drain, then close it."""
    audit, stores = app[AUDIT], app[STORES]
    spool = audit.spool
    await spool.open()
    drainer = asyncio.create_task(spool.run(stores.audit), name="zcc-audit-drainer")
    try:
        yield
    finally:
        drainer.cancel()
        # Bounded like every background task: a drain inside a store call may not end at once on cancel.
        await asyncio.wait([drainer], timeout=SHUTDOWN_GRACE_SECONDS / 2)
        if not drainer.done():
            _LOGGER.error("the audit drainer did not stop on cancel: %s", drainer.get_stack(limit=5))
        try:
            async with asyncio.timeout(SHUTDOWN_GRACE_SECONDS / 2):
                await spool.drain(stores.audit)
        except (TimeoutError, StoreUnavailable):
            _LOGGER.warning("%d audit entries stay in the spool until the next start", spool.pending)
        await spool.close()


async def _reconcile(app: web.Application) -> None:
    """Heal what lost replies left half done, every few seconds, on every instance (idempotent)."""
    settings, metrics, requests = app[SETTINGS], app[METRICS], app[REQUESTS]
    grace = timedelta(seconds=settings.reconcile_grace_seconds)
    while True:
        await asyncio.sleep(settings.reconcile_interval_seconds)
        try:
            with budget(max(10.0, settings.store_deadline_seconds)):
                healed = await reconcile(requests, grace)
        except StoreUnavailable as exc:
            raise_if_cancelling()
            _LOGGER.info("reconciliation skipped, the store is away: %s", exc.detail)
            continue
        for kind, n in healed.items():
            metrics.reconciled.labels(kind).inc(n)
            _LOGGER.warning("reconciliation healed %d x %s", n, kind)


async def _background_ctx(app: web.Application) -> AsyncIterator[None]:
    """Start the view follower, the hold expiry, the reconciliation and the routing jobs; cancel and await them."""
    jobs: dict[str, Coroutine[Any, Any, None]] = {
        "zcc-view-follower": app[CAPACITY].follow(block_ms=app[SETTINGS].view_block_ms),
        "zcc-tokens": app[AUTH].keep_current(),
        "zcc-token-use": app[AUTH].record_use(app[SETTINGS].token_use_flush_seconds),
        "zcc-reconcile": _reconcile(app),
        "zcc-hold-expiry": _expire_holds(app),
        "zcc-routing": reload.keep_routing_current(app),
        "zcc-neighbours": reload.follow_neighbours(app),
        "zcc-heartbeat": app[HEARTBEAT].run(app[STORES].instances),
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
    app[CAPACITY].view.close_subscribers()
