"""The rules a capacity report must meet before it reaches a store (no I/O, no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .errors import InvalidInput
from .messages import msg
from .model import Region
from .state import CapacityUpdate

__all__ = ["check_update"]


def check_update(
    region: Region,
    *,
    provider_id: str,
    care_type: str,
    available: int,
    total: int | None,
    known_total: int | None,
    reported_at: datetime,
    valid_for_minutes: int,
    now: datetime,
    max_skew: timedelta,
    prefix: str = "",
) -> CapacityUpdate:
    """A validated update, or InvalidInput naming the field (``prefix`` + name) and the reason.

    ``known_total`` is the entry's current total, used when the report has none.
    """
    provider = region.providers.get(provider_id)
    if provider is None:
        raise InvalidInput(
            msg("error.unknown_provider_in", value=provider_id, region=region.id), field=f"{prefix}provider_id"
        )
    if care_type not in region.care_types:
        raise InvalidInput(msg("error.unknown_care_type", value=care_type), field=f"{prefix}care_type")
    offer = provider.offers.get(care_type)
    if offer is None:
        raise InvalidInput(
            f"{provider_id} does not offer {care_type}; it offers {', '.join(provider.offers)}",
            field=f"{prefix}care_type",
        )
    effective_total = total if total is not None else (known_total if known_total is not None else offer.total)
    if available > effective_total:
        raise InvalidInput(
            f"available ({available}) is more than total ({effective_total})", field=f"{prefix}available"
        )
    reported = reported_at.astimezone(UTC)
    if reported > now + max_skew:
        raise InvalidInput(
            f"reported_at {reported.isoformat()} is in the future (more than {int(max_skew.total_seconds())} s ahead)",
            field=f"{prefix}reported_at",
        )
    return CapacityUpdate(
        provider_id, care_type, available, effective_total, reported, timedelta(minutes=valid_for_minutes)
    )
