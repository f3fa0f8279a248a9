"""The cost of one feasible placement (see :mod:`routing.matching.formula`) and one reason line per cost term."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from capacity.model import CareType

from ..dispatch import Place, scarcity_cost
from .feasibility import Context, Offer
from .formula import CARE_TYPE_STEP, PREFERRED_BONUS, formula
from .needs import Need

__all__ = ["cost", "cost_value", "reason_lines"]

_FIT_TEXT: Final[Mapping[int, str]] = {
    0: "care at home ranks before a bed",
    1: "a consult ranks after care at home",
    2: "a bed ranks after care at home",
    3: "hospital ranks last",
}


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


def reason_lines(ctx: Context, offer: Offer, place: Place, free: int) -> list[str]:
    """One line per cost term that is not zero, with travel and free always first."""
    border = f", across the border ({place.region_name})" if place.cross_region else ""
    lines = [f"{place.travel_minutes:.0f} min{border}"]
    scarcity = scarcity_cost(free)
    lines.append(f"{free} free (+{scarcity:.0f}: may be gone on arrival)" if scarcity else f"{free} free")
    idx = ctx.rank[place.care_type]
    if idx:
        lines.append(f"choice {idx + 1} of the triage's care types (+{CARE_TYPE_STEP * idx:.0f})")
    if ctx.fit:
        who = "home-first" if ctx.need.home_first else "frail elderly"
        fit = ctx.fit.get(offer.level, 0.0)
        lines.append(
            f"{who}: {_FIT_TEXT.get(offer.level, 'level ' + str(offer.level))}" + (f" (+{fit:.0f})" if fit else "")
        )
    if place.provider.id in ctx.preferred:
        lines.append(f"preferred provider (care plan, {PREFERRED_BONUS:.0f})")
    if offer.load:
        lines.append(f"busy: {offer.held} of {offer.total} held (+{offer.load:.1f})")
    return lines


def cost(need: Need, place: Place, care_types: Mapping[str, CareType], free: int) -> tuple[float, list[str]]:
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
