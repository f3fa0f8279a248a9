"""A discharge within the last 30 days can only raise urgency (as a second contact does), and says so."""

from __future__ import annotations

from hypothesis import given

from coordinator.requests.past import RECENT_DISCHARGE
from coordinator.triage import triage, urgency_rank
from tests.words import nl

from .helpers import shipped
from .test_properties import PROPERTY_SETTINGS, requests

_Request = tuple[str, int, dict[str, bool], dict[str, bool | int]]


@PROPERTY_SETTINGS
@given(request=requests())
def test_a_recent_discharge_never_lowers_urgency_and_is_among_the_reasons_when_it_raises(request: _Request) -> None:
    complaint, age, answers, context = request
    without = triage(shipped(), complaint, answers, age=age, context={**context, RECENT_DISCHARGE: False})
    with_ = triage(shipped(), complaint, answers, age=age, context={**context, RECENT_DISCHARGE: True})
    assert urgency_rank(with_.urgency) <= urgency_rank(without.urgency)
    # never into 112 by itself: a modifier without max U1 stops at U2
    if with_.urgency in ("U0", "U1"):
        assert with_.urgency == without.urgency
    if with_.urgency != without.urgency:
        assert RECENT_DISCHARGE in with_.raised_by
        assert any(RECENT_DISCHARGE in r for r in map(nl, with_.reasons))


def test_the_shipped_protocol_has_the_modifier() -> None:
    modifier = shipped().modifier(RECENT_DISCHARGE)
    assert modifier is not None and modifier.type == "bool"
