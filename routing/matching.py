"""The matcher: the right place for one request (ranked and explained) and for all open requests at once.

Pure and synchronous, like :mod:`routing.dispatch`: functions of the needs, the
candidate places (:class:`routing.dispatch.Place`, each with its live capacity
and the travel time from that request's location) and the clock; no I/O.

Feasibility (:func:`feasible`). A place is never proposed or assigned when, in
this order (who the patient is first, then the place's live state, so a place
the patient may never use says so rather than "full"):

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

Cost of a feasible placement, in minutes (lower is better)::

    cost = travel minutes
         + 5 * index of the care type in need.care_types    (the triage's first choice costs 0)
         + level-of-care fit, only for frail elderly or a home-first care plan:
               level 0 (home) +0, 1 (consult) +5, 2 (primary-care bed) +15, 3 (hospital) +40
         - 15 if the provider is one the care plan prefers
         + 10 * held / total                                 (a busy provider costs more)
         + 10 if exactly 1 unit is free, 5 if 2 are free     (routing.dispatch.scarcity_cost)

Batch optimisation (:func:`optimize`) assigns every need at most one place so
that the number placed weighted by urgency is maximal, and among those
assignments the total cost is minimal. Weights: U2 4, U3 2, U4 1 (one U2
placed outweighs a U3 and a U4 together). A place's free units are counted once
per (provider, care type) and shared by all requests. The batch works in tenths
of a minute: each placement's cost is rounded to 0.1 min, and the reported
objective is the sum of the rounded costs of the placements made.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Literal, TypeAlias, TypeVar
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from capacity.model import CareType, Hours

from .dispatch import Place, age_text, scarcity_cost

__all__ = [
    "CARE_TYPE_STEP",
    "FIT_COST",
    "PREFERRED_BONUS",
    "URGENCY_WEIGHT",
    "WINDOW_MINUTES",
    "Assignment",
    "BatchResult",
    "Excluded",
    "FlowNetwork",
    "Need",
    "Proposal",
    "Urgency",
    "Why",
    "build_network",
    "cost",
    "feasible",
    "greedy",
    "optimize",
    "propose",
]

_LOGGER = logging.getLogger(__name__)

Urgency: TypeAlias = Literal["U2", "U3", "U4"]
Why: TypeAlias = Literal[
    "not_acceptable", "no_hospital", "not_eligible", "unreachable", "closed", "stop", "stale", "full", "too_far"
]
PlaceKey: TypeAlias = tuple[str, str]

URGENCY_WEIGHT: Final[Mapping[str, int]] = {"U2": 4, "U3": 2, "U4": 1}
WINDOW_MINUTES: Final[Mapping[str, int]] = {"U2": 60, "U3": 180, "U4": 1440}
CARE_TYPE_STEP: Final = 5.0  # minutes per step down the triage's list of care types
FIT_COST: Final[Mapping[int, float]] = {0: 0.0, 1: 5.0, 2: 15.0, 3: 40.0}  # level of care, home-first
PREFERRED_BONUS: Final = -15.0
LOAD_MINUTES: Final = 10.0  # a provider with every unit held costs this much more
EXCLUDED_LIMIT: Final = 5
HOSPITAL_LEVEL: Final = 3
BED_LEVEL: Final = 2

_NO_FIT: Final[Mapping[int, float]] = {}
_FIT_TEXT: Final[Mapping[int, str]] = {
    0: "care at home ranks before a bed",
    1: "a consult ranks after care at home",
    2: "a bed ranks after care at home",
    3: "hospital ranks last",
}


# --------------------------------------------------------------------------- types


@dataclass(frozen=True, slots=True)
class Need:
    """What one triaged request needs: urgency and its window, acceptable care types, the patient's facts."""

    request_id: str
    urgency: Urgency
    window_minutes: float
    care_types: tuple[str, ...]
    age: int
    can_return_home: bool = True
    wlz_indication: bool = False
    psychogeriatric: bool = False
    frail_elderly: bool = False
    preferred_providers: tuple[str, ...] = ()
    home_first: bool = False
    no_hospital: bool = False
    hospital_override: str | None = None

    def __post_init__(self) -> None:
        if self.urgency not in URGENCY_WEIGHT:
            # U0/U1 go to 112 and U5 is advice: zcc never places them.
            raise ValueError(f"urgency {self.urgency!r} is not placed by zcc (only U2, U3, U4)")
        if not self.window_minutes >= 0:
            raise ValueError(f"window_minutes must be 0 or more, not {self.window_minutes!r}")

    @property
    def weight(self) -> int:
        """The urgency weight in the batch objective (U2 4, U3 2, U4 1)."""
        return URGENCY_WEIGHT[self.urgency]

    def to_json(self) -> dict[str, Any]:
        """A plain dict (the pseudonymous request id only, no patient data beyond the triage's facts)."""
        return {
            "request_id": self.request_id,
            "urgency": self.urgency,
            "window_minutes": self.window_minutes,
            "care_types": list(self.care_types),
            "age": self.age,
            "can_return_home": self.can_return_home,
            "wlz_indication": self.wlz_indication,
            "psychogeriatric": self.psychogeriatric,
            "frail_elderly": self.frail_elderly,
            "preferred_providers": list(self.preferred_providers),
            "home_first": self.home_first,
            "no_hospital": self.no_hospital,
            "hospital_override": self.hospital_override,
        }


def _minutes(value: float) -> float | None:
    return round(value, 1) if math.isfinite(value) else None


@dataclass(frozen=True, slots=True)
class Proposal:
    """A feasible place for one request, its cost in minutes and the reasons, one short line each."""

    request_id: str
    provider_id: str
    care_type: str
    travel_minutes: float
    score: float
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The API shape of a proposal."""
        return {
            "provider_id": self.provider_id,
            "care_type": self.care_type,
            "travel_minutes": _minutes(self.travel_minutes),
            "score": round(self.score, 1),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class Excluded:
    """A place that cannot take this request: ``why`` is a code, ``reason`` the line a person reads."""

    provider_id: str
    care_type: str
    travel_minutes: float
    why: Why
    reason: str

    def to_json(self) -> dict[str, Any]:
        """The API shape of an excluded place."""
        return {
            "provider_id": self.provider_id,
            "care_type": self.care_type,
            "travel_minutes": _minutes(self.travel_minutes),
            "excluded": self.why,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Assignment:
    """One request placed by the batch: where, how far, and its cost (minutes, rounded to 0.1)."""

    request_id: str
    provider_id: str
    care_type: str
    travel_minutes: float
    cost: float

    def to_json(self) -> dict[str, Any]:
        """The API shape of an assignment."""
        return {
            "request_id": self.request_id,
            "provider_id": self.provider_id,
            "care_type": self.care_type,
            "travel_minutes": _minutes(self.travel_minutes),
            "cost": round(self.cost, 1),
        }


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A batch proposal: solver status, placed cost in minutes, placed urgency weight, who goes where."""

    status: str
    objective: float
    placed_weight: int
    assignments: tuple[Assignment, ...]
    unassigned: tuple[tuple[str, str], ...]
    solve_seconds: float
    solver: str = "min_cost_flow"

    def to_json(self) -> dict[str, Any]:
        """The API shape of ``POST /api/v1/optimize``."""
        return {
            "status": self.status,
            "objective": round(self.objective, 1),
            "placed_weight": self.placed_weight,
            "assignments": [a.to_json() for a in self.assignments],
            "unassigned": [{"request_id": rid, "reason": why} for rid, why in self.unassigned],
            "solve_seconds": round(self.solve_seconds, 4),
            "solver": self.solver,
        }


# --------------------------------------------------------------------------- shared rules


@dataclass(frozen=True, slots=True)
class _Offer:
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
    plain: bool = field(init=False)  # no hours to check, no eligibility rule: see build_network

    def __post_init__(self) -> None:
        object.__setattr__(self, "load", LOAD_MINUTES * self.held / self.total if self.total > 0 else 0.0)
        object.__setattr__(self, "scarcity", scarcity_cost(self.free))
        rules = (self.min_age, self.max_age, self.must_return_home, self.requires_wlz, self.psychogeriatric)
        object.__setattr__(self, "plain", self.hours is None and rules == (None, None, False, False, False))

    @classmethod
    def of(cls, place: Place, now: datetime, care_types: Mapping[str, CareType]) -> _Offer:
        """The offer behind ``place`` as it stands at ``now``."""
        ct, e, provider = place.care_type, place.entry, place.provider
        offer = provider.offers.get(ct)
        rules: Mapping[str, Any] = offer.eligibility if offer is not None else {}
        hours = provider.hours_for(ct)
        live: Why | None = None
        if place.stop is not None and place.stop.stopped(now):
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

    def age_range(self) -> str | None:
        """'18-60', '18+' or 'up to 60'; None without an age rule."""
        if self.min_age is not None and self.max_age is not None:
            return f"{self.min_age}-{self.max_age}"
        if self.min_age is not None:
            return f"{self.min_age}+"
        if self.max_age is not None:
            return f"up to {self.max_age}"
        return None


@dataclass(frozen=True, slots=True)
class _Context:
    """A need's lookups, computed once per need."""

    need: Need
    rank: Mapping[str, int]
    fit: Mapping[int, float]
    preferred: frozenset[str]
    hospital_ok: bool

    @classmethod
    def of(cls, need: Need) -> _Context:
        """The lookups of ``need``."""
        rank: dict[str, int] = {}
        for i, ct in enumerate(need.care_types):
            rank.setdefault(ct, i)
        return cls(
            need=need,
            rank=rank,
            fit=FIT_COST if (need.frail_elderly or need.home_first) else _NO_FIT,
            preferred=frozenset(need.preferred_providers),
            hospital_ok=not need.no_hospital or need.hospital_override is not None,
        )


def _ineligible(need: Need, offer: _Offer) -> str | None:
    """Why the offer's eligibility excludes the patient, or None."""
    if (offer.min_age is not None and need.age < offer.min_age) or (
        offer.max_age is not None and need.age > offer.max_age
    ):
        return f"age {need.age} outside {offer.age_range()}"
    if offer.must_return_home and not need.can_return_home:
        return "only for patients expected to return home"
    if offer.requires_wlz and not need.wlz_indication:
        return "needs a Wlz indication"
    if offer.psychogeriatric and not need.psychogeriatric:
        return "a psychogeriatric place, the patient is not psychogeriatric"
    if need.psychogeriatric and offer.level == BED_LEVEL and not offer.psychogeriatric:
        return "a psychogeriatric patient needs a psychogeriatric bed"
    return None


def _reject(ctx: _Context, offer: _Offer, travel: float, now: datetime, tz: ZoneInfo) -> Why | None:
    """The first rule (module docstring order) that rules the place out, or None when it is feasible."""
    if offer.key[1] not in ctx.rank:
        return "not_acceptable"
    if offer.level >= HOSPITAL_LEVEL and not ctx.hospital_ok:
        return "no_hospital"
    if _ineligible(ctx.need, offer) is not None:
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


_F = TypeVar("_F", float, NDArray[np.float64])


def _formula(travel: _F, *, rank: _F, fit: _F, preferred: Any, load: _F, scarcity: _F) -> _F:
    """The cost formula of the module docstring, the one place it is written.

    Works on one pair (floats, ``preferred`` a bool) and on all pairs of a batch
    at once (arrays): the same float operations in the same order, so a
    proposal's score and a batch arc's cost agree to the last bit.
    """
    bonus = preferred * PREFERRED_BONUS
    return travel + CARE_TYPE_STEP * rank + fit + bonus + load + scarcity  # type: ignore[no-any-return]


def _cost_value(ctx: _Context, offer: _Offer, travel: float) -> float:
    """The cost of one feasible pair."""
    return _formula(
        travel,
        rank=float(ctx.rank[offer.key[1]]),
        fit=ctx.fit.get(offer.level, 0.0),
        preferred=offer.key[0] in ctx.preferred,
        load=offer.load,
        scarcity=offer.scarcity,
    )


def _units(minutes: float) -> int:
    """Tenths of a minute, the batch's integer cost unit."""
    return round(minutes * 10)


def _local(dt: datetime, now: datetime, tz: ZoneInfo) -> str:
    """'18:30' today, 'Thu 07:00' on another day (local time), as dispatch writes it."""
    local = dt.astimezone(tz)
    return local.strftime("%H:%M") if local.date() == now.astimezone(tz).date() else local.strftime("%a %H:%M")


def _explain(why: Why, ctx: _Context, offer: _Offer, place: Place, *, now: datetime, tz: ZoneInfo) -> str:
    """The human line for an exclusion, in dispatch's wording where the rule is dispatch's."""
    travel, e, need = place.travel_minutes, place.entry, ctx.need
    if why == "not_acceptable":
        text = f"{offer.key[1]} is not among the triage's care types ({', '.join(need.care_types)})"
    elif why == "no_hospital":
        text = "no hospital admission (care plan)"
    elif why == "not_eligible":
        text = f"not eligible: {_ineligible(need, offer)}"
    elif why == "unreachable":
        text = "no road to this place"
    elif why == "closed":
        text = f"closed at arrival (open {place.provider.hours_for(place.care_type).text})"
    elif why == "stop":
        assert place.stop is not None
        until = f" until {_local(place.stop.until, now, tz)}" if place.stop.until else ""
        text = f"stop{until}: {place.stop.reason}"
    elif why == "stale":
        if e is None or e.reported_at is None:
            text = "no capacity report yet"
        else:
            text = f"stale (last report {age_text((now - e.reported_at).total_seconds() / 60)})"
    elif why == "full":
        assert e is not None
        text = f"full (0 of {e.total} free, {e.held} held)"
    else:
        text = f"too far for {need.urgency} (window {need.window_minutes:.0f} min)"
    border = f", across the border ({place.region_name})" if place.cross_region else ""
    return f"{travel:.0f} min, {text}{border}" if math.isfinite(travel) else f"{text}{border}"


# --------------------------------------------------------------------------- one request


def feasible(
    need: Need, place: Place, now: datetime, tz: ZoneInfo, care_types: Mapping[str, CareType]
) -> Excluded | None:
    """None when ``place`` can take ``need`` now, else why not (the first rule in the module docstring's order)."""
    ctx, offer = _Context.of(need), _Offer.of(place, now, care_types)
    why = _reject(ctx, offer, place.travel_minutes, now, tz)
    if why is None:
        return None
    return Excluded(
        place.provider.id, place.care_type, place.travel_minutes, why, _explain(why, ctx, offer, place, now=now, tz=tz)
    )


def _reasons(ctx: _Context, offer: _Offer, place: Place, free: int) -> list[str]:
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

    The place is assumed feasible (its care type acceptable to the need); see the module docstring.
    """
    ctx = _Context.of(need)
    if place.care_type not in ctx.rank:
        raise ValueError(f"{place.care_type} is not among the need's care types {need.care_types}")
    e = place.entry
    offer = _Offer(
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
    return _cost_value(ctx, offer, place.travel_minutes), _reasons(ctx, offer, place, free)


def _eligibility_notes(ctx: _Context, offer: _Offer) -> list[str]:
    """Which eligibility rules the patient meets, and a hospital override, for the proposal's reasons."""
    notes = []
    ages = offer.age_range()
    if ages is not None:
        notes.append(f"eligible: {ages}")
    if offer.must_return_home:
        notes.append("eligible: expected to return home")
    if offer.requires_wlz:
        notes.append("eligible: has a Wlz indication")
    if offer.psychogeriatric:
        notes.append("eligible: psychogeriatric place")
    if offer.level >= HOSPITAL_LEVEL and ctx.need.no_hospital and ctx.need.hospital_override is not None:
        notes.append(f"hospital despite the no-hospital wish: {ctx.need.hospital_override}")
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
    ctx = _Context.of(need)
    ranked: list[tuple[float, float, str, str, Proposal]] = []
    excluded: list[Excluded] = []
    for place in places:
        offer = _Offer.of(place, now, care_types)
        why = _reject(ctx, offer, place.travel_minutes, now, tz)
        if why is not None:
            reason = _explain(why, ctx, offer, place, now=now, tz=tz)
            excluded.append(Excluded(place.provider.id, place.care_type, place.travel_minutes, why, reason))
            continue
        score = _cost_value(ctx, offer, place.travel_minutes)
        reasons = (*_reasons(ctx, offer, place, offer.free), *_eligibility_notes(ctx, offer))
        proposal = Proposal(need.request_id, place.provider.id, place.care_type, place.travel_minutes, score, reasons)
        ranked.append((score, place.travel_minutes, place.provider.id, place.care_type, proposal))
    ranked.sort(key=lambda r: r[:4])
    excluded.sort(key=lambda x: (x.why == "not_acceptable", x.travel_minutes, x.provider_id, x.care_type))
    return [r[4] for r in ranked[:limit]], excluded[:excluded_limit]


# --------------------------------------------------------------------------- the batch


@dataclass(frozen=True, slots=True, eq=False)
class FlowNetwork:
    """The batch as a bipartite graph: every feasible (request, place) pair with its integer cost.

    Requests are indexed as in ``needs``, places as in ``place_keys``; costs
    are tenths of a minute and may be negative (the preferred-provider bonus).
    :meth:`flow_arrays` turns it into the min-cost-flow arcs :func:`optimize` solves.
    """

    needs: tuple[Need, ...]
    place_keys: tuple[PlaceKey, ...]
    free: NDArray[np.int64]
    arc_request: NDArray[np.int32]
    arc_place: NDArray[np.int32]
    arc_cost: NDArray[np.int64]
    arc_travel: NDArray[np.float64]
    weights: NDArray[np.int64]

    @property
    def big(self) -> int:
        """The price of one unit of urgency weight left unplaced: more than any two assignments' cost difference.

        For assignments A and B, sum_A(cost) - sum_B(cost) is at most SPAN =
        sum over requests of (max(0, its dearest arc) - min(0, its cheapest
        arc)), since each request is placed at most once. BIG = SPAN + 1.
        """
        n = len(self.needs)
        if len(self.arc_cost) == 0:
            return 1
        hi = np.zeros(n, dtype=np.int64)
        lo = np.zeros(n, dtype=np.int64)
        np.maximum.at(hi, self.arc_request, self.arc_cost)
        np.minimum.at(lo, self.arc_request, self.arc_cost)
        return int(hi.sum() - lo.sum()) + 1

    @property
    def shift(self) -> int:
        """What every placement arc's cost is raised by so that none is negative."""
        return max(0, -int(self.arc_cost.min())) if len(self.arc_cost) else 0

    def flow_arrays(
        self,
    ) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """(tails, heads, capacities, unit costs, node supplies) of the min-cost-flow network.

        Nodes: source 0, request i at 1 + i, place j at 1 + n + j, sink 1 + n + m.
        Arcs, in this order: source -> request (cap 1, cost 0); request -> place
        (cap 1, cost + SHIFT), one per feasible pair; request -> sink, "unplaced"
        (cap 1, cost weight * BIG + SHIFT); place -> sink (cap free, cost 0).
        The source supplies n units and the sink takes n, so every request sends
        exactly one unit: through a place or through its unplaced arc.

        Why this is lexicographic: every request pays SHIFT exactly once, placed
        or not, so the flow cost is
            n * SHIFT + BIG * (total weight - placed weight) + sum of placed costs,
        a constant less BIG per unit of weight placed plus the real cost. BIG
        exceeds any difference in placed cost between two assignments (see
        :attr:`big`), so one more unit of weight placed always wins, and at equal
        weight the cheaper assignment wins. Without SHIFT on the unplaced arc,
        each placement would carry SHIFT and the flow would compare
        BIG * weight - cost - SHIFT * placements: five U4s (weight 5) against a
        U2 and three fewer placements would then need BIG > SPAN + 4 * SHIFT,
        or the subtler fact that all maximum-weight assignments place equally
        many requests (true of this flow, whose placeable sets form a matroid;
        not of the model with provider caps). With SHIFT in the penalty the
        plain argument above suffices.
        """
        n, m, k = len(self.needs), len(self.place_keys), len(self.arc_cost)
        big, shift = self.big, self.shift
        req = np.arange(1, n + 1, dtype=np.int32)
        sink = np.int32(1 + n + m)
        tails = np.concatenate(
            [np.zeros(n, np.int32), 1 + self.arc_request, req, np.arange(1 + n, 1 + n + m, dtype=np.int32)]
        ).astype(np.int32)
        heads = np.concatenate(
            [req, 1 + n + self.arc_place, np.full(n, sink, np.int32), np.full(m, sink, np.int32)]
        ).astype(np.int32)
        caps = np.concatenate([np.ones(n + k + n, np.int64), self.free]).astype(np.int64)
        costs = np.concatenate(
            [np.zeros(n, np.int64), self.arc_cost + shift, self.weights * big + shift, np.zeros(m, np.int64)]
        ).astype(np.int64)
        supplies = np.zeros(n + m + 2, np.int64)
        supplies[0], supplies[-1] = n, -n
        return tails, heads, caps, costs, supplies


def build_network(
    needs: Sequence[Need],
    candidates: Mapping[str, Sequence[Place]],
    now: datetime,
    tz: ZoneInfo,
    care_types: Mapping[str, CareType],
) -> FlowNetwork:
    """Every feasible (request, place) pair of the batch with its cost; free units per (provider, care type).

    The live state (entry, stop) of a (provider, care type) is read from the
    first of its places met: the candidates of different requests carry the
    same view, only their travel times differ.
    """
    seen: set[str] = set()
    for need in needs:
        if need.request_id in seen:
            raise ValueError(f"request {need.request_id} appears twice in the batch")
        seen.add(need.request_id)
    index: dict[PlaceKey, int] = {}  # (provider, care type) -> its slot in ``offers``
    offers: list[_Offer] = []
    # One entry per feasible pair (a request's arcs come together, so a count per request gives
    # the request of each arc); the cost is computed afterwards, vectorised, by the same _formula.
    per_request: list[int] = []
    arc_slot: list[int] = []
    arc_rank: list[int] = []
    arc_travel: list[float] = []
    preferred_arcs: list[int] = []
    add_slot, add_rank, add_travel = arc_slot.append, arc_rank.append, arc_travel.append
    for need in needs:
        ctx = _Context.of(need)
        rank, window, preferred = ctx.rank, need.window_minutes, ctx.preferred
        before = len(arc_slot)
        # A need without no-hospital or psychogeriatric rules, at an offer without hours or eligibility
        # rules, passes every rule of _reject once its care type is acceptable, its travel is finite and
        # within the window and its live state is fine: the checks below. Other pairs go through _reject.
        plain_need = not need.no_hospital and not need.psychogeriatric
        for place in candidates.get(need.request_id, ()):
            idx = rank.get(place.care_type)
            if idx is None:
                continue
            travel = place.travel_minutes
            if not travel <= window:  # also rules out inf and nan
                continue
            key = (place.provider.id, place.care_type)
            slot = index.get(key)
            if slot is None:
                slot = index[key] = len(offers)
                offers.append(_Offer.of(place, now, care_types))
            offer = offers[slot]
            if offer.live is not None:
                continue
            if not (plain_need and offer.plain) and _reject(ctx, offer, travel, now, tz) is not None:
                continue
            if preferred and key[0] in preferred:
                preferred_arcs.append(len(arc_slot))
            add_slot(slot)
            add_rank(idx)
            add_travel(travel)
        per_request.append(len(arc_slot) - before)
    req = np.repeat(np.arange(len(needs), dtype=np.int32), np.array(per_request, dtype=np.int64))
    # Place nodes: only the (provider, care type) pairs some request can use.
    used, plc = np.unique(np.array(arc_slot, dtype=np.int64), return_inverse=True)
    places = [offers[int(u)] for u in used]
    travel_a = np.array(arc_travel, dtype=np.float64)
    preferred_a = np.zeros(len(arc_slot), dtype=bool)
    preferred_a[preferred_arcs] = True
    fit_on = np.array([need.frail_elderly or need.home_first for need in needs], dtype=bool)
    level_fit = np.array([FIT_COST.get(o.level, 0.0) for o in places], dtype=np.float64)
    minutes = _formula(
        travel_a,
        rank=np.array(arc_rank, dtype=np.float64),
        fit=np.where(fit_on[req], level_fit[plc], 0.0),
        preferred=preferred_a,
        load=np.array([o.load for o in places], dtype=np.float64)[plc],
        scarcity=np.array([o.scarcity for o in places], dtype=np.float64)[plc],
    )
    return FlowNetwork(
        needs=tuple(needs),
        place_keys=tuple(o.key for o in places),
        free=np.array([o.free for o in places], dtype=np.int64),
        arc_request=req,
        arc_place=plc.astype(np.int32),
        # np.rint rounds half to even like Python's round() in _units: the same tenths everywhere.
        arc_cost=np.rint(minutes * 10).astype(np.int64),
        arc_travel=travel_a,
        weights=np.array([need.weight for need in needs], dtype=np.int64),
    )


def _result(
    net: FlowNetwork, chosen: NDArray[np.intp], status: str, *, started: float, solver: str, why_not: str
) -> BatchResult:
    """A BatchResult from the chosen arc indices."""
    placed: dict[int, Assignment] = {}
    for a in chosen.tolist():
        i = int(net.arc_request[a])
        pid, ct = net.place_keys[int(net.arc_place[a])]
        placed[i] = Assignment(net.needs[i].request_id, pid, ct, float(net.arc_travel[a]), int(net.arc_cost[a]) / 10)
    has_arc = np.zeros(len(net.needs), dtype=bool)
    has_arc[net.arc_request] = True
    unassigned = tuple(
        (need.request_id, why_not if has_arc[i] else "no feasible place")
        for i, need in enumerate(net.needs)
        if i not in placed
    )
    assignments = tuple(placed[i] for i in sorted(placed))
    return BatchResult(
        status=status,
        objective=sum(int(net.arc_cost[a]) for a in chosen.tolist()) / 10,
        placed_weight=sum(net.needs[i].weight for i in placed),
        assignments=assignments,
        unassigned=unassigned,
        solve_seconds=time.perf_counter() - started,
        solver=solver,
    )


def _solve_flow(net: FlowNetwork) -> tuple[str, NDArray[np.intp]]:
    """Solve the network with SimpleMinCostFlow: status and the placement arcs carrying flow."""
    n, k = len(net.needs), len(net.arc_cost)
    tails, heads, caps, costs, supplies = net.flow_arrays()
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    smcf.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        return str(status.name), np.zeros(0, dtype=np.intp)
    flows = np.asarray(smcf.flows(np.arange(n, n + k, dtype=np.int32)))
    return "OPTIMAL", np.flatnonzero(flows > 0)


_CP_STATUS: Final = {"OPTIMAL", "FEASIBLE"}


def _solve_cp_sat(net: FlowNetwork, caps: Mapping[str, int], time_limit_s: float) -> tuple[str, NDArray[np.intp]]:
    """The same model with a cap per provider across its care types, solved with CP-SAT."""
    from ortools.sat.python import cp_model  # half a second to import: only when a cap binds

    model = cp_model.CpModel()
    k = len(net.arc_cost)
    x = [model.new_bool_var(f"x{a}") for a in range(k)]
    by_request: dict[int, list[Any]] = {}
    by_place: dict[int, list[Any]] = {}
    by_provider: dict[str, list[Any]] = {}
    for a, (i, j) in enumerate(zip(net.arc_request.tolist(), net.arc_place.tolist(), strict=True)):
        by_request.setdefault(i, []).append(x[a])
        by_place.setdefault(j, []).append(x[a])
        by_provider.setdefault(net.place_keys[j][0], []).append(x[a])
    for xs in by_request.values():
        model.add_at_most_one(xs)
    for j, xs in by_place.items():
        if len(xs) > int(net.free[j]):
            model.add(cp_model.LinearExpr.sum(xs) <= int(net.free[j]))
    for pid, xs in by_provider.items():
        if pid in caps and len(xs) > caps[pid]:
            model.add(cp_model.LinearExpr.sum(xs) <= caps[pid])
    # The same lexicographic objective as the flow (see FlowNetwork.flow_arrays), without the shift:
    # CP-SAT takes negative coefficients.
    big = net.big
    gain = (net.weights[net.arc_request] * big - net.arc_cost).tolist()
    model.maximize(cp_model.LinearExpr.weighted_sum(x, gain))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    status = solver.status_name(solver.solve(model))
    if status not in _CP_STATUS:
        return status, np.zeros(0, dtype=np.intp)
    return status, np.array([a for a in range(k) if solver.boolean_value(x[a])], dtype=np.intp)


def _provider_caps(side_constraints: Mapping[str, Any] | None) -> dict[str, int]:
    """The validated ``max_per_provider`` side constraint (the only one there is)."""
    if not side_constraints:
        return {}
    unknown = set(side_constraints) - {"max_per_provider"}
    if unknown:
        raise ValueError(f"unknown side constraints: {', '.join(sorted(unknown))} (known: max_per_provider)")
    caps: dict[str, int] = {}
    for pid, n in dict(side_constraints.get("max_per_provider") or {}).items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"max_per_provider[{pid!r}] must be a whole number 0 or more, not {n!r}")
        caps[str(pid)] = n
    return caps


def optimize(
    needs: Sequence[Need],
    candidates: Mapping[str, Sequence[Place]],
    now: datetime,
    tz: ZoneInfo,
    care_types: Mapping[str, CareType],
    *,
    time_limit_s: float = 5.0,
    side_constraints: Mapping[str, Any] | None = None,
) -> BatchResult:
    """Place as much urgency weight as possible (U2 4, U3 2, U4 1), then at least total cost.

    ``candidates`` holds, per request id, its places with that request's
    travel minutes. Without side constraints this is a min-cost flow (see
    :meth:`FlowNetwork.flow_arrays`), exact and fast; it needs no time limit.
    ``side_constraints={"max_per_provider": {provider_id: n}}`` caps what one
    provider takes across its care types (e.g. one admitting physician): the
    flow cannot express it, so when the flow's answer breaks a cap the model
    goes to CP-SAT with ``time_limit_s`` ("FEASIBLE" when the limit ended the
    search before optimality was proven). ``solve_seconds`` covers building and solving.
    """
    started = time.perf_counter()
    caps = _provider_caps(side_constraints)
    net = build_network(needs, candidates, now, tz, care_types)
    if len(net.arc_cost) == 0:  # nothing can be placed: nothing to solve
        return _result(net, np.zeros(0, np.intp), "OPTIMAL", started=started, solver="min_cost_flow", why_not="")
    status, chosen = _solve_flow(net)
    if status != "OPTIMAL":
        _LOGGER.error("min-cost flow ended %s on %d requests", status, len(needs))
        return _result(net, chosen, status, started=started, solver="min_cost_flow", why_not=f"solver ended {status}")
    if caps:
        taken: dict[str, int] = {}
        for j in net.arc_place[chosen].tolist():
            pid = net.place_keys[j][0]
            taken[pid] = taken.get(pid, 0) + 1
        # The flow solves the model without the caps; if its optimum keeps them, it is optimal with them too.
        if any(taken.get(pid, 0) > cap for pid, cap in caps.items()):
            status, chosen = _solve_cp_sat(net, caps, time_limit_s)
            _LOGGER.info("cp-sat %s on %d requests, %d arcs", status, len(needs), len(net.arc_cost))
            why = "places went to more urgent or better-fitting requests (or a provider cap)"
            if status not in _CP_STATUS:
                why = f"no solution within {time_limit_s:g} s ({status})"
            return _result(net, chosen, status, started=started, solver="cp_sat", why_not=why)
    why = "places went to more urgent or better-fitting requests"
    return _result(net, chosen, status, started=started, solver="min_cost_flow", why_not=why)


def greedy(
    needs: Sequence[Need],
    candidates: Mapping[str, Sequence[Place]],
    now: datetime,
    tz: ZoneInfo,
    care_types: Mapping[str, CareType],
) -> BatchResult:
    """Today's phoning around, as a baseline: most urgent first, each request takes its nearest place still free.

    Feasible by the same rules as :func:`optimize`, costed the same way (with
    the free units as reported), blind to what later requests will need.
    """
    started = time.perf_counter()
    order = sorted(range(len(needs)), key=lambda i: -needs[i].weight)  # stable: request order within an urgency
    offers: dict[PlaceKey, _Offer] = {}
    left: dict[PlaceKey, int] = {}
    placed: dict[int, Assignment] = {}
    units = 0
    had_any: set[int] = set()
    for i in order:
        need = needs[i]
        ctx = _Context.of(need)
        options: list[tuple[float, int, str, _Offer, float]] = []
        for place in candidates.get(need.request_id, ()):
            key = (place.provider.id, place.care_type)
            offer = offers.get(key)
            if offer is None:
                offer = offers[key] = _Offer.of(place, now, care_types)
                left[key] = offer.free
            if _reject(ctx, offer, place.travel_minutes, now, tz) is None:
                rank = ctx.rank[place.care_type]
                options.append(
                    (place.travel_minutes, rank, key[0], offer, _cost_value(ctx, offer, place.travel_minutes))
                )
        if options:
            had_any.add(i)
        for travel, _, _, offer, c in sorted(options, key=lambda o: o[:3]):
            if left[offer.key] > 0:
                left[offer.key] -= 1
                units += _units(c)
                placed[i] = Assignment(need.request_id, offer.key[0], offer.key[1], travel, _units(c) / 10)
                break
    unassigned = tuple(
        (n.request_id, "nearest places were taken by earlier calls" if i in had_any else "no feasible place")
        for i, n in enumerate(needs)
        if i not in placed
    )
    return BatchResult(
        status="FEASIBLE",
        objective=units / 10,
        placed_weight=sum(needs[i].weight for i in placed),
        assignments=tuple(placed[i] for i in sorted(placed)),
        unassigned=unassigned,
        solve_seconds=time.perf_counter() - started,
        solver="greedy",
    )
