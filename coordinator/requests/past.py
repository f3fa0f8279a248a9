"""What the patient's earlier placements tell the next triage and match (issue 15), read from the trajectory events.

- A discharge within the last 30 days is a triage context (``recent_discharge_30d``, a modifier of
  the protocol that can only raise urgency) and makes a new acute request a readmission.
- A place that refused this patient at the door ranks lower (by :data:`REFUSAL_PENALTY` minutes)
  for ``refusal_penalty_days``, with the reason among the proposal's reasons.
- The proposal shows where the patient was last placed and how it ended (``previous``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from capacity.clock import iso
from capacity.messages import Message, msg
from routing.matching import Proposal

from ..records import ProposalRef, TrajectoryEvent
from ..records.common import CodedText
from ..records.stay import DESTINATIONS, OUTCOMES, REFUSAL_REASONS
from ..texts import DEFAULT_LANGUAGE, text_of

__all__ = [
    "READMISSION_WINDOW",
    "RECENT_DISCHARGE",
    "REFUSAL_PENALTY",
    "PatientPast",
    "past_of",
    "rank_refused_lower",
    "refused_ranked_lower",
]

#: The triage context (a modifier id in config/triage.yaml) a recent discharge sets.
RECENT_DISCHARGE = "recent_discharge_30d"
READMISSION_WINDOW = timedelta(days=30)
#: Minutes of cost added to a place that refused this patient (a few places further away, not excluded).
REFUSAL_PENALTY = 30.0

_STAY_EVENTS = ("arrived", "outcome", "discharged", "refused")


@dataclass(frozen=True, slots=True)
class PatientPast:
    """The patient's last discharge (within the window), the places that refused them lately, the last placement."""

    last_discharge: dict[str, Any] | None = None
    refusals: dict[str, dict[str, Any]] = field(default_factory=dict)
    previous: dict[str, Any] | None = None


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _how_it_ended(kind: str, detail: dict[str, Any]) -> str:
    """The Dutch words for where a placement stands, from its last event."""
    if kind == "placement":
        return "geplaatst, aankomst niet gemeld"
    if kind == "refused":
        reason = REFUSAL_REASONS.get(str(detail.get("refusal_reason")), "")
        return f"{OUTCOMES['refused']}: {reason}" if reason else OUTCOMES["refused"]
    if detail.get("discharged_at"):
        return "ontslagen " + DESTINATIONS.get(str(detail.get("destination")), "")
    if detail.get("outcome"):
        return OUTCOMES.get(str(detail["outcome"]), str(detail["outcome"]))
    return "aangekomen"


def past_of(events: Sequence[TrajectoryEvent], now: datetime, refusal_days: float) -> PatientPast:
    """What the trajectory events say of the patient's earlier placements, as seen at ``now``."""
    last_discharge: dict[str, Any] | None = None
    refusals: dict[str, dict[str, Any]] = {}
    last: tuple[str, TrajectoryEvent] | None = None
    for e in events:
        d = e.detail
        if e.type == "placement" and isinstance(d.get("placement"), dict):
            last = ("placement", e)
        elif e.type in _STAY_EVENTS and last is not None and e.request_id == last[1].request_id:
            last = (e.type, e)
        elif e.type == "refused":
            last = ("refused", e)
        left = _moment(d.get("discharged_at")) if e.type in ("discharged", "outcome") else None
        if left is not None and now - left <= READMISSION_WINDOW:
            last_discharge = {
                "request_id": e.request_id,
                "provider_id": d.get("provider_id"),
                "discharged_at": iso(left),
                "destination": d.get("destination"),
            }
        refused_at = _moment(d.get("outcome_at")) if e.type == "refused" else None
        if refused_at is not None and now - refused_at <= timedelta(days=refusal_days) and d.get("provider_id"):
            refusals[str(d["provider_id"])] = {
                "at": iso(refused_at),
                "reason": d.get("refusal_reason"),
                "care_type": d.get("care_type"),
            }
    return PatientPast(last_discharge, refusals, _previous(last))


def _previous(last: tuple[str, TrajectoryEvent] | None) -> dict[str, Any] | None:
    """Where the patient was last placed and how it ended."""
    if last is None:
        return None
    kind, e = last
    d = e.detail
    where = d.get("placement") if kind == "placement" else d
    if not isinstance(where, dict) or not where.get("provider_id"):
        return None
    return {
        "request_id": e.request_id,
        "provider_id": where.get("provider_id"),
        "care_type": where.get("care_type"),
        "at": iso(e.at),
        "ended": kind if kind != "placement" else "placed",
        "text": _how_it_ended(kind, d),
    }


def rank_refused_lower(proposals: list[Proposal], past: PatientPast, limit: int) -> list[Proposal]:
    """The proposals with the places that refused this patient lately costed higher (with the reason), re-ranked."""
    if not past.refusals:
        return proposals[:limit]
    out = []
    for proposal in proposals:
        refusal = past.refusals.get(proposal.provider_id)
        if refusal is None:
            out.append(proposal)
            continue
        line = _refusal_line(str(refusal["at"]), refusal["reason"])
        out.append(
            dataclasses.replace(proposal, score=proposal.score + REFUSAL_PENALTY, reasons=(*proposal.reasons, line))
        )
    out.sort(key=lambda p: (p.score, p.travel_minutes, p.provider_id, p.care_type))
    return out[:limit]


def _refusal_line(at: str, reason: str | None) -> Message:
    words = REFUSAL_REASONS.get(str(reason), "")
    return msg("reason.refused_here", date=at[:10], why=words, cost=round(REFUSAL_PENALTY))


def refused_ranked_lower(
    proposals: list[ProposalRef], provider_id: str, at: datetime, reason: str | None
) -> list[ProposalRef]:
    """A reopened request's own proposals with the place that just refused the patient costed higher, re-ranked."""
    coded = _refusal_line(iso(at) or "", reason).to_json()
    text = text_of(coded, DEFAULT_LANGUAGE)
    line = CodedText(code=coded["code"], params=coded["params"], text=text)
    out = [
        p.model_copy(
            update={
                "score": p.score + REFUSAL_PENALTY,
                "reasons": [*p.reasons, text],
                "reasons_coded": [*p.reasons_coded, line],
            }
        )
        if p.provider_id == provider_id
        else p
        for p in proposals
    ]
    out.sort(key=lambda p: (p.score, p.travel_minutes or 0.0, p.provider_id, p.care_type))
    return out
