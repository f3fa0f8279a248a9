"""The Lua scripts (``lua/*.lua``), registered once per client, and the mapping of their error replies.

Each write script is the prelude (``lua/prelude.lua``: ``fail``, ``isnull``, ``xadd``, ``end_hold``)
followed by the script's own file; the two read-only or trivial ones (``snapshot``, ``append_event``)
go without it. ``register_script`` keeps the SHA and text: redis-py sends EVALSHA and reloads a
script by itself on NOSCRIPT (after a server restart).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from redis.commands.core import AsyncScript

from ..errors import Conflict, IdempotencyMismatch, InvalidTransition, NotFound, PlaceGone, ZccError
from .modes import AnyRedis

__all__ = [
    "CALL_OP_TTL_S",
    "ERRORS",
    "IDEMPOTENCY_TTL_S",
    "Scripts",
    "as_list",
    "dumps",
    "error_of",
    "lua_source",
    "parse_json",
    "register_scripts",
]

# Idempotency-Key records and the op records of caller-given op ids live one day.
IDEMPOTENCY_TTL_S = 24 * 3600
# Op ids made up per call only guard redis-py's own retries, which end within seconds.
CALL_OP_TTL_S = 600

# The ``err`` codes of ``fail`` in prelude.lua, and the exception each one raises.
ERRORS: Mapping[str, type[ZccError]] = {
    "place_gone": PlaceGone,
    "not_found": NotFound,
    "invalid_transition": InvalidTransition,
    "idempotency_mismatch": IdempotencyMismatch,
    "conflict": Conflict,
}

# Scripts that call the prelude's helpers.
_WITH_PRELUDE = ("apply_updates", "set_status", "hold", "end_hold", "expire_holds", "put_doc")


@cache
def lua_source(name: str) -> str:
    """The text of script ``name`` as sent to Redis: ``lua/<name>.lua``, after the prelude where it is used."""
    lua = resources.files("capacity.redis_store").joinpath("lua")
    text = lua.joinpath(f"{name}.lua").read_text(encoding="utf-8")
    if name in _WITH_PRELUDE:
        text = lua.joinpath("prelude.lua").read_text(encoding="utf-8") + text
    return text


@dataclass(frozen=True, slots=True)
class Scripts:
    """The registered Lua scripts of one client."""

    apply_updates: AsyncScript
    set_status: AsyncScript
    hold: AsyncScript
    end_hold: AsyncScript
    expire_holds: AsyncScript
    append_event: AsyncScript
    snapshot: AsyncScript
    put_doc: AsyncScript
    mark_used: AsyncScript
    revoke_token: AsyncScript


def register_scripts(client: AnyRedis) -> Scripts:
    """Register every script once with ``client`` (no I/O: the first call loads it on the server)."""
    reg = client.register_script
    return Scripts(
        apply_updates=reg(lua_source("apply_updates")),
        set_status=reg(lua_source("set_status")),
        hold=reg(lua_source("hold")),
        end_hold=reg(lua_source("end_hold")),
        expire_holds=reg(lua_source("expire_holds")),
        append_event=reg(lua_source("append_event")),
        snapshot=reg(lua_source("snapshot")),
        put_doc=reg(lua_source("put_doc")),
        mark_used=reg(lua_source("mark_used")),
        revoke_token=reg(lua_source("revoke_token")),
    )


def error_of(reply: Mapping[str, Any]) -> ZccError:
    """The domain error of a script's ``{"err", "msg", "field"}`` reply (made by ``fail``)."""
    return ERRORS[reply["err"]](str(reply["msg"]), field=reply.get("field"))


def parse_json(raw: Any) -> Any:
    """A script's JSON reply; an ``{"err": ...}`` reply raises the matching domain error."""
    result = json.loads(raw)
    if isinstance(result, dict) and "err" in result:
        raise error_of(result)
    return result


def dumps(value: Any) -> str:
    """Compact JSON for a script's arguments (a mapping that is not a dict is copied into one first)."""
    if isinstance(value, Mapping) and not isinstance(value, dict):
        value = dict(value)
    return json.dumps(value, separators=(",", ":"))


def as_list(value: Any) -> list[Any]:
    """A JSON array from a script; Lua's cjson writes an empty array as ``{}``."""
    return value if isinstance(value, list) else []
