"""Checking a triage protocol file's urgencies and complaints, and the field checks of a protocol."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from capacity.config_check import MISSING, FieldChecker, kind_of, suggest
from capacity.model import CareType

from .protocol import (
    ADVICE_LEVEL,
    AGE_RANGE,
    ESCALATE_LEVELS,
    URGENCY_IDS,
    Complaint,
    Outcome,
    Question,
    UrgencyLevel,
    needs_place,
    urgency_rank,
)

__all__ = ["SectionChecker"]

_URGENCY_KEYS = frozenset({"id", "label", "target_minutes", "escalate_112"})
_COMPLAINT_KEYS = frozenset(
    {"id", "name", "age_min", "age_max", "alternative", "questions", "default", "raised_care_types"}
)
_QUESTION_KEYS = frozenset({"id", "text", "urgency", "care_types", "advice"})
_OUTCOME_KEYS = frozenset({"urgency", "care_types", "advice"})


class SectionChecker(FieldChecker):
    """The checks of a protocol's fields (urgencies, ages, care types) and of its urgencies and complaints."""

    __slots__ = ("care_types",)
    strip_strings = True
    # Protocol ids also name context keys and answers: no dots either.
    id_pattern = re.compile(r"[^\s/.]+")
    id_rule = "spaces, dots or slashes"

    def __init__(self, care_types: Mapping[str, CareType]) -> None:
        super().__init__()
        self.care_types = care_types

    # -- fields

    def age(self, item: Mapping[Any, Any], key: str, path: str) -> tuple[bool, int | None]:
        """(ok, value) of an optional age field; null or absent is None."""
        value = item.get(key)
        if value is None:
            return True, None
        checked = self.whole(value, f"{path}.{key}", key, *AGE_RANGE)
        return checked is not None, checked

    def urgency(self, value: object, path: str, allowed: Iterable[str] = URGENCY_IDS) -> str | None:
        """An NTS urgency level among ``allowed``."""
        choices = tuple(allowed)
        if not isinstance(value, str) or value not in URGENCY_IDS:
            shown = repr(value) if isinstance(value, str) else kind_of(value)
            hint = suggest(value, URGENCY_IDS) if isinstance(value, str) else ""
            self.add(path, f"unknown urgency {shown}{hint}; the NTS levels are {', '.join(URGENCY_IDS)}")
            return None
        if value not in choices:
            self.add(path, f"{value} is not allowed here; expected one of {', '.join(choices)}")
            return None
        return value

    def known_ids(self, values: list[Any], path: str, what: str, known: Collection[str], tail: str = "") -> bool:
        """Whether every entry of ``values`` is a ``what`` id in ``known``, listed once; ``tail`` ends "unknown"."""
        seen: set[str] = set()
        ok = True
        for k, value in enumerate(values):
            vpath = f"{path}[{k}]"
            if not isinstance(value, str):
                self.add(vpath, f"a {what} id is a string, not {kind_of(value)}")
                ok = False
            elif value not in known:
                self.add(vpath, f"unknown {what} {value!r}{suggest(value, known)}{tail}")
                ok = False
            elif value in seen:
                self.add(vpath, f"{what} {value!r} is listed twice")
                ok = False
            else:
                seen.add(value)
        return ok

    def care_type_list(self, value: object, path: str) -> tuple[str, ...] | None:
        """A list of known care type ids without repeats (absent or null: empty)."""
        if value is None or value is MISSING:
            return ()
        ids = self.as_list(value, path, "care types", "a list of care type ids")
        if ids is None:
            return None
        known = ", ".join(sorted(self.care_types)) or "none"
        if not self.known_ids(ids, path, "care type", self.care_types, f"; known care types: {known}"):
            return None
        return tuple(ids)

    # -- urgencies

    def urgencies(self, items: list[Any]) -> dict[str, UrgencyLevel]:
        """The urgency levels by id, in NTS order: all of U0..U5, targets not shorter for a less urgent level."""
        found: dict[str, tuple[int, UrgencyLevel]] = {}
        seen: dict[str, int] = {}
        for i, path, item in self.entries(items, "urgencies", "an urgency level", _URGENCY_KEYS):
            uid = self.field(item, "id", path, self.urgency)
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
        if self.flag(value, epath, "escalate_112") is None:
            return False
        if uid is not None and value != (uid in ESCALATE_LEVELS):
            must = "true: it is life threatening" if uid in ESCALATE_LEVELS else "false: only U0 and U1 go to 112"
            self.add(epath, f"escalate_112 of {uid} must be {must}")
            return False
        return True

    # -- complaints

    def complaints(self, items: list[Any]) -> tuple[dict[str, Complaint], dict[str, int]]:
        """The valid complaints by id, and the index of every complaint id seen."""
        complaints: dict[str, Complaint] = {}
        index: dict[str, int] = {}
        question_index: dict[str, str] = {}
        alternatives: list[tuple[int, str, str]] = []
        for i, path, item in self.entries(items, "complaints", "a complaint", _COMPLAINT_KEYS):
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
            if cid is None or not self.first_use(index, cid, i, "complaints", "complaint id"):
                continue
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
        """A complaint's questions, most urgent first; question ids are unique across the protocol."""
        raw = self.get(item, "questions", path, " (the discriminators, most urgent first)")
        if raw is MISSING:
            return None
        qpath = f"{path}.questions"
        entries = self.as_list(raw, qpath, "questions", empty="a complaint needs at least one question (discriminator)")
        if entries is None:
            return None
        questions: list[Question] = []
        previous: tuple[str, str] | None = None  # (urgency, path) of the last valid question
        for _j, path_j, q in self.entries(entries, qpath, "a question", _QUESTION_KEYS):
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
                continue
            questions.append(Question(qid, text, outcome.urgency, outcome.care_types, outcome.advice))
        # Every question without a problem was added: fewer means one was reported.
        return tuple(questions) if len(questions) == len(entries) else None

    def default(self, item: Mapping[Any, Any], path: str, questions: tuple[Question, ...] | None) -> Outcome | None:
        """The outcome when every question is answered no: not more urgent than the last question."""
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
        """An urgency with its care types (none for 112 and advice, at least one for U2-U4) and advice."""
        urgency = self.field(item, "urgency", path, self.urgency)
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
