"""The batch's arcs from arrays: every rule of ``feasibility.reject`` and term of ``formula`` over a travel matrix.

:func:`build_network_arrays` takes the needs, an (n needs x m places) matrix
of door-to-door minutes (inf: not a candidate, or unreachable) and the
places' :class:`~routing.matching.offers.OfferTable`, and gives the
:class:`~routing.matching.flow.FlowNetwork` with no Python work per pair.
:func:`build_network` is the same for callers holding :class:`Place` objects:
it lays them out as a table and a matrix, so the rules live once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Final, cast
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from capacity.model import CareType

from ..dispatch import Place
from .feasibility import BED_LEVEL, HOSPITAL_LEVEL, Offer, PlaceKey
from .flow import FlowNetwork
from .formula import FIT_COST, formula
from .needs import URGENCY_WEIGHT, Need
from .offers import LIVE_OK, OfferTable

__all__ = ["NeedArrays", "build_network", "build_network_arrays", "feasible_pairs"]

# What the rules and the cost read of a need, in one C-level pass over the batch.
_FACTS: Final = attrgetter(
    "window_minutes",
    "age",
    "can_return_home",
    "wlz_indication",
    "psychogeriatric",
    "no_hospital",
    "hospital_override",
    "frail_elderly",
    "home_first",
    "urgency",
)


@dataclass(frozen=True, slots=True, eq=False)
class NeedArrays:
    """Per need, as arrays in batch order, what the rules and the cost read of it (one pass over the needs)."""

    rank: NDArray[np.int16]  # (n, care types of the table): index in need.care_types, -1 when not acceptable
    window: NDArray[np.float64]
    age: NDArray[np.int64]
    can_return_home: NDArray[np.bool_]
    wlz_indication: NDArray[np.bool_]
    psychogeriatric: NDArray[np.bool_]
    hospital_ok: NDArray[np.bool_]
    fit_on: NDArray[np.bool_]  # frail elderly or home first: the level-of-care fit counts
    weight: NDArray[np.int64]
    preferred: NDArray[np.bool_]  # (n, providers of the table): a provider the care plan prefers

    @classmethod
    def of(cls, needs: Sequence[Need], table: OfferTable) -> NeedArrays:
        """The arrays of ``needs`` against the care types and providers of ``table``; request ids must be distinct."""
        n = len(needs)
        ct_index = {ct: c for c, ct in enumerate(table.care_types)}
        pid_index = {pid: p for p, pid in enumerate(table.providers)}
        ids = [need.request_id for need in needs]
        if len(set(ids)) < n:
            twice = next(r for r, k in Counter(ids).items() if k > 1)
            raise ValueError(f"request {twice} appears twice in the batch")
        # One rank row per distinct list of care types (a handful in a batch), gathered per need.
        lists: dict[tuple[str, ...], int] = {}
        which = [lists.setdefault(need.care_types, len(lists)) for need in needs]
        rows = np.full((len(lists), len(ct_index)), -1, dtype=np.int16)
        for r, cts in enumerate(lists):
            for k, ct in reversed(list(enumerate(cts))):  # the first mention counts
                c = ct_index.get(ct)
                if c is not None:
                    rows[r, c] = k
        preferred = np.zeros((n, len(pid_index)), dtype=bool)
        for i, need in enumerate(needs):
            for pid in need.preferred_providers:
                p = pid_index.get(pid)
                if p is not None:
                    preferred[i, p] = True

        cols = list(zip(*map(_FACTS, needs), strict=True)) if n else [()] * 10
        window, age, home, wlz, pg, no_hospital, override, frail, home_first, urgency = cols
        return cls(
            rank=rows[np.array(which, dtype=np.intp)] if n else np.zeros((0, len(ct_index)), np.int16),
            window=np.array(window, dtype=np.float64),
            age=np.array(age, dtype=np.int64),
            can_return_home=np.array(home, dtype=bool),
            wlz_indication=np.array(wlz, dtype=bool),
            psychogeriatric=np.array(pg, dtype=bool),
            hospital_ok=~np.array(no_hospital, dtype=bool) | np.array([o is not None for o in override], dtype=bool),
            fit_on=np.array(frail, dtype=bool) | np.array(home_first, dtype=bool),
            weight=np.array(list(map(URGENCY_WEIGHT.__getitem__, urgency)), dtype=np.int64),
            preferred=preferred,
        )


def _exclude(ok: NDArray[np.bool_], needs: NDArray[np.bool_], places: NDArray[np.bool_]) -> None:
    """Rule out every pair of a need in ``needs`` and a place in ``places`` (masks)."""
    rows, cols = np.flatnonzero(needs), np.flatnonzero(places)
    if len(rows) and len(cols):
        ok[np.ix_(rows, cols)] = False


def feasible_pairs(
    na: NeedArrays, travel: NDArray[np.float64], table: OfferTable, now: datetime, tz: ZoneInfo
) -> NDArray[np.bool_]:
    """The (n, m) mask of feasible pairs: every rule of ``feasibility.reject`` at once (order names only the why)."""
    # Finite and within the urgency's window (a nan compares false too); live state fine.
    ok = travel <= na.window[:, None]
    ok &= (table.live == LIVE_OK)[None, :]
    ok &= na.rank[:, table.care_type] >= 0  # acceptable care type
    _exclude(ok, ~na.hospital_ok, table.level >= HOSPITAL_LEVEL)
    aged = np.flatnonzero((table.min_age > np.iinfo(np.int64).min) | (table.max_age < np.iinfo(np.int64).max))
    if len(aged):
        age = na.age[:, None]
        ok[:, aged] &= (age >= table.min_age[aged]) & (age <= table.max_age[aged])
    _exclude(ok, ~na.can_return_home, table.must_return_home)
    _exclude(ok, ~na.wlz_indication, table.requires_wlz)
    _exclude(ok, ~na.psychogeriatric, table.psychogeriatric)
    _exclude(ok, na.psychogeriatric, (table.level == BED_LEVEL) & ~table.psychogeriatric)
    timed = np.flatnonzero(table.hours_row >= 0)
    if len(timed):  # open at arrival, checked only where every other rule passed
        sub = ok[:, timed]
        r, c = np.nonzero(sub)
        shut = ~table.open_at(timed[c], now, tz, travel[r, timed[c]])
        sub[r[shut], c[shut]] = False
        ok[:, timed] = sub
    return ok


def build_network_arrays(
    needs: Sequence[Need], travel: NDArray[np.float64], table: OfferTable, now: datetime, tz: ZoneInfo
) -> FlowNetwork:
    """Every feasible (request, place) pair with its cost, from a travel matrix and the places' table.

    ``travel[i, j]`` is the door-to-door minutes from need i to place j of
    ``table`` (inf when j is no candidate of i). Arcs come by request, then in
    table order; the network's places are the table's places some arc uses,
    in table order.
    """
    travel = np.asarray(travel, dtype=np.float64)
    n, m = len(needs), len(table)
    if travel.shape != (n, m):
        raise ValueError(f"travel is {travel.shape}, expected (needs, places) = ({n}, {m})")
    na = NeedArrays.of(needs, table)
    ok = feasible_pairs(na, travel, table, now, tz)
    req, col = np.nonzero(ok)  # row-major: by request, then table order
    used = ok.any(axis=0)
    slot = np.cumsum(used) - 1  # table column -> the network's place
    keep = np.flatnonzero(used)
    travel_a = travel[req, col]
    level_fit = np.array([FIT_COST.get(int(v), 0.0) for v in table.level], dtype=np.float64)
    minutes = formula(
        travel_a,
        rank=na.rank[req, table.care_type[col]].astype(np.float64),
        fit=np.where(na.fit_on[req], level_fit[col], 0.0),
        preferred=na.preferred[req, table.provider[col]],
        load=table.load[col],
        scarcity=table.scarcity[col],
    )
    return FlowNetwork(
        needs=tuple(needs),
        place_keys=tuple(table.keys[j] for j in keep.tolist()),
        free=table.free[keep],
        arc_request=req.astype(np.int32),
        arc_place=slot[col].astype(np.int32),
        # np.rint rounds half to even like Python's round() in formula.tenths: the same tenths everywhere.
        arc_cost=np.rint(minutes * 10).astype(np.int64),
        arc_travel=travel_a,
        weights=na.weight,
    )


def _register(  # noqa: PLR0917 - the adapter's loop state
    cands: Sequence[Place],
    keys: list[PlaceKey],
    slots: list[int | None],
    index: dict[PlaceKey, int],
    offers: list[Offer],
    now: datetime,
    care_types: Mapping[str, CareType],
) -> list[int]:
    """The table columns of a need's candidates, new places added to ``index`` and ``offers`` as met."""
    out: list[int] = []
    for key, place, known in zip(keys, cands, slots, strict=True):
        j = known if known is not None else index.get(key)
        if j is None:
            j = index[key] = len(offers)
            offers.append(Offer.of(place, now, care_types))
        out.append(j)
    return out


def _first_met(
    needs: Sequence[Need], candidates: Mapping[str, Sequence[Place]], index: dict[PlaceKey, int]
) -> list[int]:
    """The places of ``index`` in the order first met among all candidates, acceptable or not."""
    seen: dict[PlaceKey, None] = {}
    for need in needs:
        seen.update(dict.fromkeys([(p.provider.id, p.care_type) for p in candidates.get(need.request_id, ())]))
        if index.keys() <= seen.keys():
            break
    return [index[k] for k in seen if k in index]


def build_network(
    needs: Sequence[Need],
    candidates: Mapping[str, Sequence[Place]],
    now: datetime,
    tz: ZoneInfo,
    care_types: Mapping[str, CareType],
) -> FlowNetwork:
    """:func:`build_network_arrays` for candidate places per request id (each with that request's travel minutes).

    The table holds the candidates' places in first-met order (those of a care
    type no need accepts left out: they give no arc), each with the live state
    of the first of its places met (the candidates of different requests carry
    the same view, only their travel times differ). A place listed twice for
    one request keeps its shortest travel.
    """
    index: dict[PlaceKey, int] = {}  # (provider, care type) -> column, as first met among acceptable candidates
    offers: list[Offer] = []
    cols: list[int] = []
    vals: list[float] = []
    counts: list[int] = []
    skipped = False  # a candidate of a care type its need does not accept: the first-met order needs a look
    for need in needs:
        cands = candidates.get(need.request_id, ())
        acceptable = set(need.care_types)
        useful = [p for p in cands if p.care_type in acceptable]
        skipped = skipped or len(useful) < len(cands)
        keys = [(p.provider.id, p.care_type) for p in useful]
        slots: list[int | None] = list(map(index.get, keys))  # no Python loop per candidate once all are known
        if None in slots:
            cols += _register(useful, keys, slots, index, offers, now, care_types)
        else:
            cols += cast("list[int]", slots)
        vals += [p.travel_minutes for p in useful]
        counts.append(len(keys))
    n, m = len(needs), len(offers)
    row = np.repeat(np.arange(n, dtype=np.intp), np.array(counts, dtype=np.intp))
    col = np.array(cols, dtype=np.intp)
    if skipped:  # lay the table out in first-met order among all candidates
        order = _first_met(needs, candidates, index)
        offers = [offers[j] for j in order]
        col = np.argsort(np.array(order, dtype=np.intp))[col]
    matrix = np.full((n, m), math.inf)
    val = np.array(vals, dtype=np.float64)
    if len(col) and np.bincount(row * m + col).max() > 1:  # a place listed twice for a request
        np.fmin.at(matrix, (row, col), val)  # its shortest travel; a nan only when alone (then inf: as unreachable)
    else:
        matrix[row, col] = val
    return build_network_arrays(needs, matrix, OfferTable.of_offers(offers), now, tz)
