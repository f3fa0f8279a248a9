"""The token cache: a resolved token costs no store round trip until it runs out, and survives a store outage."""

from __future__ import annotations

import pytest

from capacity.errors import StoreUnavailable
from capacity.state import TokenRecord
from coordinator.tokens import TokenAuth, hash_token

from ..eventually import eventually


class TokenStoreTwin:
    """An in-memory TokenStore that counts reads and can be switched off."""

    def __init__(self) -> None:
        self.grants: dict[str, TokenRecord] = {}
        self.reads = 0
        self.down = False

    async def put(self, token_hash: str, record: TokenRecord) -> None:
        self.grants[token_hash] = record

    async def get(self, token_hash: str) -> TokenRecord | None:
        self.reads += 1
        if self.down:
            raise StoreUnavailable("the twin is down")
        return self.grants.get(token_hash)

    async def count(self) -> int:
        return len(self.grants)


async def test_a_known_token_is_read_once_while_cached() -> None:
    store = TokenStoreTwin()
    auth = TokenAuth(store, cache_seconds=60)
    token, record = await auth.create("triage", practitioner="AGB-1")
    assert store.grants[hash_token(token)] == record
    first = await auth.resolve(token)
    second = await auth.resolve(token)
    assert first == second and first is not None
    assert (first.role, first.practitioner) == ("triage", "AGB-1")
    assert store.reads == 1


async def test_an_unknown_token_is_remembered_briefly_too() -> None:
    store = TokenStoreTwin()
    auth = TokenAuth(store, cache_seconds=60)
    assert await auth.resolve("zcc_nope") is None
    assert await auth.resolve("zcc_nope") is None
    assert store.reads == 1


async def test_a_cached_token_still_works_while_the_store_is_down_after_its_time() -> None:
    store = TokenStoreTwin()
    auth = TokenAuth(store, cache_seconds=0.05)
    token, _ = await auth.create("dispatch")
    assert await auth.resolve(token) is not None
    store.down = True

    async def answered_from_the_cache_after_asking_the_store() -> None:
        who = await auth.resolve(token)
        assert store.reads == 2, "the cached token has not run out yet"
        assert who is not None and who.role == "dispatch"

    await eventually(answered_from_the_cache_after_asking_the_store, what="the cache entry running out")
    with pytest.raises(StoreUnavailable):
        await auth.resolve("zcc_never_seen")


async def test_a_provider_token_needs_a_provider_and_roles_are_known() -> None:
    auth = TokenAuth(TokenStoreTwin())
    with pytest.raises(ValueError, match="needs at least one"):
        await auth.create("provider")
    with pytest.raises(ValueError, match="unknown role"):
        await auth.create("nurse")
