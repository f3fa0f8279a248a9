"""Evaluating the triage protocol for one request: complaint + answers + context -> urgency and care types.

The NTS way of working, as data in :class:`~.protocol.TriageProtocol`:

1. the complaint's questions are read in order; the first answered yes decides
   the outcome (urgency and acceptable care types); with no yes, the default does;
   a question not answered counts as no (it was not asked: an earlier one decided);
2. the modifiers present in ``context`` are applied in protocol order, each only
   raising the urgency (never past its cap, U2 unless the protocol allows U1);
3. U0/U1 escalate to 112 without care types, U5 is advice only without care types,
   U2-U4 keep the outcome's care types (an advice outcome raised into U2-U4 gets
   the complaint's ``raised_care_types``).

Every input problem is an :class:`~capacity.errors.InvalidInput` naming its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from capacity.errors import InvalidInput
from capacity.jsontypes import JSONObject
from capacity.messages import Message, msg

from .protocol import (
    ADVICE_LEVEL,
    AGE_RANGE,
    Complaint,
    Modifier,
    TriageProtocol,
    care_types_for,
    urgency_rank,
)

__all__ = ["TriageOutcome", "asked_in_order", "check_asked_in_order", "triage"]


@dataclass(frozen=True, slots=True)
class TriageOutcome:
    """The result of one triage: urgency, target, care types and why."""

    complaint: str
    urgency: str
    target_minutes: int | None
    care_types: tuple[str, ...]
    escalate_112: bool
    #: The id of the question whose yes decided, or ``"default"``.
    decided_by: str
    #: One message per step for the triagist and the trajectory record: the deciding answer and each modifier.
    reasons: tuple[Message, ...]
    advice_only: bool
    #: The urgency the questions decided, before modifiers.
    base_urgency: str = ""
    #: Ids of the modifiers that raised the urgency, in the order applied.
    raised_by: tuple[str, ...] = ()
    #: Advice text of the deciding outcome (mostly for U5), empty when none.
    advice: str = ""

    def to_json(self) -> JSONObject:
        """A plain JSON object (lists for tuples)."""
        return {
            "complaint": self.complaint,
            "urgency": self.urgency,
            "target_minutes": self.target_minutes,
            "care_types": list(self.care_types),
            "escalate_112": self.escalate_112,
            "decided_by": self.decided_by,
            "reasons": [],
            "reasons_coded": [m.to_json() for m in self.reasons],
            "advice_only": self.advice_only,
            "base_urgency": self.base_urgency,
            "raised_by": list(self.raised_by),
            "advice": self.advice,
        }


def triage(
    protocol: TriageProtocol,
    complaint: str,
    answers: Mapping[str, object],
    *,
    age: int,
    context: Mapping[str, object] | None = None,
) -> TriageOutcome:
    """Triage one request; InvalidInput (with ``field``) for an unknown complaint, answer or context value."""
    spec = _complaint(protocol, complaint)
    _check_age(protocol, spec, age)
    yes = _answers(spec, answers)
    values = _context(protocol, context)

    decider = next((q for q in spec.questions if yes.get(q.id) is True), None)
    reasons: list[Message]
    if decider is not None:
        outcome, decided_by = decider.outcome, decider.id
        reasons = [msg("triage.decided", question=decider.id, to_urgency=decider.urgency)]
    else:
        outcome, decided_by = spec.default, "default"
        reasons = [msg("triage.default", n=len(spec.questions), to_urgency=spec.default.urgency)]

    level = outcome.urgency
    raised_by: list[str] = []
    for modifier in protocol.modifiers:
        value = values.get(modifier.id)
        if value is None or not modifier.triggered(value):
            continue
        shown = _shown(modifier, value)
        if not modifier.applies(spec.id, age):
            if not _listed(modifier, spec.id):
                reasons.append(msg("triage.modifier_not_for_complaint", modifier=shown))
            else:
                reasons.append(msg("triage.modifier_from_age", modifier=shown, age_min=modifier.age_min))
            continue
        raised = modifier.apply(level)
        if raised != level:
            reasons.append(msg("triage.modifier_raised", modifier=shown, from_urgency=level, to_urgency=raised))
            raised_by.append(modifier.id)
        else:
            reasons.append(msg("triage.modifier_kept", modifier=shown, to_urgency=level))
        level = raised

    urgency = protocol.urgencies[level]
    care_types = care_types_for(spec, outcome, level)
    if urgency.escalate_112:
        reasons.append(msg("triage.escalate_112", to_urgency=level))
    elif level == ADVICE_LEVEL:
        reasons.append(msg("triage.advice_only", to_urgency=level))
    elif not outcome.care_types:
        reasons.append(msg("triage.advice_raised", to_urgency=level, care_types=",".join(care_types)))
    return TriageOutcome(
        complaint=spec.id,
        urgency=level,
        target_minutes=urgency.target_minutes,
        care_types=care_types,
        escalate_112=urgency.escalate_112,
        decided_by=decided_by,
        reasons=tuple(reasons),
        advice_only=level == ADVICE_LEVEL,
        base_urgency=outcome.urgency,
        raised_by=tuple(raised_by),
        advice=outcome.advice,
    )


def asked_in_order(protocol: TriageProtocol, complaint: str, answers: Mapping[str, bool]) -> dict[str, bool]:
    """The answers as a triagist gives them: every question in order, "nee" where not answered, up to the first yes."""
    out: dict[str, bool] = {}
    for question in protocol.complaints[complaint].questions:
        out[question.id] = answers.get(question.id, False)
        if out[question.id]:
            break
    return out


def check_asked_in_order(protocol: TriageProtocol, complaint: str, answers: Mapping[str, object]) -> None:
    """InvalidInput naming the first red-flag question left unanswered before the answer that decided.

    The questions are asked in order and the first yes decides; an unanswered question counts as no only
    when it comes after that yes. A question before it (or any question, with no yes) whose outcome is more
    urgent than the one that decided is a red flag: leaving it out could hide a more urgent outcome, so the
    request is refused, as the intake page refuses it. Call after :func:`triage` validated the answers.
    """
    spec = protocol.complaints[complaint]
    decider = next((q for q in spec.questions if answers.get(q.id) is True), None)
    decided = decider.urgency if decider is not None else spec.default.urgency
    for question in spec.questions:
        if question is decider:
            return
        if question.id not in answers and urgency_rank(question.urgency) < urgency_rank(decided):
            raise InvalidInput(msg("triage.skipped_red_flag", question=question.id), field=f"answers.{question.id}")


# --------------------------------------------------------------------------- input checks


def _complaint(protocol: TriageProtocol, complaint: object) -> Complaint:
    if not isinstance(complaint, str):
        raise InvalidInput(msg("triage.complaint_type", got=type(complaint).__name__), field="complaint")
    spec = protocol.complaints.get(complaint)
    if spec is None:
        raise InvalidInput(
            msg("triage.unknown_complaint", value=complaint, known=", ".join(protocol.complaints)), field="complaint"
        )
    return spec


def _check_age(protocol: TriageProtocol, spec: Complaint, age: object) -> None:
    low, high = AGE_RANGE
    if isinstance(age, bool) or not isinstance(age, int):
        raise InvalidInput(msg("triage.age_type", got=type(age).__name__), field="age")
    if not low <= age <= high:
        raise InvalidInput(msg("triage.age_range", low=low, high=high, age=age), field="age")
    if spec.fits_age(age):
        return
    detail = f"complaint {spec.id!r} ({spec.name}) is for {spec.age_text()}; the patient is {age}"
    alternative = protocol.complaints.get(spec.alternative) if spec.alternative is not None else None
    if alternative is not None and alternative.fits_age(age):
        detail += f": use {alternative.id!r} ({alternative.name}) instead"
    else:
        detail += ": the protocol has no variant of this complaint for that age"
    raise InvalidInput(detail, field="complaint")


def _answers(spec: Complaint, answers: object) -> dict[str, bool]:
    if not isinstance(answers, Mapping):
        raise InvalidInput(
            f"answers must be a mapping of question id to true/false, not {type(answers).__name__}", field="answers"
        )
    ids = [q.id for q in spec.questions]
    result: dict[str, bool] = {}
    for key, value in answers.items():
        if not isinstance(key, str) or key not in ids:
            raise InvalidInput(
                f"{key!r} is not a question of complaint {spec.id!r}; its questions are {', '.join(ids)}",
                field=f"answers.{key}",
            )
        if not isinstance(value, bool):
            raise InvalidInput(
                f"the answer to {key!r} must be true or false, not {type(value).__name__}", field=f"answers.{key}"
            )
        result[key] = value
    return result


def _context(protocol: TriageProtocol, context: object) -> dict[str, bool | int]:
    if context is None:
        return {}
    if not isinstance(context, Mapping):
        raise InvalidInput(
            f"context must be a mapping of modifier id to its value, not {type(context).__name__}", field="context"
        )
    values: dict[str, bool | int] = {}
    for key, value in context.items():
        modifier = protocol.modifier(key) if isinstance(key, str) else None
        field = f"context.{key}"
        if modifier is None:
            known = ", ".join(m.id for m in protocol.modifiers)
            raise InvalidInput(msg("triage.unknown_context", value=str(key), known=known), field=field)
        if modifier.type == "bool":
            if not isinstance(value, bool):
                raise InvalidInput(msg("triage.context_bool", modifier=key, got=type(value).__name__), field=field)
        else:
            low, high = modifier.value_range or (0, 0)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidInput(
                    f"{key} must be a whole number {low} to {high}, not {type(value).__name__}", field=field
                )
            if not low <= value <= high:
                raise InvalidInput(
                    msg("triage.context_range", modifier=key, low=low, high=high, value=value), field=field
                )
        values[modifier.id] = value
    return values


def _listed(modifier: Modifier, complaint_id: str) -> bool:
    return modifier.applies_to is None or complaint_id in modifier.applies_to


def _shown(modifier: Modifier, value: bool | int) -> Message:
    """How a present modifier reads in a reason line: its label, with the value of a number ('Pijnscore (0-10): 9')."""
    if modifier.type == "int":
        return msg("triage.modifier_value", modifier=modifier.id, value=value)
    return msg("triage.modifier", modifier=modifier.id)
