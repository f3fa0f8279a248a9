"""The modifiers of the shipped protocol: which raise the urgency, by how much, up to where, and for whom."""

from __future__ import annotations

from tests.words import nl

from .helpers import run


def test_second_contact_raises_one_level_and_gives_advice_a_place() -> None:
    outcome = run("koorts_volwassene", 40, second_contact_24h=True)
    assert (outcome.base_urgency, outcome.urgency) == ("U5", "U4")
    assert outcome.care_types == ("hap_consult", "hap_visit")
    assert not outcome.advice_only
    assert outcome.raised_by == ("second_contact_24h",)
    assert any("second_contact_24h" in r and "U5 → U4" in r for r in map(nl, outcome.reasons))


def test_modifiers_cap_at_u2() -> None:
    outcome = run(
        "dyspnoe",
        70,
        {"dys_ademt_niet": False, "dys_geen_zinnen": False, "dys_pijn_borst": False, "dys_copd_hartfalen": True},
        second_contact_24h=True,
        niet_pluis=True,
    )
    assert outcome.urgency == "U2"
    assert not outcome.escalate_112
    assert outcome.raised_by == ()
    assert any("geen ophoging" in r for r in map(nl, outcome.reasons))


def test_abcd_instability_is_the_one_modifier_that_escalates_to_112() -> None:
    outcome = run("wond", 50, abcd_instabiel=True)
    assert outcome.urgency == "U1"
    assert outcome.escalate_112
    assert outcome.care_types == ()


def test_pain_score_from_the_threshold_up() -> None:
    assert run("buikpijn", 40, pain_score=7).urgency == "U4"
    severe = run("buikpijn", 40, pain_score=8)
    assert severe.urgency == "U3"
    assert severe.care_types == ("hap_consult", "hap_visit")
    assert any("pain_score: 8" in r for r in map(nl, severe.reasons))
    # Never lowers: a U2 answer stays U2.
    assert run("buikpijn", 40, {"buik_hevig": True}, pain_score=10).urgency == "U2"
    # Not counted for a psychiatric crisis.
    crisis = run("psychische_crisis", 40, pain_score=9)
    assert crisis.urgency == "U4"
    assert any("niet van toepassing" in r for r in map(nl, crisis.reasons))


def test_rapid_deterioration_means_at_least_u2() -> None:
    outcome = run("urineweginfectie", 50, rapid_deterioration=True)
    assert outcome.urgency == "U2"
    assert outcome.care_types == ("hap_consult", "hap_visit")


def test_niet_pluis_raises_one_level_to_at_least_u3() -> None:
    assert run("wond", 50, niet_pluis=True).urgency == "U3"  # U5: one up is U4, at least U3
    assert run("wond", 50, {"wond_hechten": True}, niet_pluis=True).urgency == "U2"  # U3 -> U2
    assert run("wond", 50, {"wond_diep": True}, niet_pluis=True).urgency == "U2"  # capped: not U1


def test_frail_elderly_from_75_for_the_listed_complaints() -> None:
    assert run("dyspnoe", 80, frail_elderly=True).urgency == "U3"
    younger = run("dyspnoe", 72, frail_elderly=True)
    assert younger.urgency == "U4"
    assert any("pas vanaf 75" in r for r in map(nl, younger.reasons))
    assert run("wond", 85, frail_elderly=True).urgency == "U5"
    assert run("koorts_oudere", 90, {"ko_benauwd": True}, frail_elderly=True).urgency == "U2"


def test_immunocompromised_raises_fever_only() -> None:
    assert run("koorts_volwassene", 50, immunocompromised=True).urgency == "U4"
    assert run("koorts_oudere", 75, immunocompromised=True).urgency == "U3"
    assert run("buikpijn", 50, immunocompromised=True).urgency == "U4"


def test_modifiers_apply_in_order_and_false_is_absent() -> None:
    outcome = run("wond", 50, second_contact_24h=True, niet_pluis=True, rapid_deterioration=False)
    assert outcome.urgency == "U3"
    assert outcome.raised_by == ("second_contact_24h", "niet_pluis")
    assert outcome.care_types == ("hap_consult", "wijkverpleging_spoed")
