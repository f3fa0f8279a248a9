"""The shipped triage protocol and care types, loaded once, and a shorthand for triaging with it."""

from __future__ import annotations

import functools

from capacity.model import CareType
from capacity.region import load_care_types
from coordinator.triage import TriageOutcome, TriageProtocol, load_protocol, triage

__all__ = ["COMPLAINT_IDS", "run", "shipped", "shipped_care_types"]

COMPLAINT_IDS = {
    "dyspnoe",
    "pijn_op_de_borst",
    "buikpijn",
    "koorts_volwassene",
    "koorts_oudere",
    "val_trauma_oudere",
    "verwardheid_delier",
    "urineweginfectie",
    "wond",
    "psychische_crisis",
    "suicidale_uitingen",
    "zorg_thuis_onmogelijk",
    "palliatieve_situatie",
}


@functools.cache
def shipped() -> TriageProtocol:
    """The shipped protocol, loaded once (a plain function, so hypothesis tests can use it)."""
    return load_protocol()


@functools.cache
def shipped_care_types() -> dict[str, CareType]:
    """The shipped care types, loaded once."""
    return load_care_types()


def run(complaint: str, age: int, answers: dict[str, bool] | None = None, **context: object) -> TriageOutcome:
    """Triage with the shipped protocol; ``context`` holds the modifiers."""
    return triage(shipped(), complaint, answers or {}, age=age, context=context)
