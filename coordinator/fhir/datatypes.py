"""FHIR data types the resources share: Period, ContactPoint and instants, as plain JSON dicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

__all__ = ["JSONDict", "period", "plus_minutes", "telecom"]

JSONDict: TypeAlias = dict[str, Any]


def period(start: Any, end: Any) -> JSONDict:
    """A Period with whichever of start and end is set."""
    out: JSONDict = {}
    if start:
        out["start"] = start
    if end:
        out["end"] = end
    return out


def plus_minutes(timestamp: str, minutes: float) -> str:
    """The instant ``minutes`` after an ISO timestamp, in UTC to the second (naive input counts as UTC)."""
    moment = datetime.fromisoformat(timestamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    end = (moment + timedelta(minutes=minutes)).astimezone(UTC).replace(microsecond=0)
    return end.strftime("%Y-%m-%dT%H:%M:%SZ")


def telecom(contact: Any) -> JSONDict | None:
    """A ContactPoint from 'tel:+31...' or 'mailto:...'; anything else is kept as 'other'."""
    if not isinstance(contact, str) or not contact:
        return None
    if contact.startswith("tel:"):
        return {"system": "phone", "value": contact.removeprefix("tel:"), "use": "work"}
    if contact.startswith("mailto:"):
        return {"system": "email", "value": contact.removeprefix("mailto:"), "use": "work"}
    if contact.startswith(("https://", "http://")):
        return {"system": "url", "value": contact, "use": "work"}
    return {"system": "other", "value": contact, "use": "work"}
