"""Checking hand-written protocols: every rule names the field it refuses, every problem at once, files."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from capacity.errors import ConfigError
from capacity.model import CareType
from coordinator.triage import check_protocol, check_protocol_file, load_protocol, parse_protocol, triage

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
