"""Whether a place can take a request now, and if not, the first rule that rules it out and the line a person reads.

A place is never proposed or assigned when, in this order (who the patient is
first, then the place's live state, so a place the patient may never use says
so rather than "full"):

- ``not_acceptable``: its care type is not among the triage's care types;
- ``no_hospital``: the care plan says no hospital admission and the care type
  is hospital level (3), unless ``hospital_override`` records why it is needed;
- ``not_eligible``: the offer's eligibility excludes the patient: ``min_age`` /
  ``max_age``, ``must_return_home`` (only when the patient can return home),
  ``requires_wlz`` (only with a Wlz indication), ``psychogeriatric`` (PG places
  only for PG patients, and a PG patient needs a PG place for any level-2 bed);
- ``unreachable``, ``closed`` (at arrival, now + travel, in the region's time
  zone), ``stop``, ``stale``, ``full``: as in :func:`routing.dispatch.rank_places`;
- ``too_far``: the travel time exceeds the urgency's window (U2 60 min, U3 180,
  U4 1440).

:class:`Offer` (per place, request-independent) and :class:`Context` (per need)
hold the lookups computed once and shared with the cost and the batch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, TypeAlias
from zoneinfo import ZoneInfo

from capacity.messages import Message, msg
from capacity.model import CareType, Hours, Provider
from capacity.state import CapacityEntry, ProviderStatus

from ..dispatch import Place, excluded_reason, reason_line, scarcity_cost
from .formula import FIT_COST, LOAD_MINUTES, NO_FIT
from .needs import Need
from .results import Excluded, Why

__all__ = [
    "BED_LEVEL",
    "HOSPITAL_LEVEL",
    "Context",
    "Offer",
    "PlaceKey",
    "explain",
    "feasible",
    "ineligible",
    "reject",
]

PlaceKey: TypeAlias = tuple[str, str]

HOSPITAL_LEVEL: Final = 3
#: The rules dispatch applies too, worded as dispatch words them.
DISPATCH_RULES: Final = frozenset({"unreachable", "closed", "stop", "stale", "full"})
BED_LEVEL: Final = 2


@dataclass(frozen=True, slots=True)
class Offer:
    """The request-independent facts of one (provider, care type) at ``now``: computed once per batch."""

    key: PlaceKey
    level: int
    free: int
    held: int
    total: int
    live: Why | None  # stop, stale or full
    hours: Hours | None  # None when always open: no check per arrival
    min_age: int | None
    max_age: int | None
    must_return_home: bool
    requires_wlz: bool
    psychogeriatric: bool
    load: float = field(init=False)
    scarcity: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "load", LOAD_MINUTES * self.held / self.total if self.total > 0 else 0.0)
        object.__setattr__(self, "scarcity", scarcity_cost(self.free))

    @classmethod
    def of(cls, place: Place, now: datetime, care_types: Mapping[str, CareType]) -> Offer:
        """The offer behind ``place`` as it stands at ``now``."""
        return cls.at(place.provider, place.care_type, place.entry, place.stop, now, care_types)

    @classmethod
    def at(  # noqa: PLR0917 - the parts of one place's live state
        cls,
        provider: Provider,
        ct: str,
        e: CapacityEntry | None,
        stop: ProviderStatus | None,
        now: datetime,
        care_types: Mapping[str, CareType],
    ) -> Offer:
        """The offer of ``provider``'s ``ct`` with live entry ``e`` and ``stop``, as it stands at ``now``."""
        offer = provider.offers.get(ct)
        rules: Mapping[str, Any] = offer.eligibility if offer is not None else {}
        hours = provider.hours_for(ct)
        live: Why | None = None
        if stop is not None and stop.stopped(now):
            live = "stop"
        elif e is None or e.reported_at is None or e.stale(now):
            live = "stale"
        elif e.free(now) <= 0:
            live = "full"
        min_age, max_age = rules.get("min_age"), rules.get("max_age")
        return cls(
            key=(provider.id, ct),
            level=care_types[ct].level,
            free=e.free(now) if e is not None else 0,
            held=e.held if e is not None else 0,
            total=e.total if e is not None else (offer.total if offer is not None else 0),
            live=live,
            hours=None if hours.always else hours,
            min_age=None if min_age is None else int(min_age),
            max_age=None if max_age is None else int(max_age),
            must_return_home=bool(rules.get("must_return_home", False)),
            requires_wlz=bool(rules.get("requires_wlz", False)),
            psychogeriatric=bool(rules.get("psychogeriatric", False)),
        )

    def age_range(self) -> Message | None:
        """The age rule as a message ('18-60', '18+', 'up to 60'); None without an age rule."""
        if self.min_age is not None and self.max_age is not None:
            return msg("ages.range", low=self.min_age, high=self.max_age)
        if self.min_age is not None:
            return msg("ages.from", low=self.min_age)
        if self.max_age is not None:
            return msg("ages.up_to", high=self.max_age)
        return None


@dataclass(frozen=True, slots=True)
class Context:
    """A need's lookups, computed once per need."""

    need: Need
    rank: Mapping[str, int]
    fit: Mapping[int, float]
    preferred: frozenset[str]
    hospital_ok: bool

    @classmethod
    def of(cls, need: Need) -> Context:
        """The lookups of ``need``."""
        rank: dict[str, int] = {}
        for i, ct in enumerate(need.care_types):
            rank.setdefault(ct, i)
        return cls(
            need=need,
            rank=rank,
            fit=FIT_COST if (need.frail_elderly or need.home_first) else NO_FIT,
            preferred=frozenset(need.preferred_providers),
            hospital_ok=not need.no_hospital or need.hospital_override is not None,
        )


def ineligible(need: Need, offer: Offer) -> Message | None:
    """Why the offer's eligibility excludes the patient, or None."""
    if (offer.min_age is not None and need.age < offer.min_age) or (
        offer.max_age is not None and need.age > offer.max_age
    ):
        return msg("ineligible.age", age=need.age, ages=offer.age_range())
    if offer.must_return_home and not need.can_return_home:
        return msg("ineligible.return_home")
    if offer.requires_wlz and not need.wlz_indication:
        return msg("ineligible.wlz")
    if offer.psychogeriatric and not need.psychogeriatric:
        return msg("ineligible.not_psychogeriatric")
    if need.psychogeriatric and offer.level == BED_LEVEL and not offer.psychogeriatric:
        return msg("ineligible.needs_psychogeriatric")
    return None


def reject(ctx: Context, offer: Offer, travel: float, now: datetime, tz: ZoneInfo) -> Why | None:
    """The first rule (module docstring order) that rules the place out, or None when it is feasible."""
    if offer.key[1] not in ctx.rank:
        return "not_acceptable"
    if offer.level >= HOSPITAL_LEVEL and not ctx.hospital_ok:
        return "no_hospital"
    if ineligible(ctx.need, offer) is not None:
        return "not_eligible"
    if not math.isfinite(travel):
        return "unreachable"
    if offer.hours is not None and not offer.hours.is_open(now + timedelta(minutes=travel), tz):
        return "closed"
    if offer.live is not None:
        return offer.live
    if travel > ctx.need.window_minutes:
        return "too_far"
    return None


def explain(why: Why, ctx: Context, offer: Offer, place: Place, *, now: datetime, tz: ZoneInfo) -> Message:
    """The line a person reads for an exclusion (codes shared with dispatch where the rule is dispatch's)."""
    e, need = place.entry, ctx.need
    text: Message
    if why == "not_acceptable":
        text = msg("excluded.not_acceptable", care_type=offer.key[1], care_types=", ".join(need.care_types))
    elif why == "no_hospital":
        text = msg("excluded.no_hospital")
    elif why == "not_eligible":
        text = msg("excluded.not_eligible", rule=ineligible(need, offer))
    elif why in DISPATCH_RULES:
        age = (now - e.reported_at).total_seconds() / 60 if e is not None and e.reported_at is not None else None
        text = excluded_reason(place, why, age)
    else:
        text = msg("excluded.too_far", urgency=need.urgency, window=round(need.window_minutes))
    return reason_line(place, text)


def feasible(
    need: Need, place: Place, now: datetime, tz: ZoneInfo, care_types: Mapping[str, CareType]
) -> Excluded | None:
    """None when ``place`` can take ``need`` now, else why not (the first rule in the module docstring's order)."""
    ctx, offer = Context.of(need), Offer.of(place, now, care_types)
    why = reject(ctx, offer, place.travel_minutes, now, tz)
    if why is None:
        return None
    return Excluded(
        place.provider.id, place.care_type, place.travel_minutes, why, explain(why, ctx, offer, place, now=now, tz=tz)
    )
