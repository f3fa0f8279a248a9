"""What a subscription may ask for: the event names, and the checked body of ``POST /api/v1/subscriptions``."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection
from typing import Any

from pydantic import Field, StrictInt, StrictStr

from capacity.errors import InvalidInput

from ..schemas import _In, validate

__all__ = ["EVENTS", "SubscriptionIn", "check_subscription", "signature"]

#: Every event a subscription can ask for (all of them when it names none).
EVENTS: tuple[str, ...] = (
    "provider.stopped",
    "provider.reopened",
    "care_type.stopped",
    "care_type.reopened",
    "capacity.below_threshold",
    "capacity.stale",
    "neighbour.seh_stopped",
)


class SubscriptionIn(_In):
    """A webhook to register: where to POST, the signing secret, which events, the thresholds per care type."""

    url: StrictStr = Field(min_length=8, max_length=2000, description="http:// or https:// address to POST events to")
    secret: StrictStr = Field(
        min_length=16, max_length=200, description="Signs each delivery (X-Zcc-Signature); never shown again"
    )
    events: list[StrictStr] = Field(
        default_factory=lambda: list(EVENTS),
        min_length=1,
        max_length=len(EVENTS),
        description="Events to deliver; all when left out",
    )
    thresholds: dict[StrictStr, StrictInt] = Field(
        default_factory=dict,
        description="capacity.below_threshold fires when the region's free places of a care type fall below its number",
    )


def check_subscription(body: Any, care_types: Collection[str]) -> SubscriptionIn:
    """The validated subscription, or InvalidInput naming the field."""
    sub = validate(SubscriptionIn, body)
    if not sub.url.startswith(("http://", "https://")) or "://" not in sub.url or not sub.url.split("://", 1)[1]:
        raise InvalidInput("url must be an http:// or https:// address", field="url")
    if not sub.secret.strip():
        raise InvalidInput("secret must not be blank", field="secret")
    for i, name in enumerate(sub.events):
        if name not in EVENTS:
            raise InvalidInput(f"unknown event {name!r}; expected one of {', '.join(EVENTS)}", field=f"events[{i}]")
    if len(set(sub.events)) != len(sub.events):
        raise InvalidInput("an event is named twice", field="events")
    for ct, n in sub.thresholds.items():
        if ct not in care_types:
            raise InvalidInput(f"unknown care type {ct!r}", field=f"thresholds.{ct}")
        if not 1 <= n <= 100_000:
            raise InvalidInput(f"a threshold is 1 to 100000 free places, not {n}", field=f"thresholds.{ct}")
    return sub


def signature(secret: str, body: bytes) -> str:
    """The ``X-Zcc-Signature`` of ``body``: ``sha256=`` and the hex HMAC-SHA256 with the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
