"""OpenID Connect access tokens from the region's identity provider (``ZCC_OIDC_ISSUER``, ``ZCC_OIDC_AUDIENCE``).

PyJWT (with ``cryptography``) checks the signature and the registered claims: the most used JWT library
for Python, kept up to date, with JWK parsing for RSA, EC and EdDSA keys; the key set is fetched with the
service's own aiohttp (PyJWT's ``PyJWKClient`` blocks on urllib), see :mod:`.jwks`.
"""

from __future__ import annotations

from .jwks import IssuerUnavailable, KeySet
from .verifier import ALGORITHMS, OidcConfig, OidcVerifier, TokenRejected, oidc_config

__all__ = ["ALGORITHMS", "IssuerUnavailable", "KeySet", "OidcConfig", "OidcVerifier", "TokenRejected", "oidc_config"]
