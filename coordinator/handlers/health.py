"""Liveness, readiness and the Prometheus scrape endpoint."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from capacity.clock import iso
from capacity.errors import StoreUnavailable
from capacity.jsontypes import JSONObject

from ..jsonio import json_response
from ..keys import AUDIT, AUTH, CAPACITY, METRICS, ROUTING, STORES
from ..problems import problem

__all__ = ["healthz", "metrics", "readyz"]


async def healthz(request: web.Request) -> web.Response:
    """Alive: the process answers (it says nothing about the store)."""
    return json_response({"status": "ok"})


def _tokens(request: web.Request, store_up: bool) -> JSONObject:
    """The token grants this instance answers from: live (followed from the store) or the last known set."""
    auth = request.app[AUTH]
    live = store_up and not request.app[CAPACITY].view.degraded
    return {"known": auth.known, "source": "live" if live else "last_known", "loaded_at": iso(auth.loaded_at)}


def _spool(request: web.Request) -> JSONObject:
    """Audit entries this instance holds that are not in the store yet."""
    return {"pending": request.app[AUDIT].spool.pending}


async def readyz(request: web.Request) -> web.Response:
    """Ready: the store answers, the view is loaded and the travel times are built; 503 otherwise.

    A 503 for an unreachable store says what still works meanwhile.
    """
    view = request.app[CAPACITY].view
    try:
        await request.app[STORES].backend.ping()
    except StoreUnavailable as exc:
        return problem(
            503,
            "Not ready",
            f"the store is unreachable: {exc.detail}; triage, the board and known tokens keep working",
            headers={"Retry-After": "5"},
            degraded=True,
            tokens=_tokens(request, store_up=False),
            audit_spool=_spool(request),
        )
    if not view.loaded:
        return problem(503, "Not ready", "the capacity view is still loading", headers={"Retry-After": "1"})
    if request.app[ROUTING].current is None:
        # Dispatch and proposals answer 503 until the travel-time matrix exists: a load balancer must not
        # send this instance traffic before then.
        return problem(503, "Not ready", "the travel-time matrix is still being built", headers={"Retry-After": "2"})
    return json_response(
        {
            "status": "ready",
            "degraded": view.degraded,
            "last_event_id": view.last_event_id,
            "tokens": _tokens(request, store_up=True),
            "audit_spool": _spool(request),
        }
    )


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition of this app's registry."""
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
