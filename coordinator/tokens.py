"""Bearer tokens: random secrets shown once, stored only as SHA-256 hashes, with roles and scopes."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from capacity.clock import iso, utcnow
from capacity.errors import StoreUnavailable
from capacity.service import raise_if_cancelling
from capacity.state import Event, TokenRecord
from capacity.store import TokenStore

from .records import ActorRef

__all__ = ["ROLES", "TOKEN_PREFIX", "Principal", "TokenAuth", "TokenInfo", "hash_token", "new_token"]

_LOGGER = logging.getLogger(__name__)

ROLES = ("provider", "triage", "dispatch", "ops", "admin")
TOKEN_PREFIX = "zcc_"  # noqa: S105 - a prefix that makes leaked tokens greppable, not a secret
# Unknown tokens remembered at most; the list is cleared when it grows past this.
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
    #: The person (or system) the token belongs to.
    name: str = ""

    @property
    def person(self) -> str:
        """Who this is across tokens and sessions: the practitioner id when known, else the token (or OIDC subject)."""
        return self.practitioner or self.token_id

    def may_write_provider(self, provider_id: str) -> bool:
        """Admins write any provider; a provider token only its own."""
        return self.role == "admin" or (self.role == "provider" and provider_id in self.providers)

    @property
    def actor(self) -> ActorRef:
        """The caller as records and the audit trail name it."""
        return ActorRef(token_id=self.token_id, role=self.role, practitioner=self.practitioner, name=self.name or None)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """One token as ``zcc token list`` and the admin API show it (never its secret or hash)."""

    record: TokenRecord
    last_used: datetime | None

    def to_api(self) -> dict[str, object]:
        """The JSON shape of the admin API."""
        r = self.record
        return {
            "id": r.token_id,
            "role": r.role,
            "name": r.name,
            "providers": list(r.providers),
            "practitioner": r.practitioner,
            "created_at": iso(r.created_at),
            "last_used": iso(self.last_used),
        }


class TokenAuth:
    """Creates tokens and resolves them from the grants in memory, kept current from the region's event log.

    The grants are loaded at start (:meth:`load`) and followed from the event log (``token.created``,
    ``token.revoked``; :meth:`apply_event`, called by the capacity service's follower), so a token
    made on any instance works here within a second, and while the store is away every token this
    instance knew still works (the last known set). A token not in memory is looked up in the store
    (it may be seconds old); an unknown one is remembered briefly so a bad client cannot hammer the store.
    """

    def __init__(self, store: TokenStore, cache_seconds: float = 30.0) -> None:
        self._store = store
        self.cache_seconds = cache_seconds
        self._grants: dict[str, Principal] = {}
        self._unknown: dict[str, float] = {}
        #: When the whole set was last read from the store (None: never).
        self.loaded_at: datetime | None = None
        self._reload = asyncio.Event()
        # Uses since the last flush to the store (token hash -> when), see :meth:`record_use`.
        self._used: dict[str, datetime] = {}

    async def create(
        self,
        role: str,
        providers: tuple[str, ...] = (),
        practitioner: str | None = None,
        label: str = "",
        name: str = "",
    ) -> tuple[str, TokenRecord]:
        """Make, store and return a new token (the only time it is seen in clear)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
        if role == "provider" and not providers:
            raise ValueError("a provider token needs at least one --provider ID")
        token = new_token()
        record = TokenRecord(uuid.uuid4().hex[:12], role, providers, practitioner, utcnow(), label, name.strip())
        h = hash_token(token)
        await self._store.put(h, record)
        self._add(h, record)
        return token, record

    async def listing(self) -> list[TokenInfo]:
        """Every token with when it was last used (this instance's unflushed uses included), oldest first."""
        grants = await self._store.all()
        used = await self._store.last_used()
        for h, at in self._used.items():
            used[h] = max(at, used.get(h, at))
        infos = [TokenInfo(r, used.get(h)) for h, r in grants.items()]
        return sorted(infos, key=lambda i: (i.record.created_at or datetime.min.replace(tzinfo=UTC), i.record.token_id))

    async def revoke(self, token_id: str) -> TokenRecord | None:
        """Revoke the token with id ``token_id`` everywhere (the event log carries it); None when unknown."""
        for h, record in (await self._store.all()).items():
            if record.token_id == token_id:
                await self._store.revoke(h, utcnow())
                self._grants.pop(h, None)
                self._used.pop(h, None)
                _LOGGER.info("token %s (%s, %s) revoked", token_id, record.name or "-", record.role)
                return record
        return None

    async def record_use(self, interval_seconds: float = 30.0) -> None:
        """Write this instance's token uses to the store every ``interval_seconds``, until cancelled.

        Kept in memory between flushes so a request never waits for it; an outage keeps them for the next try.
        """
        while True:
            await asyncio.sleep(interval_seconds)
            await self.flush_use()

    async def flush_use(self) -> None:
        """Write the uses seen since the last flush (kept for the next one when the store is away)."""
        if not self._used:
            return
        used, self._used = self._used, {}
        try:
            await self._store.mark_used(used)
        except StoreUnavailable as exc:
            raise_if_cancelling()
            for h, at in used.items():
                self._used[h] = max(at, self._used.get(h, at))
            _LOGGER.info("token uses kept for the next flush: %s", exc.detail)

    async def count(self) -> int:
        """How many tokens exist."""
        return await self._store.count()

    @property
    def known(self) -> int:
        """How many grants this instance holds in memory."""
        return len(self._grants)

    def active(self, who: Principal) -> bool:
        """Whether the caller's grant still holds here (a long-lived stream ends once its token is revoked).

        An OpenID Connect caller (``oidc:`` id) is not a grant of ours: it holds until its stream ends.
        """
        return who.token_id.startswith("oidc:") or any(g.token_id == who.token_id for g in self._grants.values())

    def knows(self, token_hash: str) -> bool:
        """Whether the grant of ``token_hash`` is in memory."""
        return token_hash in self._grants

    async def load(self) -> None:
        """Read every grant from the store into memory (replacing what was there)."""
        grants = await self._store.all()
        self._grants = {h: _principal(r) for h, r in grants.items()}
        self._unknown.clear()
        self.loaded_at = utcnow()
        _LOGGER.info("%d token grants loaded", len(self._grants))

    def apply_event(self, event: Event) -> None:
        """Apply a ``token.created`` or ``token.revoked`` event of the log."""
        data = event.data
        h = str(data.get("token_hash") or "")
        if not h:
            return
        if event.type == "token.created" and isinstance(data.get("grant"), dict):
            self._add(h, TokenRecord.from_dict(data["grant"]))
        elif event.type == "token.revoked":
            self._grants.pop(h, None)
            self._used.pop(h, None)

    def resynced(self) -> None:
        """Events may have been missed (the follower was cut off): reload the set (done by :meth:`keep_current`)."""
        self._reload.set()

    async def keep_current(self, retry_seconds: float = 1.0) -> None:
        """Reload the whole set whenever the follower resynced, until cancelled (retried while the store is away)."""
        while True:
            await self._reload.wait()
            self._reload.clear()
            try:
                await self.load()
            except StoreUnavailable as exc:
                raise_if_cancelling()
                _LOGGER.warning("cannot reload the token grants now, keeping the last known set: %s", exc.detail)
                self._reload.set()
                await asyncio.sleep(retry_seconds)

    async def resolve(self, token: str) -> Principal | None:
        """The principal of a token, or None when unknown (to the store, or to the last known set while it is away)."""
        h = hash_token(token)
        found = self._grants.get(h)
        if found is not None:
            self._used[h] = utcnow()
            return found
        now = time.monotonic()
        if self._unknown.get(h, 0.0) > now:
            return None
        try:
            record = await self._store.get(h)
        except StoreUnavailable as exc:
            _LOGGER.info("token not in the last known set and the store is away: %s", exc.detail)
            return None
        if record is None:
            if len(self._unknown) > _CACHE_MAX:
                self._unknown.clear()
            self._unknown[h] = now + min(self.cache_seconds, 5.0)
            return None
        self._used[h] = utcnow()
        return self._add(h, record)

    def _add(self, token_hash: str, record: TokenRecord) -> Principal:
        principal = _principal(record)
        self._grants[token_hash] = principal
        self._unknown.pop(token_hash, None)
        return principal


def _principal(record: TokenRecord) -> Principal:
    return Principal(record.token_id, record.role, frozenset(record.providers), record.practitioner, record.name)
