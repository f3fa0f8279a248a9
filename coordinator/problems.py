"""RFC 9457 problem responses: the one table from error code to HTTP status, and the middleware that uses it."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from capacity.errors import NotAuthenticated, StoreUnavailable, ZccError
from capacity.jsontypes import JSONObject

from .logs import current_request_id

__all__ = ["STATUS_OF", "problem", "setup_problems", "status_of"]

_LOGGER = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"

#: Every domain error code (capacity.errors) -> HTTP status and the problem's title.
STATUS_OF: Mapping[str, tuple[int, str]] = {
    "invalid-input": (422, "Invalid input"),
    "idempotency-key-reused": (422, "Idempotency-Key reused with another body"),
    "malformed-json": (400, "Malformed JSON"),
    "outside-region": (422, "Location outside the region"),
    "unauthorized": (401, "Unauthorized"),
    "forbidden": (403, "Forbidden"),
    "not-found": (404, "Not found"),
    "conflict": (409, "Conflict"),
    "place-gone": (409, "Place no longer available"),
    "invalid-transition": (409, "Invalid transition"),
    "store-unavailable": (503, "Store unavailable"),
    "outcome-unknown": (503, "Outcome unknown: repeat with the same Idempotency-Key"),
    "audit-unavailable": (503, "Audit log unavailable"),
    "issuer-unavailable": (503, "Identity provider unavailable"),
    "invalid-config": (422, "Invalid configuration"),
    "internal": (500, "Internal error"),
}


def status_of(exc: ZccError) -> tuple[int, str]:
    """The HTTP status and title of a domain error (by its own code, else the nearest ancestor's)."""
    for cls in type(exc).__mro__:
        hit = STATUS_OF.get(getattr(cls, "code", ""))
        if hit is not None:
            return hit
    return STATUS_OF["internal"]


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    code: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> web.Response:
    """A problem+json response."""
    body: JSONObject = {
        "type": f"https://zcc.example/problems/{code or status}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if request_id := current_request_id():
        body["request_id"] = request_id  # the same id as the X-Request-Id header and the log lines
    body.update({k: v for k, v in extra.items() if v is not None})
    return web.Response(
        status=status,
        text=json.dumps(body, ensure_ascii=False),
        content_type=PROBLEM_TYPE,
        headers=headers,
    )


def _from_zcc_error(request: web.Request, exc: ZccError, retry_after: int) -> web.Response:
    headers: dict[str, str] = {}
    if isinstance(exc, StoreUnavailable):
        headers["Retry-After"] = str(retry_after)
    if isinstance(exc, NotAuthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="zcc"'
    status, title = status_of(exc)
    return problem(
        status,
        title,
        exc.detail,
        code=exc.code,
        instance=request.path,
        headers=headers or None,
        field=exc.field,
        errors=exc.errors,
    )


def setup_problems(app: web.Application, *, retry_after: int = 5, max_body_bytes: int = 1024 * 1024) -> None:
    """Install the middleware that turns domain errors, HTTP errors and crashes into problems."""

    @web.middleware
    async def problems_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
            return response
        except ZccError as exc:
            return _from_zcc_error(request, exc, retry_after)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            detail = exc.text or exc.reason
            if exc.status == 413:
                detail = f"the request body is larger than the limit of {max_body_bytes} bytes"
            if exc.status == 405:
                detail = f"{request.method} is not allowed on {request.path}"
            if exc.status == 404:
                detail = f"no resource at {request.path}"
            headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
            return problem(exc.status, exc.reason, detail, instance=request.path, headers=headers or None)
        except Exception:
            incident = uuid.uuid4().hex[:12]
            _LOGGER.exception("unhandled error on %s %s (incident %s)", request.method, request.path, incident)
            return problem(
                500,
                "Internal error",
                f"something went wrong on our side; quote incident {incident} to the operators",
                instance=request.path,
                incident=incident,
            )

    app.middlewares.append(problems_middleware)
