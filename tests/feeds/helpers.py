"""A local feed server (aiohttp) whose answer a test sets, and a region whose providers have feeds."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from capacity.clock import utcnow
from capacity.model import Feed, Region

from ..http_helpers import Client, iso
from ..regions import tiny_region

__all__ = ["FeedServer", "feed_region", "metric", "zcc_json"]


def feed_region(url: str, fmt: str = "zcc-json", every: float = 0.5, provider: str = "vvt-a", **kw: Any) -> Region:
    """The tiny region with a feed on ``provider``."""
    region = tiny_region(kw.pop("region_id", "tiny"))
    p = region.providers[provider]
    providers = {**region.providers, provider: replace(p, feed=Feed(url=url, format=fmt, every_seconds=every, **kw))}
    return replace(region, providers=providers)


def zcc_json(provider: str, care_type: str, available: int, *, at: datetime | None = None, minutes: int = 60) -> bytes:
    """A zcc-json feed document of one report."""
    doc = {
        "provider_id": provider,
        "care_type": care_type,
        "available": available,
        "reported_at": iso(at or utcnow() - timedelta(seconds=1)),
        "valid_for_minutes": minutes,
    }
    return json.dumps({"updates": [doc]}).encode()


class FeedServer:
    """Answers GET /feed with ``body`` (and an ETag), or a status, or slowly; records every hit."""

    def __init__(self) -> None:
        self.body = b""
        self.content_type = "application/json"
        self.status = 200
        self.delay = 0.0
        self.etag: str | None = None
        self.hits: list[float] = []
        self.headers: list[dict[str, str]] = []

    def app(self) -> web.Application:
        """The feed's aiohttp app."""
        app = web.Application()
        app.router.add_get("/feed", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(time.monotonic())
        self.headers.append(dict(request.headers))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            return web.Response(status=self.status, text="kapot")
        if self.etag and request.headers.get("If-None-Match") == self.etag:
            return web.Response(status=304)
        headers = {"ETag": self.etag} if self.etag else {}
        return web.Response(body=self.body, content_type=self.content_type, headers=headers)


async def metric(client: Client, name: str, **labels: str) -> float:
    """The value of one sample of ``/metrics`` (0 when absent)."""
    text = await (await client.get("/metrics")).text()
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        m = re.match(r"^(\w+)\{([^}]*)\} (\S+)$", line)
        if m and m.group(1) == name and ",".join(sorted(m.group(2).split(","))) == want:
            return float(m.group(3))
    return 0.0
