"""The triage engine on the shipped protocol: the first yes decides, per complaint; bad input names its field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from capacity.errors import InvalidInput
from coordinator.triage import triage
from tests.words import nl

from .helpers import COMPLAINT_IDS, shipped

# (complaint, age, answers, urgency, decided_by, care types)
CASES: list[tuple[str, int, dict[str, bool], str, str, tuple[str, ...]]] = [
    ("dyspnoe", 60, {}, "U4", "default", ("hap_consult", "hap_visit")),
    ("dyspnoe", 60, {"dys_ademt_niet": True}, "U0", "dys_ademt_niet", ()),
    ("dyspnoe", 60, {"dys_geen_zinnen": True}, "U1", "dys_geen_zinnen", ()),
    ("dyspnoe", 60, {"dys_pijn_borst": True, "dys_copd_hartfalen": True}, "U1", "dys_pijn_borst", ()),
    (
        "dyspnoe",
        70,
        {"dys_ademt_niet": False, "dys_geen_zinnen": False, "dys_pijn_borst": False, "dys_copd_hartfalen": True},
        "U2",
        "dys_copd_hartfalen",
        ("hap_visit", "seh", "elv_hoog"),
    ),
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
    first = outcome.reasons[0]
    if decided_by == "default":
        assert first.code == "triage.default"
    else:
        assert (first.code, first.params["question"]) == ("triage.decided", decided_by)


def test_u1_escalates_to_112_without_care_types() -> None:
    outcome = triage(shipped(), "dyspnoe", {"dys_geen_zinnen": True}, age=84)
    assert outcome.escalate_112
    assert outcome.care_types == ()
    assert outcome.target_minutes == 15
    assert any(r.code == "triage.escalate_112" and "112" in nl(r) for r in outcome.reasons)


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
