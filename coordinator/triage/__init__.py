"""The triage engine: the NTS-style protocol (config/triage.yaml) and its evaluation for one request.

>>> protocol = load_protocol()
>>> outcome = triage(protocol, "dyspnoe", {"dys_koorts_oudere": True}, age=84)
>>> outcome.urgency, outcome.care_types[0], outcome.escalate_112
('U3', 'hap_visit', False)
"""

from __future__ import annotations

from .checker import check_protocol, check_protocol_file, load_protocol, parse_protocol
from .engine import TriageOutcome, asked_in_order, check_asked_in_order, triage
from .protocol import (
    ADVICE_LEVEL,
    DEFAULT_MODIFIER_CAP,
    ESCALATE_LEVELS,
    URGENCY_IDS,
    Complaint,
    Modifier,
    Outcome,
    Question,
    TriageProtocol,
    UrgencyLevel,
    care_types_for,
    needs_place,
    urgency_rank,
)

__all__ = [
    "ADVICE_LEVEL",
    "DEFAULT_MODIFIER_CAP",
    "ESCALATE_LEVELS",
    "URGENCY_IDS",
    "Complaint",
    "Modifier",
    "Outcome",
    "Question",
    "TriageOutcome",
    "TriageProtocol",
    "UrgencyLevel",
    "asked_in_order",
    "care_types_for",
    "check_asked_in_order",
    "check_protocol",
    "check_protocol_file",
    "load_protocol",
    "needs_place",
    "parse_protocol",
    "triage",
    "urgency_rank",
]
