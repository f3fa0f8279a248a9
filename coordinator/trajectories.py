"""Trajectory records: the patient's care team, care-plan hints and phase, and every acute step written back.

Acute events are appended by the request lifecycle in the same atomic write as the request's own
change; the record itself (care team, hints, phase, stop criteria) is changed by compare-and-set.
Derived state is computed on read, never stored: ``evaluation_due`` (three or more acute requests
within 30 days, the signal seed 002 asks the team to act on, or the evaluation date has come: first
after 3 months, then monthly).

Who may see a record (seed 003: only those directly involved): ``admin``; the care team's own
members (a token carrying a practitioner id that is on the care team); ``triage`` only while an
open request of that patient is being handled, and then only the care-plan hints the match needs
(not the care team, the history or the FHIR export: a request a nurse opens herself must not open
the whole record); after the placement, the nurse who triaged or placed the patient (the same
person: the practitioner id, else the token or OIDC subject) keeps that same read for
``ZCC_CARE_ACCESS_HOURS`` (24 by default, the acute episode), on the basis ``care_episode``, then
loses it. ``dispatch``, ``provider`` and ``ops`` never, even with a practitioner id on the care team.
"""

from __future__ import annotations

import calendar
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from capacity.clock import utcnow
from capacity.errors import InvalidTransition
from capacity.jsontypes import JSONObject
from capacity.store import DocWrite, LogEvent, RecordStore

from .records import STOP_CRITERIA, ActorRef, CareTeamMember, Hints, RequestRecord, TrajectoryEvent, TrajectoryRecord

__all__ = [
    "LIMITED_REASON",
    "NEVER",
    "Access",
    "TrajectoryService",
    "authorize",
    "next_evaluation",
    "placed_by",
]

ACUTE_WINDOW = timedelta(days=30)
ACUTE_THRESHOLD = 3
#: Roles that never read a patient record, whatever their token carries (a practitioner id included).
NEVER = ("dispatch", "provider", "ops")
LIMITED_REASON = {
    "open_request": "an open request shows only the care-plan hints the triage needs, not the record's history",
    "sharing_objection": "the patient objects to sharing: only the care-plan hints are shown",
    "care_episode": "the nurse who placed the patient keeps the care-plan hints for the acute episode after placement",
}


def _person(actor: ActorRef | None) -> str | None:
    return (actor.practitioner or actor.token_id) if actor is not None else None


def placed_by(requests: Iterable[RequestRecord], person: str, now: datetime, window: timedelta) -> bool:
    """Whether ``person`` triaged or placed one of ``requests`` that was placed within ``window`` before ``now``."""
    for r in requests:
        if r.placement is None or not now - window <= r.placement.confirmed_at <= now:
            continue
        placers = {_person(h.by) for h in r.history if h.action == "placed"}
        if person == _person(r.created_by) or person in placers:
            return True
    return False


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def next_evaluation(started: date, today: date) -> date:
    """Seed 002's rhythm: the first evaluation 3 months after the start, then every month."""
    due = _add_months(started, 3)
    n = 3
    while due < today:
        n += 1
        candidate = _add_months(started, n)
        if candidate > today:
            return due  # the last one that came, still open until recorded
        due = candidate
    return due


def derived(record: TrajectoryRecord, events: Sequence[TrajectoryEvent], now: datetime) -> JSONObject:
    """The record as the API shows it: with next evaluation and evaluation_due worked out from events and dates."""
    out = record.model_dump(mode="json")
    acute = [e for e in events if e.type == "triage" and e.at >= now - ACUTE_WINDOW]
    nxt = next_evaluation(record.started_at.date(), now.date())
    reasons = []
    if len(acute) >= ACUTE_THRESHOLD:
        reasons.append(f"{len(acute)} acute requests within 30 days")
    if record.phase not in ("intake", "ended") and nxt <= now.date():
        reasons.append(f"evaluation planned for {nxt.isoformat()}")
    out["next_evaluation"] = nxt.isoformat()
    out["evaluation_due"] = {"due": bool(reasons) or record.phase == "evaluation_due", "reason": "; ".join(reasons)}
    out["acute_events_30d"] = len(acute)
    out["stop_criteria_met"] = all(record.stop_criteria.get(c) for c in STOP_CRITERIA)
    return out


@dataclass(frozen=True, slots=True)
class Access:
    """The outcome of an access check: allowed or not, on which basis, and whether limited to hints."""

    allowed: bool
    basis: str
    limited: bool = False
    reason: str = ""


def authorize(
    role: str,
    practitioner: str | None,
    action: str,
    record: TrajectoryRecord | None,
    has_open_request: bool,
    *,
    care_episode: bool = False,
) -> Access:
    """Who may do ``action`` (read, update, export) on a patient's record; see the module docstring."""
    if role == "admin":
        return Access(True, "admin")
    if role in NEVER:
        return Access(False, "none", reason=f"role {role!r} never reads patient records")
    team = {m.practitioner for m in (record.care_team if record else ()) if m.practitioner}
    if practitioner and practitioner in team:
        return Access(True, "treatment_relationship")
    if role == "triage":
        if action == "update":
            return Access(False, "none", reason="triage staff do not change a care plan; the care team does")
        basis = "open_request" if has_open_request else "care_episode" if care_episode else None
        if basis is None:
            return Access(
                False,
                "none",
                reason="triage may read a record only while handling an open request of it, "
                "or for a while after placing the patient",
            )
        if action == "export":
            return Access(False, basis, reason="an open request shows only the care-plan hints, no export")
        return Access(True, basis, limited=True, reason=LIMITED_REASON[basis])
    return Access(False, "none", reason=f"role {role!r} has no treatment relationship with this patient")


class TrajectoryService:
    """Reading and changing trajectory records through the record store."""

    def __init__(self, records: RecordStore) -> None:
        self._records = records

    async def read(self, patient_ref: str) -> tuple[TrajectoryRecord | None, int, list[TrajectoryEvent]]:
        """The stored record (or None), its version and its events."""
        trail = await self._records.get_trajectory(patient_ref)
        events = [TrajectoryEvent.from_store(e) for e in trail.events]
        if trail.record is None:
            return None, 0, events
        return TrajectoryRecord.from_store(trail.record.body), trail.record.version, events

    async def record(self, patient_ref: str) -> TrajectoryRecord | None:
        """The stored record, or None."""
        record, _, _ = await self.read(patient_ref)
        return record

    async def view(self, patient_ref: str, *, limited: bool = False, because: str = "open_request") -> JSONObject:
        """The record as the API shows it; ``limited`` keeps only what a match needs (the hints)."""
        record, version, events = await self.read(patient_ref)
        now = utcnow()
        stored = record is not None
        out = derived(record or TrajectoryRecord.new(patient_ref, now), events, now) | {"version": version}
        if not stored:
            out["stored"] = False
        if limited:
            why = "sharing_objection" if record is not None and record.hints.sharing_objection else because
            return {
                "patient_ref": patient_ref,
                "hints": out["hints"],
                "limited": True,
                "limited_because": why,
                "limited_reason": LIMITED_REASON[why],
            }
        return out | {"events": [e.model_dump(mode="json") for e in events]}

    async def hints(self, patient_ref: str) -> Hints:
        """The care-plan hints the matcher reads (defaults when there is no record)."""
        record = await self.record(patient_ref)
        return record.hints if record is not None else Hints()

    async def patch(
        self, patient_ref: str, changes: Mapping[str, Any], actor: ActorRef, op_id: str | None = None
    ) -> JSONObject:
        """Apply validated changes (care team, hints, phase, stop criteria) by compare-and-set.

        A repeated ``op_id`` (the same Idempotency-Key and body) answers the record and changes nothing.
        """
        now = utcnow()
        record, version, _ = await self.read(patient_ref)
        current = record or TrajectoryRecord.new(patient_ref, now)
        new = current.model_copy(deep=True)
        if "care_team" in changes:
            new.care_team = [CareTeamMember.model_validate(m) for m in changes["care_team"]]
        if "hints" in changes:
            new.hints = current.hints.model_copy(update=dict(changes["hints"]))
        if "stop_criteria" in changes:
            new.stop_criteria = current.stop_criteria | dict(changes["stop_criteria"])
        if "phase" in changes and changes["phase"] != current.phase:
            if current.phase == "ended":
                raise InvalidTransition("the trajectory has ended; start a new one instead of reopening it")
            new.phase, new.phase_since = changes["phase"], now
            if changes["phase"] == "ended":
                new.ended_at = now
        new.updated_at = now
        fields = sorted(changes)
        step = TrajectoryEvent(
            id="ev-" + secrets.token_hex(6), at=now, type="update", by=actor, detail={"fields": fields}
        )
        await self._records.put_trajectory(
            DocWrite(
                doc_id=patient_ref,
                body=new.to_store(),
                expected_version=version if record is not None else None,
                op_id=op_id or secrets.token_hex(12),
                now=now,
                event=LogEvent(
                    "trajectory.updated",
                    {"patient_ref": patient_ref, "fields": fields, "by": actor.model_dump(mode="json")},
                ),
                patient_ref=patient_ref,
                trajectory_events=(step.to_store(),),
            )
        )
        return await self.view(patient_ref)
