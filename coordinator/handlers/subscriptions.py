"""Webhook subscriptions (ops and admin): register, list, read, delete, and each one's deliveries."""

from __future__ import annotations

import logging
import secrets

from aiohttp import web

from capacity.clock import utcnow
from capacity.errors import InvalidInput, NotFound
from capacity.store.interop import Delivery, Subscription

from ..auth import require
from ..jsonio import json_response, read_json
from ..keys import CAPACITY, CONNECTORS
from ..subscriptions.model import EVENTS, check_subscription

__all__ = [
    "create_subscription",
    "delete_subscription",
    "get_subscription",
    "list_deliveries",
    "list_subscriptions",
]

_LOGGER = logging.getLogger(__name__)

_ROLES = ("ops", "admin")


def _sub_id(request: web.Request) -> str:
    sub_id = request.match_info["subscription_id"]
    if not (1 <= len(sub_id) <= 64) or not sub_id.replace("-", "").isalnum():
        raise NotFound(f"no subscription {sub_id[:64]!r}", field="subscription_id")
    return sub_id


async def _found(request: web.Request) -> Subscription:
    sub_id = _sub_id(request)
    sub = await request.app[CONNECTORS].stores.subscriptions.get(sub_id)
    if sub is None:
        raise NotFound(f"no subscription {sub_id!r}", field="subscription_id")
    return sub


async def create_subscription(request: web.Request) -> web.Response:
    """Register a webhook; answers 201 with the subscription (never its secret)."""
    who = require(request, *_ROLES)
    body = await read_json(request)
    checked = check_subscription(body, request.app[CAPACITY].region.care_types)
    sub = Subscription(
        id=f"sub-{secrets.token_hex(8)}",
        url=checked.url,
        secret=checked.secret,
        events=tuple(checked.events or EVENTS),
        thresholds=dict(checked.thresholds or {}),
        created_at=utcnow().replace(microsecond=0),
        created_by=who.token_id,
    )
    connectors = request.app[CONNECTORS]
    await connectors.stores.subscriptions.put(sub)
    connectors.webhooks.added(sub)
    _LOGGER.info("subscription %s to %s for %s by token %s", sub.id, sub.url, ",".join(sub.events), who.token_id)
    return json_response(sub.public(), status=201, headers={"Location": f"/api/v1/subscriptions/{sub.id}"})


async def list_subscriptions(request: web.Request) -> web.Response:
    """Every subscription."""
    require(request, *_ROLES)
    subs = await request.app[CONNECTORS].stores.subscriptions.all()
    return json_response({"subscriptions": [s.public() for s in subs]})


async def get_subscription(request: web.Request) -> web.Response:
    """One subscription."""
    require(request, *_ROLES)
    return json_response((await _found(request)).public())


async def delete_subscription(request: web.Request) -> web.Response:
    """Remove a subscription: no more deliveries to it."""
    require(request, *_ROLES)
    sub_id = _sub_id(request)
    connectors = request.app[CONNECTORS]
    if not await connectors.stores.subscriptions.delete(sub_id):
        raise NotFound(f"no subscription {sub_id!r}", field="subscription_id")
    connectors.webhooks.removed(sub_id)
    return web.Response(status=204)


def _delivery(d: Delivery) -> dict[str, object]:
    from datetime import UTC, datetime

    def at(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")

    return {
        "id": d.id,
        "event": d.event,
        "status": d.status,
        "attempts": d.attempts,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "created_at": at(d.created_at_ms),
        "updated_at": at(d.updated_at_ms or d.created_at_ms),
    }


async def list_deliveries(request: web.Request) -> web.Response:
    """A subscription's deliveries, newest first (the latest 200 are kept)."""
    require(request, *_ROLES)
    raw = request.query.get("limit", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= 200:
        raise InvalidInput("limit must be a whole number 1 to 200", field="limit")
    sub = await _found(request)
    found = await request.app[CONNECTORS].stores.subscriptions.deliveries(sub.id, int(raw))
    return json_response({"subscription_id": sub.id, "deliveries": [_delivery(d) for d in found]})
