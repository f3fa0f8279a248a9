"""OpenID Connect access tokens of the region's identity provider: checked with PyJWT, mapped to a Principal.

A token is accepted when its signature verifies with one of the issuer's keys (``coordinator.oidc.jwks``),
with an asymmetric algorithm, and its ``iss``, ``aud``, ``exp`` (and ``nbf`` when present) are right. The
role comes from a configured claim (``roles`` by default, a dotted path such as ``realm_access.roles``
for Keycloak; a list or one string, each value optionally with a prefix such as ``zcc-``): exactly one zcc
role. A provider role needs its provider ids in the provider claim. A refused token is a 401 whose
``type`` ends in a stable code and whose ``detail`` says in Dutch why.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
from aiohttp import web
from cachetools import TTLCache

from capacity.errors import NotAuthenticated

from ..settings import Settings
from ..tokens import ROLES, Principal
from .jwks import KeySet

__all__ = ["ALGORITHMS", "CACHE_SECONDS", "OidcConfig", "OidcVerifier", "TokenRejected", "oidc_config"]

_LOGGER = logging.getLogger(__name__)

#: Signature algorithms accepted: asymmetric only (a shared secret or "none" would let anyone sign).
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


#: How long a verified token is taken as verified (and never past its ``exp``).
CACHE_SECONDS = 60.0


class TokenRejected(NotAuthenticated):
    """An access token refused for a stated reason; ``code`` names it for machines (401)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


#: PyJWT's exceptions, most specific first -> (stable code, Dutch reason).
_REASONS: tuple[tuple[type[Exception], str, str], ...] = (
    (jwt.ExpiredSignatureError, "token-expired", "het toegangstoken is verlopen; meld u opnieuw aan"),
    (jwt.ImmatureSignatureError, "token-not-yet-valid", "het toegangstoken is nog niet geldig (nbf/iat)"),
    (
        jwt.InvalidAudienceError,
        "token-wrong-audience",
        "het toegangstoken is niet voor deze dienst uitgegeven (aud klopt niet)",
    ),
    (
        jwt.InvalidIssuerError,
        "token-wrong-issuer",
        "het toegangstoken komt niet van de identiteitsprovider van de regio (iss klopt niet)",
    ),
    (jwt.InvalidSignatureError, "token-bad-signature", "de handtekening van het toegangstoken klopt niet"),
    (jwt.MissingRequiredClaimError, "token-missing-claim", "het toegangstoken mist een verplicht gegeven"),
    (jwt.InvalidAlgorithmError, "token-bad-algorithm", "het toegangstoken gebruikt een niet toegestaan algoritme"),
    (jwt.DecodeError, "token-malformed", "het toegangstoken is geen geldig JWT"),
    (jwt.InvalidTokenError, "token-invalid", "het toegangstoken is ongeldig"),
)


@dataclass(frozen=True, slots=True)
class OidcConfig:
    """Where the tokens come from and which claims carry what."""

    issuer: str
    audience: str
    role_claim: str = "roles"
    provider_claim: str = "zcc_providers"
    name_claim: str = "name"
    practitioner_claim: str | None = None
    role_prefix: str = ""
    leeway_seconds: float = 30.0
    min_refresh_seconds: float = 30.0
    max_key_age_seconds: float = 3600.0


def oidc_config(settings: Settings) -> OidcConfig | None:
    """The OpenID Connect configuration of the settings, or None when no issuer is set."""
    if not settings.oidc_issuer:
        return None
    if not settings.oidc_audience:
        raise ValueError("ZCC_OIDC_AUDIENCE must be set with ZCC_OIDC_ISSUER")
    return OidcConfig(
        issuer=settings.oidc_issuer,
        audience=settings.oidc_audience,
        role_claim=settings.oidc_role_claim,
        provider_claim=settings.oidc_provider_claim,
        name_claim=settings.oidc_name_claim,
        practitioner_claim=settings.oidc_practitioner_claim,
        role_prefix=settings.oidc_role_prefix,
        min_refresh_seconds=settings.oidc_min_refresh_seconds,
    )


def claim(claims: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted claim path (``realm_access.roles``), or None."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _strings(value: Any) -> list[str]:
    """A claim as a list of strings: a list, or one string split on spaces and commas."""
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


class OidcVerifier:
    """Checks access tokens of one issuer; its HTTP client lives in :meth:`ctx` (a cleanup context)."""

    def __init__(self, config: OidcConfig) -> None:
        self.config = config
        self.keys: KeySet | None = None
        # Tokens already verified (by SHA-256) -> (caller, exp): a page sends the same token with every
        # call, and an RSA verification costs some hundred times a zcc token's look-up (bench/auth.py).
        self._verified: TTLCache[str, tuple[Principal, float]] = TTLCache(maxsize=10_000, ttl=CACHE_SECONDS)

    async def ctx(self, app: web.Application) -> AsyncIterator[None]:
        """A cleanup context: the key set's HTTP client session, opened before and closed after serving."""
        c = self.config
        async with aiohttp.ClientSession(headers={"User-Agent": "zcc (zorgcoordinatie)"}) as session:
            self.keys = KeySet(session, c.issuer, min_refresh=c.min_refresh_seconds, max_age=c.max_key_age_seconds)
            _LOGGER.info("accepting access tokens of %s for audience %s", c.issuer, c.audience)
            try:
                yield
            finally:
                self.keys = None

    async def verify(self, token: str) -> Principal:
        """The caller an access token names; TokenRejected (401) or IssuerUnavailable (503) otherwise."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        hit = self._verified.get(digest)
        if hit is not None and hit[1] > time.time():
            return hit[0]
        if self.keys is None:
            raise TokenRejected(
                "token-not-ready", "de dienst kan nog geen toegangstokens controleren; probeer het zo opnieuw"
            )
        c = self.config
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as exc:
            raise TokenRejected("token-malformed", "het toegangstoken is geen geldig JWT") from exc
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise TokenRejected(
                "token-bad-algorithm", f"het toegangstoken gebruikt een niet toegestaan algoritme ({alg})"
            )
        kid = header.get("kid")
        key = await self.keys.key(kid if isinstance(kid, str) else None)
        if key is None:
            raise TokenRejected(
                "token-unknown-key",
                f"het toegangstoken is ondertekend met een sleutel die de identiteitsprovider niet (meer) kent ({kid})",
            )
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=c.audience,
                issuer=c.issuer,
                leeway=c.leeway_seconds,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.InvalidTokenError as exc:
            code, reason = next((code, r) for cls, code, r in _REASONS if isinstance(exc, cls))
            _LOGGER.info("access token refused: %s (%s)", code, exc)
            raise TokenRejected(code, reason) from exc
        who = self._principal(claims)
        self._verified[digest] = (who, float(claims["exp"]))
        return who

    def _principal(self, claims: Mapping[str, Any]) -> Principal:
        c = self.config
        found = _strings(claim(claims, c.role_claim))
        roles = sorted({r.removeprefix(c.role_prefix) for r in found if r.startswith(c.role_prefix)} & set(ROLES))
        if not roles:
            raise TokenRejected("token-no-role", f"het toegangstoken draagt geen zcc-rol (claim {c.role_claim})")
        if len(roles) > 1:
            raise TokenRejected(
                "token-several-roles",
                f"het toegangstoken draagt meer dan één zcc-rol ({', '.join(roles)}); geef één rol per gebruiker",
            )
        role = roles[0]
        providers = frozenset(_strings(claim(claims, c.provider_claim)))
        if role == "provider" and not providers:
            raise TokenRejected(
                "token-no-providers",
                f"een zorgaanbiedertoken moet zijn zorgaanbieders noemen (claim {c.provider_claim})",
            )
        sub = str(claims["sub"])
        name = claim(claims, c.name_claim) or claims.get("preferred_username") or sub
        practitioner = claim(claims, c.practitioner_claim) if c.practitioner_claim else None
        return Principal(
            token_id=f"oidc:{sub}",
            role=role,
            providers=providers if role == "provider" else frozenset(),
            practitioner=str(practitioner) if practitioner else None,
            name=str(name),
        )
