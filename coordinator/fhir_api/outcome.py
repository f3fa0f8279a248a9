"""Errors under ``/fhir`` as OperationOutcome (the FHIR twin of problem+json), with the element as FHIRPath."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from capacity.errors import NotAuthenticated, StoreUnavailable, ZccError
from capacity.jsontypes import JSONObject

from ..problems import status_of

__all__ = ["FHIR_JSON", "fhir_response", "issue", "operation_outcome", "setup_fhir_errors"]

_LOGGER = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"

#: zcc's error codes -> OperationOutcome.issue.code (http://hl7.org/fhir/issue-type).
_ISSUE_TYPE = {
    "invalid-input": "invalid",
    "idempotency-key-reused": "conflict",
    "malformed-json": "structure",
    "unauthorized": "login",
    "forbidden": "forbidden",
    "not-found": "not-found",
    "conflict": "conflict",
    "store-unavailable": "transient",
    "outcome-unknown": "transient",
    "audit-unavailable": "transient",
}
_HTTP_ISSUE = {404: "not-found", 405: "not-supported", 413: "too-long", 415: "not-supported", 406: "not-supported"}


def issue(
    detail: str, *, code: str, severity: str = "error", expression: str | None = None, zcc_code: str | None = None
) -> JSONObject:
    """One OperationOutcome issue; ``expression`` the FHIRPath of the element at fault, ``zcc_code`` a stable code."""
    out: JSONObject = {"severity": severity, "code": code, "diagnostics": detail}
    if zcc_code:
        out["details"] = {"coding": [{"system": "urn:zcc:outcome", "code": zcc_code}], "text": detail}
    if expression:
        out["expression"] = [expression]
    return out


def operation_outcome(
    detail: str, *, code: str, severity: str = "error", expression: str | None = None, zcc_code: str | None = None
) -> JSONObject:
    """An OperationOutcome with one issue."""
    one = issue(detail, code=code, severity=severity, expression=expression, zcc_code=zcc_code)
    return {"resourceType": "OperationOutcome", "issue": [one]}


def fhir_response(resource: JSONObject, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A FHIR JSON response."""
    return web.Response(
        status=status, text=json.dumps(resource, ensure_ascii=False), content_type=FHIR_JSON, headers=headers
    )


def _from_error(exc: ZccError, retry_after: int) -> web.Response:
    status, _ = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, StoreUnavailable):
        headers["Retry-After"] = str(retry_after)
    if isinstance(exc, NotAuthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="zcc"'
    body = operation_outcome(
        exc.detail, code=_ISSUE_TYPE.get(exc.code, "processing"), expression=exc.field, zcc_code=exc.code
    )
    if exc.errors:
        body["issue"] = [
            {"severity": "error", "code": "invalid", "diagnostics": e.get("detail", ""), "expression": [e["field"]]}
            if e.get("field")
            else {"severity": "error", "code": "invalid", "diagnostics": e.get("detail", "")}
            for e in exc.errors
        ]
    return fhir_response(body, status, headers or None)


def setup_fhir_errors(app: web.Application, *, retry_after: int = 5) -> None:
    """Install the middleware that answers every error under /fhir with an OperationOutcome.

    It goes just inside the problem middleware and outside authentication, so a missing token on a
    FHIR interaction is an OperationOutcome too.
    """

    @web.middleware
    async def fhir_errors(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not (request.path == "/fhir" or request.path.startswith("/fhir/")):
            return await handler(request)
        try:
            return await handler(request)
        except ZccError as exc:
            return _from_error(exc, retry_after)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            detail = f"{request.method} is not allowed on {request.path}" if exc.status == 405 else exc.reason
            if exc.status == 404:
                detail = f"no resource at {request.path}"
            headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
            body = operation_outcome(detail, code=_HTTP_ISSUE.get(exc.status, "processing"))
            return fhir_response(body, exc.status, headers or None)
        except Exception:
            incident = uuid.uuid4().hex[:12]
            _LOGGER.exception("unhandled error on %s %s (incident %s)", request.method, request.path, incident)
            detail = f"something went wrong on our side; quote incident {incident} to the operators"
            return fhir_response(operation_outcome(detail, code="exception"), 500)

    app.middlewares.append(fhir_errors)
