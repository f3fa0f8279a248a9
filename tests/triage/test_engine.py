"""Tests of the triage protocol (config/triage.yaml), its validation, and the triage engine."""

from __future__ import annotations

import copy
import dataclasses
import functools
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.errors import ConfigError, InvalidInput
from capacity.model import CareType
from capacity.region import default_config_dir, load_care_types
from coordinator.triage import (
    URGENCY_IDS,
    Modifier,
    TriageOutcome,
    TriageProtocol,
    check_protocol,
    check_protocol_file,
    load_protocol,
    parse_protocol,
    triage,
    urgency_rank,
)

COMPLAINT_IDS = {
    "dyspnoe",
    "pijn_op_de_borst",
    "buikpijn",
    "koorts_volwassene",
    "koorts_oudere",
    "val_trauma_oudere",
    "verwardheid_delier",
    "urineweginfectie",
    "wond",
    "psychische_crisis",
    "suicidale_uitingen",
    "zorg_thuis_onmogelijk",
    "palliatieve_situatie",
}

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


@functools.cache
def shipped() -> TriageProtocol:
    """The shipped protocol, loaded once (a plain function, so hypothesis tests can use it)."""
    return load_protocol()


@functools.cache
def shipped_care_types() -> dict[str, CareType]:
    return load_care_types()


# --------------------------------------------------------------------------- the shipped protocol


def test_shipped_protocol_loads_and_covers_the_13_complaints() -> None:
    protocol = shipped()
    assert set(protocol.complaints) == COMPLAINT_IDS
    assert protocol.version
    for complaint in protocol.complaints.values():
        assert complaint.name.strip()
        assert len(complaint.questions) >= 3, complaint.id
        for question in complaint.questions:
            assert "?" in question.text, question.id  # a question a triagist asks


def test_shipped_urgency_levels_follow_the_nts() -> None:
    levels = shipped().urgencies
    assert list(levels) == list(URGENCY_IDS)
    assert {u: levels[u].target_minutes for u in URGENCY_IDS} == {
        "U0": 0,
        "U1": 15,
        "U2": 60,
        "U3": 180,
        "U4": 1440,
        "U5": None,
    }
    assert [u for u in URGENCY_IDS if levels[u].escalate_112] == ["U0", "U1"]
    assert all(levels[u].label for u in URGENCY_IDS)


def test_shipped_modifiers() -> None:
    protocol = shipped()
    ids = {m.id for m in protocol.modifiers}
    assert {
        "second_contact_24h",
        "pain_score",
        "rapid_deterioration",
        "niet_pluis",
        "frail_elderly",
        "immunocompromised",
    } <= ids
    pain = protocol.modifier("pain_score")
    assert pain is not None
    assert (pain.type, pain.value_range, pain.threshold, pain.at_least) == ("int", (0, 10), 8, "U3")
    frail = protocol.modifier("frail_elderly")
    assert frail is not None
    assert frail.age_min == 75
    assert frail.applies_to is not None
    assert "koorts_oudere" in frail.applies_to
    # Only the ABCD alarm sign may lead to 112; every other modifier stops at U2.
    assert {m.id: m.cap for m in protocol.modifiers if m.cap != "U2"} == {"abcd_instabiel": "U1"}


def test_shipped_care_types_exist_and_question_ids_are_unique() -> None:
    protocol, care_types = shipped(), shipped_care_types()
    seen: set[str] = set()
    for complaint in protocol.complaints.values():
        for decided_by, outcome in complaint.outcomes():
            assert set(outcome.care_types) <= set(care_types), (complaint.id, decided_by)
        assert set(complaint.raised_care_types) <= set(care_types)
        for question in complaint.questions:
            assert question.id not in seen
            seen.add(question.id)


def test_shipped_age_ranges() -> None:
    complaints = shipped().complaints
    assert complaints["koorts_oudere"].age_min == 70
    assert complaints["koorts_oudere"].alternative == "koorts_volwassene"
    assert complaints["koorts_volwassene"].age_max == 69
    assert complaints["koorts_volwassene"].alternative == "koorts_oudere"


def test_load_protocol_defaults_to_the_shipped_file() -> None:
    path = default_config_dir() / "triage.yaml"
    assert load_protocol(path, shipped_care_types()) == shipped()
    assert load_protocol(str(path)) == shipped()


def test_to_json_is_the_whole_protocol_and_reads_back() -> None:
    protocol = shipped()
    data = json.loads(json.dumps(protocol.to_json()))
    assert [u["id"] for u in data["urgencies"]] == list(URGENCY_IDS)
    dyspnoe = next(c for c in data["complaints"] if c["id"] == "dyspnoe")
    assert [q["id"] for q in dyspnoe["questions"]] == [q.id for q in protocol.complaints["dyspnoe"].questions]
    assert dyspnoe["questions"][0]["text"]
    assert {m["id"] for m in data["modifiers"]} == {m.id for m in protocol.modifiers}
    assert parse_protocol(data, shipped_care_types()) == protocol


def test_model_is_immutable() -> None:
    protocol = shipped()
    with pytest.raises(dataclasses.FrozenInstanceError):
        protocol.version = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        protocol.complaints["wond"] = protocol.complaints["dyspnoe"]  # type: ignore[index]


# --------------------------------------------------------------------------- concrete cases per complaint

# (complaint, age, answers, urgency, decided_by, care types)
CASES: list[tuple[str, int, dict[str, bool], str, str, tuple[str, ...]]] = [
    ("dyspnoe", 60, {}, "U4", "default", ("hap_consult", "hap_visit")),
    ("dyspnoe", 60, {"dys_ademt_niet": True}, "U0", "dys_ademt_niet", ()),
    ("dyspnoe", 60, {"dys_geen_zinnen": True}, "U1", "dys_geen_zinnen", ()),
    ("dyspnoe", 60, {"dys_pijn_borst": True, "dys_copd_hartfalen": True}, "U1", "dys_pijn_borst", ()),
    ("dyspnoe", 70, {"dys_copd_hartfalen": True}, "U2", "dys_copd_hartfalen", ("hap_visit", "seh", "elv_hoog")),
    (
        "dyspnoe",
        84,
        {"dys_geen_zinnen": False, "dys_koorts_oudere": True, "dys_toenemend": True},
        "U3",
        "dys_koorts_oudere",
        ("hap_visit", "wijkverpleging_spoed", "elv_hoog", "admission_pulmonology"),
    ),
    ("dyspnoe", 30, {"dys_ademt_niet": False, "dys_geen_zinnen": False}, "U4", "default", ("hap_consult", "hap_visit")),
    ("pijn_op_de_borst", 58, {"pob_acs_nu": True}, "U1", "pob_acs_nu", ()),
    (
        "pijn_op_de_borst",
        58,
        {"pob_acs_over": True, "pob_ademhaling": True},
        "U2",
        "pob_acs_over",
        ("seh", "hap_consult"),
    ),
    ("pijn_op_de_borst", 30, {"pob_ademhaling": True}, "U3", "pob_ademhaling", ("hap_consult", "hap_visit")),
    ("pijn_op_de_borst", 30, {}, "U4", "default", ("hap_consult",)),
    ("buikpijn", 45, {"buik_aneurysma": True}, "U1", "buik_aneurysma", ()),
    ("buikpijn", 45, {"buik_hevig": True}, "U2", "buik_hevig", ("seh", "hap_consult", "admission_surgery")),
    ("buikpijn", 45, {"buik_koorts_braken": True}, "U3", "buik_koorts_braken", ("hap_consult", "hap_visit", "seh")),
    ("buikpijn", 45, {}, "U4", "default", ("hap_consult", "hap_visit")),
    ("koorts_volwassene", 40, {"kv_suf_vlekjes": True}, "U1", "kv_suf_vlekjes", ()),
    ("koorts_volwassene", 40, {"kv_chemo": True}, "U2", "kv_chemo", ("seh", "admission_internal")),
    ("koorts_volwassene", 40, {"kv_langer_3_dagen": True}, "U4", "kv_langer_3_dagen", ("hap_consult",)),
    ("koorts_volwassene", 40, {}, "U5", "default", ()),
    ("koorts_oudere", 82, {"ko_sepsis": True}, "U2", "ko_sepsis", ("hap_visit", "seh", "admission_geriatrics")),
    (
        "koorts_oudere",
        82,
        {"ko_drinkt_niet": True},
        "U3",
        "ko_drinkt_niet",
        ("hap_visit", "wijkverpleging_spoed", "elv_hoog", "admission_geriatrics"),
    ),
    ("koorts_oudere", 70, {}, "U4", "default", ("hap_visit", "hap_consult")),
    ("val_trauma_oudere", 80, {"val_niet_aanspreekbaar": True}, "U1", "val_niet_aanspreekbaar", ()),
    ("val_trauma_oudere", 80, {"val_fractuur": True}, "U2", "val_fractuur", ("seh", "admission_surgery")),
    (
        "val_trauma_oudere",
        80,
        {"val_lang_gelegen": True},
        "U3",
        "val_lang_gelegen",
        ("hap_visit", "wijkverpleging_spoed", "elv_hoog", "admission_geriatrics"),
    ),
    ("val_trauma_oudere", 80, {}, "U4", "default", ("hap_visit", "hap_consult", "wijkverpleging_spoed")),
    ("verwardheid_delier", 79, {"del_uitval": True}, "U1", "del_uitval", ()),
    ("verwardheid_delier", 79, {"del_gevaar": True}, "U2", "del_gevaar", ("hap_visit", "admission_geriatrics")),
    (
        "verwardheid_delier",
        79,
        {"del_acuut": True},
        "U3",
        "del_acuut",
        ("hap_visit", "wijkverpleging_spoed", "elv_hoog", "admission_geriatrics"),
    ),
    ("verwardheid_delier", 79, {}, "U4", "default", ("hap_visit", "wijkverpleging_spoed")),
    ("urineweginfectie", 35, {"uwi_sepsis": True}, "U2", "uwi_sepsis", ("hap_visit", "seh")),
    ("urineweginfectie", 35, {"uwi_flank_koorts": True}, "U3", "uwi_flank_koorts", ("hap_consult", "hap_visit")),
    ("urineweginfectie", 35, {"uwi_risico": True}, "U4", "uwi_risico", ("hap_consult",)),
    ("urineweginfectie", 35, {}, "U5", "default", ()),
    ("wond", 25, {"wond_spuitend": True}, "U1", "wond_spuitend", ()),
    ("wond", 25, {"wond_hechten": True}, "U3", "wond_hechten", ("hap_consult", "seh")),
    ("wond", 25, {"wond_verzorging": True}, "U4", "wond_verzorging", ("wijkverpleging_spoed",)),
    ("wond", 25, {}, "U5", "default", ()),
    ("psychische_crisis", 33, {"psy_levensgevaar": True}, "U1", "psy_levensgevaar", ()),
    ("psychische_crisis", 33, {"psy_gevaar": True}, "U2", "psy_gevaar", ("ggz_crisis_assessment", "ggz_crisis_bed")),
    (
        "psychische_crisis",
        33,
        {"psy_niet_meer_aan": True},
        "U3",
        "psy_niet_meer_aan",
        ("ggz_crisis_assessment", "ggz_intensive_home", "ggz_crisis_bed"),
    ),
    ("psychische_crisis", 33, {}, "U4", "default", ("ggz_crisis_assessment", "ggz_intensive_home")),
    ("suicidale_uitingen", 27, {"sui_acuut": True, "sui_plan_middelen": True}, "U1", "sui_acuut", ()),
    (
        "suicidale_uitingen",
        27,
        {"sui_plan_middelen": True},
        "U2",
        "sui_plan_middelen",
        ("ggz_crisis_assessment", "ggz_crisis_bed"),
    ),
    ("suicidale_uitingen", 27, {}, "U3", "default", ("ggz_crisis_assessment", "ggz_intensive_home")),
    (
        "zorg_thuis_onmogelijk",
        88,
        {"thuis_alleen_onveilig": True},
        "U3",
        "thuis_alleen_onveilig",
        ("wijkverpleging_spoed", "crisis_bed", "elv_laag", "elv_hoog"),
    ),
    (
        "zorg_thuis_onmogelijk",
        88,
        {"thuis_nacht_niet_geregeld": True},
        "U4",
        "thuis_nacht_niet_geregeld",
        ("wijkverpleging_spoed", "crisis_bed", "elv_laag"),
    ),
    ("zorg_thuis_onmogelijk", 88, {}, "U5", "default", ()),
    (
        "palliatieve_situatie",
        77,
        {"pal_ondraaglijk": True},
        "U2",
        "pal_ondraaglijk",
        ("hap_visit", "wijkverpleging_spoed"),
    ),
    ("palliatieve_situatie", 77, {"pal_pomp": True}, "U3", "pal_pomp", ("wijkverpleging_spoed", "hap_visit")),
    ("palliatieve_situatie", 77, {}, "U4", "default", ("hap_visit", "wijkverpleging_spoed")),
]


def test_cases_cover_every_complaint() -> None:
    assert {case[0] for case in CASES} == COMPLAINT_IDS


@pytest.mark.parametrize(
    ("complaint", "age", "answers", "urgency", "decided_by", "care_types"),
    CASES,
    ids=[f"{c[0]}-{c[4]}" for c in CASES],
)
def test_first_yes_decides(
    complaint: str, age: int, answers: dict[str, bool], urgency: str, decided_by: str, care_types: tuple[str, ...]
) -> None:
    outcome = triage(shipped(), complaint, answers, age=age)
    assert (outcome.urgency, outcome.decided_by, outcome.care_types) == (urgency, decided_by, care_types)
    assert outcome.complaint == complaint
    assert outcome.base_urgency == urgency
    assert outcome.raised_by == ()
    assert outcome.escalate_112 is (urgency in ("U0", "U1"))
    assert outcome.advice_only is (urgency == "U5")
    assert outcome.target_minutes == shipped().urgencies[urgency].target_minutes
    assert outcome.reasons[0].startswith(f"{decided_by}:")


def test_u1_escalates_to_112_without_care_types() -> None:
    outcome = triage(shipped(), "dyspnoe", {"dys_geen_zinnen": True}, age=84)
    assert outcome.escalate_112
    assert outcome.care_types == ()
    assert outcome.target_minutes == 15
    assert any("112" in r for r in outcome.reasons)


def test_advice_outcome_carries_its_advice() -> None:
    outcome = triage(shipped(), "urineweginfectie", {}, age=30)
    assert outcome.advice_only
    assert outcome.target_minutes is None
    assert "huisarts" in outcome.advice


def test_outcome_to_json() -> None:
    outcome = triage(shipped(), "dyspnoe", {"dys_koorts_oudere": True}, age=84, context={"pain_score": 3})
    data = json.loads(json.dumps(outcome.to_json()))
    assert data["urgency"] == "U3"
    assert data["care_types"] == ["hap_visit", "wijkverpleging_spoed", "elv_hoog", "admission_pulmonology"]
    assert data["escalate_112"] is False
    assert data["decided_by"] == "dys_koorts_oudere"
    assert data["advice_only"] is False
    assert isinstance(data["reasons"], list)
    assert data["target_minutes"] == 180


# --------------------------------------------------------------------------- modifiers


def run(complaint: str, age: int, answers: dict[str, bool] | None = None, **context: object) -> TriageOutcome:
    return triage(shipped(), complaint, answers or {}, age=age, context=context)


def test_second_contact_raises_one_level_and_gives_advice_a_place() -> None:
    outcome = run("koorts_volwassene", 40, second_contact_24h=True)
    assert (outcome.base_urgency, outcome.urgency) == ("U5", "U4")
    assert outcome.care_types == ("hap_consult", "hap_visit")
    assert not outcome.advice_only
    assert outcome.raised_by == ("second_contact_24h",)
    assert any("second_contact_24h" in r and "U5 → U4" in r for r in outcome.reasons)


def test_modifiers_cap_at_u2() -> None:
    outcome = run("dyspnoe", 70, {"dys_copd_hartfalen": True}, second_contact_24h=True, niet_pluis=True)
    assert outcome.urgency == "U2"
    assert not outcome.escalate_112
    assert outcome.raised_by == ()
    assert any("geen ophoging" in r for r in outcome.reasons)


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
    assert any("pain_score 8" in r for r in severe.reasons)
    # Never lowers: a U2 answer stays U2.
    assert run("buikpijn", 40, {"buik_hevig": True}, pain_score=10).urgency == "U2"
    # Not counted for a psychiatric crisis.
    crisis = run("psychische_crisis", 40, pain_score=9)
    assert crisis.urgency == "U4"
    assert any("niet van toepassing" in r for r in crisis.reasons)


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
    assert any("pas vanaf 75" in r for r in younger.reasons)
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


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("complaint", "age", "answers", "context", "field", "says"),
    [
        ("hoofdpijn", 40, {}, None, "complaint", "dyspnoe"),
        (None, 40, {}, None, "complaint", "string"),
        ("dyspnoe", 40, {"blauw": True}, None, "answers.blauw", "dys_geen_zinnen"),
        ("dyspnoe", 40, {"pob_acs_nu": True}, None, "answers.pob_acs_nu", "not a question of complaint"),
        ("dyspnoe", 40, {"dys_geen_zinnen": "ja"}, None, "answers.dys_geen_zinnen", "true or false"),
        ("dyspnoe", 40, {"dys_geen_zinnen": 1}, None, "answers.dys_geen_zinnen", "true or false"),
        ("dyspnoe", 40, [], None, "answers", "mapping"),
        ("dyspnoe", -1, {}, None, "age", "0 to 120"),
        ("dyspnoe", 121, {}, None, "age", "0 to 120"),
        ("dyspnoe", "80", {}, None, "age", "whole number"),
        ("dyspnoe", True, {}, None, "age", "whole number"),
        ("koorts_oudere", 50, {}, None, "complaint", "use 'koorts_volwassene'"),
        ("koorts_volwassene", 80, {}, None, "complaint", "use 'koorts_oudere'"),
        ("val_trauma_oudere", 40, {}, None, "complaint", "ages 65 and over"),
        ("dyspnoe", 40, {}, {"rookt": True}, "context.rookt", "pain_score"),
        ("dyspnoe", 40, {}, {"pain_score": 11}, "context.pain_score", "0 to 10"),
        ("dyspnoe", 40, {}, {"pain_score": "8"}, "context.pain_score", "whole number"),
        ("dyspnoe", 40, {}, {"pain_score": True}, "context.pain_score", "whole number"),
        ("dyspnoe", 40, {}, {"niet_pluis": 1}, "context.niet_pluis", "true or false"),
        ("dyspnoe", 40, {}, ["niet_pluis"], "context", "mapping"),
    ],
)
def test_bad_input_names_the_field(complaint: Any, age: Any, answers: Any, context: Any, field: str, says: str) -> None:
    with pytest.raises(InvalidInput) as info:
        triage(shipped(), complaint, answers, age=age, context=context)
    assert info.value.field == field
    assert says in info.value.detail


# --------------------------------------------------------------------------- validation of hand-written protocols

CARE_TYPES = {
    "hap_consult": CareType("hap_consult", "Consult HAP", frozenset({"hap"}), "slot", 1),
    "hap_visit": CareType("hap_visit", "Visite HAP", frozenset({"hap"}), "team", 0),
    "seh": CareType("seh", "SEH", frozenset({"hospital"}), "slot", 3),
}


def small() -> dict[str, Any]:
    """A small valid protocol: two complaints, two modifiers."""
    targets = {"U0": 0, "U1": 15, "U2": 60, "U3": 180, "U4": 1440, "U5": None}
    return {
        "version": "test",
        "urgencies": [
            {"id": u, "label": f"Niveau {u}", "target_minutes": t, "escalate_112": u in ("U0", "U1")}
            for u, t in targets.items()
        ],
        "modifiers": [
            {"id": "tweede_contact", "label": "Tweede contact", "type": "bool", "effect": {"raise": 1}},
            {
                "id": "pijn",
                "label": "Pijnscore",
                "type": "int",
                "range": [0, 10],
                "threshold": 8,
                "effect": {"at_least": "U3"},
                "applies_to": ["hoest"],
            },
        ],
        "complaints": [
            {
                "id": "hoest",
                "name": "Hoesten",
                "questions": [
                    {"id": "h_blauw", "text": "Blauwe lippen?", "urgency": "U1", "care_types": []},
                    {"id": "h_koorts", "text": "Koorts?", "urgency": "U3", "care_types": ["hap_consult", "hap_visit"]},
                ],
                "default": {"urgency": "U5", "care_types": [], "advice": "Rust."},
                "raised_care_types": ["hap_consult"],
            },
            {
                "id": "wond",
                "name": "Wond",
                "questions": [{"id": "w_bloedt", "text": "Bloedt het door?", "urgency": "U2", "care_types": ["seh"]}],
                "default": {"urgency": "U4", "care_types": ["hap_consult"]},
            },
        ],
    }


def test_the_small_protocol_is_valid() -> None:
    protocol = parse_protocol(small(), CARE_TYPES)
    assert list(protocol.complaints) == ["hoest", "wond"]
    assert triage(protocol, "hoest", {}, age=40, context={"tweede_contact": True}).care_types == ("hap_consult",)
    assert check_protocol(small(), CARE_TYPES) == []


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets one value, by a path like 'complaints.0.questions.1.urgency'."""

    def mutate(data: dict[str, Any]) -> None:
        *head, last = path.split(".")
        target: Any = data
        for part in head:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return mutate


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        *head, last = path.split(".")
        target: Any = data
        for part in head:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[int(last) if last.isdigit() else last]

    return mutate


def _swap_hoest_questions(data: dict[str, Any]) -> None:
    questions = data["complaints"][0]["questions"]
    questions.reverse()


# (rule, mutation, field of the first error, words in its detail)
RULES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    (
        "unknown-urgency",
        _set("complaints.0.questions.1.urgency", "U7"),
        "complaints[0].questions[1].urgency",
        "unknown urgency 'U7'",
    ),
    (
        "unknown-care-type",
        _set("complaints.0.questions.1.care_types", ["hap_consul"]),
        "complaints[0].questions[1].care_types[0]",
        "did you mean 'hap_consult'",
    ),
    (
        "u1-with-care-types",
        _set("complaints.0.questions.0.care_types", ["seh"]),
        "complaints[0].questions[0].care_types",
        "112",
    ),
    (
        "u5-with-care-types",
        _set("complaints.0.default.care_types", ["hap_consult"]),
        "complaints[0].default.care_types",
        "advice only",
    ),
    (
        "u2-without-care-types",
        _set("complaints.1.questions.0.care_types", []),
        "complaints[1].questions[0].care_types",
        "needs a place",
    ),
    ("duplicate-complaint", _set("complaints.1.id", "hoest"), "complaints[1].id", "duplicate complaint id"),
    (
        "duplicate-question",
        _set("complaints.1.questions.0.id", "h_koorts"),
        "complaints[1].questions[0].id",
        "complaints[0].questions[1]",
    ),
    ("missing-default", _delete("complaints.1.default"), "complaints[1].default", "missing required field"),
    ("unknown-modifier-type", _set("modifiers.0.type", "float"), "modifiers[0].type", "expected bool or int"),
    ("unknown-modifier-effect", _set("modifiers.0.effect", {"lower": 1}), "modifiers[0].effect.lower", "only raise"),
    (
        "applies-to-unknown-complaint",
        _set("modifiers.1.applies_to", ["hoest", "koorts"]),
        "modifiers[1].applies_to[1]",
        "unknown complaint 'koorts'",
    ),
    ("questions-out-of-order", _swap_hoest_questions, "complaints[0].questions[1].urgency", "most to least urgent"),
    (
        "default-above-last-question",
        _set("complaints.1.default", {"urgency": "U1", "care_types": []}),
        "complaints[1].default.urgency",
        "lower urgency",
    ),
    (
        "raised-advice-without-care-types",
        _delete("complaints.0.raised_care_types"),
        "complaints[0].raised_care_types",
        "tweede_contact",
    ),
    ("at-least-above-cap", _set("modifiers.0.effect", {"at_least": "U1"}), "modifiers[0].effect.at_least", "max: U1"),
    ("cap-u0", _set("modifiers.0.effect", {"raise": 1, "max": "U0"}), "modifiers[0].effect.max", "not allowed"),
    ("effect-that-does-not-raise", _set("modifiers.0.effect", {"max": "U1"}), "modifiers[0].effect", "must raise"),
    ("threshold-outside-range", _set("modifiers.1.threshold", 11), "modifiers[1].threshold", "0 to 10"),
    ("int-without-range", _delete("modifiers.1.range"), "modifiers[1].range", "needs range"),
    ("bool-with-threshold", _set("modifiers.0.threshold", 3), "modifiers[0].threshold", "bool modifier"),
    ("duplicate-modifier", _set("modifiers.1.id", "tweede_contact"), "modifiers[1].id", "duplicate modifier id"),
    ("missing-level", _delete("urgencies.3"), "urgencies", "U3"),
    ("u1-not-escalated", _set("urgencies.1.escalate_112", False), "urgencies[1].escalate_112", "must be true"),
    ("u5-with-target", _set("urgencies.5.target_minutes", 2880), "urgencies[5].target_minutes", "must be null"),
    ("targets-out-of-order", _set("urgencies.3.target_minutes", 30), "urgencies[3].target_minutes", "shorter"),
    ("unknown-alternative", _set("complaints.0.alternative", "kuch"), "complaints[0].alternative", "'kuch'"),
    ("ages-reversed", lambda d: d["complaints"][0].update(age_min=70, age_max=18), "complaints[0].age_max", "below"),
    (
        "unknown-question-field",
        _set("complaints.0.questions.0.urgncy", "U1"),
        "complaints[0].questions[0].urgncy",
        "did you mean 'urgency'",
    ),
    ("unknown-section", _set("modifier", []), "modifier", "did you mean 'modifiers'"),
    ("no-complaints", _set("complaints", []), "complaints", "no complaints"),
]


@pytest.mark.parametrize(("rule", "mutate", "field", "says"), RULES, ids=[r[0] for r in RULES])
def test_validation_names_the_field(rule: str, mutate: Callable[[dict[str, Any]], None], field: str, says: str) -> None:
    data = copy.deepcopy(small())
    mutate(data)
    with pytest.raises(ConfigError) as info:
        parse_protocol(data, CARE_TYPES)
    assert info.value.field == field, (rule, info.value.detail)
    assert says in info.value.detail, (rule, info.value.detail)
    assert field in str(info.value)


def test_raised_care_types_only_needed_where_a_modifier_reaches() -> None:
    data = small()
    del data["complaints"][0]["raised_care_types"]
    data["modifiers"][0]["applies_to"] = ["wond"]
    data["modifiers"][1]["applies_to"] = ["wond"]
    protocol = parse_protocol(data, CARE_TYPES)
    assert protocol.complaints["hoest"].raised_care_types == ()
    assert triage(protocol, "hoest", {}, age=40, context={"tweede_contact": True}).urgency == "U5"
    # Pain (at least U3) on hoest could raise its advice outcome: now it needs a place.
    data["modifiers"][1]["applies_to"] = ["hoest"]
    with pytest.raises(ConfigError) as info:
        parse_protocol(data, CARE_TYPES)
    assert info.value.field == "complaints[0].raised_care_types"
    assert "pijn" in info.value.detail


def test_a_modifier_may_escalate_to_112_only_with_max_u1() -> None:
    data = small()
    data["modifiers"][0]["effect"] = {"at_least": "U1", "max": "U1"}
    protocol = parse_protocol(data, CARE_TYPES)
    outcome = triage(protocol, "wond", {}, age=40, context={"tweede_contact": True})
    assert (outcome.urgency, outcome.escalate_112, outcome.care_types) == ("U1", True, ())
    data["modifiers"][0]["effect"] = {"raise": 3}
    protocol = parse_protocol(data, CARE_TYPES)
    assert triage(protocol, "wond", {}, age=40, context={"tweede_contact": True}).urgency == "U2"


def test_check_protocol_reports_every_problem() -> None:
    data = small()
    data["complaints"][0]["questions"][1]["care_types"] = ["nope"]
    data["modifiers"][0]["type"] = "float"
    data["urgencies"][1]["escalate_112"] = False
    fields = {e.field for e in check_protocol(data, CARE_TYPES)}
    assert {"complaints[0].questions[1].care_types[0]", "modifiers[0].type", "urgencies[1].escalate_112"} <= fields
    with pytest.raises(ConfigError, match="problems in the triage protocol"):
        parse_protocol(data, CARE_TYPES)


def test_not_a_mapping() -> None:
    assert [e.detail for e in check_protocol(["complaints"], CARE_TYPES)] == [
        "a triage protocol file must be a mapping, not a list"
    ]


def test_protocol_files(tmp_path: Path) -> None:
    good = tmp_path / "triage.json"
    good.write_text(json.dumps(small()), encoding="utf-8")
    assert load_protocol(good, CARE_TYPES).version == "test"
    assert check_protocol_file(good, CARE_TYPES) == []

    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("complaints: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_protocol(bad_yaml, CARE_TYPES)

    duplicate = tmp_path / "dup.yaml"
    duplicate.write_text("version: a\nversion: b\n", encoding="utf-8")
    [error] = check_protocol_file(duplicate, CARE_TYPES)
    assert "duplicate key" in error.detail

    with pytest.raises(ConfigError, match="file not found"):
        load_protocol(tmp_path / "missing.yaml", CARE_TYPES)


# --------------------------------------------------------------------------- every path, exhaustively


def _trigger_values(modifier: Modifier) -> list[bool | int]:
    """A value below and at the threshold (int), or true (bool)."""
    if modifier.type == "bool":
        return [True]
    assert modifier.threshold is not None
    return [modifier.threshold]


def test_every_path_ends_in_a_valid_urgency_and_existing_care_types() -> None:
    protocol, care_types = shipped(), shipped_care_types()
    modifiers = protocol.modifiers
    checked = 0
    for complaint in protocol.complaints.values():
        low = complaint.age_min if complaint.age_min is not None else 0
        high = complaint.age_max if complaint.age_max is not None else 120
        ages = sorted({low, high, min(max(low, 80), high)})
        deciders: list[dict[str, bool]] = [{}, *({q.id: True} for q in complaint.questions)]
        for answers, age in itertools.product(deciders, ages):
            for present in itertools.product([False, True], repeat=len(modifiers)):
                context = {m.id: _trigger_values(m)[0] for m, on in zip(modifiers, present, strict=True) if on}
                outcome = triage(protocol, complaint.id, answers, age=age, context=context)
                _assert_valid(outcome, care_types)
                checked += 1
    assert checked > 10_000


def _assert_valid(outcome: TriageOutcome, care_types: dict[str, CareType]) -> None:
    assert outcome.urgency in URGENCY_IDS
    assert urgency_rank(outcome.urgency) <= urgency_rank(outcome.base_urgency)
    if outcome.urgency in ("U0", "U1"):
        assert outcome.escalate_112
        assert outcome.care_types == ()
        assert not outcome.advice_only
    elif outcome.urgency == "U5":
        assert not outcome.escalate_112
        assert outcome.care_types == ()
        assert outcome.advice_only
        assert outcome.target_minutes is None
    else:
        assert not outcome.escalate_112
        assert not outcome.advice_only
        assert len(outcome.care_types) >= 1
        assert isinstance(outcome.target_minutes, int)
    assert set(outcome.care_types) <= set(care_types)
    assert len(set(outcome.care_types)) == len(outcome.care_types)


# --------------------------------------------------------------------------- properties


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, int, dict[str, bool], dict[str, bool | int]]:
    """Any complaint, an age it is meant for, any answers and any context."""
    protocol = shipped()
    complaint = protocol.complaints[draw(st.sampled_from(sorted(protocol.complaints)))]
    low = complaint.age_min if complaint.age_min is not None else 0
    high = complaint.age_max if complaint.age_max is not None else 120
    age = draw(st.integers(low, high))
    answers = draw(st.dictionaries(st.sampled_from([q.id for q in complaint.questions]), st.booleans()))
    optional: dict[str, st.SearchStrategy[bool | int]] = {}
    for m in protocol.modifiers:
        if m.type == "bool":
            optional[m.id] = st.booleans()
        else:
            assert m.value_range is not None
            optional[m.id] = st.integers(*m.value_range)
    context = draw(st.fixed_dictionaries({}, optional=optional))
    return complaint.id, age, answers, context


@PROPERTY_SETTINGS
@given(request=requests())
def test_outcome_invariants(request: tuple[str, int, dict[str, bool], dict[str, bool | int]]) -> None:
    complaint, age, answers, context = request
    outcome = triage(shipped(), complaint, answers, age=age, context=context)
    _assert_valid(outcome, shipped_care_types())
    first_yes = next((q.id for q in shipped().complaints[complaint].questions if answers.get(q.id)), "default")
    assert outcome.decided_by == first_yes


@PROPERTY_SETTINGS
@given(request=requests(), data=st.data())
def test_a_red_flag_never_lowers_urgency(
    request: tuple[str, int, dict[str, bool], dict[str, bool | int]], data: st.DataObject
) -> None:
    complaint, age, answers, context = request
    questions = shipped().complaints[complaint].questions
    before = triage(shipped(), complaint, answers, age=age, context=context)
    flag = data.draw(st.sampled_from(questions))
    after = triage(shipped(), complaint, {**answers, flag.id: True}, age=age, context=context)
    assert urgency_rank(after.urgency) <= urgency_rank(before.urgency)
    position = {q.id: i for i, q in enumerate(questions)}
    if position[flag.id] < position.get(before.decided_by, len(questions)):
        assert after.decided_by == flag.id


@PROPERTY_SETTINGS
@given(request=requests(), data=st.data())
def test_an_alarm_signal_never_lowers_urgency(
    request: tuple[str, int, dict[str, bool], dict[str, bool | int]], data: st.DataObject
) -> None:
    complaint, age, answers, context = request
    before = triage(shipped(), complaint, answers, age=age, context=context)
    modifier = data.draw(st.sampled_from(shipped().modifiers))
    value: bool | int = True
    if modifier.type == "int":
        assert modifier.value_range is not None
        current = context.get(modifier.id, modifier.value_range[0])
        value = data.draw(st.integers(int(current), modifier.value_range[1]))  # the same or more
    after = triage(shipped(), complaint, answers, age=age, context={**context, modifier.id: value})
    assert urgency_rank(after.urgency) <= urgency_rank(before.urgency)
