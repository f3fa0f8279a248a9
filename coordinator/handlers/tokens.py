"""Token administration over HTTP (admin): list the tokens and revoke one; each call is audited."""

from __future__ import annotations

from aiohttp import web

from capacity.errors import Forbidden, NotFound

from ..auth import principal
from ..jsonio import json_response
from ..keys import AUTH
from ..tokens import Principal
from .access import audit

__all__ = ["list_tokens", "revoke_token"]


async def _admin(request: web.Request, action: str, detail: str) -> Principal:
    """The caller if admin; the attempt is audited either way (denied ones too)."""
    who = principal(request)
    allowed = who.role == "admin"
    await audit(request, who, action, None, allowed=allowed, basis="admin" if allowed else "none", detail=detail)
    if not allowed:
        raise Forbidden(f"role {who.role!r} may not manage tokens; allowed: admin")
    return who


async def list_tokens(request: web.Request) -> web.Response:
    """Every token: id, role, name, providers, created, last used (never a secret or hash)."""
    await _admin(request, "search", "tokens")
    infos = await request.app[AUTH].listing()
    return json_response({"tokens": [i.to_api() for i in infos]})


async def revoke_token(request: web.Request) -> web.Response:
    """Revoke one token on every instance (the event log carries it within a second); 404 when unknown."""
    token_id = request.match_info["token_id"]
    await _admin(request, "revoke", f"token {token_id}")
    record = await request.app[AUTH].revoke(token_id)
    if record is None:
        raise NotFound(f"no token with id {token_id!r}")
    return json_response({"id": record.token_id, "role": record.role, "name": record.name, "revoked": True})
