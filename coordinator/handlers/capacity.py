"""Capacity reports in, the board out (JSON and a Server-Sent Events stream)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from capacity.board import BoardReloaded, HealthChanged, RowsChanged
from capacity.clock import iso, utcnow
from capacity.errors import Forbidden, InvalidInput, StoreUnavailable, ZccError
from capacity.ingest import check_update
from capacity.model import KINDS
from capacity.view import CapacityView

from ..auth import require
from ..idempotency import idempotency_key
from ..jsonio import dumps, json_response
from ..keys import AUTH, BOARD_CACHE, CAPACITY, METRICS, SETTINGS, STREAM_SLOTS
from ..logs import bind
from ..metrics import Metrics
from ..schemas import capacity_updates, read_json

__all__ = ["capacity_stream", "get_capacity", "post_capacity"]

_LOGGER = logging.getLogger(__name__)

ALL_ROLES = ("provider", "triage", "dispatch", "ops", "admin")
SSE_HEARTBEAT_SECONDS = 15.0
SSE_CHECK_SECONDS = 1.0  # how often a quiet stream checks that its client is still there
# Metric label of a rejected report, by the field the rule named.
_REJECT_REASONS = {
    "provider_id": "unknown_provider",
    "care_type": "care_type_not_offered",
    "available": "available_over_total",
    "reported_at": "reported_in_future",
}


def _reject(metrics: Metrics, reason: str, exc: ZccError) -> ZccError:
    metrics.rejected.labels(reason).inc()
    return exc


async def post_capacity(request: web.Request) -> web.Response:
    """Apply one report or ``{"updates": [...]}``: all checked first, then applied in one atomic write."""
    who = require(request, "provider", "admin")
    app = request.app
    settings, capacity, metrics = app[SETTINGS], app[CAPACITY], app[METRICS]
    view = capacity.view
    region = view.region
    try:
        body = await read_json(request)
    except ZccError as exc:
        raise _reject(metrics, "malformed", exc) from None
    try:
        parsed, prefixes = capacity_updates(body, settings.max_batch)
    except ZccError as exc:
        raise _reject(metrics, "invalid", exc) from None
    bind(provider_id=",".join(sorted({u.provider_id for u in parsed})))

    now = utcnow()
    updates = []
    seen: set[tuple[str, str]] = set()
    for u, prefix in zip(parsed, prefixes, strict=True):
        if not who.may_write_provider(u.provider_id):
            raise _reject(
                metrics,
                "forbidden",
                Forbidden(
                    f"this token may not report for {u.provider_id!r}"
                    + (f"; it is scoped to {', '.join(sorted(who.providers))}" if who.providers else ""),
                    field=f"{prefix}provider_id",
                ),
            )
        if (u.provider_id, u.care_type) in seen:
            raise _reject(
                metrics,
                "invalid",
                InvalidInput(f"{u.provider_id} {u.care_type} appears twice in one batch", field=f"{prefix}care_type"),
            )
        seen.add((u.provider_id, u.care_type))
        known = view.entries.get((u.provider_id, u.care_type))
        try:
            updates.append(
                check_update(
                    region,
                    provider_id=u.provider_id,
                    care_type=u.care_type,
                    available=u.available,
                    total=u.total,
                    known_total=known.total if known else None,
                    reported_at=u.reported_at,
                    valid_for_minutes=u.valid_for_minutes or settings.default_valid_minutes,
                    now=now,
                    max_skew=timedelta(seconds=settings.max_clock_skew_seconds),
                    prefix=prefix,
                )
            )
        except InvalidInput as exc:
            field = (exc.field or "").rsplit(".", 1)[-1]
            raise _reject(metrics, _REJECT_REASONS.get(field, "invalid"), exc) from None

    idem = idempotency_key(request, who, body)
    try:
        results, replay = await capacity.report(updates, idem)
    except StoreUnavailable as exc:
        metrics.store_errors.labels("apply_updates").inc()
        raise _reject(metrics, "store_unavailable", exc) from None
    except ZccError as exc:
        raise _reject(metrics, "idempotency", exc) from None
    if not replay:
        for r in results:
            metrics.updates.labels(r.status).inc()
    headers = {"Idempotent-Replayed": "true"} if replay else None
    return json_response({"results": [r.to_dict() for r in results]}, headers=headers)


def _filters(request: web.Request, view: CapacityView) -> dict[str, set[str] | None]:
    """care_type / kind / provider filters: repeated or comma-separated; unknown values are 422."""
    region = view.region
    out: dict[str, set[str] | None] = {}
    for name, known in (
        ("care_type", set(region.care_types)),
        ("kind", set(KINDS)),
        ("provider", set(region.providers)),
    ):
        values = {v.strip() for raw in request.query.getall(name, []) for v in raw.split(",") if v.strip()}
        unknown = values - known
        if unknown:
            raise InvalidInput(f"unknown {name} {', '.join(sorted(unknown))}", field=name)
        out[name] = values or None
    return out


async def get_capacity(request: web.Request) -> web.Response:
    """The board, from the in-memory view (no store round trip)."""
    require(request, *ALL_ROLES)
    view, cache, now = request.app[CAPACITY].view, request.app[BOARD_CACHE], utcnow()
    f = _filters(request, view)
    key = (*(frozenset(v) if v else None for v in f.values()), view.degraded)
    second = int(now.timestamp())
    body = cache.get(key, view.changes, second)
    if body is None:
        rows = view.board(now, care_types=f["care_type"], kinds=f["kind"], providers=f["provider"])
        doc = {
            "region": view.region.id,
            "degraded": view.degraded,
            "generated_at": iso(now),
            "entries": [r.to_json(now) for r in rows],
        }
        body = dumps(doc).encode()
        cache.put(key, view.changes, second, body)
    return web.Response(body=body, content_type="application/json")


def _wanted(provider_id: str, care_type: str, kind: str, f: dict[str, set[str] | None]) -> bool:
    """Whether a row passes a stream's filters."""
    return (
        (not f["care_type"] or care_type in f["care_type"])
        and (not f["provider"] or provider_id in f["provider"])
        and (not f["kind"] or kind in f["kind"])
    )


def _sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def capacity_stream(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: a ``board`` event with every entry, then ``entry``, ``health`` and ``reload`` events.

    A client that falls behind or loses the connection reconnects and starts
    again from a fresh ``board``; a comment line every 15 s keeps proxies open.
    """
    who = require(request, *ALL_ROLES)
    view = request.app[CAPACITY].view
    f = _filters(request, view)
    # A slot per stream, capped per client address and in all (503 with Retry-After when full);
    # a client that stops reading is cut off by the server's send timeout (coordinator/server).
    with request.app[STREAM_SLOTS].hold(request.remote or "?"):
        return await _stream(request, view, f, lambda: request.app[AUTH].active(who))


async def _stream(
    request: web.Request, view: CapacityView, f: dict[str, set[str] | None], allowed: Callable[[], bool]
) -> web.StreamResponse:
    """Write the stream until the view closes it, the client goes away or its token is revoked."""
    queue = view.subscribe()
    resp = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )

    def board_event(now: datetime) -> bytes:
        rows = view.board(now, care_types=f["care_type"], kinds=f["kind"], providers=f["provider"])
        body = {"region": view.region.id, "degraded": view.degraded, "entries": [r.to_json(now) for r in rows]}
        return _sse("board", body)

    try:
        await resp.prepare(request)
        now = utcnow()
        await resp.write(board_event(now))
        quiet = 0.0
        while allowed():
            try:
                change = await asyncio.wait_for(queue.get(), SSE_CHECK_SECONDS)
            except TimeoutError:
                if request.transport is None or request.transport.is_closing():
                    break  # the client went away: free its slot now, not at the next heartbeat
                quiet += SSE_CHECK_SECONDS
                if quiet >= SSE_HEARTBEAT_SECONDS:
                    quiet = 0.0
                    await resp.write(b": keep-alive\n\n")
                continue
            if change is None:
                break
            now = utcnow()
            if isinstance(change, RowsChanged):
                for row in change.rows:
                    if _wanted(row.entry.provider_id, row.entry.care_type, row.kind, f):
                        await resp.write(_sse("entry", row.to_json(now)))
            elif isinstance(change, HealthChanged):
                await resp.write(_sse("health", {"degraded": change.degraded}))
            elif isinstance(change, BoardReloaded):
                await resp.write(board_event(now))
    except ConnectionResetError:
        return resp  # the client went away
    finally:
        view.unsubscribe(queue)
    with contextlib.suppress(ConnectionResetError):
        await resp.write_eof()
    return resp
