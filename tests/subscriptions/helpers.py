"""A local webhook receiver that checks nothing and records everything; it can fail its first calls."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from aiohttp import web

__all__ = ["Receiver", "signed"]


def signed(secret: str, body: bytes, header: str) -> bool:
    """Whether ``header`` is the X-Zcc-Signature of ``body`` under ``secret``."""
    want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, header)


class Receiver:
    """POST /hook: answers 500 to the first ``fail_first`` calls, then 204; keeps (headers, body) of each call."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.calls: list[tuple[dict[str, str], bytes]] = []

    def app(self) -> web.Application:
        """The receiver's aiohttp app."""
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.calls.append((dict(request.headers), await request.read()))
        if len(self.calls) <= self.fail_first:
            return web.Response(status=500)
        return web.Response(status=204)

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        """The delivered bodies (of event ``name``), in arrival order; a repeated delivery id counts once."""
        seen: dict[str, dict[str, Any]] = {}
        for _, body in self.calls:
            doc = json.loads(body)
            if name is None or doc["event"] == name:
                seen.setdefault(doc["id"], doc)
        return list(seen.values())
