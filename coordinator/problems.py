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
from capacity.messages import Message, msg

from .logs import current_request_id
from .texts import catalogue, current_language, localise, text_of

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
    body.update(localise({k: v for k, v in extra.items() if v is not None}))
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
    lang = current_language()
    coded = exc.message.to_json() if exc.message is not None else None
    detail = text_of(coded, lang) if coded is not None else exc.detail
    return problem(
        status,
        _title(exc.code if exc.code in STATUS_OF else "internal", title, lang),
        detail,
        code=exc.code,
        instance=request.path,
        headers=headers or None,
        field=exc.field,
        errors=localise(exc.errors, lang) if exc.errors else None,
        detail_coded=coded,
    )


def _title(code: str, fallback: str, lang: str) -> str:
    """The problem's title in the reader's language (``problem.title.CODE`` in the catalogue)."""
    title = catalogue().texts(lang).get(f"problem.title.{code}")
    return title if isinstance(title, str) else fallback


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
            message: Message | None = None
            if exc.status == 413:
                message = msg("problem.body_too_large", limit=max_body_bytes)
            if exc.status == 405:
                message = msg("problem.method_not_allowed", method=request.method, path=request.path)
            if exc.status == 404:
                message = msg("problem.no_resource", path=request.path)
            lang = current_language()
            coded = message.to_json() if message is not None else None
            if coded is not None:
                detail = text_of(coded, lang)
            headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
            title = _title(f"http_{exc.status}", exc.reason, lang)
            return problem(
                exc.status, title, detail, instance=request.path, headers=headers or None, detail_coded=coded
            )
        except Exception:
            incident = uuid.uuid4().hex[:12]
            _LOGGER.exception("unhandled error on %s %s (incident %s)", request.method, request.path, incident)
            coded = msg("problem.internal", incident=incident).to_json()
            lang = current_language()
            return problem(
                500,
                _title("internal", "Internal error", lang),
                text_of(coded, lang),
                instance=request.path,
                incident=incident,
                detail_coded=coded,
            )

    app.middlewares.append(problems_middleware)
