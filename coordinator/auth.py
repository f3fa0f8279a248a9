"""Authentication over HTTP: the middleware that resolves the bearer token, and the role checks handlers use."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from capacity.errors import Forbidden, NotAuthenticated

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
        raise NotAuthenticated("this endpoint needs a bearer token")
    return p


def require(request: web.Request, *roles: str) -> Principal:
    """The caller, if their role is one of ``roles``; else 403."""
    p = principal(request)
    if p.role not in roles:
        raise Forbidden(f"role {p.role!r} may not do this; allowed: {', '.join(roles)}")
    return p


def setup_auth(app: web.Application, auth: TokenAuth, oidc: OidcVerifier | None = None) -> None:
    """Install the middleware that authenticates every /api/v1 request before anything reads its body.

    A ``zcc_`` token is one of ours (``zcc token create``); any other is checked as an OpenID Connect
    access token of the region's identity provider when one is configured.
    """

    @web.middleware
    async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/api/v1/") and request.path != "/api/v1/openapi.json":
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise NotAuthenticated("send a bearer token: Authorization: Bearer <token> (zcc token create)")
            token = token.strip()
            p = await oidc.verify(token) if oidc and not token.startswith(TOKEN_PREFIX) else await auth.resolve(token)
            if p is None:
                raise NotAuthenticated("the bearer token is not known")
            request[PRINCIPAL_KEY] = p
        return await handler(request)

    app.middlewares.append(auth_middleware)
