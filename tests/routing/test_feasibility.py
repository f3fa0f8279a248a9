"""The matcher: feasibility rule by rule, the ranking, and the batch against an independent MILP and greedy."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from capacity.model import CareType, Provider, ProviderOffer, Region
from capacity.state import CapacityEntry, ProviderStatus
from routing.dispatch import Place
from routing.lookup import Routing
from routing.matching import (
    BatchResult,
    Need,
    Proposal,
    build_network,
    cost,
    feasible,
    greedy,
    optimize,
    propose,
)

from ..regions import CARE_TYPES, line_region, tiny_region

WINTER = datetime(2026, 1, 14, 10, 0, tzinfo=UTC)  # a Wednesday, 11:00 CET
TZ = ZoneInfo("Europe/Amsterdam")
CT: dict[str, CareType] = {
    **CARE_TYPES,
    "wijkverpleging_spoed": CareType("wijkverpleging_spoed", "Wijkverpleging spoed", frozenset({"vvt"}), "team", 0),
    "crisis_bed": CareType("crisis_bed", "Crisisbed", frozenset({"vvt"}), "bed", 2),
    "ggz_intensive_home": CareType("ggz_intensive_home", "IHT", frozenset({"ggz"}), "team", 0),
}
# Towns of tiny_region, 10 minutes apart on a line: A B C D E.
AT = {"a": (50.85, 5.70), "b": (50.90, 5.72), "c": (50.95, 5.74), "d": (51.00, 5.76), "e": (51.05, 5.78)}


def fresh(
    pid: str, ct: str, available: int, *, held: int = 0, total: int = 6, minutes: int = 60, at: datetime = WINTER
) -> CapacityEntry:
    return CapacityEntry(pid, ct, total, available, held, at - timedelta(minutes=5), at + timedelta(minutes=minutes), 1)


def need(
    rid: str = "r1",
    *care_types: str,
    urgency: str = "U3",
    window_minutes: float | None = None,
    age: int = 80,
    **kw: Any,
) -> Need:
    """A need accepting ``care_types`` (elv_hoog by default), with its urgency's window unless given."""
    window = {"U2": 60, "U3": 180, "U4": 1440}[urgency] if window_minutes is None else window_minutes
    return Need(rid, urgency, window, care_types or ("elv_hoog",), age, **kw)  # type: ignore[arg-type]


def offer(ct: str, total: int, **eligibility: Any) -> ProviderOffer:
    return ProviderOffer(ct, total, eligibility=eligibility)


def care_region() -> Region:
    """tiny_region plus home nursing, crisis beds with eligibility rules and a GGZ team for adults 18-60."""
    base = tiny_region()
    extra = [
        Provider("wv-b", "Wijkverpleging B", "vvt", "b", {"wijkverpleging_spoed": offer("wijkverpleging_spoed", 3)}),
        Provider("vvt-pg-c", "VVT PG C", "vvt", "c", {"crisis_bed": offer("crisis_bed", 3, psychogeriatric=True)}),
        Provider("vvt-wlz-b", "VVT Wlz B", "vvt", "b", {"crisis_bed": offer("crisis_bed", 3, requires_wlz=True)}),
        Provider("vvt-home-b", "VVT thuis B", "vvt", "b", {"elv_laag": offer("elv_laag", 4, must_return_home=True)}),
        Provider(
            "ggz-b", "GGZ B", "ggz", "b", {"ggz_intensive_home": offer("ggz_intensive_home", 6, min_age=18, max_age=60)}
        ),
    ]
    providers = {**base.providers, **{p.id: p for p in extra}}
    return Region(base.id, base.name, base.timezone, base.locations, base.roads, providers, CT)


def all_fresh(region: Region, available: int = 4) -> dict[tuple[str, str], CapacityEntry]:
    return {(p.id, ct): fresh(p.id, ct, available) for p in region.providers.values() for ct in p.offers}


def places(
    routing: Routing,
    town: str,
    care_types: tuple[str, ...],
    entries: dict[tuple[str, str], CapacityEntry],
    stops: dict[str, ProviderStatus] | None = None,
) -> list[Place]:
    """The places of ``care_types`` seen from ``town``, with known travel minutes from the road graph."""
    region = routing.home
    snap = routing.snap(*AT[town])
    return [
        Place(region.id, region.name, region.providers[pid], ct, entries.get((pid, ct)), (stops or {}).get(pid), m)
        for ct in care_types
        for pid, m in routing.nearest(snap, region.id, ct)
    ]


def place_of(ps: list[Place], pid: str, ct: str | None = None) -> Place:
    return next(p for p in ps if p.provider.id == pid and (ct is None or p.care_type == ct))


@pytest.fixture(scope="module")
def care() -> Routing:
    return Routing(care_region())


@pytest.fixture(scope="module")
def line() -> Routing:
    return Routing(line_region())


# --------------------------------------------------------------------------- feasibility, rule by rule


def test_a_fresh_open_place_with_room_within_the_window_is_feasible(care: Routing) -> None:
    ps = places(care, "a", ("elv_hoog",), all_fresh(care.home))
    assert [(p.provider.id, p.travel_minutes) for p in ps] == [("vvt-a", 0.0), ("vvt-c", 20.0)]
    assert all(feasible(need(), p, WINTER, TZ, CT) is None for p in ps)


def test_a_care_type_the_triage_did_not_ask_for_is_not_acceptable(care: Routing) -> None:
    seh = place_of(places(care, "a", ("seh",), all_fresh(care.home)), "zh-e")
    why = feasible(need("r1", "elv_hoog", "elv_laag"), seh, WINTER, TZ, CT)
    assert why is not None and why.why == "not_acceptable"
    assert why.reason == "40 min, seh is not among the triage's care types (elv_hoog, elv_laag)"


def test_closed_at_arrival_uses_the_opening_hours_in_local_time(line: Routing) -> None:
    entries = {(f"vvt-{n}", "elv_hoog"): fresh(f"vvt-{n}", "elv_hoog", 3) for n in "abcde"}
    d = place_of(places(line, "a", ("elv_hoog",), entries), "vvt-d")
    why = feasible(need(), d, WINTER, TZ, CT)  # arrives 11:30 CET on a Wednesday: opens 17:00
    assert why is not None and why.why == "closed"
    assert why.reason.startswith("30 min, closed at arrival (open mon-fri 17:00-08:00")
    evening = WINTER.replace(hour=15, minute=30)  # 16:30 CET + 30 min: arrives as it opens
    entries = {(f"vvt-{n}", "elv_hoog"): fresh(f"vvt-{n}", "elv_hoog", 3, at=evening) for n in "abcde"}
    d = place_of(places(line, "a", ("elv_hoog",), entries), "vvt-d")
    assert feasible(need(), d, evening, TZ, CT) is None


def test_a_stopped_provider_is_excluded_until_the_stop_ends(care: Routing) -> None:
    stop = ProviderStatus("vvt-c", "stop", "griepuitbraak", WINTER + timedelta(hours=7), WINTER)
    c = place_of(places(care, "b", ("elv_hoog",), all_fresh(care.home), {"vvt-c": stop}), "vvt-c")
    why = feasible(need(), c, WINTER, TZ, CT)
    assert why is not None and (why.why, why.reason) == ("stop", "10 min, stop until 18:00: griepuitbraak")
    ended = replace(stop, until=WINTER - timedelta(minutes=1))
    c = place_of(places(care, "b", ("elv_hoog",), all_fresh(care.home), {"vvt-c": ended}), "vvt-c")
    assert feasible(need(), c, WINTER, TZ, CT) is None


def test_stale_and_never_reported_places_are_excluded(care: Routing) -> None:
    entries = all_fresh(care.home)
    entries[("vvt-c", "elv_hoog")] = fresh("vvt-c", "elv_hoog", 5, at=WINTER - timedelta(hours=2))
    del entries[("vvt-a", "elv_hoog")]
    ps = places(care, "a", ("elv_hoog",), entries)
    never, expired = feasible(need(), ps[0], WINTER, TZ, CT), feasible(need(), ps[1], WINTER, TZ, CT)
    assert never is not None and (never.why, never.reason) == ("stale", "0 min, no capacity report yet")
    assert expired is not None and expired.why == "stale" and "last report 2 h ago" in expired.reason


def test_a_full_place_is_excluded(care: Routing) -> None:
    entries = all_fresh(care.home)
    entries[("vvt-a", "elv_hoog")] = fresh("vvt-a", "elv_hoog", 2, held=2)
    why = feasible(need(), place_of(places(care, "a", ("elv_hoog",), entries), "vvt-a"), WINTER, TZ, CT)
    assert why is not None and (why.why, why.reason) == ("full", "0 min, full (0 of 6 free, 2 held)")


def test_travel_must_fit_the_urgency_window(care: Routing) -> None:
    seh = place_of(places(care, "a", ("seh",), all_fresh(care.home)), "zh-e")  # 40 min
    assert feasible(need("r1", "seh", urgency="U2"), seh, WINTER, TZ, CT) is None
    assert feasible(need("r1", "seh", urgency="U2", window_minutes=40), seh, WINTER, TZ, CT) is None  # on the edge
    why = feasible(need("r1", "seh", urgency="U2", window_minutes=39), seh, WINTER, TZ, CT)
    assert why is not None and (why.why, why.reason) == ("too_far", "40 min, too far for U2 (window 39 min)")
    gone = replace(seh, travel_minutes=math.inf)
    why = feasible(need("r1", "seh"), gone, WINTER, TZ, CT)
    assert why is not None and (why.why, why.reason) == ("unreachable", "no road to this place")


@pytest.mark.parametrize(("age", "ok"), [(17, False), (18, True), (40, True), (60, True), (61, False)])
def test_eligibility_age_range_18_to_60(care: Routing, age: int, ok: bool) -> None:
    ggz = place_of(places(care, "a", ("ggz_intensive_home",), all_fresh(care.home)), "ggz-b")
    why = feasible(need("r1", "ggz_intensive_home", age=age), ggz, WINTER, TZ, CT)
    if ok:
        assert why is None
    else:
        assert why is not None and (why.why, why.reason) == (
            "not_eligible",
            f"10 min, not eligible: age {age} outside 18-60",
        )


def test_must_return_home_needs_a_patient_who_can(care: Routing) -> None:
    home = place_of(places(care, "a", ("elv_laag",), all_fresh(care.home)), "vvt-home-b")
    assert feasible(need("r1", "elv_laag"), home, WINTER, TZ, CT) is None
    why = feasible(need("r1", "elv_laag", can_return_home=False), home, WINTER, TZ, CT)
    assert why is not None and why.why == "not_eligible" and "expected to return home" in why.reason
    # The same patient may still take an ELV bed without that rule.
    plain = place_of(places(care, "a", ("elv_laag",), all_fresh(care.home)), "vvt-a")
    assert feasible(need("r1", "elv_laag", can_return_home=False), plain, WINTER, TZ, CT) is None


def test_requires_wlz_needs_an_indication(care: Routing) -> None:
    wlz = place_of(places(care, "a", ("crisis_bed",), all_fresh(care.home)), "vvt-wlz-b")
    why = feasible(need("r1", "crisis_bed"), wlz, WINTER, TZ, CT)
    assert why is not None and why.why == "not_eligible" and "Wlz" in why.reason
    assert feasible(need("r1", "crisis_bed", wlz_indication=True), wlz, WINTER, TZ, CT) is None


def test_psychogeriatric_places_only_for_psychogeriatric_patients(care: Routing) -> None:
    pg = place_of(places(care, "a", ("crisis_bed",), all_fresh(care.home)), "vvt-pg-c")
    why = feasible(need("r1", "crisis_bed"), pg, WINTER, TZ, CT)
    assert why is not None and why.why == "not_eligible" and "not psychogeriatric" in why.reason
    assert feasible(need("r1", "crisis_bed", psychogeriatric=True), pg, WINTER, TZ, CT) is None


def test_a_psychogeriatric_patient_needs_a_psychogeriatric_bed_but_not_at_home_or_in_hospital(care: Routing) -> None:
    entries = all_fresh(care.home)
    pg_patient = need(
        "r1", "elv_hoog", "crisis_bed", "wijkverpleging_spoed", "seh", psychogeriatric=True, wlz_indication=True
    )
    elv = place_of(places(care, "a", ("elv_hoog",), entries), "vvt-a")
    why = feasible(pg_patient, elv, WINTER, TZ, CT)
    assert why is not None and why.why == "not_eligible" and "needs a psychogeriatric bed" in why.reason
    wlz_bed = place_of(places(care, "a", ("crisis_bed",), entries), "vvt-wlz-b")
    assert feasible(pg_patient, wlz_bed, WINTER, TZ, CT) is not None  # level 2, not a PG bed
    assert (
        feasible(pg_patient, place_of(places(care, "a", ("crisis_bed",), entries), "vvt-pg-c"), WINTER, TZ, CT) is None
    )
    assert (
        feasible(pg_patient, place_of(places(care, "a", ("wijkverpleging_spoed",), entries), "wv-b"), WINTER, TZ, CT)
        is None
    )
    assert feasible(pg_patient, place_of(places(care, "a", ("seh",), entries), "zh-e"), WINTER, TZ, CT) is None


def test_no_hospital_excludes_hospital_care_unless_overridden(care: Routing) -> None:
    entries = all_fresh(care.home)
    seh = place_of(places(care, "a", ("seh",), entries), "zh-e")
    elv = place_of(places(care, "a", ("elv_hoog",), entries), "vvt-a")
    wish = need("r1", "elv_hoog", "seh", no_hospital=True)
    why = feasible(wish, seh, WINTER, TZ, CT)
    assert why is not None and (why.why, why.reason) == ("no_hospital", "40 min, no hospital admission (care plan)")
    assert feasible(wish, elv, WINTER, TZ, CT) is None
    overridden = replace(wish, hospital_override="regiebehandelaar: heupfractuur")
    assert feasible(overridden, seh, WINTER, TZ, CT) is None
    proposals, _ = propose(overridden, [seh], WINTER, TZ, CT)
    assert "hospital despite the no-hospital wish: regiebehandelaar: heupfractuur" in proposals[0].reasons


def test_who_the_patient_is_is_reported_before_the_place_is_full(care: Routing) -> None:
    entries = all_fresh(care.home)
    entries[("ggz-b", "ggz_intensive_home")] = fresh("ggz-b", "ggz_intensive_home", 0)
    ggz = place_of(places(care, "a", ("ggz_intensive_home",), entries), "ggz-b")
    assert feasible(need("r1", "ggz_intensive_home", age=40), ggz, WINTER, TZ, CT).why == "full"  # type: ignore[union-attr]
    assert feasible(need("r1", "ggz_intensive_home", age=70), ggz, WINTER, TZ, CT).why == "not_eligible"  # type: ignore[union-attr]


def test_a_need_outside_u2_to_u4_is_refused() -> None:
    with pytest.raises(ValueError, match="only U2, U3, U4"):
        Need("r1", "U1", 0, ("seh",), 70)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- ranking and cost


def ranked(ps: list[Proposal]) -> list[tuple[str, str, float]]:
    return [(p.provider_id, p.care_type, round(p.score, 2)) for p in ps]


def test_home_first_ranks_home_nursing_and_elv_above_the_emergency_department(care: Routing) -> None:
    # From D: zh-e and vvt-c 10 min, wv-b 20 min, vvt-a 30 min. Plenty free, nothing held: no scarcity, no load.
    cts = ("seh", "wijkverpleging_spoed", "elv_hoog")
    ps = places(care, "d", cts, all_fresh(care.home, available=6))
    plain, _ = propose(need("r1", *cts), ps, WINTER, TZ, CT)
    assert ranked(plain) == [
        ("zh-e", "seh", 10.0),
        ("vvt-c", "elv_hoog", 20.0),  # 10 + 2 * 5
        ("wv-b", "wijkverpleging_spoed", 25.0),  # 20 + 5
        ("vvt-a", "elv_hoog", 40.0),
    ]
    home, _ = propose(need("r1", *cts, home_first=True), ps, WINTER, TZ, CT)
    assert ranked(home) == [
        ("wv-b", "wijkverpleging_spoed", 25.0),  # + 0 at home
        ("vvt-c", "elv_hoog", 35.0),  # + 15 for a bed
        ("zh-e", "seh", 50.0),  # + 40 for hospital
        ("vvt-a", "elv_hoog", 55.0),
    ]
    assert home[0].reasons == (
        "20 min",
        "6 free",
        "choice 2 of the triage's care types (+5)",
        "home-first: care at home ranks before a bed",
    )
    assert "home-first: hospital ranks last (+40)" in home[2].reasons
    frail, _ = propose(need("r1", *cts, frail_elderly=True), ps, WINTER, TZ, CT)
    assert [p.provider_id for p in frail] == ["wv-b", "vvt-c", "zh-e", "vvt-a"]
    assert "frail elderly: a bed ranks after care at home (+15)" in frail[1].reasons


def test_a_preferred_provider_moves_up(line: Routing) -> None:
    entries = {(f"vvt-{n}", "elv_hoog"): fresh(f"vvt-{n}", "elv_hoog", 6) for n in "abcde"}
    ps = places(line, "b", ("elv_hoog",), entries)  # b 0, a 10, c 10, d closed, e 30
    plain, _ = propose(need(), ps, WINTER, TZ, CT)
    assert [p.provider_id for p in plain] == ["vvt-b", "vvt-a", "vvt-c", "vvt-e"]
    pref, _ = propose(need(preferred_providers=("vvt-c",)), ps, WINTER, TZ, CT)
    assert ranked(pref)[:2] == [("vvt-c", "elv_hoog", -5.0), ("vvt-b", "elv_hoog", 0.0)]
    assert "preferred provider (care plan, -15)" in pref[0].reasons


def test_the_triage_s_order_of_care_types_counts(care: Routing) -> None:
    ps = places(care, "a", ("elv_hoog", "elv_laag"), all_fresh(care.home, available=6))
    ps = [p for p in ps if p.provider.id == "vvt-a"]
    first, _ = propose(need("r1", "elv_laag", "elv_hoog"), ps, WINTER, TZ, CT)
    assert ranked(first) == [("vvt-a", "elv_laag", 0.0), ("vvt-a", "elv_hoog", 5.0)]
    assert "choice 2 of the triage's care types (+5)" in first[1].reasons
    second, _ = propose(need("r1", "elv_hoog", "elv_laag"), ps, WINTER, TZ, CT)
    assert ranked(second) == [("vvt-a", "elv_hoog", 0.0), ("vvt-a", "elv_laag", 5.0)]


def test_cost_adds_load_and_scarcity_with_a_reason_each(care: Routing) -> None:
    entries = all_fresh(care.home)
    entries[("vvt-c", "elv_hoog")] = fresh("vvt-c", "elv_hoog", 5, held=4, total=10)  # 1 free, 4 of 10 held
    c = place_of(places(care, "a", ("elv_hoog",), entries), "vvt-c")
    value, reasons = cost(need(), c, CT, c.entry.free(WINTER))  # type: ignore[union-attr]
    assert value == pytest.approx(20 + 4 + 10)
    assert reasons == ["20 min", "1 free (+10: may be gone on arrival)", "busy: 4 of 10 held (+4.0)"]


def test_propose_lists_the_nearest_exclusions_with_their_reasons(care: Routing) -> None:
    entries = all_fresh(care.home)
    entries[("vvt-a", "elv_hoog")] = fresh("vvt-a", "elv_hoog", 0)
    cts = ("elv_hoog", "crisis_bed", "ggz_intensive_home", "seh")
    proposals, excluded = propose(
        need("r1", "elv_hoog", "crisis_bed", age=85), places(care, "a", cts, entries), WINTER, TZ, CT
    )
    assert [p.provider_id for p in proposals] == ["vvt-c"]
    assert [(e.provider_id, e.why) for e in excluded] == [
        ("vvt-a", "full"),
        ("vvt-wlz-b", "not_eligible"),
        ("vvt-pg-c", "not_eligible"),
        ("ggz-b", "not_acceptable"),  # not an alternative: after the others
        ("zh-e", "not_acceptable"),
    ]
    assert excluded[0].to_json() == {
        "provider_id": "vvt-a",
        "care_type": "elv_hoog",
        "travel_minutes": 0.0,
        "excluded": "full",
        "reason": "0 min, full (0 of 6 free, 0 held)",
    }


# --------------------------------------------------------------------------- the batch: small cases by hand


def batch(
    spec: dict[str, dict[str, float]], free: dict[str, int], *, needs: list[Need] | None = None
) -> tuple[list[Need], dict[str, list[Place]]]:
    """Requests with their travel minutes to each provider of elv_hoog; ``free`` units per provider."""
    providers = {pid: Provider(pid, pid.upper(), "vvt", "x", {"elv_hoog": offer("elv_hoog", 4)}) for pid in free}
    entries = {pid: fresh(pid, "elv_hoog", n, total=max(n, 1)) for pid, n in free.items()}
    needs = needs or [need(rid) for rid in spec]
    cands = {
        rid: [Place("t", "T", providers[pid], "elv_hoog", entries[pid], None, m) for pid, m in travel.items()]
        for rid, travel in spec.items()
    }
    return needs, cands


def where(result: BatchResult) -> dict[str, str]:
    return {a.request_id: a.provider_id for a in result.assignments}


def test_greedy_takes_the_nearest_and_strands_the_next_request_optimize_does_better() -> None:
    # Both U3, both places 1 free (+10 scarcity each). r1 is first on the phone.
    needs, cands = batch({"r1": {"vvt-a": 10, "vvt-b": 15}, "r2": {"vvt-a": 12, "vvt-b": 55}}, {"vvt-a": 1, "vvt-b": 1})
    g = greedy(needs, cands, WINTER, TZ, CT)
    assert where(g) == {"r1": "vvt-a", "r2": "vvt-b"}
    assert g.objective == 85.0  # (10 + 10) + (55 + 10)
    o = optimize(needs, cands, WINTER, TZ, CT)
    assert (o.status, o.solver) == ("OPTIMAL", "min_cost_flow")
    assert where(o) == {"r1": "vvt-b", "r2": "vvt-a"}
    assert o.objective == 47.0  # (15 + 10) + (12 + 10)
    assert o.placed_weight == g.placed_weight == 4
    assert [(a.request_id, a.travel_minutes, a.cost) for a in o.assignments] == [("r1", 15.0, 25.0), ("r2", 12.0, 22.0)]


def test_greedy_leaves_a_request_unplaced_that_optimize_places() -> None:
    # vvt-b is 200 min from r2: beyond U3's 180-minute window, so r2 can only go to vvt-a.
    needs, cands = batch(
        {"r1": {"vvt-a": 10, "vvt-b": 15}, "r2": {"vvt-a": 12, "vvt-b": 200}}, {"vvt-a": 1, "vvt-b": 1}
    )
    g = greedy(needs, cands, WINTER, TZ, CT)
    assert where(g) == {"r1": "vvt-a"}
    assert g.unassigned == (("r2", "nearest places were taken by earlier calls"),)
    o = optimize(needs, cands, WINTER, TZ, CT)
    assert where(o) == {"r1": "vvt-b", "r2": "vvt-a"} and o.objective == 47.0 and o.placed_weight == 4
    body: dict[str, Any] = o.to_json()
    assert body["status"] == "OPTIMAL" and body["unassigned"] == []
    assert body["assignments"][0] == {
        "request_id": "r1",
        "provider_id": "vvt-b",
        "care_type": "elv_hoog",
        "travel_minutes": 15.0,
        "cost": 25.0,
    }


def test_urgency_weight_wins_over_cost() -> None:
    # One free unit; the U4 is next door, the U2 50 minutes away: the U2 gets it.
    needs = [need("u4", urgency="U4"), need("u2", urgency="U2")]
    needs, cands = batch({"u4": {"vvt-a": 1}, "u2": {"vvt-a": 50}}, {"vvt-a": 1}, needs=needs)
    o = optimize(needs, cands, WINTER, TZ, CT)
    assert where(o) == {"u2": "vvt-a"} and o.placed_weight == 4 and o.objective == 60.0
    assert o.unassigned == (("u4", "places went to more urgent or better-fitting requests"),)


def test_more_weight_placed_beats_a_cheaper_assignment_with_negative_costs() -> None:
    # Two free units. Two U4s next door at their preferred provider cost -10 and -9 (the flow shifts such costs);
    # a U3 170 minutes away costs 175. Placing the U3 and one U4 (weight 3) beats both U4s (weight 2).
    needs = [
        need("u4-a", urgency="U4", preferred_providers=("vvt-a",)),
        need("u4-b", urgency="U4", preferred_providers=("vvt-a",)),
        need("u3"),
    ]
    needs, cands = batch({"u4-a": {"vvt-a": 0}, "u4-b": {"vvt-a": 1}, "u3": {"vvt-a": 170}}, {"vvt-a": 2}, needs=needs)
    o = optimize(needs, cands, WINTER, TZ, CT)
    assert o.placed_weight == 3 and where(o) == {"u4-a": "vvt-a", "u3": "vvt-a"}
    assert o.objective == (0 - 15 + 5) + (170 + 5)  # 2 free: +5 scarcity each
    assert o.assignments[0].cost == -10.0


def test_no_feasible_place_is_said_so() -> None:
    needs, cands = batch({"r1": {"vvt-a": 500}}, {"vvt-a": 1})
    o = optimize(needs, cands, WINTER, TZ, CT)
    assert o.assignments == () and o.unassigned == (("r1", "no feasible place"),) and o.objective == 0.0
    assert optimize([], {}, WINTER, TZ, CT).status == "OPTIMAL"


def test_duplicate_requests_are_refused() -> None:
    needs, cands = batch({"r1": {"vvt-a": 5}}, {"vvt-a": 1})
    with pytest.raises(ValueError, match="twice"):
        optimize(needs * 2, cands, WINTER, TZ, CT)


# --------------------------------------------------------------------------- the batch: provider caps with CP-SAT


def capped_batch() -> tuple[list[Need], dict[str, list[Place]]]:
    """Three U3 requests near vvt-x (elv_hoog 2 free, elv_laag 2 free), vvt-y 30 minutes further (3 free)."""
    x = Provider("vvt-x", "X", "vvt", "x", {"elv_hoog": offer("elv_hoog", 4), "elv_laag": offer("elv_laag", 4)})
    y = Provider("vvt-y", "Y", "vvt", "y", {"elv_hoog": offer("elv_hoog", 4)})
    xh, xl = fresh("vvt-x", "elv_hoog", 2, total=2), fresh("vvt-x", "elv_laag", 2, total=2)
    yh = fresh("vvt-y", "elv_hoog", 3, total=3)
    travel = {"r1": (5, 30), "r2": (10, 32), "r3": (15, 34)}
    needs = [need(rid, "elv_hoog", "elv_laag") for rid in travel]
    cands = {
        rid: [
            Place("t", "T", x, "elv_hoog", xh, None, tx),
            Place("t", "T", x, "elv_laag", xl, None, tx),
            Place("t", "T", y, "elv_hoog", yh, None, ty),
        ]
        for rid, (tx, ty) in travel.items()
    }
    return needs, cands


def test_without_a_cap_one_provider_takes_all_three() -> None:
    needs, cands = capped_batch()
    o = optimize(needs, cands, WINTER, TZ, CT)
    # x elv_hoog: travel + 5 scarcity (2 free); x elv_laag: + 5 scarcity + 5 second choice. Two at elv_hoog and
    # one at elv_laag cost 50 whichever goes where (e.g. 10 + 15 + 25).
    assert Counter((a.provider_id, a.care_type) for a in o.assignments) == {
        ("vvt-x", "elv_hoog"): 2,
        ("vvt-x", "elv_laag"): 1,
    }
    assert o.objective == 50.0


def test_max_per_provider_binds_and_cp_sat_respects_it() -> None:
    needs, cands = capped_batch()
    o = optimize(needs, cands, WINTER, TZ, CT, side_constraints={"max_per_provider": {"vvt-x": 1}})
    assert (o.status, o.solver) == ("OPTIMAL", "cp_sat")
    assert Counter(a.provider_id for a in o.assignments) == {"vvt-x": 1, "vvt-y": 2}
    # r1 at x (10) and the others at y (32 + 34) = 76 beats r2 at x (15 + 30 + 34 = 79) and r3 at x (82).
    assert where(o) == {"r1": "vvt-x", "r2": "vvt-y", "r3": "vvt-y"}
    assert o.objective == 76.0 and o.placed_weight == 6
    shut = optimize(needs, cands, WINTER, TZ, CT, side_constraints={"max_per_provider": {"vvt-x": 0, "vvt-y": 2}})
    assert shut.solver == "cp_sat" and where(shut) == {"r1": "vvt-y", "r2": "vvt-y"}
    assert shut.unassigned[0][0] == "r3"


def test_a_cap_that_does_not_bind_keeps_the_flow_answer() -> None:
    needs, cands = capped_batch()
    o = optimize(needs, cands, WINTER, TZ, CT, side_constraints={"max_per_provider": {"vvt-x": 3}})
    assert (o.status, o.solver, o.objective) == ("OPTIMAL", "min_cost_flow", 50.0)


def test_unknown_or_bad_side_constraints_are_refused() -> None:
    needs, cands = capped_batch()
    with pytest.raises(ValueError, match="unknown side constraints: max_per_care_type"):
        optimize(needs, cands, WINTER, TZ, CT, side_constraints={"max_per_care_type": {}})
    with pytest.raises(ValueError, match="whole number"):
        optimize(needs, cands, WINTER, TZ, CT, side_constraints={"max_per_provider": {"vvt-x": -1}})


# --------------------------------------------------------------------------- the batch: random instances vs a MILP

EVENINGS = line_region().providers["vvt-d"].hours
RANDOM_CTS = ("wijkverpleging_spoed", "elv_hoog", "crisis_bed", "seh")


def random_batch(rng: np.random.Generator) -> tuple[list[Need], dict[str, list[Place]]]:
    """3-12 requests, 2-6 places (some providers offering two care types), free 0-3, random travel and rules."""
    n_req, n_places = int(rng.integers(3, 13)), int(rng.integers(2, 7))
    offers: dict[str, dict[str, ProviderOffer]] = {}
    for _ in range(n_places):
        pid, ct = f"p{int(rng.integers(0, max(2, n_places - 1)))}", RANDOM_CTS[int(rng.integers(len(RANDOM_CTS)))]
        rules: dict[str, Any] = {}
        roll = rng.random()
        if roll < 0.1:
            rules = {"min_age": 18, "max_age": 60}
        elif roll < 0.17:
            rules = {"must_return_home": True}
        elif roll < 0.24:
            rules = {"requires_wlz": True}
        elif roll < 0.3:
            rules = {"psychogeriatric": True}
        hours = EVENINGS if rng.random() < 0.15 else None
        offers.setdefault(pid, {})[ct] = ProviderOffer(ct, 3, hours, rules)
    providers = {pid: Provider(pid, pid, "vvt", "x", o) for pid, o in offers.items()}
    live: list[tuple[Provider, str, CapacityEntry | None, ProviderStatus | None]] = []
    for p in providers.values():
        stop = ProviderStatus(p.id, "stop", "test", None, WINTER) if rng.random() < 0.05 else None
        for ct in p.offers:
            free, held = int(rng.integers(0, 4)), int(rng.integers(0, 3))
            roll = rng.random()
            entry: CapacityEntry | None = fresh(
                p.id, ct, free + held, held=held, total=free + held + int(rng.integers(0, 3))
            )
            if roll < 0.08:
                entry = None
            elif roll < 0.16:
                entry = fresh(
                    p.id, ct, free + held, held=held, total=max(1, free + held), at=WINTER - timedelta(hours=3)
                )
            live.append((p, ct, entry, stop))
    needs: list[Need] = []
    cands: dict[str, list[Place]] = {}
    for i in range(n_req):
        urgency = ("U2", "U3", "U4")[int(rng.integers(3))]
        k = int(rng.integers(1, 5))
        cts = tuple(str(c) for c in rng.choice(RANDOM_CTS, size=k, replace=False))
        no_hospital = bool(rng.random() < 0.2)
        needs.append(
            need(
                f"r{i}",
                *cts,
                urgency=urgency,
                age=int(rng.integers(10, 100)),
                can_return_home=bool(rng.random() < 0.7),
                wlz_indication=bool(rng.random() < 0.4),
                psychogeriatric=bool(rng.random() < 0.2),
                frail_elderly=bool(rng.random() < 0.4),
                home_first=bool(rng.random() < 0.2),
                preferred_providers=(f"p{int(rng.integers(0, 5))}",) if rng.random() < 0.3 else (),
                no_hospital=no_hospital,
                hospital_override="ok" if no_hospital and rng.random() < 0.5 else None,
            )
        )
        travel = np.round(
            np.where(rng.random(len(live)) < 0.1, rng.uniform(0, 1500, len(live)), rng.uniform(0, 90, len(live))), 1
        )
        cands[f"r{i}"] = [
            Place("t", "T", p, ct, e, s, math.inf if rng.random() < 0.05 else float(t))
            for (p, ct, e, s), t in zip(live, travel, strict=True)
        ]
    return needs, cands


def milp_optimum(needs: list[Need], cands: dict[str, list[Place]]) -> tuple[int, int]:
    """(placed weight, placed cost in tenths of a minute) by scipy's HiGHS, from feasible() and cost() only.

    Binary x_rp per feasible pair; sum_p x_rp <= 1 per request; sum_r x_rp <= free_p per place;
    maximise sum (w_r * BIG - cost_rp) x_rp with BIG above any total cost.
    """
    weight = {"U2": 4, "U3": 2, "U4": 1}
    pairs: list[tuple[int, tuple[str, str], int]] = []
    free: dict[tuple[str, str], int] = {}
    for i, n in enumerate(needs):
        for p in cands[n.request_id]:
            if feasible(n, p, WINTER, TZ, CT) is None:
                assert p.entry is not None
                key = (p.provider.id, p.care_type)
                free[key] = p.entry.free(WINTER)
                minutes, _ = cost(n, p, CT, free[key])
                pairs.append((i, key, round(minutes * 10)))
    if not pairs:
        return 0, 0
    keys = sorted(free)
    big = 1 + 2 * sum(abs(tenths) for _, _, tenths in pairs)
    a_req = np.zeros((len(needs), len(pairs)))
    a_plc = np.zeros((len(keys), len(pairs)))
    for col, (i, key, _) in enumerate(pairs):
        a_req[i, col] = 1
        a_plc[keys.index(key), col] = 1
    w = np.array([weight[needs[i].urgency] for i, _, _ in pairs], dtype=float)
    c = np.array([tenths for _, _, tenths in pairs], dtype=float)
    res = milp(
        -(w * big - c),
        constraints=[LinearConstraint(a_req, 0, 1), LinearConstraint(a_plc, 0, [free[k] for k in keys])],
        integrality=np.ones(len(pairs)),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    assert res.success
    x = np.rint(res.x).astype(bool)
    return int(w[x].sum()), int(c[x].sum())


def assert_valid(result: BatchResult, needs: list[Need], cands: dict[str, list[Place]]) -> None:
    """Every assignment feasible and costed as cost() says; no place gives more than it has free; sums add up."""
    weight = {"U2": 4, "U3": 2, "U4": 1}
    by_key: Counter[tuple[str, str]] = Counter()
    for a in result.assignments:
        n = next(n for n in needs if n.request_id == a.request_id)
        p = next(p for p in cands[a.request_id] if (p.provider.id, p.care_type) == (a.provider_id, a.care_type))
        assert feasible(n, p, WINTER, TZ, CT) is None
        assert p.entry is not None
        assert round(a.cost * 10) == round(cost(n, p, CT, p.entry.free(WINTER))[0] * 10)
        by_key[(a.provider_id, a.care_type)] += 1
        assert by_key[(a.provider_id, a.care_type)] <= p.entry.free(WINTER)
    assert round(sum(a.cost for a in result.assignments) * 10) == round(result.objective * 10)
    assert result.placed_weight == sum(weight[n.urgency] for n in needs if n.request_id in where(result))
    assert len(result.assignments) + len(result.unassigned) == len(needs)


def test_optimize_matches_an_independent_milp_on_random_instances() -> None:
    rng = np.random.default_rng(20261123)
    placed_any = beaten = 0
    for _ in range(50):
        needs, cands = random_batch(rng)
        o = optimize(needs, cands, WINTER, TZ, CT)
        assert o.status == "OPTIMAL"
        weight, tenths = milp_optimum(needs, cands)
        assert (o.placed_weight, round(o.objective * 10)) == (weight, tenths)
        assert_valid(o, needs, cands)
        # Greedy is never better on (placed weight, then less cost), and plays by the same rules.
        g = greedy(needs, cands, WINTER, TZ, CT)
        assert_valid(g, needs, cands)
        assert (g.placed_weight, -round(g.objective * 10)) <= (o.placed_weight, -round(o.objective * 10))
        placed_any += bool(o.assignments)
        beaten += (g.placed_weight, -round(g.objective * 10)) < (o.placed_weight, -round(o.objective * 10))
    print(f"{placed_any} of 50 instances place someone; greedy strictly worse on {beaten}")
    assert placed_any >= 45  # the instances are not trivially empty
    assert beaten >= 5  # and greedy is sometimes strictly worse: the comparison has teeth


def test_the_network_holds_exactly_the_feasible_pairs() -> None:
    # build_network's fast path skips _reject for plain pairs: it must agree with feasible() pair by pair.
    rng = np.random.default_rng(7)
    for _ in range(50):
        needs, cands = random_batch(rng)
        net = build_network(needs, cands, WINTER, TZ, CT)
        arcs = {
            (net.needs[int(i)].request_id, *net.place_keys[int(j)])
            for i, j in zip(net.arc_request, net.arc_place, strict=True)
        }
        expected = {
            (n.request_id, p.provider.id, p.care_type)
            for n in needs
            for p in cands[n.request_id]
            if feasible(n, p, WINTER, TZ, CT) is None
        }
        assert arcs == expected
        assert len(arcs) == len(net.arc_cost)


def test_the_benchmark_agrees_with_its_milp() -> None:
    from bench.matching_core import bench_solve

    row = bench_solve(60, 15, 3)
    assert row["status"] == "OPTIMAL"
    assert (row["placed_weight"], row["objective"]) == (row["milp_placed_weight"], row["milp_objective"])
    assert (row["greedy_placed_weight"], -row["greedy_objective"]) <= (row["placed_weight"], -row["objective"])
