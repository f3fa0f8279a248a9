"""RFC 9457 problem responses, and the one middleware that maps every error to one."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from aiohttp import web

from capacity.errors import StoreUnavailable, ZccError

__all__ = ["Forbidden", "Unauthorized", "problem", "setup_problems"]

_LOGGER = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"


class Unauthorized(ZccError):
    """No valid bearer token."""

    status = 401
    code = "unauthorized"
    title = "Unauthorized"


class Forbidden(ZccError):
    """The token's role or scope does not allow this."""

    status = 403
    code = "forbidden"
    title = "Forbidden"


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
    body: dict[str, Any] = {
        "type": f"https://zcc.example/problems/{code or status}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
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
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="zcc"'
    return problem(
        exc.status,
        exc.title,
        exc.detail,
        code=exc.code,
        instance=request.path,
        headers=headers or None,
        field=exc.field,
        errors=exc.errors,
    )


def setup_problems(app: web.Application, *, retry_after: int = 5, max_body_bytes: int = 1024 * 1024) -> None:
    """Install the outermost middleware: domain errors, HTTP errors and crashes become problems."""

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
