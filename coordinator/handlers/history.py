"""Capacity history: free, held and total per step for a care type, a provider or both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from capacity.clock import iso, utcnow
from capacity.errors import InvalidInput

from ..auth import require
from ..history import default_step, parse_step
from ..jsonio import json_response
from ..keys import CAPACITY, CONNECTORS

__all__ = ["get_history"]

_ROLES = ("provider", "triage", "dispatch", "ops", "admin")
_ALLOWED = frozenset({"care_type", "provider", "from", "to", "step"})


def _time(request: web.Request, name: str, default: datetime) -> datetime:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise InvalidInput(f"{name} {raw!r} is not an ISO 8601 time such as 2026-11-23T14:00:00Z", field=name) from None
    if value.tzinfo is None:
        raise InvalidInput(f"{name} needs a UTC offset (Z or +01:00)", field=name)
    if not 2000 <= value.year <= 2200:
        raise InvalidInput(f"{name} must lie between the years 2000 and 2200", field=name)
    return value.astimezone(UTC)


def _one(request: web.Request, name: str) -> str | None:
    values = request.query.getall(name, [])
    if len(values) > 1:
        raise InvalidInput(f"give {name} once", field=name)
    return values[0].strip() if values else None


async def get_history(request: web.Request) -> web.Response:
    """``GET /api/v1/capacity/history?care_type=&provider=&from=&to=&step=``: stale stretches are gaps (null)."""
    require(request, *_ROLES)
    for name in request.query:
        if name not in _ALLOWED:
            raise InvalidInput(f"unknown query parameter {name!r}", field=name)
    region = request.app[CAPACITY].region
    care_type, provider = _one(request, "care_type"), _one(request, "provider")
    if not care_type and not provider:
        raise InvalidInput("give a care_type, a provider or both", field="care_type")
    if care_type and care_type not in region.care_types:
        raise InvalidInput(f"unknown care_type {care_type!r}", field="care_type")
    if provider and provider not in region.providers:
        raise InvalidInput(f"unknown provider {provider!r}", field="provider")
    keys = [
        (p.id, o.care_type)
        for p, o in region.offers()
        if (not care_type or o.care_type == care_type) and (not provider or p.id == provider)
    ]
    if not keys:
        raise InvalidInput(f"{provider} does not offer {care_type}", field="care_type")
    now = utcnow()
    end = min(_time(request, "to", now), now)  # the future is the forecast's business, not history's
    start = _time(request, "from", end - timedelta(hours=24))
    if start >= end:
        raise InvalidInput("from must be before to", field="from")
    service = request.app[CONNECTORS].history
    if end - start > timedelta(days=service.keep_s[86400] // 86400 + 1):
        raise InvalidInput(
            f"the range is longer than the history kept ({service.keep_s[86400] // 86400} days)", field="from"
        )
    raw_step = _one(request, "step")
    step = parse_step(raw_step) if raw_step else default_step(start, end)
    answer = await service.query(keys, start, end, step)
    return json_response(
        {
            "region": region.id,
            "care_type": care_type,
            "provider": provider,
            "from": iso(answer.first),
            "to": iso(answer.last),
            "step_seconds": answer.step_seconds,
            "resolution_seconds": answer.resolution_seconds,
            "entries": len(keys),
            "points": [
                {
                    "at": iso(datetime.fromtimestamp(p.at_ms / 1000, UTC)),
                    "free": p.free,
                    "held": p.held,
                    "total": p.total,
                    "reporting": p.reporting,
                }
                for p in answer.points
            ],
        }
    )
