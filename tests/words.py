"""Messages as people read them, for tests that check wording: English (as the tests were written) or Dutch."""

from __future__ import annotations

from collections.abc import Iterable

from capacity.messages import Message
from coordinator.texts import catalogue

__all__ = ["en", "ens", "nl"]


def en(message: Message) -> str:
    """The English text of a message."""
    return catalogue().render(message, "en")


def ens(messages: Iterable[Message]) -> tuple[str, ...]:
    """The English texts of messages."""
    return tuple(en(m) for m in messages)


def nl(message: Message) -> str:
    """The Dutch text of a message."""
    return catalogue().render(message, "nl")
