"""The one reader of the Idempotency-Key header, for every endpoint that honours it."""

from __future__ import annotations

import hashlib
import json

from aiohttp import web

from capacity.store import IdempotencyKey

from .fields import check_idempotency_key
from .tokens import Principal

__all__ = ["idempotency_key"]


def idempotency_key(request: web.Request, who: Principal, body: object) -> IdempotencyKey | None:
    """The caller's Idempotency-Key scoped to its token, with a fingerprint of the method, path and parsed body.

    None when the header is absent; InvalidInput when it is not 1-200 printable ASCII characters.
    """
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    check_idempotency_key(key)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    fingerprint = hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()
    return IdempotencyKey(f"{who.token_id}:{key}", fingerprint)
