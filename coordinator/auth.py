"""Authentication over HTTP: the middleware that resolves the bearer token, and the role checks handlers use."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from capacity.errors import Forbidden, NotAuthenticated
from capacity.messages import msg

from .tokens import TOKEN_PREFIX, Principal, TokenAuth

if TYPE_CHECKING:
    from .oidc import OidcVerifier

__all__ = ["PRINCIPAL_KEY", "principal", "require", "setup_auth"]

PRINCIPAL_KEY = web.RequestKey("principal", Principal)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def principal(request: web.Request) -> Principal:
    """The authenticated caller of an /api/v1 request."""
    p: Principal | None = request.get(PRINCIPAL_KEY)
    if p is None:
        raise NotAuthenticated(msg("error.token_needed"))
    return p


def require(request: web.Request, *roles: str) -> Principal:
    """The caller, if their role is one of ``roles``; else 403."""
    p = principal(request)
    if p.role not in roles:
        raise Forbidden(msg("error.role_forbidden", role=p.role, roles=", ".join(roles)))
    return p


def _needs_token(path: str) -> bool:
    """Every /api/v1 and /fhir path but the OpenAPI document and the FHIR CapabilityStatement."""
    if path.startswith("/api/v1/"):
        return path != "/api/v1/openapi.json"
    return path.startswith("/fhir/") and path != "/fhir/metadata"


def setup_auth(app: web.Application, auth: TokenAuth, oidc: OidcVerifier | None = None) -> None:
    """Install the middleware that authenticates every /api/v1 and /fhir request before anything reads its body.

    A ``zcc_`` token is one of ours (``zcc token create``); any other is checked as an OpenID Connect
    access token of the region's identity provider when one is configured.
    """

    @web.middleware
    async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if _needs_token(request.path):
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise NotAuthenticated(msg("error.token_missing"))
            token = token.strip()
            p = await oidc.verify(token) if oidc and not token.startswith(TOKEN_PREFIX) else await auth.resolve(token)
            if p is None:
                raise NotAuthenticated(msg("error.token_unknown"))
            request[PRINCIPAL_KEY] = p
        return await handler(request)

    app.middlewares.append(auth_middleware)
