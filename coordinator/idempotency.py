"""The one reader of the Idempotency-Key header, for every write (each honours it)."""

from __future__ import annotations

import hashlib
import json
import secrets

from aiohttp import web

from capacity.store import IdempotencyKey

from .fields import check_idempotency_key
from .tokens import Principal

__all__ = ["client_key", "idempotency_key", "op_id_of"]


def idempotency_key(request: web.Request, who: Principal, body: object, *, mint: bool = False) -> IdempotencyKey | None:
    """The caller's Idempotency-Key scoped to its token, with a fingerprint of the method, path and parsed body.

    None when the header is absent (a fresh key when ``mint``: request creation always has one, and
    gives it back when the caller must repeat); InvalidInput when it is not 1-200 printable ASCII characters.
    """
    key = request.headers.get("Idempotency-Key")
    if key is None:
        if not mint:
            return None
        key = "zcc-" + secrets.token_hex(12)
    check_idempotency_key(key)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    fingerprint = hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()
    return IdempotencyKey(f"{who.token_id}:{key}", fingerprint)


def client_key(idem: IdempotencyKey) -> str:
    """The key as the caller sends it (the scoped key without its token part)."""
    return idem.key.partition(":")[2]


def op_id_of(idem: IdempotencyKey | None) -> str | None:
    """The store op id of a keyed write: the same key and body name the same op, which the store applies once."""
    if idem is None:
        return None
    return "idem-" + hashlib.sha256(f"{idem.key}\n{idem.fingerprint}".encode()).hexdigest()[:32]
