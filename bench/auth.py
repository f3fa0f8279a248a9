"""What an OpenID Connect access token costs per request, next to a zcc token resolved in the same run.

Run by hand (not a test): ``.venv/bin/python -m bench.auth [--n 2000]``. A local issuer on 127.0.0.1
serves its JWKS once (the key set is cached); then ``n`` RS256 access tokens are verified, the same
``n`` again (from the verified-token cache), and ``n`` zcc tokens resolved from the grants in memory.
The figures that matter are the ratios to the zcc token.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from capacity.state import TokenRecord
from coordinator.oidc import OidcConfig, OidcVerifier
from coordinator.tokens import TokenAuth
from tests.redis_server import free_port


class _Grants:
    """The smallest TokenStore: grants in a dict (the bench measures the lookup, not a store)."""

    def __init__(self) -> None:
        self.grants: dict[str, TokenRecord] = {}

    async def put(self, token_hash: str, record: TokenRecord) -> None:
        self.grants[token_hash] = record

    async def get(self, token_hash: str) -> TokenRecord | None:
        return self.grants.get(token_hash)

    async def all(self) -> dict[str, TokenRecord]:
        return dict(self.grants)

    async def count(self) -> int:
        return len(self.grants)

    async def revoke(self, token_hash: str, now: Any) -> bool:
        return self.grants.pop(token_hash, None) is not None

    async def mark_used(self, used: Any) -> None:
        return None

    async def last_used(self) -> dict[str, Any]:
        return {}


async def main(n: int) -> None:
    """Time ``n`` verifications of each kind and print the ratio."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    port = free_port()
    issuer = f"http://127.0.0.1:{port}/realm"
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"kid": "k1", "use": "sig"}
    idp = web.Application()
    idp.router.add_get(
        "/realm/.well-known/openid-configuration",
        lambda _: web.json_response({"issuer": issuer, "jwks_uri": issuer + "/certs"}),
    )
    idp.router.add_get("/realm/certs", lambda _: web.json_response({"keys": [jwk]}))
    runner = web.AppRunner(idp)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    verifier = OidcVerifier(OidcConfig(issuer=issuer, audience="zcc"))
    ctx = verifier.ctx(web.Application())
    await anext(ctx)
    try:
        claims = {"iss": issuer, "aud": "zcc", "sub": "u", "roles": ["triage"], "exp": int(time.time()) + 600}
        tokens = [jwt.encode(claims | {"jti": str(i)}, key, "RS256", headers={"kid": "k1"}) for i in range(n)]
        await verifier.verify(tokens[0])  # the key set fetched once, outside the timing
        t0 = time.perf_counter()
        for tok in tokens:
            await verifier.verify(tok)
        oidc = (time.perf_counter() - t0) / n
        t0 = time.perf_counter()
        for tok in tokens:
            await verifier.verify(tok)  # the same tokens again: from the verified-token cache
        cached = (time.perf_counter() - t0) / n
        auth = TokenAuth(_Grants())
        zcc = [(await auth.create("triage", name=f"n{i}"))[0] for i in range(n)]
        t0 = time.perf_counter()
        for tok in zcc:
            await auth.resolve(tok)
        own = (time.perf_counter() - t0) / n
    finally:
        await anext(ctx, None)
        await runner.cleanup()
    print(f"zcc token resolve: {own * 1e6:.1f} us; OIDC access token verify (RS256): {oidc * 1e6:.1f} us")
    print(f"the same OIDC token again (cached): {cached * 1e6:.1f} us")
    print(f"ratios to the zcc token (same run): first use {oidc / own:.0f}x, again {cached / own:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    asyncio.run(main(parser.parse_args().n))
