"""What the matcher answers: a proposal, an excluded place and why, an assignment, a batch result."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, TypeAlias

from capacity.jsontypes import JSONObject
from capacity.messages import Message

__all__ = ["Assignment", "BatchResult", "Excluded", "Proposal", "Why"]

Why: TypeAlias = Literal[
    "not_acceptable", "no_hospital", "not_eligible", "unreachable", "closed", "stop", "stale", "full", "too_far"
]


def _minutes(value: float) -> float | None:
    return round(value, 1) if math.isfinite(value) else None


@dataclass(frozen=True, slots=True)
class Proposal:
    """A feasible place for one request, its cost in minutes and the reasons, one short line each."""

    request_id: str
    provider_id: str
    care_type: str
    travel_minutes: float
    score: float
    reasons: tuple[Message, ...]

    def to_json(self) -> JSONObject:
        """The API shape of a proposal."""
        return {
            "provider_id": self.provider_id,
            "care_type": self.care_type,
            "travel_minutes": _minutes(self.travel_minutes),
            "score": round(self.score, 1),
            "reasons": [],
            "reasons_coded": [m.to_json() for m in self.reasons],
        }


@dataclass(frozen=True, slots=True)
class Excluded:
    """A place that cannot take this request: ``why`` is a code, ``reason`` the line a person reads."""

    provider_id: str
    care_type: str
    travel_minutes: float
    why: Why
    reason: Message

    def to_json(self) -> JSONObject:
        """The API shape of an excluded place."""
        return {
            "provider_id": self.provider_id,
            "care_type": self.care_type,
            "travel_minutes": _minutes(self.travel_minutes),
            "excluded": self.why,
            "reason": "",
            "reason_coded": self.reason.to_json(),
        }


@dataclass(frozen=True, slots=True)
class Assignment:
    """One request placed by the batch: where, how far, and its cost (minutes, rounded to 0.1)."""

    request_id: str
    provider_id: str
    care_type: str
    travel_minutes: float
    cost: float

    def to_json(self) -> JSONObject:
        """The API shape of an assignment."""
        return {
            "request_id": self.request_id,
            "provider_id": self.provider_id,
            "care_type": self.care_type,
            "travel_minutes": _minutes(self.travel_minutes),
            "cost": round(self.cost, 1),
        }


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A batch proposal: solver status, placed cost in minutes, placed urgency weight, who goes where."""

    status: str
    objective: float
    placed_weight: int
    assignments: tuple[Assignment, ...]
    unassigned: tuple[tuple[str, Message], ...]
    solve_seconds: float
    solver: str = "min_cost_flow"

    def to_json(self) -> JSONObject:
        """The API shape of ``POST /api/v1/optimize``."""
        return {
            "status": self.status,
            "objective": round(self.objective, 1),
            "placed_weight": self.placed_weight,
            "assignments": [a.to_json() for a in self.assignments],
            "unassigned": [
                {"request_id": rid, "reason": "", "reason_coded": why.to_json()} for rid, why in self.unassigned
            ],
            "solve_seconds": round(self.solve_seconds, 4),
            "solver": self.solver,
        }
