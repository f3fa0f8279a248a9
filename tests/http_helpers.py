"""Building the real app for HTTP tests, and small request helpers."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeAlias

from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from capacity.clock import utcnow
from capacity.model import Region
from coordinator.app import create_app
from coordinator.keys import AUTH, ROUTING
from coordinator.settings import Settings
from coordinator.triage import TriageProtocol, load_protocol

__all__ = ["REAL_DEADLINES", "Client", "auth", "iso", "make_app", "report", "shipped_protocol", "started", "token"]

Client: TypeAlias = TestClient[web.Request, web.Application]


#: The store deadline and the triage answer time of a service with default settings.
REAL_DEADLINES: dict[str, Any] = {
    f.name: f.default
    for f in dataclasses.fields(Settings)
    if f.name in ("store_deadline_seconds", "triage_answer_seconds")
}


def make_app(
    store_url: str, region: Region, *, neighbours: tuple[Region, ...] = (), **settings: Any
) -> web.Application:
    """The real app with test settings (fast expiry and follower; its own audit spool, removed at cleanup)."""
    defaults: dict[str, Any] = {
        "expiry_interval_seconds": 0.2,
        "view_block_ms": 200,
        "token_cache_seconds": 0.0,
        "map_tiles": "",  # tests never reach out for map tiles; map tests serve their own
        # A shared, loaded test machine must not turn an ordinary test into an outage: tests of the
        # deadlines themselves pass REAL_DEADLINES (the service's own defaults) or their own.
        "store_deadline_seconds": 10.0,
        "triage_answer_seconds": 5.0,
        "gc_freeze": False,  # one test process starts a thousand apps; frozen objects of stopped ones would stay
    }
    defaults.update(settings)
    own_spool = "audit_spool_dir" not in defaults
    if own_spool:
        defaults["audit_spool_dir"] = Path(tempfile.mkdtemp(prefix="zcc-spool-"))
    app = create_app(Settings(store_url=store_url, **defaults), region, shipped_protocol(), neighbours=neighbours)
    if own_spool:
        spool_dir = defaults["audit_spool_dir"]

        async def remove_spool(_: web.Application) -> None:
            shutil.rmtree(spool_dir, ignore_errors=True)

        app.on_cleanup.append(remove_spool)
    return app


@functools.cache
def shipped_protocol() -> TriageProtocol:
    """The shipped triage protocol, read once per test session."""
    return load_protocol()


async def token(app: web.Application, role: str, *providers: str, practitioner: str | None = None) -> str:
    """A fresh bearer token of ``role`` in the app's store."""
    tok, _ = await app[AUTH].create(role, tuple(providers), practitioner)
    return tok


def auth(tok: str, **headers: str) -> dict[str, str]:
    """Authorization header (plus extra headers); texts in English, as most tests read them (Dutch is the
    default: tests/texts checks it, and passes ``Accept-Language`` itself)."""
    return {"Authorization": f"Bearer {tok}", "Accept-Language": "en", **headers}


def iso(dt: datetime) -> str:
    """ISO 8601 UTC."""
    return dt.isoformat().replace("+00:00", "Z")


def report(
    provider_id: str,
    care_type: str,
    available: int,
    total: int | None = None,
    *,
    at: datetime | None = None,
    minutes: int | None = None,
) -> dict[str, Any]:
    """A capacity update body."""
    body: dict[str, Any] = {
        "provider_id": provider_id,
        "care_type": care_type,
        "available": available,
        "reported_at": iso(at or utcnow() - timedelta(seconds=1)),
    }
    if total is not None:
        body["total"] = total
    if minutes is not None:
        body["valid_for_minutes"] = minutes
    return body


async def started(aiohttp_client: AiohttpClient, app: web.Application) -> Client:
    """A test client of ``app`` once its routing (travel matrix) is built."""
    client = await aiohttp_client(app)
    await asyncio.wait_for(client.app[ROUTING].ready.wait(), 10)
    return client
