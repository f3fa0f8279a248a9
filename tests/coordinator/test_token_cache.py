"""Token grants in memory: loaded at start, followed from the event log, the last known set while the store is away."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime

import pytest

from capacity.clock import utcnow
from capacity.errors import StoreUnavailable
from capacity.state import Event, TokenRecord
from coordinator.tokens import TokenAuth, hash_token

from ..eventually import eventually


class TokenStoreTwin:
    """An in-memory TokenStore that counts reads and can be switched off."""

    def __init__(self) -> None:
        self.grants: dict[str, TokenRecord] = {}
        self.reads = 0
        self.down = False
        self.used: dict[str, datetime] = {}

    async def put(self, token_hash: str, record: TokenRecord) -> None:
        self.grants[token_hash] = record

    async def get(self, token_hash: str) -> TokenRecord | None:
        self.reads += 1
        if self.down:
            raise StoreUnavailable("the twin is down")
        return self.grants.get(token_hash)

    async def all(self) -> dict[str, TokenRecord]:
        self.reads += 1
        if self.down:
            raise StoreUnavailable("the twin is down")
        return dict(self.grants)

    async def count(self) -> int:
        return len(self.grants)

    async def revoke(self, token_hash: str, now: datetime) -> bool:
        return self.grants.pop(token_hash, None) is not None

    async def mark_used(self, used: Mapping[str, datetime]) -> None:
        self.used.update(used)

    async def last_used(self) -> dict[str, datetime]:
        return dict(self.used)


def created(token_hash: str, record: TokenRecord) -> Event:
    return Event("1-0", utcnow(), "token.created", {"token_hash": token_hash, "grant": record.to_dict()})


async def test_a_token_made_here_or_loaded_at_start_resolves_without_a_store_read() -> None:
    store = TokenStoreTwin()
    auth = TokenAuth(store, cache_seconds=60)
    token, record = await auth.create("triage", practitioner="AGB-1")
    assert store.grants[hash_token(token)] == record
    who = await auth.resolve(token)
    assert who is not None and (who.role, who.practitioner) == ("triage", "AGB-1")
    assert store.reads == 0
    other = TokenAuth(store)
    await other.load()
    assert other.known == 1 and store.reads == 1
    assert await other.resolve(token) == who
    assert store.reads == 1


async def test_a_token_not_yet_seen_is_looked_up_once_and_an_unknown_one_remembered_briefly() -> None:
    store = TokenStoreTwin()
    maker, reader = TokenAuth(store), TokenAuth(store, cache_seconds=60)
    token, _ = await maker.create("dispatch")
    assert await reader.resolve(token) is not None
    assert await reader.resolve(token) is not None
    assert store.reads == 1
    assert await reader.resolve("zcc_nope") is None
    assert await reader.resolve("zcc_nope") is None
    assert store.reads == 2


async def test_while_the_store_is_down_the_last_known_set_answers() -> None:
    store = TokenStoreTwin()
    auth = TokenAuth(store)
    token, _ = await auth.create("dispatch")
    store.down = True
    who = await auth.resolve(token)
    assert who is not None and who.role == "dispatch"
    assert await auth.resolve("zcc_never_seen") is None  # unknown, not an error: nothing to check it against


async def test_events_of_the_log_add_and_revoke_grants() -> None:
    store = TokenStoreTwin()
    auth = TokenAuth(store)
    record = TokenRecord("t-9", "ops", (), None, utcnow().replace(microsecond=0))
    auth.apply_event(created(hash_token("zcc_elsewhere"), record))
    store.down = True  # nothing is read from here on
    who = await auth.resolve("zcc_elsewhere")
    assert who is not None and (who.token_id, who.role) == ("t-9", "ops")
    auth.apply_event(Event("2-0", utcnow(), "token.revoked", {"token_hash": hash_token("zcc_elsewhere")}))
    assert await auth.resolve("zcc_elsewhere") is None
    assert auth.known == 0


async def test_a_resync_reloads_the_whole_set_once_the_store_answers() -> None:
    store = TokenStoreTwin()
    auth = TokenAuth(store)
    await auth.load()
    store.grants[hash_token("zcc_missed")] = TokenRecord("t-m", "triage")
    store.down = True
    task = asyncio.create_task(auth.keep_current(retry_seconds=0.01))
    try:
        auth.resynced()

        def reloaded() -> None:
            assert auth.knows(hash_token("zcc_missed"))

        def retried() -> None:
            assert store.reads > 2

        await eventually(retried, what="reloads retried while the store is down")
        assert not auth.knows(hash_token("zcc_missed"))
        store.down = False
        await eventually(reloaded, what="the set reloaded after the resync")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_a_provider_token_needs_a_provider_and_roles_are_known() -> None:
    auth = TokenAuth(TokenStoreTwin())
    with pytest.raises(ValueError, match="needs at least one"):
        await auth.create("provider")
    with pytest.raises(ValueError, match="unknown role"):
        await auth.create("nurse")
