"""One request: its cheapest feasible places, ranked and explained, and the nearest excluded ones with why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from capacity.messages import Message, msg
from capacity.model import CareType

from ..dispatch import Place
from .feasibility import HOSPITAL_LEVEL, Context, Offer, explain, reject
from .needs import Need
from .results import Excluded, Proposal
from .scoring import cost_value, reason_lines

__all__ = ["EXCLUDED_LIMIT", "propose"]

EXCLUDED_LIMIT: Final = 5


def _eligibility_notes(ctx: Context, offer: Offer) -> list[Message]:
    """Which eligibility rules the patient meets, and a hospital override, for the proposal's reasons."""
    notes = []
    ages = offer.age_range()
    if ages is not None:
        notes.append(msg("eligible.age", ages=ages))
    if offer.must_return_home:
        notes.append(msg("eligible.return_home"))
    if offer.requires_wlz:
        notes.append(msg("eligible.wlz"))
    if offer.psychogeriatric:
        notes.append(msg("eligible.psychogeriatric"))
    if offer.level >= HOSPITAL_LEVEL and ctx.need.no_hospital and ctx.need.hospital_override is not None:
        notes.append(msg("reason.hospital_override", why=ctx.need.hospital_override))
    return notes


def propose(
    need: Need,
    places: Iterable[Place],
    now: datetime,
    tz: ZoneInfo,
    care_types: Mapping[str, CareType],
    *,
    limit: int = 5,
    excluded_limit: int = EXCLUDED_LIMIT,
) -> tuple[list[Proposal], list[Excluded]]:
    """The ``limit`` cheapest feasible places for ``need``, and the nearest ``excluded_limit`` excluded ones.

    Excluded places whose care type the triage did not ask for come after the
    others: they are not alternatives, only context.
    """
    ctx = Context.of(need)
    ranked: list[tuple[float, float, str, str, Proposal]] = []
    excluded: list[Excluded] = []
    for place in places:
        offer = Offer.of(place, now, care_types)
        why = reject(ctx, offer, place.travel_minutes, now, tz)
        if why is not None:
            reason = explain(why, ctx, offer, place, now=now, tz=tz)
            excluded.append(Excluded(place.provider.id, place.care_type, place.travel_minutes, why, reason))
            continue
        score = cost_value(ctx, offer, place.travel_minutes)
        reasons = (*reason_lines(ctx, offer, place, offer.free), *_eligibility_notes(ctx, offer))
        proposal = Proposal(need.request_id, place.provider.id, place.care_type, place.travel_minutes, score, reasons)
        ranked.append((score, place.travel_minutes, place.provider.id, place.care_type, proposal))
    ranked.sort(key=lambda r: r[:4])
    excluded.sort(key=lambda x: (x.why == "not_acceptable", x.travel_minutes, x.provider_id, x.care_type))
    return [r[4] for r in ranked[:limit]], excluded[:excluded_limit]
