"""The identity provider's signing keys: discovered from its OpenID configuration, cached, refreshed with care.

The JWKS address comes from ``<issuer>/.well-known/openid-configuration`` (``jwks_uri``; the document's
``issuer`` must be the configured one). Keys are kept by ``kid`` and fetched again when they are older
than ``max_age`` (a failed refresh keeps the old ones), or when a token names a ``kid`` not among them
(the issuer rotated its keys), but then at most once per ``min_refresh`` seconds, so tokens with made-up
key ids cannot make zcc hammer the issuer. One refresh runs at a time; callers waiting for it share it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
from jwt import PyJWK
from jwt.exceptions import PyJWKError

from capacity.errors import ZccError

__all__ = ["IssuerUnavailable", "KeySet"]

_LOGGER = logging.getLogger(__name__)


class IssuerUnavailable(ZccError):
    """The identity provider's keys cannot be fetched now, so a token it signed cannot be checked (503)."""

    code = "issuer-unavailable"


class KeySet:
    """The issuer's public keys by ``kid``, fetched through ``session``."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        issuer: str,
        *,
        min_refresh: float = 30.0,
        max_age: float = 3600.0,
        timeout: float = 3.0,
    ) -> None:
        self._session = session
        self.issuer = issuer
        self.min_refresh = min_refresh
        self.max_age = max_age
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._keys: dict[str, PyJWK] = {}
        self._jwks_uri: str | None = None
        self._fetched = -float("inf")  # monotonic time of the last successful fetch
        self._tried = -float("inf")  # monotonic time of the last attempt
        self._lock = asyncio.Lock()
        #: How many times the JWKS was fetched (for tests and the log).
        self.fetches = 0

    async def key(self, kid: str | None) -> PyJWK | None:
        """The key named ``kid`` (the only key when the token names none), refreshing as the docstring says."""
        now = time.monotonic()
        if now - self._fetched > self.max_age:
            await self._refresh(force=not self._keys)
        found = self._pick(kid)
        if found is None and time.monotonic() - self._tried >= self.min_refresh:
            await self._refresh(force=True)
            found = self._pick(kid)
        return found

    def _pick(self, kid: str | None) -> PyJWK | None:
        if kid is None:
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    async def _refresh(self, *, force: bool) -> None:
        """Fetch the keys; when it fails, keep the old ones, or raise IssuerUnavailable (``force``) when none."""
        tried = self._tried
        async with self._lock:
            if self._tried != tried:
                return  # another caller refreshed while this one waited
            self._tried = time.monotonic()
            try:
                keys = await self._fetch()
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
                _LOGGER.warning("cannot fetch the signing keys of %s: %s", self.issuer, exc)
                if force and not self._keys:
                    raise IssuerUnavailable(
                        "de sleutels van de identiteitsprovider zijn nu niet op te halen; probeer het zo opnieuw"
                    ) from exc
                return
            self._keys, self._fetched = keys, time.monotonic()
            self.fetches += 1
            _LOGGER.info("%d signing keys of %s loaded", len(keys), self.issuer)

    async def _fetch(self) -> dict[str, PyJWK]:
        if self._jwks_uri is None:
            config = await self._get_json(self.issuer.rstrip("/") + "/.well-known/openid-configuration")
            if config.get("issuer") != self.issuer:
                raise ValueError(f"the discovery document names issuer {config.get('issuer')!r}")
            self._jwks_uri = str(config["jwks_uri"])
        jwks = await self._get_json(self._jwks_uri)
        keys: dict[str, PyJWK] = {}
        for data in jwks.get("keys", []):
            if not isinstance(data, dict) or data.get("use", "sig") != "sig":
                continue
            try:
                jwk = PyJWK(data)
            except PyJWKError as exc:  # a key type or curve we cannot use: skip it, keep the rest
                _LOGGER.info("skipping key %s of %s: %s", data.get("kid"), self.issuer, exc)
                continue
            keys[str(data.get("kid") or "")] = jwk
        if not keys:
            raise ValueError("the JWKS holds no usable signing key")
        return keys

    async def _get_json(self, url: str) -> dict[str, Any]:
        async with self._session.get(url, timeout=self._timeout) as resp:
            resp.raise_for_status()
            body = await resp.json(content_type=None)
        if not isinstance(body, dict):
            raise ValueError(f"{url} did not answer a JSON object")
        return body
