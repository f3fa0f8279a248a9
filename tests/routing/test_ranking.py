"""The matcher's ranking and cost: home first, preferred providers, the triage's order, load and scarcity."""

from __future__ import annotations

import pytest

from coordinator.texts import localise
from routing.lookup import Routing
from routing.matching import Proposal, cost, propose
from tests.words import ens

from .helpers import CT, TZ, WINTER, all_fresh, fresh, need, place_of, places


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
    assert ens(home[0].reasons) == (
        "20 min",
        "6 free",
        "choice 2 of the triage's care types (+5)",
        "home-first: care at home ranks before a bed",
    )
    assert "home-first: hospital ranks last (+40)" in ens(home[2].reasons)
    frail, _ = propose(need("r1", *cts, frail_elderly=True), ps, WINTER, TZ, CT)
    assert [p.provider_id for p in frail] == ["wv-b", "vvt-c", "zh-e", "vvt-a"]
    assert "frail elderly: a bed ranks after care at home (+15)" in ens(frail[1].reasons)


def test_a_preferred_provider_moves_up(line: Routing) -> None:
    entries = {(f"vvt-{n}", "elv_hoog"): fresh(f"vvt-{n}", "elv_hoog", 6) for n in "abcde"}
    ps = places(line, "b", ("elv_hoog",), entries)  # b 0, a 10, c 10, d closed, e 30
    plain, _ = propose(need(), ps, WINTER, TZ, CT)
    assert [p.provider_id for p in plain] == ["vvt-b", "vvt-a", "vvt-c", "vvt-e"]
    pref, _ = propose(need(preferred_providers=("vvt-c",)), ps, WINTER, TZ, CT)
    assert ranked(pref)[:2] == [("vvt-c", "elv_hoog", -5.0), ("vvt-b", "elv_hoog", 0.0)]
    assert "preferred provider (care plan, -15)" in ens(pref[0].reasons)


def test_the_triage_s_order_of_care_types_counts(care: Routing) -> None:
    ps = places(care, "a", ("elv_hoog", "elv_laag"), all_fresh(care.home, available=6))
    ps = [p for p in ps if p.provider.id == "vvt-a"]
    first, _ = propose(need("r1", "elv_laag", "elv_hoog"), ps, WINTER, TZ, CT)
    assert ranked(first) == [("vvt-a", "elv_laag", 0.0), ("vvt-a", "elv_hoog", 5.0)]
    assert "choice 2 of the triage's care types (+5)" in ens(first[1].reasons)
    second, _ = propose(need("r1", "elv_hoog", "elv_laag"), ps, WINTER, TZ, CT)
    assert ranked(second) == [("vvt-a", "elv_hoog", 0.0), ("vvt-a", "elv_laag", 5.0)]


def test_cost_adds_load_and_scarcity_with_a_reason_each(care: Routing) -> None:
    entries = all_fresh(care.home)
    entries[("vvt-c", "elv_hoog")] = fresh("vvt-c", "elv_hoog", 5, held=4, total=10)  # 1 free, 4 of 10 held
    c = place_of(places(care, "a", ("elv_hoog",), entries), "vvt-c")
    assert c.entry is not None
    value, coded = cost(need(), c, CT, c.entry.free(WINTER))
    assert value == pytest.approx(20 + 4 + 10)
    assert list(ens(coded)) == ["20 min", "1 free (+10: may be gone on arrival)", "busy: 4 of 10 held (+4.0)"]


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
    shown = localise(excluded[0].to_json(), "en")
    assert {k: v for k, v in shown.items() if k != "reason_coded"} == {
        "provider_id": "vvt-a",
        "care_type": "elv_hoog",
        "travel_minutes": 0.0,
        "excluded": "full",
        "reason": "0 min, full (0 of 6 free, 0 held)",
    }
    # Beside the words, the codes a client reads: the line, its parts and their parameters.
    parts = shown["reason_coded"]["params"]["parts"]
    assert [(p["code"], p["params"]) for p in parts] == [
        ("reason.travel", {"minutes": 0}),
        ("excluded.full", {"total": 6, "held": 0}),
    ]
