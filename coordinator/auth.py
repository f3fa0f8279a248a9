"""Bearer tokens: random secrets shown once, stored only as SHA-256 hashes, with roles and scopes."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from capacity.errors import StoreUnavailable
from capacity.model import TokenRecord, utcnow
from capacity.store import Store

from .problems import Forbidden, Unauthorized

__all__ = ["ROLES", "Principal", "TokenAuth", "hash_token", "new_token", "principal", "require", "setup_auth"]

_LOGGER = logging.getLogger(__name__)

ROLES = ("provider", "triage", "dispatch", "ops", "admin")
TOKEN_PREFIX = "zcc_"  # noqa: S105 - a prefix that makes leaked tokens greppable, not a secret


def hash_token(token: str) -> str:
    """The stored form of a token: SHA-256 hex (tokens are 256-bit random, so no slow hash is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh random bearer token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's grant."""

    token_id: str
    role: str
    providers: frozenset[str]
    practitioner: str | None = None

    def may_write_provider(self, provider_id: str) -> bool:
        """Admins write any provider; a provider token only its own."""
        return self.role == "admin" or (self.role == "provider" and provider_id in self.providers)


class TokenAuth:
    """Resolves bearer tokens through the store, with a short cache so reads don't cost a round trip."""

    def __init__(self, store: Store, cache_seconds: float = 30.0) -> None:
        self.store = store
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    async def create(
        self, role: str, providers: tuple[str, ...] = (), practitioner: str | None = None, label: str = ""
    ) -> tuple[str, TokenRecord]:
        """Make, store and return a new token (the only time it is seen in clear)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
        if role == "provider" and not providers:
            raise ValueError("a provider token needs at least one --provider ID")
        token = new_token()
        record = TokenRecord(uuid.uuid4().hex[:12], role, providers, practitioner, utcnow(), label)
        await self.store.put_token(hash_token(token), record)
        return token, record

    async def resolve(self, token: str) -> Principal | None:
        """The principal of a token, or None when unknown."""
        h = hash_token(token)
        now = time.monotonic()
        hit = self._cache.get(h)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            record = await self.store.get_token(h)
        except StoreUnavailable:
            # While the store is away, a token that was valid before still reads the board.
            if hit is not None and hit[1] is not None:
                return hit[1]
            raise
        principal = (
            None
            if record is None
            else Principal(record.token_id, record.role, frozenset(record.providers), record.practitioner)
        )
        # Unknown tokens are remembered briefly too, so a client with a bad token cannot hammer the store.
        ttl = self.cache_seconds if principal else min(self.cache_seconds, 5.0)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[h] = (now + ttl, principal)
        return principal


PRINCIPAL_KEY = web.RequestKey("principal", Principal)


def principal(request: web.Request) -> Principal:
    """The authenticated caller of an /api/v1 request."""
    p: Principal | None = request.get(PRINCIPAL_KEY)
    if p is None:
        raise Unauthorized("this endpoint needs a bearer token")
    return p


def require(request: web.Request, *roles: str) -> Principal:
    """The caller, if their role is one of ``roles``; else 403."""
    p = principal(request)
    if p.role not in roles:
        raise Forbidden(f"role {p.role!r} may not do this; allowed: {', '.join(roles)}")
    return p


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def setup_auth(app: web.Application, auth: Callable[[], TokenAuth]) -> None:
    """Install the middleware that authenticates every /api/v1 request before anything reads its body."""

    @web.middleware
    async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/api/v1/") and request.path != "/api/v1/openapi.json":
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized("send a bearer token: Authorization: Bearer <token> (zcc token create)")
            p = await auth().resolve(token.strip())
            if p is None:
                raise Unauthorized("the bearer token is not known")
            request[PRINCIPAL_KEY] = p
        return await handler(request)

    app.middlewares.append(auth_middleware)
