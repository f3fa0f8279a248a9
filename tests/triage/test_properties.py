"""Every path through the shipped protocol, exhaustively and by property: a valid urgency, no red flag lowers it."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.model import CareType
from coordinator.triage import URGENCY_IDS, Modifier, TriageOutcome, triage, urgency_rank

from .helpers import shipped, shipped_care_types

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


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
