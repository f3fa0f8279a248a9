"""Whether a request may take a place now: its own state first, then the place's fit for the patient."""

from __future__ import annotations

from datetime import datetime

from capacity.errors import InvalidInput, InvalidTransition
from capacity.messages import msg
from capacity.service import CapacityService
from routing.dispatch import Place
from routing.lookup import Routing
from routing.matching import feasible

from ..records import HeldPlace, RequestRecord
from .create import refuse_across
from .intake import need_of

__all__ = ["held_already", "reservable_place"]


def held_already(record: RequestRecord, provider_id: str, care_type: str) -> HeldPlace | None:
    """The request's hold when it already holds this place; 409 when its state allows no reservation."""
    request_id = record.id
    if record.status == "escalated":
        raise InvalidTransition(msg("error.escalated_112", request_id=request_id, urgency=record.triage.urgency))
    if record.status == "advice":
        raise InvalidTransition(msg("error.advice_only", request_id=request_id))
    held = record.hold
    if record.status == "reserved" and held is not None:
        if (held.provider_id, held.care_type) == (provider_id, care_type):
            return held
        raise InvalidTransition(
            msg("error.already_holds", request_id=request_id, care_type=held.care_type, provider_id=held.provider_id)
        )
    if not record.is_open:
        raise InvalidTransition(msg("error.not_open", request_id=request_id, status=record.status))
    return None


def reservable_place(  # noqa: PLR0917 - the reservation's parts, each validated by the caller
    capacity: CapacityService, record: RequestRecord, provider_id: str, care_type: str, routing: Routing, now: datetime
) -> Place:
    """The place with its travel time from the patient, if it may take this patient (full, stale and stop aside).

    Full, stale and stop are decided by the store atomically when the hold is taken; the rest are the patient's.
    """
    region = capacity.region
    provider = region.providers.get(provider_id)
    if provider is None:
        refuse_across(record, provider_id)
        raise InvalidInput(msg("error.unknown_provider", provider=provider_id), field="provider_id")
    if care_type not in provider.offers:
        raise InvalidInput(msg("error.not_offered", provider_id=provider_id, care_type=care_type), field="care_type")
    need = need_of(record)
    if care_type not in need.care_types:
        raise InvalidInput(
            msg("error.care_type_unfit", care_type=care_type, care_types=",".join(need.care_types)),
            field="care_type",
        )
    snap = routing.snap(record.location.lat, record.location.lon)
    minutes = routing.matrix.provider_minutes(snap.index, region.id, provider_id) + snap.access_minutes
    view = capacity.view
    place = Place(
        region.id,
        region.name,
        provider,
        care_type,
        view.entries.get((provider_id, care_type)),
        view.stop_of(provider_id, now, care_type),
        minutes,
    )
    why = feasible(need, place, now, region.tz, region.care_types)
    if why is not None and why.why not in ("full", "stale", "stop"):
        raise InvalidTransition(msg("error.unsuitable", provider_id=provider_id, care_type=care_type, why=why.reason))
    return place
