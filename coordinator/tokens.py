"""Bearer tokens: random secrets shown once, stored only as SHA-256 hashes, with roles and scopes."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
import uuid
from dataclasses import dataclass

from capacity.clock import utcnow
from capacity.errors import StoreUnavailable
from capacity.state import TokenRecord
from capacity.store import TokenStore

from .records import ActorRef

__all__ = ["ROLES", "Principal", "TokenAuth", "hash_token", "new_token"]

_LOGGER = logging.getLogger(__name__)

ROLES = ("provider", "triage", "dispatch", "ops", "admin")
TOKEN_PREFIX = "zcc_"  # noqa: S105 - a prefix that makes leaked tokens greppable, not a secret
# Resolved tokens remembered at most; the cache is cleared when it grows past this.
_CACHE_MAX = 10_000


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

    @property
    def actor(self) -> ActorRef:
        """The caller as records and the audit trail name it."""
        return ActorRef(token_id=self.token_id, role=self.role, practitioner=self.practitioner)


class TokenAuth:
    """Creates tokens and resolves them through the token store, with a short cache so reads cost no round trip."""

    def __init__(self, store: TokenStore, cache_seconds: float = 30.0) -> None:
        self._store = store
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
        await self._store.put(hash_token(token), record)
        return token, record

    async def count(self) -> int:
        """How many tokens exist."""
        return await self._store.count()

    async def resolve(self, token: str) -> Principal | None:
        """The principal of a token, or None when unknown."""
        h = hash_token(token)
        now = time.monotonic()
        hit = self._cache.get(h)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            record = await self._store.get(h)
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
        if len(self._cache) > _CACHE_MAX:
            self._cache.clear()
        self._cache[h] = (now + ttl, principal)
        return principal
