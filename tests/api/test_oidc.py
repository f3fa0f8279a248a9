"""OpenID Connect access tokens against a local identity provider the test runs (its own RSA keys, JWKS over HTTP).

The issuer is a small aiohttp app on 127.0.0.1 serving ``/.well-known/openid-configuration`` and its JWKS;
tokens are signed with PyJWT. Every refusal is a 401 problem+json whose ``type`` ends in a stable code and
whose ``detail`` says in Dutch why.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from pytest_aiohttp import AiohttpClient, AiohttpServer

from coordinator.keys import AUDIT

from ..eventually import eventually
from ..http_helpers import Client, auth, make_app, report, started, token
from ..regions import tiny_region

AUDIENCE = "zcc-tiny"


@dataclass
class Issuer:
    """The test's identity provider: signing keys by kid, and how often its JWKS was fetched."""

    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    url: str = ""
    jwks_fetches: int = 0
    down: bool = False

    def add_key(self, kid: str) -> rsa.RSAPrivateKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.keys[kid] = key
        return key

    def sign(self, kid: str = "k1", *, key: rsa.RSAPrivateKey | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.url, "aud": AUDIENCE, "sub": "u-1", "iat": now, "exp": now + 300} | claims
        return jwt.encode(body, key or self.keys[kid], algorithm="RS256", headers={"kid": kid})

    def app(self) -> web.Application:
        async def discovery(_: web.Request) -> web.Response:
            if self.down:
                raise web.HTTPServiceUnavailable()
            return web.json_response({"issuer": self.url, "jwks_uri": self.url + "/protocol/certs"})

        async def certs(_: web.Request) -> web.Response:
            if self.down:
                raise web.HTTPServiceUnavailable()
            self.jwks_fetches += 1
            keys = []
            for kid, key in self.keys.items():
                jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
                keys.append(jwk | {"kid": kid, "use": "sig", "alg": "RS256"})
            return web.json_response({"keys": keys})

        app = web.Application()
        app.router.add_get("/realms/zcc/.well-known/openid-configuration", discovery)
        app.router.add_get("/realms/zcc/protocol/certs", certs)
        return app


@pytest.fixture
async def issuer(aiohttp_server: AiohttpServer) -> AsyncIterator[Issuer]:
    idp = Issuer()
    idp.add_key("k1")
    server: TestServer = await aiohttp_server(idp.app(), host="127.0.0.1")
    idp.url = str(server.make_url("/realms/zcc"))
    yield idp


async def zcc(aiohttp_client: AiohttpClient, tmp_path: Path, issuer: Issuer, **settings: Any) -> Client:
    options = {"oidc_issuer": issuer.url, "oidc_audience": AUDIENCE, "oidc_role_prefix": "zcc-"} | settings
    return await started(aiohttp_client, make_app(f"sqlite:///{tmp_path}/z.db", tiny_region(), **options))


async def refused(client: Client, tok: str, code: str) -> str:
    """Assert a 401 problem with ``code``; its Dutch detail."""
    resp = await client.get("/api/v1/capacity", headers=auth(tok))
    assert resp.status == 401, await resp.text()
    assert resp.content_type == "application/problem+json"
    body = await resp.json()
    assert body["type"].endswith("/" + code), body
    detail: str = body["detail"]
    return detail


async def test_a_valid_token_names_the_person_and_role_in_the_audit_log(
    aiohttp_client: AiohttpClient, tmp_path: Path, issuer: Issuer
) -> None:
    client = await zcc(aiohttp_client, tmp_path, issuer, oidc_practitioner_claim="agb")
    nurse = issuer.sign(sub="u-joke", name="Joke Jansen", roles=["offline_access", "zcc-triage"], agb="AGB-9")
    admin = await token(client.app, "admin")
    fill = {"updates": [report("vvt-a", "elv_hoog", 3, 5)]}
    assert (await client.post("/api/v1/capacity", json=fill, headers=auth(admin))).status == 200
    body = {"patient_ref": "p-oidc", "age": 80, "location": {"lat": 50.9, "lon": 5.72}, "complaint": "dyspnoe"}
    created = await client.post("/api/v1/requests", json=body, headers=auth(nurse))
    assert created.status == 201, await created.text()
    by = (await created.json())["created_by"]
    assert by == {"token_id": "oidc:u-joke", "role": "triage", "practitioner": "AGB-9", "name": "Joke Jansen"}
    entries: list[Any] = await client.app[AUDIT].entries(patient_ref="p-oidc")
    assert [(e["user"]["name"], e["user"]["role"]) for e in entries] == [("Joke Jansen", "triage")]
    # A role the claim does not carry is not had: triage may not read the audit log.
    assert (await client.get("/api/v1/audit", headers=auth(nurse))).status == 403


async def test_a_provider_token_writes_only_the_providers_its_claim_names(
    aiohttp_client: AiohttpClient, tmp_path: Path, issuer: Issuer
) -> None:
    client = await zcc(aiohttp_client, tmp_path, issuer)
    ward = issuer.sign(roles="zcc-provider", zcc_providers=["vvt-a"], name="Afdeling Hof")
    ok = await client.post("/api/v1/capacity", json=report("vvt-a", "elv_hoog", 2, 5), headers=auth(ward))
    assert ok.status == 200, await ok.text()
    other = await client.post("/api/v1/capacity", json=report("vvt-b", "elv_hoog", 2, 5), headers=auth(ward))
    assert other.status == 403
    detail = await refused(client, issuer.sign(roles=["zcc-provider"]), "token-no-providers")
    assert "zorgaanbieders" in detail


async def test_bad_tokens_are_refused_with_a_stable_code_and_a_dutch_reason(
    aiohttp_client: AiohttpClient, tmp_path: Path, issuer: Issuer
) -> None:
    client = await zcc(aiohttp_client, tmp_path, issuer)
    good = issuer.sign(roles=["zcc-dispatch"])
    assert (await client.get("/api/v1/capacity", headers=auth(good))).status == 200
    past = int(time.time()) - 3600
    assert "verlopen" in await refused(client, issuer.sign(roles=["zcc-dispatch"], exp=past), "token-expired")
    wrong_aud = issuer.sign(roles=["zcc-dispatch"], aud="another-service")
    assert "aud" in await refused(client, wrong_aud, "token-wrong-audience")
    wrong_iss = issuer.sign(roles=["zcc-dispatch"], iss="https://idp.elders.example/realms/zcc")
    assert "identiteitsprovider" in await refused(client, wrong_iss, "token-wrong-issuer")
    forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = issuer.sign(key=forged_key, roles=["zcc-admin"])  # the right kid, the wrong key
    assert "handtekening" in await refused(client, forged, "token-bad-signature")
    shared_secret = jwt.encode({"iss": issuer.url, "aud": AUDIENCE, "sub": "x", "exp": 2**31}, "s" * 32, "HS256")
    await refused(client, shared_secret, "token-bad-algorithm")
    await refused(client, "eyJhbGciOi.not-a.jwt", "token-malformed")
    assert "zcc-rol" in await refused(client, issuer.sign(roles=["offline_access"]), "token-no-role")
    await refused(client, issuer.sign(roles=["zcc-triage", "zcc-admin"]), "token-several-roles")
    # zcc's own tokens work beside the issuer's.
    assert (await client.get("/api/v1/capacity", headers=auth(await token(client.app, "ops")))).status == 200


async def test_an_unknown_kid_is_refused_until_the_issuer_rotates_its_keys_and_refetching_is_rate_limited(
    aiohttp_client: AiohttpClient, tmp_path: Path, issuer: Issuer
) -> None:
    client = await zcc(aiohttp_client, tmp_path, issuer, oidc_min_refresh_seconds=2.0)
    assert (await client.get("/api/v1/capacity", headers=auth(issuer.sign(roles="zcc-ops")))).status == 200
    assert issuer.jwks_fetches == 1
    rogue = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    unknown = issuer.sign("k2", key=rogue, roles="zcc-ops")
    assert "sleutel" in await refused(client, unknown, "token-unknown-key")
    for _ in range(20):  # a burst of made-up kids costs the issuer at most one fetch per interval
        await refused(client, unknown, "token-unknown-key")
    assert issuer.jwks_fetches <= 2
    # The issuer rotates: k2 is its new key, k1 is retired.
    issuer.add_key("k2")
    del issuer.keys["k1"]
    rotated = issuer.sign("k2", roles="zcc-ops")

    async def accepted() -> None:
        assert (await client.get("/api/v1/capacity", headers=auth(rotated))).status == 200

    await eventually(accepted, timeout=10, what="the rotated key fetched after the rate limit's interval")
    assert issuer.jwks_fetches <= 4


async def test_an_issuer_that_cannot_be_reached_gives_503_not_a_refusal(
    aiohttp_client: AiohttpClient, tmp_path: Path, issuer: Issuer
) -> None:
    client = await zcc(aiohttp_client, tmp_path, issuer)
    issuer.down = True
    resp = await client.get("/api/v1/capacity", headers=auth(issuer.sign(roles="zcc-ops")))
    assert resp.status == 503 and (await resp.json())["type"].endswith("/issuer-unavailable")
    issuer.down = False
    assert (await client.get("/api/v1/capacity", headers=auth(issuer.sign(roles="zcc-ops")))).status == 200
