"""Trajectory records: the patient's care team, care-plan hints and phase, and every acute step written back.

A record belongs to one pseudonymous ``patient_ref`` (never a BSN or a name).
Acute events are appended by the request lifecycle in the same atomic write as
the request's own change; the record itself (care team, hints, phase, stop
criteria) is changed by compare-and-set. Derived state is computed on read,
never stored: ``evaluation_due`` (three or more acute requests within 30 days,
the signal seed 002 asks the team to act on, or the evaluation date has come:
first after 3 months, then monthly).

Who may see a record (seed 003: only those directly involved):
``admin``; the care team's own members (a token carrying a practitioner id
that is on the care team); ``triage`` only while an open request of that
patient is being handled, and, when the patient objects to sharing, only the
hints the match needs. ``dispatch``, ``provider`` and ``ops`` never.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from capacity.errors import InvalidInput, InvalidTransition
from capacity.model import utcnow
from capacity.store import Store
from capacity.view import iso

__all__ = [
    "PHASES",
    "STOP_CRITERIA",
    "Access",
    "TrajectoryService",
    "authorize",
    "check_not_bsn",
    "looks_like_bsn",
]

PHASES = ("intake", "startfase", "vervolgfase", "evaluation_due", "ended")
TEAM_ROLES = ("gp", "regiebehandelaar", "district_nurse", "case_manager", "poh_o")
# Seed 002: the zorgtraject stops when all four hold.
STOP_CRITERIA = (
    "diagnostiek_afgerond",
    "so_niet_meer_nodig",
    "betrokkenen_en_afspraken_helder",
    "huisarts_ondersteuning_afgesproken",
)
ACUTE_WINDOW = timedelta(days=30)
ACUTE_THRESHOLD = 3
_NINE_DIGITS = re.compile(r"^\d{9}$")


def looks_like_bsn(value: str) -> bool:
    """Nine digits that pass the BSN eleven-test (elfproef)."""
    digits = re.sub(r"[\s.-]", "", value)
    if not _NINE_DIGITS.match(digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0 and digits != "000000000"


def check_not_bsn(value: str, field: str) -> None:
    """Refuse a value that looks like a BSN: zcc only keeps pseudonymous references."""
    if looks_like_bsn(value):
        raise InvalidInput(
            "this looks like a BSN (nine digits passing the eleven-test); send a pseudonymous reference instead",
            field=field,
        )


def empty_record(patient_ref: str, now: datetime) -> dict[str, Any]:
    """A new record: opened on the first write; the care team fills it in."""
    return {
        "patient_ref": patient_ref,
        "care_team": [],
        "hints": {
            "preferred_providers": [],
            "home_first": False,
            "no_hospital_admission": False,
            "acp_wishes": [],
            "mobility": None,
            "psychogeriatric": False,
            "wlz_indication": False,
            "can_return_home": True,
            "sharing_objection": False,
        },
        "phase": "intake",
        "phase_since": iso(now),
        "started_at": iso(now),
        "ended_at": None,
        "stop_criteria": dict.fromkeys(STOP_CRITERIA, False),
        "created_at": iso(now),
        "updated_at": iso(now),
    }


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    days = [
        31,
        29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]
    return date(year, month, min(d.day, days[month - 1]))


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


def derived(record: Mapping[str, Any], events: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """The record as read: with next evaluation and evaluation_due worked out from events and dates."""
    out = dict(record)
    cutoff = iso(now - ACUTE_WINDOW) or ""
    acute = [e for e in events if e.get("type") == "triage" and (e.get("at") or "") >= cutoff]
    started = datetime.fromisoformat(str(record["started_at"]).replace("Z", "+00:00")).date()
    nxt = next_evaluation(started, now.date())
    reasons = []
    if len(acute) >= ACUTE_THRESHOLD:
        reasons.append(f"{len(acute)} acute requests within 30 days")
    if record.get("phase") not in ("intake", "ended") and nxt <= now.date():
        reasons.append(f"evaluation planned for {nxt.isoformat()}")
    out["next_evaluation"] = nxt.isoformat()
    out["evaluation_due"] = {
        "due": bool(reasons) or record.get("phase") == "evaluation_due",
        "reason": "; ".join(reasons),
    }
    out["acute_events_30d"] = len(acute)
    out["stop_criteria_met"] = all(record.get("stop_criteria", {}).get(c) for c in STOP_CRITERIA)
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
    record: Mapping[str, Any] | None,
    has_open_request: bool,
) -> Access:
    """Who may do ``action`` (read, update, export) on a patient's record; see the module docstring."""
    if role == "admin":
        return Access(True, "admin")
    if role in ("dispatch", "provider"):
        return Access(False, "none", reason=f"role {role!r} never reads patient records")
    team = {m.get("practitioner") for m in (record or {}).get("care_team", []) if m.get("practitioner")}
    if practitioner and practitioner in team:
        return Access(True, "treatment_relationship")
    if role == "triage":
        if action == "update":
            return Access(False, "none", reason="triage staff do not change a care plan; the care team does")
        if not has_open_request:
            return Access(False, "none", reason="triage may read a record only while handling an open request of it")
        objection = bool((record or {}).get("hints", {}).get("sharing_objection"))
        if objection and action == "export":
            return Access(False, "open_request", reason="the patient objects to sharing: only the hints are shown")
        return Access(True, "open_request", limited=objection)
    return Access(False, "none", reason=f"role {role!r} has no treatment relationship with this patient")


class TrajectoryService:
    """Reading and changing trajectory records through the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def read(self, patient_ref: str) -> tuple[dict[str, Any] | None, int, list[dict[str, Any]]]:
        """The stored record (or None), its version and its events."""
        return await self.store.get_trajectory(patient_ref)

    async def view(self, patient_ref: str, *, limited: bool = False) -> dict[str, Any]:
        """The record as the API shows it; ``limited`` keeps only what a match needs (the hints)."""
        record, version, events = await self.read(patient_ref)
        now = utcnow()
        if record is None:
            record = empty_record(patient_ref, now) | {"stored": False}
        out = derived(record, events, now) | {"version": version}
        if limited:
            return {
                "patient_ref": patient_ref,
                "hints": out["hints"],
                "limited": True,
                "limited_reason": "the patient objects to sharing: only the care-plan hints are shown",
            }
        return out | {"events": events}

    async def hints(self, patient_ref: str) -> dict[str, Any]:
        """The care-plan hints the matcher reads (defaults when there is no record)."""
        record, _, _ = await self.read(patient_ref)
        base: dict[str, Any] = empty_record(patient_ref, utcnow())["hints"]
        stored: dict[str, Any] = (record or {}).get("hints", {})
        return base | stored

    async def patch(self, patient_ref: str, changes: Mapping[str, Any], actor: Mapping[str, Any]) -> dict[str, Any]:
        """Apply validated changes (care team, hints, phase, stop criteria) by compare-and-set."""
        now = utcnow()
        record, version, _ = await self.read(patient_ref)
        current = record or empty_record(patient_ref, now)
        new = dict(current)
        if "care_team" in changes:
            new["care_team"] = list(changes["care_team"])
        if "hints" in changes:
            new["hints"] = current["hints"] | dict(changes["hints"])
        if "stop_criteria" in changes:
            new["stop_criteria"] = current["stop_criteria"] | dict(changes["stop_criteria"])
        if "phase" in changes and changes["phase"] != current["phase"]:
            if current["phase"] == "ended":
                raise InvalidTransition("the trajectory has ended; start a new one instead of reopening it")
            new["phase"], new["phase_since"] = changes["phase"], iso(now)
            if changes["phase"] == "ended":
                new["ended_at"] = iso(now)
        new["updated_at"] = iso(now)
        await self.store.put_trajectory(
            patient_ref,
            new,
            expected_version=version if record is not None else None,
            op_id=secrets.token_hex(12),
            now=now,
            event=("trajectory.updated", {"patient_ref": patient_ref, "fields": sorted(changes), "by": dict(actor)}),
            trajectory_event={
                "at": iso(now),
                "type": "update",
                "request_id": None,
                "by": dict(actor),
                "detail": {"fields": sorted(changes)},
            },
        )
        return await self.view(patient_ref)
