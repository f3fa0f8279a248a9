"""The cost of one feasible placement (see :mod:`routing.matching.formula`) and one reason line per cost term."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from capacity.messages import Message, msg
from capacity.model import CareType

from ..dispatch import Place, scarcity_cost
from .feasibility import Context, Offer
from .formula import CARE_TYPE_STEP, PREFERRED_BONUS, formula
from .needs import Need

__all__ = ["FIT_LEVELS", "cost", "cost_value", "reason_lines"]

#: The care levels a fit reason names: 0 care at home, 1 a consult, 2 a bed, 3 hospital.
FIT_LEVELS: Final = ("home", "consult", "bed", "hospital")


def cost_value(ctx: Context, offer: Offer, travel: float) -> float:
    """The cost of one feasible pair."""
    return formula(
        travel,
        rank=float(ctx.rank[offer.key[1]]),
        fit=ctx.fit.get(offer.level, 0.0),
        preferred=offer.key[0] in ctx.preferred,
        load=offer.load,
        scarcity=offer.scarcity,
    )


def reason_lines(ctx: Context, offer: Offer, place: Place, free: int) -> list[Message]:
    """One message per cost term that is not zero, with travel and free always first."""
    lines = [msg("reason.travel", minutes=round(place.travel_minutes))]
    if place.cross_region:
        lines.append(msg("reason.border", region=place.region_name))
    scarcity = scarcity_cost(free)
    lines.append(msg("reason.free_scarce", n=free, cost=round(scarcity)) if scarcity else msg("reason.free", n=free))
    idx = ctx.rank[place.care_type]
    if idx:
        lines.append(msg("reason.care_type_choice", choice=idx + 1, cost=round(CARE_TYPE_STEP * idx)))
    if ctx.fit:
        who = "home_first" if ctx.need.home_first else "frail_elderly"
        level = FIT_LEVELS[min(max(offer.level, 0), len(FIT_LEVELS) - 1)]
        lines.append(msg(f"reason.fit.{who}.{level}", cost=round(ctx.fit.get(offer.level, 0.0))))
    if place.provider.id in ctx.preferred:
        lines.append(msg("reason.preferred", bonus=round(PREFERRED_BONUS)))
    if offer.load:
        lines.append(msg("reason.busy", held=offer.held, total=offer.total, cost=round(offer.load, 1)))
    return lines


def cost(need: Need, place: Place, care_types: Mapping[str, CareType], free: int) -> tuple[float, list[Message]]:
    """The cost in minutes of placing ``need`` at ``place`` with ``free`` units free, and one reason per term.

    The place is assumed feasible (its care type acceptable to the need); see :mod:`routing.matching.formula`.
    """
    ctx = Context.of(need)
    if place.care_type not in ctx.rank:
        raise ValueError(f"{place.care_type} is not among the need's care types {need.care_types}")
    e = place.entry
    offer = Offer(
        key=(place.provider.id, place.care_type),
        level=care_types[place.care_type].level,
        free=free,
        held=e.held if e is not None else 0,
        total=e.total if e is not None else 0,
        live=None,
        hours=None,
        min_age=None,
        max_age=None,
        must_return_home=False,
        requires_wlz=False,
        psychogeriatric=False,
    )
    return cost_value(ctx, offer, place.travel_minutes), reason_lines(ctx, offer, place, free)
