"""Compact JSON for responses (no spaces; UTF-8 names such as 'Zorgcentrum Sint-Jozef' kept as they are)."""

from __future__ import annotations

import functools
import json
from typing import Any

from aiohttp import web

__all__ = ["dumps", "json_response"]

dumps = functools.partial(json.dumps, separators=(",", ":"), ensure_ascii=False)


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A compact application/json response."""
    return web.json_response(data, status=status, headers=headers, dumps=dumps)
