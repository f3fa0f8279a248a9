"""Structured logs: JSON lines (or text for a terminal), a request id per HTTP request, one access line each.

Every line carries ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``; a line written while a
request is handled also carries its ``request_id``, ``route`` and, where known, ``provider_id``. The access
line adds ``method``, ``path`` (no query string: dispatch's coordinates are the patient's whereabouts),
``status`` and ``duration_ms``. Nothing here logs a request body: patient data appears in logs only as the
pseudonymous reference inside a path. python-json-logger does the JSON (a well-kept formatter that handles
extra fields, exceptions and encoding); this module only adds the request's context to each record.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TextIO

from aiohttp import web
from pythonjsonlogger.json import JsonFormatter

__all__ = [
    "REQUEST_ID_HEADER",
    "REQUEST_ID_KEY",
    "RequestContextFilter",
    "bind",
    "configure_logging",
    "current_request_id",
    "json_formatter",
    "new_request_id",
    "setup_request_ids",
]

_ACCESS = logging.getLogger("zcc.access")

REQUEST_ID_HEADER = "X-Request-Id"
REQUEST_ID_KEY = web.RequestKey("request_id", str)
# A caller's id is taken as it is when it looks like an id (a proxy's, a client's UUID); anything else is
# replaced, so a log line never carries what a client chose to put in a header.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("zcc_log_context", default=None)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def new_request_id() -> str:
    """A fresh request id (32 hex digits)."""
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request being handled in this task, or None outside a request."""
    ctx = _context.get()
    return ctx.get("request_id") if ctx else None


def bind(**fields: str | int | None) -> None:
    """Add fields (e.g. ``provider_id``) to every later log line of the current request."""
    ctx = _context.get()
    if ctx is not None:
        ctx.update({k: v for k, v in fields.items() if v is not None})


class RequestContextFilter(logging.Filter):
    """Copies the current request's fields onto each record, so every formatter can show them."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always passes the record on."""
        ctx = _context.get()
        if ctx:
            for key, value in ctx.items():
                if not hasattr(record, key):
                    setattr(record, key, value)
        return True


def json_formatter() -> logging.Formatter:
    """The JSON lines formatter: time, level, logger, message and every extra field of the record."""
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        json_ensure_ascii=False,
    )


class _TextFormatter(logging.Formatter):
    """One readable line, with the request id and the access fields when a record has them."""

    _EXTRA = ("request_id", "route", "provider_id", "method", "path", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        """The base line followed by ``key=value`` of the known extra fields."""
        line = super().format(record)
        extra = " ".join(f"{k}={getattr(record, k)}" for k in self._EXTRA if hasattr(record, k))
        return f"{line} [{extra}]" if extra else line


def configure_logging(
    fmt: Literal["json", "text"] = "json", *, level: int = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Send every log line to ``stream`` (stderr) as JSON lines or text; replaces the root's handlers."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(json_formatter())
    else:
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def setup_request_ids(app: web.Application) -> None:
    """Install the outermost middleware: a request id for every request, echoed in ``X-Request-Id``, and one
    access line per request (INFO; the probes and the scrape at DEBUG, so they do not drown the rest)."""

    @web.middleware
    async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SANE_ID.fullmatch(incoming) else new_request_id()
        route = request.match_info.route.name or "unmatched"
        ctx: dict[str, Any] = {"request_id": request_id, "route": route}
        if pid := request.match_info.get("provider_id"):
            ctx["provider_id"] = pid
        request[REQUEST_ID_KEY] = request_id
        token = _context.set(ctx)
        start = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            level = logging.DEBUG if route in ("healthz", "readyz", "metrics", "static") else logging.INFO
            _ACCESS.log(
                level,
                "%s %s %s",
                request.method,
                route,
                status,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                },
            )
            _context.reset(token)

    async def echo_request_id(request: web.Request, response: web.StreamResponse) -> None:
        # On prepare, so streamed responses (SSE) and aiohttp's own error pages carry it too.
        request_id = request.get(REQUEST_ID_KEY)
        if request_id is not None:
            response.headers[REQUEST_ID_HEADER] = request_id

    app.middlewares.append(request_id_middleware)
    app.on_response_prepare.append(echo_request_id)
