"""TokenStore contract: grants stored under the token's hash."""

from __future__ import annotations

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
