"""The shipped protocol (config/triage.yaml): its complaints, urgency levels, modifiers, care types and JSON form."""

from __future__ import annotations

import dataclasses
import json

import pytest

from capacity.region import default_config_dir
from coordinator.triage import URGENCY_IDS, load_protocol, parse_protocol

from .helpers import COMPLAINT_IDS, shipped, shipped_care_types


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
