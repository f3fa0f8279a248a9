"""Liveness, readiness and the Prometheus scrape endpoint."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from capacity.errors import StoreUnavailable

from ..jsonio import json_response
from ..keys import CAPACITY, METRICS, STORES
from ..problems import problem

__all__ = ["healthz", "metrics", "readyz"]


async def healthz(request: web.Request) -> web.Response:
    """Alive: the process answers (it says nothing about the store)."""
    return json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready: the store answers and the view is loaded; 503 otherwise."""
    view = request.app[CAPACITY].view
    try:
        await request.app[STORES].backend.ping()
    except StoreUnavailable as exc:
        return problem(503, "Not ready", f"the store is unreachable: {exc.detail}", headers={"Retry-After": "5"})
    if not view.loaded:
        return problem(503, "Not ready", "the capacity view is still loading", headers={"Retry-After": "1"})
    return json_response({"status": "ready", "degraded": view.degraded, "last_event_id": view.last_event_id})


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition of this app's registry."""
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
