"""The matcher's feasibility rules, one by one: care type, hours, stops, freshness, room, window, eligibility."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import pytest

from capacity.state import ProviderStatus
from routing.lookup import Routing
from routing.matching import Need, feasible, propose
from tests.words import en, ens

from .helpers import CT, TZ, WINTER, all_fresh, fresh, need, place_of, places


def test_a_fresh_open_place_with_room_within_the_window_is_feasible(care: Routing) -> None:
    ps = places(care, "a", ("elv_hoog",), all_fresh(care.home))
    assert [(p.provider.id, p.travel_minutes) for p in ps] == [("vvt-a", 0.0), ("vvt-c", 20.0)]
    assert all(feasible(need(), p, WINTER, TZ, CT) is None for p in ps)


def test_a_care_type_the_triage_did_not_ask_for_is_not_acceptable(care: Routing) -> None:
    seh = place_of(places(care, "a", ("seh",), all_fresh(care.home)), "zh-e")
    why = feasible(need("r1", "elv_hoog", "elv_laag"), seh, WINTER, TZ, CT)
    assert why is not None and why.why == "not_acceptable"
    assert en(why.reason) == "40 min, seh is not among the triage's care types (elv_hoog, elv_laag)"


def test_closed_at_arrival_uses_the_opening_hours_in_local_time(line: Routing) -> None:
    entries = {(f"vvt-{n}", "elv_hoog"): fresh(f"vvt-{n}", "elv_hoog", 3) for n in "abcde"}
    d = place_of(places(line, "a", ("elv_hoog",), entries), "vvt-d")
    why = feasible(need(), d, WINTER, TZ, CT)  # arrives 11:30 CET on a Wednesday: opens 17:00
    assert why is not None and why.why == "closed"
    assert en(why.reason).startswith("30 min, closed at arrival (open mon-fri 17:00-08:00")
    evening = WINTER.replace(hour=15, minute=30)  # 16:30 CET + 30 min: arrives as it opens
    entries = {(f"vvt-{n}", "elv_hoog"): fresh(f"vvt-{n}", "elv_hoog", 3, at=evening) for n in "abcde"}
    d = place_of(places(line, "a", ("elv_hoog",), entries), "vvt-d")
    assert feasible(need(), d, evening, TZ, CT) is None


def test_a_stopped_provider_is_excluded_until_the_stop_ends(care: Routing) -> None:
    stop = ProviderStatus("vvt-c", "stop", "griepuitbraak", WINTER + timedelta(hours=7), WINTER)
    c = place_of(places(care, "b", ("elv_hoog",), all_fresh(care.home), {"vvt-c": stop}), "vvt-c")
    why = feasible(need(), c, WINTER, TZ, CT)
    assert why is not None and (why.why, en(why.reason)) == (
        "stop",
        "10 min, stop until Wed 14 Jan 18:00: griepuitbraak",
    )
    ended = replace(stop, until=WINTER - timedelta(minutes=1))
    c = place_of(places(care, "b", ("elv_hoog",), all_fresh(care.home), {"vvt-c": ended}), "vvt-c")
    assert feasible(need(), c, WINTER, TZ, CT) is None


def test_stale_and_never_reported_places_are_excluded(care: Routing) -> None:
    entries = all_fresh(care.home)
    entries[("vvt-c", "elv_hoog")] = fresh("vvt-c", "elv_hoog", 5, at=WINTER - timedelta(hours=2))
    del entries[("vvt-a", "elv_hoog")]
    ps = places(care, "a", ("elv_hoog",), entries)
    never, expired = feasible(need(), ps[0], WINTER, TZ, CT), feasible(need(), ps[1], WINTER, TZ, CT)
    assert never is not None and (never.why, en(never.reason)) == ("stale", "0 min, no capacity report yet")
    assert expired is not None and expired.why == "stale" and "last report 2 h ago" in en(expired.reason)


def test_a_full_place_is_excluded(care: Routing) -> None:
    entries = all_fresh(care.home)
    entries[("vvt-a", "elv_hoog")] = fresh("vvt-a", "elv_hoog", 2, held=2)
    why = feasible(need(), place_of(places(care, "a", ("elv_hoog",), entries), "vvt-a"), WINTER, TZ, CT)
    assert why is not None and (why.why, en(why.reason)) == ("full", "0 min, full (0 of 6 free, 2 held)")


def test_travel_must_fit_the_urgency_window(care: Routing) -> None:
    seh = place_of(places(care, "a", ("seh",), all_fresh(care.home)), "zh-e")  # 40 min
    assert feasible(need("r1", "seh", urgency="U2"), seh, WINTER, TZ, CT) is None
    assert feasible(need("r1", "seh", urgency="U2", window_minutes=40), seh, WINTER, TZ, CT) is None  # on the edge
    why = feasible(need("r1", "seh", urgency="U2", window_minutes=39), seh, WINTER, TZ, CT)
    assert why is not None and (why.why, en(why.reason)) == ("too_far", "40 min, too far for U2 (window 39 min)")
    gone = replace(seh, travel_minutes=math.inf)
    why = feasible(need("r1", "seh"), gone, WINTER, TZ, CT)
    assert why is not None and (why.why, en(why.reason)) == ("unreachable", "no road to this place")


@pytest.mark.parametrize(("age", "ok"), [(17, False), (18, True), (40, True), (60, True), (61, False)])
def test_eligibility_age_range_18_to_60(care: Routing, age: int, ok: bool) -> None:
    ggz = place_of(places(care, "a", ("ggz_intensive_home",), all_fresh(care.home)), "ggz-b")
    why = feasible(need("r1", "ggz_intensive_home", age=age), ggz, WINTER, TZ, CT)
    if ok:
        assert why is None
    else:
        assert why is not None and (why.why, en(why.reason)) == (
            "not_eligible",
            f"10 min, not eligible: age {age} outside 18-60",
        )


def test_must_return_home_needs_a_patient_who_can(care: Routing) -> None:
    home = place_of(places(care, "a", ("elv_laag",), all_fresh(care.home)), "vvt-home-b")
    assert feasible(need("r1", "elv_laag"), home, WINTER, TZ, CT) is None
    why = feasible(need("r1", "elv_laag", can_return_home=False), home, WINTER, TZ, CT)
    assert why is not None and why.why == "not_eligible" and "expected to return home" in en(why.reason)
    # The same patient may still take an ELV bed without that rule.
    plain = place_of(places(care, "a", ("elv_laag",), all_fresh(care.home)), "vvt-a")
    assert feasible(need("r1", "elv_laag", can_return_home=False), plain, WINTER, TZ, CT) is None


def test_requires_wlz_needs_an_indication(care: Routing) -> None:
    wlz = place_of(places(care, "a", ("crisis_bed",), all_fresh(care.home)), "vvt-wlz-b")
    why = feasible(need("r1", "crisis_bed"), wlz, WINTER, TZ, CT)
    assert why is not None and why.why == "not_eligible" and "Wlz" in en(why.reason)
    assert feasible(need("r1", "crisis_bed", wlz_indication=True), wlz, WINTER, TZ, CT) is None


def test_psychogeriatric_places_only_for_psychogeriatric_patients(care: Routing) -> None:
    pg = place_of(places(care, "a", ("crisis_bed",), all_fresh(care.home)), "vvt-pg-c")
    why = feasible(need("r1", "crisis_bed"), pg, WINTER, TZ, CT)
    assert why is not None and why.why == "not_eligible" and "not psychogeriatric" in en(why.reason)
    assert feasible(need("r1", "crisis_bed", psychogeriatric=True), pg, WINTER, TZ, CT) is None


def test_a_psychogeriatric_patient_needs_a_psychogeriatric_bed_but_not_at_home_or_in_hospital(care: Routing) -> None:
    entries = all_fresh(care.home)
    pg_patient = need(
        "r1", "elv_hoog", "crisis_bed", "wijkverpleging_spoed", "seh", psychogeriatric=True, wlz_indication=True
    )
    elv = place_of(places(care, "a", ("elv_hoog",), entries), "vvt-a")
    why = feasible(pg_patient, elv, WINTER, TZ, CT)
    assert why is not None and why.why == "not_eligible" and "needs a psychogeriatric bed" in en(why.reason)
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
    assert why is not None and (why.why, en(why.reason)) == ("no_hospital", "40 min, no hospital admission (care plan)")
    assert feasible(wish, elv, WINTER, TZ, CT) is None
    overridden = replace(wish, hospital_override="regiebehandelaar: heupfractuur")
    assert feasible(overridden, seh, WINTER, TZ, CT) is None
    proposals, _ = propose(overridden, [seh], WINTER, TZ, CT)
    assert "hospital despite the no-hospital wish: regiebehandelaar: heupfractuur" in ens(proposals[0].reasons)


def test_who_the_patient_is_is_reported_before_the_place_is_full(care: Routing) -> None:
    entries = all_fresh(care.home)
    entries[("ggz-b", "ggz_intensive_home")] = fresh("ggz-b", "ggz_intensive_home", 0)
    ggz = place_of(places(care, "a", ("ggz_intensive_home",), entries), "ggz-b")
    adult = feasible(need("r1", "ggz_intensive_home", age=40), ggz, WINTER, TZ, CT)
    older = feasible(need("r1", "ggz_intensive_home", age=70), ggz, WINTER, TZ, CT)
    assert adult is not None and adult.why == "full"
    assert older is not None and older.why == "not_eligible"


def test_a_need_outside_u2_to_u4_is_refused() -> None:
    with pytest.raises(ValueError, match="only U2, U3, U4"):
        Need("r1", "U1", 0, ("seh",), 70)  # type: ignore[arg-type]  # the wrong urgency is the point
