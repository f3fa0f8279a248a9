"""A text a person reads, as a machine keeps it: a stable code and its parameters (rendered by coordinator.texts).

Domain code (routing, capacity, triage) never writes a sentence for people: it returns a :class:`Message`,
and the HTTP edge renders it in the reader's language from the one message catalogue, putting the code,
the parameters and the text side by side (``{"code": "free_units", "params": {"n": 3}, "text": "3 plekken vrij"}``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeAlias, Union

__all__ = ["Message", "Param", "message_of", "msg", "param_json", "plain_text", "set_plain_text"]

#: A parameter of a message: a number, a word that is itself data (an id, a name), a moment, or a nested message.
Param: TypeAlias = Union[str, int, float, bool, datetime, "Message", tuple["Message", ...], None]


@dataclass(frozen=True, slots=True)
class Message:
    """One text a person reads: its catalogue code and parameters."""

    code: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """``{"code", "params"}`` (moments as ISO 8601, nested messages as objects); the edge adds ``text``."""
        return {"code": self.code, "params": {k: param_json(v) for k, v in self.params.items()}}


def msg(code: str, **params: Param) -> Message:
    """A message with ``code`` and keyword parameters."""
    return Message(code, params)


def param_json(value: Param) -> Any:
    """A parameter as JSON."""
    if isinstance(value, Message):
        return value.to_json()
    if isinstance(value, tuple):
        return [m.to_json() for m in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def message_of(doc: Mapping[str, Any]) -> Message:
    """A message back from its JSON (as stored in a record); nested messages are restored, moments stay strings."""

    def back(value: Any) -> Param:
        if isinstance(value, Mapping) and isinstance(value.get("code"), str):
            return message_of(value)
        if isinstance(value, list):
            return tuple(message_of(v) for v in value if isinstance(v, Mapping))
        return value if isinstance(value, str | int | float | bool) or value is None else str(value)

    params = doc.get("params") or {}
    return Message(str(doc["code"]), {str(k): back(v) for k, v in params.items()})


_PLAIN: list[Callable[[Message], str]] = []


def set_plain_text(render: Callable[[Message], str]) -> None:
    """Install how a message reads in logs and on the command line (the catalogue's English, set by the app)."""
    _PLAIN[:] = [render]


def plain_text(message: Message) -> str:
    """A message in words for operators (logs, the command line); its code and parameters before any catalogue."""
    if _PLAIN:
        return _PLAIN[0](message)
    return f"{message.code} {dict(message.params)}" if message.params else message.code
