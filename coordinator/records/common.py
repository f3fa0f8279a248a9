"""Pieces every record shares: the base model, instants as the API writes them, who did something."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias

from pydantic import BaseModel, ConfigDict, PlainSerializer

from capacity.clock import iso

__all__ = ["ActorRef", "Instant", "Record"]


def _iso(dt: datetime) -> str:
    return iso(dt) or ""


#: A moment, kept as an aware datetime and written as ISO 8601 UTC to the second with a Z.
Instant: TypeAlias = Annotated[datetime, PlainSerializer(_iso, return_type=str)]


class Record(BaseModel):
    """Base of stored records: unknown fields are refused, assignment is validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ActorRef(Record):
    """Who did something to a record: for its history and the audit trail."""

    token_id: str
    role: str
    practitioner: str | None = None
    #: The person (or system) behind the token, so the audit log and the events name people.
    name: str | None = None
