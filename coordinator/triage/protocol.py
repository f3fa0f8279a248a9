"""The triage protocol: urgency levels, modifiers and ingangsklachten, loaded from config/triage.yaml.

The protocol follows the way of working of the Nederlandse Triage Standaard (NTS):
a complaint's questions (discriminators) are ordered from most to least urgent and
the first one answered yes decides the urgency and the acceptable care types; when
all are no, the complaint's ``default`` outcome applies. Modifiers (context factors,
risk groups, alarm signals) are applied afterwards and only ever raise urgency. The
file format and the clinical rules are documented in config/triage.yaml itself.

Validation works as for region files (:mod:`capacity.region`): one pass collects
every problem as a :class:`~capacity.errors.ConfigError` whose ``field`` is a path
into the file (``complaints[3].questions[1].care_types[0]``); :func:`parse_protocol`
raises the first (with the count), :func:`check_protocol` returns them all. Beyond
the form of each field it checks what makes the engine total and monotone:

- questions go from most to least urgent and the default is not more urgent than
  the last question, so answering yes to an earlier question never lowers urgency;
- U0/U1 (112) and U5 (advice) outcomes have no care types, U2-U4 outcomes at least one;
- every level a modifier can raise an outcome to still has care types where it needs
  them (an advice-only outcome raised to U2-U4 uses ``raised_care_types``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

from capacity.config_check import MISSING, FieldChecker, first_of, kind_of, read_config_file, suggest
from capacity.errors import ConfigError
from capacity.model import CareType
from capacity.region import default_config_dir, load_care_types

__all__ = [
    "ADVICE_LEVEL",
    "AGE_RANGE",
    "DEFAULT_MODIFIER_CAP",
    "ESCALATE_LEVELS",
    "MODIFIER_TYPES",
    "TRIAGE_FILE",
    "URGENCY_IDS",
    "Complaint",
    "Modifier",
    "ModifierType",
    "Outcome",
    "Question",
    "TriageProtocol",
    "UrgencyLevel",
    "care_types_for",
    "check_protocol",
    "check_protocol_file",
    "load_protocol",
    "needs_place",
    "parse_protocol",
    "urgency_rank",
]

_LOGGER = logging.getLogger(__name__)

#: The protocol file, relative to :func:`capacity.region.default_config_dir`.
TRIAGE_FILE = "triage.yaml"
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
_TOP_KEYS = frozenset({"version", "urgencies", "modifiers", "complaints"})
_URGENCY_KEYS = frozenset({"id", "label", "target_minutes", "escalate_112"})
_MODIFIER_KEYS = frozenset(
    {"id", "label", "type", "range", "threshold", "effect", "applies_to", "age_min", "description"}
)
_EFFECT_KEYS = frozenset({"raise", "at_least", "max"})
_COMPLAINT_KEYS = frozenset(
    {"id", "name", "age_min", "age_max", "alternative", "questions", "default", "raised_care_types"}
)
_QUESTION_KEYS = frozenset({"id", "text", "urgency", "care_types", "advice"})
_OUTCOME_KEYS = frozenset({"urgency", "care_types", "advice"})


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

    def to_json(self) -> dict[str, Any]:
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

    def to_json(self) -> dict[str, Any]:
        """The shape of the file."""
        out: dict[str, Any] = {"urgency": self.urgency, "care_types": list(self.care_types)}
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

    def to_json(self) -> dict[str, Any]:
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

    def to_json(self) -> dict[str, Any]:
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

    def to_json(self) -> dict[str, Any]:
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

    def to_json(self) -> dict[str, Any]:
        """The whole protocol, in the file's shape: what a web page needs to ask the questions in order.

        :func:`parse_protocol` reads it back to an equal protocol.
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


# --------------------------------------------------------------------------- validation


class _Checker(FieldChecker):
    """One pass over parsed data: collects every problem and builds the model on the way."""

    __slots__ = ("care_types",)
    strip_strings = True

    def __init__(self, care_types: Mapping[str, CareType]) -> None:
        super().__init__()
        self.care_types = care_types

    def ident(self, item: Mapping[Any, Any], key: str, path: str) -> str | None:
        value = self.string(item, key, path)
        if value is not None and (any(c.isspace() for c in value) or "/" in value or "." in value):
            self.add(f"{path}.{key}", f"{key} {value!r} must not contain spaces, dots or slashes")
            return None
        return value

    def whole(self, value: object, path: str, what: str, low: int, high: int | None = None) -> int | None:
        """A whole number in [low, high] (booleans and floats are refused)."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, f"{what} must be a whole number, not {kind_of(value)}")
            return None
        if value < low or (high is not None and value > high):
            limits = f"{low} to {high}" if high is not None else f"at least {low}"
            self.add(path, f"{what} must be {limits}, not {value}")
            return None
        return value

    def age(self, item: Mapping[Any, Any], key: str, path: str) -> tuple[bool, int | None]:
        """(ok, value) of an optional age field; null or absent is None."""
        value = item.get(key)
        if value is None:
            return True, None
        checked = self.whole(value, f"{path}.{key}", key, *AGE_RANGE)
        return checked is not None, checked

    def urgency(self, value: object, path: str, allowed: Iterable[str] = URGENCY_IDS) -> str | None:
        choices = tuple(allowed)
        if not isinstance(value, str) or value not in _RANK:
            shown = repr(value) if isinstance(value, str) else kind_of(value)
            hint = suggest(value, URGENCY_IDS) if isinstance(value, str) else ""
            self.add(path, f"unknown urgency {shown}{hint}; the NTS levels are {', '.join(URGENCY_IDS)}")
            return None
        if value not in choices:
            self.add(path, f"{value} is not allowed here; expected one of {', '.join(choices)}")
            return None
        return value

    def care_type_list(self, value: object, path: str) -> tuple[str, ...] | None:
        """A list of known care type ids without repeats (absent or null: empty)."""
        if value is None or value is MISSING:
            return ()
        if not isinstance(value, list):
            self.add(path, f"care types must be a list of care type ids, not {kind_of(value)}")
            return None
        result: list[str] = []
        ok = True
        for k, ct in enumerate(value):
            cpath = f"{path}[{k}]"
            if not isinstance(ct, str):
                self.add(cpath, f"a care type id is a string, not {kind_of(ct)}")
                ok = False
            elif ct not in self.care_types:
                known = ", ".join(sorted(self.care_types)) or "none"
                self.add(cpath, f"unknown care type {ct!r}{suggest(ct, self.care_types)}; known care types: {known}")
                ok = False
            elif ct in result:
                self.add(cpath, f"care type {ct!r} is listed twice")
                ok = False
            else:
                result.append(ct)
        return tuple(result) if ok else None

    # -- urgencies

    def urgencies(self, items: list[Any]) -> dict[str, UrgencyLevel]:
        found: dict[str, tuple[int, UrgencyLevel]] = {}
        seen: dict[str, int] = {}
        for i, raw in enumerate(items):
            path = f"urgencies[{i}]"
            item = self.mapping(raw, path, "an urgency level")
            if item is None:
                continue
            self.unknown_keys(item, _URGENCY_KEYS, path)
            raw_id = self.get(item, "id", path)
            uid = None if raw_id is MISSING else self.urgency(raw_id, f"{path}.id")
            label = self.string(item, "label", path)
            target_ok, target = self.target(item, path, uid)
            escalate_ok = self.escalate(item, path, uid)
            if uid is None:
                continue
            if uid in seen:
                self.add(f"{path}.id", f"duplicate urgency {uid} (first at urgencies[{seen[uid]}])")
                continue
            seen[uid] = i
            if label is not None and target_ok and escalate_ok:
                found[uid] = (i, UrgencyLevel(uid, label, target, uid in ESCALATE_LEVELS))
        missing = [u for u in URGENCY_IDS if u not in seen]
        if missing:
            self.add("urgencies", f"missing urgency level(s) {', '.join(missing)}: list all of U0..U5")
        # A less urgent level may not promise care sooner than a more urgent one.
        previous: tuple[str, int] | None = None  # (level, target) of the last level with a target
        for uid in URGENCY_IDS:
            index, level = found.get(uid, (-1, None))
            if level is None or level.target_minutes is None:
                continue
            if previous is not None and level.target_minutes < previous[1]:
                self.add(
                    f"urgencies[{index}].target_minutes",
                    f"{uid}'s target ({level.target_minutes} minutes) is shorter than {previous[0]}'s "
                    f"({previous[1]}): a less urgent level cannot have a shorter target",
                )
            previous = (uid, level.target_minutes)
        return {uid: found[uid][1] for uid in URGENCY_IDS if uid in found}

    def target(self, item: Mapping[Any, Any], path: str, uid: str | None) -> tuple[bool, int | None]:
        """(ok, target minutes); None for U5, which is advice only."""
        value = self.get(item, "target_minutes", path)
        if value is MISSING:
            return False, None
        tpath = f"{path}.target_minutes"
        if uid == ADVICE_LEVEL:
            if value is not None:
                self.add(tpath, f"{ADVICE_LEVEL} is advice only: target_minutes must be null, not {kind_of(value)}")
                return False, None
            return True, None
        if value is None:
            self.add(tpath, f"{uid or 'this level'} needs target_minutes (a whole number); only U5 has none")
            return False, None
        checked = self.whole(value, tpath, "target_minutes", 0)
        return checked is not None, checked

    def escalate(self, item: Mapping[Any, Any], path: str, uid: str | None) -> bool:
        """Whether escalate_112 is a bool that matches the level: true exactly for U0 and U1."""
        value = self.get(item, "escalate_112", path)
        if value is MISSING:
            return False
        epath = f"{path}.escalate_112"
        if not isinstance(value, bool):
            self.add(epath, f"escalate_112 must be true or false, not {kind_of(value)}")
            return False
        if uid is not None and value != (uid in ESCALATE_LEVELS):
            must = "true: it is life threatening" if uid in ESCALATE_LEVELS else "false: only U0 and U1 go to 112"
            self.add(epath, f"escalate_112 of {uid} must be {must}")
            return False
        return True

    # -- complaints

    def complaints(self, items: list[Any]) -> tuple[dict[str, Complaint], dict[str, int]]:
        if not items and "complaints" not in self.reported:
            self.add("complaints", "the protocol has no complaints")
        complaints: dict[str, Complaint] = {}
        index: dict[str, int] = {}
        question_index: dict[str, str] = {}
        alternatives: list[tuple[int, str, str]] = []
        for i, raw in enumerate(items):
            path = f"complaints[{i}]"
            item = self.mapping(raw, path, "a complaint")
            if item is None:
                continue
            self.unknown_keys(item, _COMPLAINT_KEYS, path)
            cid = self.ident(item, "id", path)
            name = self.string(item, "name", path)
            ok_min, age_min = self.age(item, "age_min", path)
            ok_max, age_max = self.age(item, "age_max", path)
            ages_ok = ok_min and ok_max
            if age_min is not None and age_max is not None and age_min > age_max:
                self.add(f"{path}.age_max", f"age_max {age_max} is below age_min {age_min}")
                ages_ok = False
            alternative = item.get("alternative")
            if alternative is not None and not isinstance(alternative, str):
                self.add(f"{path}.alternative", f"alternative must be a complaint id, not {kind_of(alternative)}")
                alternative = None
                ages_ok = False
            elif isinstance(alternative, str) and cid is not None:
                alternatives.append((i, cid, alternative))
            questions = self.questions(item, path, question_index)
            default = self.default(item, path, questions)
            # Absent, null or []: none (the path check below says when they are needed).
            raised = self.care_type_list(item.get("raised_care_types"), f"{path}.raised_care_types")
            if cid is None:
                continue
            if cid in index:
                self.add(f"{path}.id", f"duplicate complaint id {cid!r} (first used at complaints[{index[cid]}])")
                continue
            index[cid] = i
            if name is None or not ages_ok or questions is None or default is None or raised is None:
                continue
            complaints[cid] = Complaint(
                id=cid,
                name=name,
                questions=questions,
                default=default,
                age_min=age_min,
                age_max=age_max,
                alternative=alternative,
                raised_care_types=raised,
            )
        for i, cid, alternative in alternatives:
            if alternative == cid:
                self.add(f"complaints[{i}].alternative", "a complaint cannot be its own alternative")
            elif alternative not in index:
                self.add(
                    f"complaints[{i}].alternative",
                    f"unknown complaint {alternative!r}{suggest(alternative, index)} as alternative",
                )
        return complaints, index

    def questions(
        self, item: Mapping[Any, Any], path: str, question_index: dict[str, str]
    ) -> tuple[Question, ...] | None:
        raw = self.get(item, "questions", path, " (the discriminators, most urgent first)")
        if raw is MISSING:
            return None
        qpath = f"{path}.questions"
        if not isinstance(raw, list):
            self.add(qpath, f"questions must be a list, not {kind_of(raw)}")
            return None
        if not raw:
            self.add(qpath, "a complaint needs at least one question (discriminator)")
            return None
        questions: list[Question] = []
        ok = True
        previous: tuple[str, str] | None = None  # (urgency, path) of the last valid question
        for j, raw_q in enumerate(raw):
            path_j = f"{qpath}[{j}]"
            q = self.mapping(raw_q, path_j, "a question")
            if q is None:
                ok = False
                continue
            self.unknown_keys(q, _QUESTION_KEYS, path_j)
            qid = self.ident(q, "id", path_j)
            text = self.string(q, "text", path_j)
            outcome = self.outcome(q, path_j)
            if qid is not None:
                first = question_index.get(qid)
                if first is not None:
                    self.add(f"{path_j}.id", f"duplicate question id {qid!r} (first used at {first})")
                    qid = None
                else:
                    question_index[qid] = path_j
            if outcome is not None:
                if previous is not None and urgency_rank(outcome.urgency) < urgency_rank(previous[0]):
                    self.add(
                        f"{path_j}.urgency",
                        f"{outcome.urgency} after a {previous[0]} question ({previous[1]}): questions go from most "
                        "to least urgent, since the first yes decides; move this question up",
                    )
                    outcome = None
                else:
                    previous = (outcome.urgency, path_j)
            if qid is None or text is None or outcome is None:
                ok = False
                continue
            questions.append(Question(qid, text, outcome.urgency, outcome.care_types, outcome.advice))
        return tuple(questions) if ok else None

    def default(self, item: Mapping[Any, Any], path: str, questions: tuple[Question, ...] | None) -> Outcome | None:
        raw = self.get(item, "default", path, " (the outcome when every question is answered no)")
        if raw is MISSING:
            return None
        dpath = f"{path}.default"
        if raw is None:
            self.add(dpath, "default must be an outcome {urgency, care_types}, not empty (null)")
            return None
        d = self.mapping(raw, dpath, "default (an outcome {urgency, care_types})")
        if d is None:
            return None
        self.unknown_keys(d, _OUTCOME_KEYS, dpath)
        outcome = self.outcome(d, dpath)
        if outcome is not None and questions:
            last = questions[-1]
            if urgency_rank(outcome.urgency) < urgency_rank(last.urgency):
                self.add(
                    f"{dpath}.urgency",
                    f"the default ({outcome.urgency}) is more urgent than the last question {last.id!r} "
                    f"({last.urgency}): answering yes would lower urgency",
                )
                return None
        return outcome

    def outcome(self, item: Mapping[Any, Any], path: str) -> Outcome | None:
        raw_urgency = self.get(item, "urgency", path)
        urgency = None if raw_urgency is MISSING else self.urgency(raw_urgency, f"{path}.urgency")
        cpath = f"{path}.care_types"
        care_types = self.care_type_list(item.get("care_types"), cpath)
        advice = self.optional_string(item, "advice", path)
        if urgency is None or care_types is None or advice is None:
            return None
        if urgency in ESCALATE_LEVELS and care_types:
            self.add(cpath, f"{urgency} goes to 112 and is never placed: care_types must be empty")
            return None
        if urgency == ADVICE_LEVEL and care_types:
            self.add(cpath, f"{ADVICE_LEVEL} is advice only, without a place: care_types must be empty")
            return None
        if needs_place(urgency) and not care_types:
            self.add(cpath, f"{urgency} needs a place: list at least one care type, most preferred first")
            return None
        return Outcome(urgency, care_types, advice)

    # -- modifiers

    def modifiers(self, items: list[Any], complaint_index: Mapping[str, int]) -> list[Modifier]:
        modifiers: list[Modifier] = []
        index: dict[str, int] = {}
        for i, raw in enumerate(items):
            path = f"modifiers[{i}]"
            item = self.mapping(raw, path, "a modifier")
            if item is None:
                continue
            self.unknown_keys(item, _MODIFIER_KEYS, path)
            mid = self.ident(item, "id", path)
            label = self.string(item, "label", path)
            mtype = self.modifier_type(item, path)
            threshold_ok, threshold, value_range = self.int_spec(item, path, mtype)
            effect = self.effect(item, path)
            applies_ok, applies_to = self.applies_to(item, path, complaint_index)
            age_ok, age_min = self.age(item, "age_min", path)
            description = self.optional_string(item, "description", path)
            if mid is None:
                continue
            if mid in index:
                self.add(f"{path}.id", f"duplicate modifier id {mid!r} (first used at modifiers[{index[mid]}])")
                continue
            index[mid] = i
            if (
                label is None
                or mtype is None
                or not threshold_ok
                or effect is None
                or not applies_ok
                or not age_ok
                or description is None
            ):
                continue
            raise_levels, at_least, cap = effect
            modifiers.append(
                Modifier(
                    id=mid,
                    label=label,
                    type=mtype,
                    raise_levels=raise_levels,
                    at_least=at_least,
                    cap=cap,
                    applies_to=applies_to,
                    threshold=threshold,
                    value_range=value_range,
                    age_min=age_min,
                    description=description,
                )
            )
        return modifiers

    def modifier_type(self, item: Mapping[Any, Any], path: str) -> ModifierType | None:
        value = self.get(item, "type", path)
        if value is MISSING:
            return None
        if value == "bool":
            return "bool"
        if value == "int":
            return "int"
        hint = suggest(value, MODIFIER_TYPES) if isinstance(value, str) else ""
        shown = repr(value) if isinstance(value, str) else kind_of(value)
        self.add(f"{path}.type", f"unknown modifier type {shown}{hint}; expected bool or int")
        return None

    def int_spec(
        self, item: Mapping[Any, Any], path: str, mtype: ModifierType | None
    ) -> tuple[bool, int | None, tuple[int, int] | None]:
        """(ok, threshold, range) of an int modifier; a bool one takes neither."""
        raw_range, raw_threshold = item.get("range"), item.get("threshold")
        if mtype != "int":
            ok = True
            if mtype == "bool":
                for key, value in (("range", raw_range), ("threshold", raw_threshold)):
                    if value is not None:
                        self.add(f"{path}.{key}", f"a bool modifier takes no {key}; only an int modifier does")
                        ok = False
            return ok, None, None
        value_range: tuple[int, int] | None = None
        if raw_range is None:
            self.add(f"{path}.range", "an int modifier needs range: [lowest, highest] allowed value")
        elif (
            not isinstance(raw_range, list)
            or len(raw_range) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) for v in raw_range)
        ):
            self.add(f"{path}.range", f"range must be two whole numbers [lowest, highest], not {kind_of(raw_range)}")
        elif raw_range[0] >= raw_range[1]:
            self.add(f"{path}.range", f"range [{raw_range[0]}, {raw_range[1]}] must go from low to high")
        else:
            value_range = (raw_range[0], raw_range[1])
        threshold: int | None = None
        if raw_threshold is None:
            self.add(f"{path}.threshold", "an int modifier needs a threshold (the effect applies from it up)")
        elif value_range is not None:
            threshold = self.whole(raw_threshold, f"{path}.threshold", "threshold", *value_range)
        return value_range is not None and threshold is not None, threshold, value_range

    def effect(self, item: Mapping[Any, Any], path: str) -> tuple[int, str | None, str] | None:
        raw = self.get(item, "effect", path, " (raise: N and/or at_least: Ux)")
        if raw is MISSING:
            return None
        epath = f"{path}.effect"
        effect = self.mapping(raw, epath, "effect (raise: N and/or at_least: Ux)")
        if effect is None:
            return None
        for key in effect:
            if key not in _EFFECT_KEYS:
                hint = suggest(key, _EFFECT_KEYS) if isinstance(key, str) else ""
                self.add(
                    f"{epath}.{key}",
                    f"unknown effect {key!r}{hint}; a modifier can only raise urgency: expected raise, at_least, max",
                )
        ok = not any(key not in _EFFECT_KEYS for key in effect)
        raise_levels = 0
        if effect.get("raise") is not None:
            checked = self.whole(effect["raise"], f"{epath}.raise", "raise", 0, len(URGENCY_IDS) - 1)
            ok = ok and checked is not None
            raise_levels = checked or 0
        at_least: str | None = None
        if effect.get("at_least") is not None:
            at_least = self.urgency(effect["at_least"], f"{epath}.at_least", ("U1", "U2", "U3", "U4"))
            ok = ok and at_least is not None
        cap: str | None = DEFAULT_MODIFIER_CAP
        if effect.get("max") is not None:
            cap = self.urgency(effect["max"], f"{epath}.max", ("U1", "U2", "U3", "U4"))
            ok = ok and cap is not None
        if not ok or cap is None:
            return None
        if raise_levels == 0 and at_least is None:
            self.add(epath, "an effect must raise urgency: give raise: N (N >= 1) and/or at_least: Ux")
            return None
        if at_least is not None and urgency_rank(at_least) < urgency_rank(cap):
            hint = " (add max: U1 to let it escalate to 112)" if at_least == "U1" else ""
            self.add(f"{epath}.at_least", f"at_least {at_least} is above the modifier's cap {cap}{hint}")
            return None
        return raise_levels, at_least, cap

    def applies_to(
        self, item: Mapping[Any, Any], path: str, complaint_index: Mapping[str, int]
    ) -> tuple[bool, tuple[str, ...] | None]:
        raw = item.get("applies_to")
        if raw is None:
            return True, None
        apath = f"{path}.applies_to"
        if not isinstance(raw, list):
            self.add(apath, f"applies_to must be a list of complaint ids, not {kind_of(raw)}")
            return False, None
        if not raw:
            self.add(apath, "applies_to is empty: list complaint ids, or leave it out to apply to every complaint")
            return False, None
        ids: list[str] = []
        ok = True
        for k, cid in enumerate(raw):
            if not isinstance(cid, str):
                self.add(f"{apath}[{k}]", f"a complaint id is a string, not {kind_of(cid)}")
                ok = False
            elif cid not in complaint_index:
                self.add(f"{apath}[{k}]", f"unknown complaint {cid!r}{suggest(cid, complaint_index)}")
                ok = False
            elif cid in ids:
                self.add(f"{apath}[{k}]", f"complaint {cid!r} is listed twice")
                ok = False
            else:
                ids.append(cid)
        return ok, tuple(ids) if ok else None

    # -- every path

    def paths(self, complaints: Mapping[str, Complaint], index: Mapping[str, int], modifiers: list[Modifier]) -> None:
        """Every level any combination of modifiers can raise any outcome to must have its care types."""
        for complaint in complaints.values():
            applicable = [m for m in modifiers if _can_apply(m, complaint)]
            for decided_by, outcome in complaint.outcomes():
                for level, chain in _reachable(outcome.urgency, applicable).items():
                    if needs_place(level) and not care_types_for(complaint, outcome, level):
                        where = "default" if decided_by == "default" else f"question {decided_by!r}"
                        self.add(
                            f"complaints[{index[complaint.id]}].raised_care_types",
                            f"the {where} outcome is {outcome.urgency} (advice, no place), but modifier "
                            f"{' then '.join(chain)} can raise it to {level}, which needs a place: "
                            "list raised_care_types",
                        )
                        break

    # -- the protocol

    def protocol(self, data: object) -> TriageProtocol | None:
        root = self.mapping(data, "", "a triage protocol file")
        if root is None:
            return None
        self.unknown_keys(root, _TOP_KEYS, "", "section")
        version = ""
        if root.get("version") is not None:
            raw_version = root["version"]
            if isinstance(raw_version, str | int | float) and not isinstance(raw_version, bool):
                version = str(raw_version)
            else:
                self.add("version", f"version must be a string, not {kind_of(raw_version)}")
        urgencies = self.urgencies(self.items(root, "urgencies"))
        complaints, index = self.complaints(self.items(root, "complaints"))
        modifiers = self.modifiers(self.items(root, "modifiers", required=False), index)
        if self.errors:
            return None
        self.paths(complaints, index, modifiers)
        if self.errors:
            return None
        return TriageProtocol(
            urgencies=MappingProxyType(urgencies),
            complaints=MappingProxyType(complaints),
            modifiers=tuple(modifiers),
            version=version,
        )


def _can_apply(modifier: Modifier, complaint: Complaint) -> bool:
    """Whether the modifier can ever count for the complaint (its list and the ages overlap)."""
    if modifier.applies_to is not None and complaint.id not in modifier.applies_to:
        return False
    return modifier.age_min is None or complaint.age_max is None or complaint.age_max >= modifier.age_min


def _reachable(start: str, modifiers: Iterable[Modifier]) -> dict[str, tuple[str, ...]]:
    """Every level some subset of ``modifiers`` (applied in order) leads ``start`` to, with one such chain."""
    reached: dict[str, tuple[str, ...]] = {start: ()}
    for modifier in modifiers:
        for level, chain in list(reached.items()):
            raised = modifier.apply(level)
            if raised not in reached:
                reached[raised] = (*chain, modifier.id)
    return reached


# --------------------------------------------------------------------------- public API


def check_protocol(data: object, care_types: Mapping[str, CareType]) -> list[ConfigError]:
    """Every problem of a parsed protocol file, each with the path of its field; empty when valid."""
    checker = _Checker(care_types)
    checker.protocol(data)
    return checker.errors


def parse_protocol(data: object, care_types: Mapping[str, CareType]) -> TriageProtocol:
    """Build the protocol of parsed data (a file's YAML, or :meth:`TriageProtocol.to_json`); raise if invalid."""
    checker = _Checker(care_types)
    protocol = checker.protocol(data)
    if checker.errors or protocol is None:
        raise first_of(checker.errors or [ConfigError("the protocol is invalid")], "the triage protocol")
    return protocol


def load_protocol(path: str | Path | None = None, care_types: Mapping[str, CareType] | None = None) -> TriageProtocol:
    """Read, validate and build a protocol file (default: the shipped config/triage.yaml).

    ``care_types`` defaults to the shipped (or configured) config/care_types.yaml.
    """
    file = Path(path) if path is not None else default_config_dir() / TRIAGE_FILE
    data = read_config_file(file)
    types = care_types if care_types is not None else load_care_types()
    protocol = parse_protocol(data, types)
    _LOGGER.info(
        "loaded triage protocol %s from %s: %d complaints, %d modifiers",
        protocol.version or "(no version)",
        file,
        len(protocol.complaints),
        len(protocol.modifiers),
    )
    return protocol


def check_protocol_file(path: str | Path, care_types: Mapping[str, CareType] | None = None) -> list[ConfigError]:
    """Every problem of a protocol file on disk (unreadable file and bad YAML included); empty when valid."""
    try:
        data = read_config_file(Path(path))
        types = care_types if care_types is not None else load_care_types()
    except ConfigError as exc:
        return [exc]
    return check_protocol(data, types)
