"""The type of JSON a function writes: what an API answer, an event or a stored row is made of."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

__all__ = ["JSONObject", "JSONValue"]

#: Any JSON value. Read-only containers, so that a ``list[str]`` or a ``dict[str, int]`` is one too.
JSONValue: TypeAlias = "str | int | float | bool | Sequence[JSONValue] | Mapping[str, JSONValue] | None"

#: A JSON object being built (output): unlike ``dict[str, Any]`` its values are checked.
JSONObject: TypeAlias = "dict[str, JSONValue]"
