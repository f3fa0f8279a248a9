"""TokenStore contract: grants stored under the token's hash."""

from __future__ import annotations

from datetime import timedelta

from capacity.clock import utcnow
from capacity.state import TokenRecord
from capacity.store import Stores


async def test_tokens_are_stored_by_hash(stores: Stores) -> None:
    tokens = stores.tokens
    assert await tokens.count() == 0
    rec = TokenRecord("t1", "provider", ("vvt-a",), None, utcnow().replace(microsecond=0), "test")
    await tokens.put("hash-1", rec)
    assert await tokens.get("hash-1") == rec
    assert await tokens.get("hash-2") is None
    assert await tokens.count() == 1


async def test_putting_a_hash_again_replaces_its_grant(stores: Stores) -> None:
    tokens = stores.tokens
    await tokens.put("hash-1", TokenRecord("t1", "provider", ("vvt-a",)))
    await tokens.put("hash-1", TokenRecord("t1", "clinician", (), "big-123", None, "ward 3"))
    got = await tokens.get("hash-1")
    assert got == TokenRecord("t1", "clinician", (), "big-123", None, "ward 3")
    assert await tokens.count() == 1


async def test_a_revocation_deletes_the_grant_and_appends_one_event(stores: Stores) -> None:
    tokens, events = stores.tokens, stores.events
    await tokens.put("hash-1", TokenRecord("t1", "triage", name="Anna de Vries"))
    await tokens.mark_used({"hash-1": utcnow()})
    assert (await tokens.get("hash-1") or TokenRecord("", "")).name == "Anna de Vries"
    before = len(await events.events_after("0"))
    assert await tokens.revoke("hash-1", utcnow()) is True
    assert await tokens.revoke("hash-1", utcnow()) is False  # nothing left: no second event
    assert await tokens.get("hash-1") is None and await tokens.last_used() == {}
    new = (await events.events_after("0"))[before:]
    assert [(e.type, dict(e.data)) for e in new] == [("token.revoked", {"token_hash": "hash-1"})]


async def test_last_use_keeps_the_later_time(stores: Stores) -> None:
    tokens = stores.tokens
    now = utcnow().replace(microsecond=0)
    await tokens.mark_used({"hash-1": now, "hash-2": now - timedelta(minutes=5)})
    await tokens.mark_used({"hash-1": now - timedelta(minutes=1)})  # an instance reporting late
    await tokens.mark_used({"hash-2": now})
    assert await tokens.last_used() == {"hash-1": now, "hash-2": now}


async def test_every_grant_is_listed_and_logged_with_its_token_created_event(stores: Stores) -> None:
    tokens = stores.tokens
    mark = (await stores.capacity.snapshot()).last_event_id
    rec = TokenRecord("t1", "provider", ("vvt-a",), None, utcnow().replace(microsecond=0), "test")
    await tokens.put("hash-1", rec)
    await tokens.put("hash-2", TokenRecord("t2", "admin"))
    assert await tokens.all() == {"hash-1": rec, "hash-2": TokenRecord("t2", "admin")}
    created = [e for e in await stores.events.events_after(mark) if e.type == "token.created"]
    assert [e.data["token_hash"] for e in created] == ["hash-1", "hash-2"]
    assert TokenRecord.from_dict(created[0].data["grant"]) == rec
