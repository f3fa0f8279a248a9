"""The triage protocol's types: urgency levels, modifiers and ingangsklachten (complaints) with their outcomes.

The protocol follows the way of working of the Nederlandse Triage Standaard (NTS):
a complaint's questions (discriminators) are ordered from most to least urgent and
the first one answered yes decides the urgency and the acceptable care types; when
all are no, the complaint's ``default`` outcome applies. Modifiers (context factors,
risk groups, alarm signals) are applied afterwards and only ever raise urgency. The
file format and the clinical rules are documented in config/triage.yaml itself; the
file is read and checked by :mod:`coordinator.triage.checker`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

from capacity.jsontypes import JSONObject

__all__ = [
    "ADVICE_LEVEL",
    "AGE_RANGE",
    "DEFAULT_MODIFIER_CAP",
    "ESCALATE_LEVELS",
    "MODIFIER_TYPES",
    "URGENCY_IDS",
    "Complaint",
    "Modifier",
    "ModifierType",
    "Outcome",
    "Question",
    "TriageProtocol",
    "UrgencyLevel",
    "care_types_for",
    "needs_place",
    "urgency_rank",
]

#: The NTS urgency levels, most urgent first: the index is the rank.
URGENCY_IDS: tuple[str, ...] = ("U0", "U1", "U2", "U3", "U4", "U5")
#: Life threatening: flagged and escalated to 112, never placed by zcc.
ESCALATE_LEVELS = frozenset({"U0", "U1"})
#: Advice only: no place.
ADVICE_LEVEL = "U5"
#: The most urgent level a modifier may lead to unless it says ``max: U1``.
DEFAULT_MODIFIER_CAP = "U2"
MODIFIER_TYPES: tuple[str, ...] = ("bool", "int")
ModifierType: TypeAlias = Literal["bool", "int"]

#: The limits of an age anywhere in the protocol (and of a patient's age in :func:`~.engine.triage`).
AGE_RANGE = (0, 120)

_RANK = {u: i for i, u in enumerate(URGENCY_IDS)}


def urgency_rank(urgency: str) -> int:
    """0 for U0 (most urgent) to 5 for U5; a lower rank is more urgent. KeyError for an unknown level."""
    return _RANK[urgency]


def needs_place(urgency: str) -> bool:
    """Whether an outcome of this level is placed (U2-U4), as opposed to 112 (U0/U1) or advice (U5)."""
    return urgency not in ESCALATE_LEVELS and urgency != ADVICE_LEVEL


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True, slots=True)
class UrgencyLevel:
    """One NTS urgency level with its target time to care."""

    id: str
    label: str
    target_minutes: int | None
    escalate_112: bool

    @property
    def rank(self) -> int:
        """0 (U0) to 5 (U5); lower is more urgent."""
        return _RANK[self.id]

    def to_json(self) -> JSONObject:
        """The shape of the file."""
        return {
            "id": self.id,
            "label": self.label,
            "target_minutes": self.target_minutes,
            "escalate_112": self.escalate_112,
        }


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where an answer leads: an urgency and the acceptable care types, most preferred first."""

    urgency: str
    care_types: tuple[str, ...]
    advice: str = ""

    def to_json(self) -> JSONObject:
        """The shape of the file."""
        out: JSONObject = {"urgency": self.urgency, "care_types": list(self.care_types)}
        if self.advice:
            out["advice"] = self.advice
        return out


@dataclass(frozen=True, slots=True)
class Question:
    """A discriminator: a yes decides ``urgency`` and ``care_types`` unless an earlier question did."""

    id: str
    text: str
    urgency: str
    care_types: tuple[str, ...]
    advice: str = ""

    @property
    def outcome(self) -> Outcome:
        """The outcome a yes leads to."""
        return Outcome(self.urgency, self.care_types, self.advice)

    def to_json(self) -> JSONObject:
        """The shape of the file."""
        return {"id": self.id, "text": self.text, **self.outcome.to_json()}


@dataclass(frozen=True, slots=True)
class Complaint:
    """An ingangsklacht: ordered questions, most urgent first, and the outcome when all are no."""

    id: str
    name: str
    questions: tuple[Question, ...]
    default: Outcome
    age_min: int | None = None
    age_max: int | None = None
    #: The complaint to use instead outside the age range (``koorts_oudere`` for ``koorts_volwassene``).
    alternative: str | None = None
    #: Care types when a modifier raises an advice-only (U5) outcome into U2-U4.
    raised_care_types: tuple[str, ...] = ()

    def fits_age(self, age: int) -> bool:
        """Whether the complaint is meant for a patient of this age."""
        return (self.age_min is None or age >= self.age_min) and (self.age_max is None or age <= self.age_max)

    def age_text(self) -> str:
        """The age range in words: 'ages 70 and over', 'ages 18 to 69', 'all ages'."""
        if self.age_min is not None and self.age_max is not None:
            return f"ages {self.age_min} to {self.age_max}"
        if self.age_min is not None:
            return f"ages {self.age_min} and over"
        if self.age_max is not None:
            return f"ages up to {self.age_max}"
        return "all ages"

    def question(self, question_id: str) -> Question | None:
        """The question with this id, if the complaint has it."""
        return next((q for q in self.questions if q.id == question_id), None)

    def outcomes(self) -> tuple[tuple[str, Outcome], ...]:
        """Every outcome with what decides it: each question's id, then ``"default"``."""
        return (*((q.id, q.outcome) for q in self.questions), ("default", self.default))

    def to_json(self) -> JSONObject:
        """The shape of the file, questions in the order they are asked."""
        return {
            "id": self.id,
            "name": self.name,
            "age_min": self.age_min,
            "age_max": self.age_max,
            "alternative": self.alternative,
            "questions": [q.to_json() for q in self.questions],
            "default": self.default.to_json(),
            "raised_care_types": list(self.raised_care_types),
        }


@dataclass(frozen=True, slots=True)
class Modifier:
    """A context factor, risk group or alarm signal that may only raise urgency.

    Its value comes from a request's ``context`` under its ``id``: a bool, or an int
    within ``value_range`` that triggers the effect from ``threshold`` up. The effect
    raises the level by ``raise_levels`` and/or to at least ``at_least``, never past
    ``cap`` (U2 unless the file says ``max: U1``), and never lowers it.
    """

    id: str
    label: str
    type: ModifierType
    raise_levels: int = 0
    at_least: str | None = None
    cap: str = DEFAULT_MODIFIER_CAP
    #: Complaint ids it applies to; None: every complaint.
    applies_to: tuple[str, ...] | None = None
    threshold: int | None = None
    value_range: tuple[int, int] | None = None
    age_min: int | None = None
    description: str = ""

    def applies(self, complaint_id: str, age: int) -> bool:
        """Whether the modifier counts for this complaint and age at all."""
        if self.applies_to is not None and complaint_id not in self.applies_to:
            return False
        return self.age_min is None or age >= self.age_min

    def triggered(self, value: bool | int) -> bool:
        """Whether a (validated) context value sets off the effect."""
        if self.type == "bool":
            return value is True
        return self.threshold is not None and value >= self.threshold

    def apply(self, urgency: str) -> str:
        """The level after the effect: the more urgent of ``urgency`` and the capped effect."""
        rank = _RANK[urgency]
        candidate = rank - self.raise_levels
        if self.at_least is not None:
            candidate = min(candidate, _RANK[self.at_least])
        candidate = max(candidate, _RANK[self.cap])
        return URGENCY_IDS[min(rank, candidate)]

    def to_json(self) -> JSONObject:
        """The shape of the file."""
        return {
            "id": self.id,
            "label": self.label,
            "type": self.type,
            "range": list(self.value_range) if self.value_range is not None else None,
            "threshold": self.threshold,
            "effect": {"raise": self.raise_levels, "at_least": self.at_least, "max": self.cap},
            "applies_to": list(self.applies_to) if self.applies_to is not None else None,
            "age_min": self.age_min,
            "description": self.description,
        }


@dataclass(frozen=True, slots=True)
class TriageProtocol:
    """The whole protocol: read-only mappings in file order."""

    urgencies: Mapping[str, UrgencyLevel]
    complaints: Mapping[str, Complaint]
    modifiers: tuple[Modifier, ...]
    version: str = ""

    def modifier(self, modifier_id: str) -> Modifier | None:
        """The modifier with this id (the key of its value in a request's context), if any."""
        return next((m for m in self.modifiers if m.id == modifier_id), None)

    def to_json(self) -> JSONObject:
        """The whole protocol, in the file's shape: what a web page needs to ask the questions in order.

        :func:`~.checker.parse_protocol` reads it back to an equal protocol.
        """
        return {
            "version": self.version,
            "urgencies": [u.to_json() for u in self.urgencies.values()],
            "modifiers": [m.to_json() for m in self.modifiers],
            "complaints": [c.to_json() for c in self.complaints.values()],
        }


def care_types_for(complaint: Complaint, outcome: Outcome, urgency: str) -> tuple[str, ...]:
    """The care types of ``outcome`` once modifiers brought it to ``urgency``.

    None (empty) for 112 (U0/U1) and advice (U5); otherwise the outcome's own, or the
    complaint's ``raised_care_types`` when an advice-only outcome was raised.
    """
    if not needs_place(urgency):
        return ()
    return outcome.care_types or complaint.raised_care_types
