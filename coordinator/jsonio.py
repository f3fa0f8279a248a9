"""JSON at the edge: strict, bounded parsing of request bodies; compact responses (UTF-8 names kept as they are)."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
from aiohttp import web

from capacity.errors import InvalidInput, MalformedBody
from capacity.messages import msg

from .texts.localise import localise

__all__ = ["MAX_DEPTH", "dumps", "json_response", "parse_json", "read_json"]

#: How deep a JSON body may nest; no request model needs more than 4 levels.
MAX_DEPTH = 16

# orjson encodes a dispatch answer some 5x faster than the standard library (measured in bench/dispatch.py), is
# strict (a NaN becomes null, never invalid JSON) and well kept; compact, UTF-8 names kept as they are.
_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(data: Any) -> str:
    """Compact JSON text."""
    return orjson.dumps(data, option=_OPTIONS).decode()


def json_response(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None, localised: bool = False
) -> web.Response:
    """A compact application/json response; every coded text in it rendered in the reader's language.

    ``localised``: the handler rendered its texts itself (``texts.localise.coded``); the answer is not walked.
    """
    body = orjson.dumps(data if localised else localise(data), option=_OPTIONS)
    return web.Response(body=body, status=status, headers=headers, content_type="application/json", charset="utf-8")


async def read_json(request: web.Request) -> Any:
    """The parsed JSON body; 415 for another content type, 400 for malformed, non-standard or too deep JSON."""
    ctype = request.content_type
    if ctype not in ("application/json", "application/problem+json") and not ctype.endswith("+json"):
        raise web.HTTPUnsupportedMediaType(text=f"send Content-Type: application/json, not {ctype or 'nothing'}")
    raw = await request.read()
    if not raw:
        raise InvalidInput(msg("error.body_empty"), field="body")
    return parse_json(raw)


def parse_json(raw: bytes) -> Any:
    """Strict JSON (RFC 8259: no NaN or Infinity) nested at most MAX_DEPTH levels; MalformedBody naming the body."""
    try:
        data = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError) as exc:
        where = f"{exc.lineno}:{exc.colno}" if isinstance(exc, json.JSONDecodeError) else "?"
        raise MalformedBody(msg("error.not_json", where=where), field="body") from None
    if _depth_over(data, MAX_DEPTH):
        raise _too_deep()
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is out of range for a number")
    return value


def _too_deep() -> MalformedBody:
    return MalformedBody(f"the body nests deeper than {MAX_DEPTH} levels; no request needs that", field="body")


def _depth_over(data: Any, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit`` (iterative: no recursion on hostile input)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
