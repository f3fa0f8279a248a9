"""The request lifecycle: triage -> proposals -> reserve (a hold) -> confirm or release / cancel.

Domain code, no HTTP: handlers call :class:`RequestService` and map its
errors. A request is one record in the store, changed only by
compare-and-set on its version together with its event, so two instances (or
two nurses) can never both move it. A place is taken by the store's atomic
hold; when two reservations of one request race, the one whose record update
loses gives its hold back. Holds that run out are expired by the background
task, which also puts their requests back to ``open``.

Statuses: ``open`` (triaged, waiting for a place), ``reserved`` (a hold runs),
``placed`` (confirmed), ``cancelled``, ``escalated`` (U0/U1: 112, never
placed) and ``advice`` (U5: no place needed).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from capacity.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from capacity.model import CapacityEntry, Hold, utcnow
from capacity.store import IdempotencyKey, Store
from capacity.view import CapacityView, iso
from routing.dispatch import Place
from routing.graph import Snap
from routing.lookup import Routing
from routing.matching import Need, feasible, propose

from .trajectories import TrajectoryService, check_not_bsn
from .triage import TriageOutcome, TriageProtocol, triage

__all__ = ["RequestService", "new_request_id"]

_LOGGER = logging.getLogger(__name__)

OPEN_STATUSES = frozenset({"open", "reserved"})
# Nearest places per care type considered for one request; further ones cannot beat these on travel.
CANDIDATES_PER_CARE_TYPE = 40


def new_request_id() -> str:
    """A request id: short, random, not derived from patient data."""
    return "req-" + secrets.token_hex(8)


@dataclass(slots=True)
class Actor:
    """Who does something to a request: for the record and the audit trail."""

    token_id: str
    role: str
    practitioner: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The shape stored in a record's history."""
        return {"token_id": self.token_id, "role": self.role, "practitioner": self.practitioner}


@dataclass(slots=True)
class RequestInput:
    """A validated new request (the handler builds it from the body)."""

    patient_ref: str
    age: int
    lat: float
    lon: float
    complaint: str
    answers: Mapping[str, object]
    context: Mapping[str, object] = field(default_factory=dict)
    can_return_home: bool = True
    wlz_indication: bool = False
    psychogeriatric: bool = False
    frail_elderly: bool = False
    postcode: str | None = None
    # A clinician's override of a "no hospital admission" wish, with the reason (recorded as an event).
    hospital_override: str | None = None


class RequestService:
    """Every transition of a request, against the store, the view and the routing of one region."""

    def __init__(
        self,
        store: Store,
        view: CapacityView,
        protocol: TriageProtocol,
        *,
        hold_ttl: timedelta,
        on_placed: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.store = store
        self.view = view
        self.protocol = protocol
        self.hold_ttl = hold_ttl
        self.trajectories = TrajectoryService(store)
        # Called with each new placement (the regiebehandelaar's webhook); must not block.
        self.on_placed = on_placed

    # -- reading ----------------------------------------------------------------

    async def get(self, request_id: str) -> tuple[dict[str, Any], int]:
        """The record and version; a hold that ran out reads as expired and the request as open."""
        found = await self.store.get_request(request_id)
        if found is None:
            raise NotFound(f"no request {request_id}", field="id")
        record, version = found
        return _effective(record, utcnow()), version

    async def list_open(self) -> list[dict[str, Any]]:
        """Every open or reserved request, oldest first."""
        now = utcnow()
        return [_effective(r, now) for r, _ in await self.store.list_requests(open_only=True)]

    # -- create -------------------------------------------------------------------

    async def create(self, data: RequestInput, routing: Routing, actor: Actor) -> dict[str, Any]:
        """Triage the request, propose places and store it with its ``request.created`` event."""
        region = self.view.region
        check_not_bsn(data.patient_ref, "patient_ref")
        outcome = triage(self.protocol, data.complaint, data.answers, age=data.age, context=data.context)
        hints = await self.trajectories.hints(data.patient_ref)
        snap = routing.snap(data.lat, data.lon)
        now = utcnow()
        request_id = new_request_id()
        record: dict[str, Any] = {
            "id": request_id,
            "patient_ref": data.patient_ref,
            "age": data.age,
            "location": {"lat": data.lat, "lon": data.lon, "postcode": data.postcode, "node": snap.node[1]},
            "complaint": data.complaint,
            "answers": dict(data.answers),
            "context": dict(data.context),
            "flags": {
                # The care plan's flags count too: a Wlz indication on record is one here.
                "can_return_home": data.can_return_home and bool(hints.get("can_return_home", True)),
                "wlz_indication": data.wlz_indication or bool(hints.get("wlz_indication")),
                "psychogeriatric": data.psychogeriatric or bool(hints.get("psychogeriatric")),
                "frail_elderly": data.frail_elderly,
            },
            "care_plan": {
                "preferred_providers": list(hints.get("preferred_providers") or []),
                "home_first": bool(hints.get("home_first")),
                "no_hospital_admission": bool(hints.get("no_hospital_admission")),
            },
            "hospital_override": data.hospital_override,
            "created_at": iso(now),
            "created_by": actor.to_json(),
            "triage": outcome.to_json(),
            "status": _status_of(outcome),
            "proposals": [],
            "excluded": [],
            "hold": None,
            "placement": None,
            "history": [_history(now, actor, "created", f"{outcome.urgency} via {outcome.decided_by}")],
        }
        if record["status"] == "open":
            need = _need(record)
            proposals, excluded = propose(
                need, self._places(routing, snap, need.care_types), now, region.tz, region.care_types
            )
            record["proposals"] = [p.to_json() for p in proposals]
            record["excluded"] = [e.to_json() for e in excluded]
        await self.store.put_request(
            request_id,
            record,
            open_=record["status"] in OPEN_STATUSES,
            expected_version=None,
            op_id=secrets.token_hex(12),
            now=now,
            event=("request.created", _event(record, actor)),
            trajectory_event=[
                _trajectory_event(
                    now,
                    "triage",
                    record,
                    actor,
                    {
                        "complaint": data.complaint,
                        "urgency": outcome.urgency,
                        "care_types": list(outcome.care_types),
                        "escalate_112": outcome.escalate_112,
                        "proposals": [[p["provider_id"], p["care_type"]] for p in record["proposals"][:3]],
                    },
                ),
                *(
                    [_trajectory_event(now, "override", record, actor, {"hospital_override": data.hospital_override})]
                    if data.hospital_override and record["care_plan"]["no_hospital_admission"]
                    else []
                ),
            ],
        )
        return record

    def _places(self, routing: Routing, snap: Snap, care_types: Sequence[str]) -> Iterator[Place]:
        """The nearest places of each acceptable care type, with live state from the view."""
        region, view, now = self.view.region, self.view, utcnow()
        for ct in care_types:
            for pid, minutes in routing.nearest(snap, region.id, ct, at_most=CANDIDATES_PER_CARE_TYPE):
                yield Place(
                    region.id,
                    region.name,
                    region.providers[pid],
                    ct,
                    view.entries.get((pid, ct)),
                    view.stop_of(pid, now),
                    minutes,
                )

    def candidates(self, record: Mapping[str, Any], routing: Routing) -> list[Place]:
        """A request's candidate places, for the batch optimisation."""
        loc = record["location"]
        snap = routing.snap(loc["lat"], loc["lon"])
        return list(self._places(routing, snap, record["triage"]["care_types"]))

    # -- transitions ------------------------------------------------------------

    async def reserve(  # noqa: PLR0917 - the handler passes each part it validated
        self,
        request_id: str,
        provider_id: str,
        care_type: str,
        actor: Actor,
        routing: Routing,
        idem: IdempotencyKey | None = None,
    ) -> dict[str, Any]:
        """Hold one unit of ``provider_id``/``care_type`` for the request; 409 when the place is gone."""
        record, version = await self.get(request_id)
        region = self.view.region
        if record["status"] == "escalated":
            raise InvalidTransition(
                f"request {request_id} is {record['triage']['urgency']}: escalated to 112, zcc does not place it"
            )
        if record["status"] == "advice":
            raise InvalidTransition(f"request {request_id} is U5: advice only, no place to reserve")
        held = record.get("hold")
        if record["status"] == "reserved" and held is not None:
            if (held["provider_id"], held["care_type"]) == (provider_id, care_type):
                return _reservation(record)  # the same reservation again: same answer
            raise InvalidTransition(
                f"request {request_id} already holds {held['care_type']} at {held['provider_id']}; release it first"
            )
        if record["status"] not in OPEN_STATUSES:
            raise InvalidTransition(f"request {request_id} is {record['status']}; only an open request can reserve")
        provider = region.providers.get(provider_id)
        if provider is None:
            raise InvalidInput(f"unknown provider {provider_id!r}", field="provider_id")
        if care_type not in provider.offers:
            raise InvalidInput(f"{provider_id} does not offer {care_type}", field="care_type")
        need = _need(record)
        if care_type not in need.care_types:
            raise InvalidInput(
                f"{care_type} does not fit this triage outcome; fitting: {', '.join(need.care_types)}",
                field="care_type",
            )
        now = utcnow()
        loc = record["location"]
        snap = routing.snap(loc["lat"], loc["lon"])
        minutes = routing.matrix.provider_minutes(snap.index, region.id, provider_id) + snap.access_minutes
        place = Place(
            region.id,
            region.name,
            provider,
            care_type,
            self.view.entries.get((provider_id, care_type)),
            self.view.stop_of(provider_id, now),
            minutes,
        )
        why = feasible(need, place, now, region.tz, region.care_types)
        if why is not None and why.why not in ("full", "stale", "stop"):
            # full, stale and stop are decided by the store atomically below; the rest are the patient's.
            raise InvalidTransition(f"{provider_id} {care_type} does not suit this request: {why.reason}")
        hold = Hold(secrets.token_hex(12), provider_id, care_type, request_id, now, now + self.hold_ttl)
        stored, entry = await self.store.hold(hold, now, idem)
        self._seen(stored, entry)
        if stored.request_id != request_id:
            raise InvalidInput("this Idempotency-Key was used for another request", field="Idempotency-Key")
        if held is not None and held.get("hold_id") == stored.hold_id:
            return _reservation(record)  # a replay of a reservation this record already has
        record["status"] = "reserved"
        record["hold"] = {
            "hold_id": stored.hold_id,
            "provider_id": provider_id,
            "care_type": care_type,
            "held_until": iso(stored.held_until),
            "status": "held",
            "travel_minutes": round(minutes, 1),
        }
        record["history"].append(_history(now, actor, "reserved", f"{care_type} at {provider_id}"))
        try:
            await self.store.put_request(
                request_id,
                record,
                open_=True,
                expected_version=version,
                op_id=secrets.token_hex(12),
                now=now,
                event=("request.reserved", _event(record, actor)),
                trajectory_event=_trajectory_event(now, "hold", record, actor, dict(record["hold"])),
            )
        except Conflict:
            # Another reservation of this request won the race: give our unit back.
            self._seen(*await self.store.release_hold(stored.hold_id, now))
            raise InvalidTransition(f"request {request_id} was reserved meanwhile; reload it") from None
        return _reservation(record)

    async def confirm(self, request_id: str, actor: Actor) -> dict[str, Any]:
        """The hold becomes a placement; repeating it answers the same."""
        record, version = await self.get(request_id)
        if record["status"] == "placed":
            return record
        held = record.get("hold")
        if record["status"] != "reserved" or held is None:
            detail = "its hold expired" if held and held.get("status") == "expired" else f"it is {record['status']}"
            raise InvalidTransition(f"request {request_id} cannot be confirmed: {detail}")
        now = utcnow()
        hold, entry = await self.store.confirm_hold(held["hold_id"], now)
        self._seen(hold, entry)
        record["status"] = "placed"
        record["hold"] = held | {"status": "confirmed"}
        record["placement"] = {
            "provider_id": hold.provider_id,
            "care_type": hold.care_type,
            "confirmed_at": iso(now),
            "travel_minutes": held.get("travel_minutes"),
        }
        record["history"].append(_history(now, actor, "placed", f"{hold.care_type} at {hold.provider_id}"))
        trajectory, _, _ = await self.trajectories.read(record["patient_ref"])
        lead = next((m for m in (trajectory or {}).get("care_team", []) if m.get("role") == "regiebehandelaar"), None)
        notice = _trajectory_event(
            now, "notification", record, None, {"to": "regiebehandelaar", "member": lead, "about": "placement"}
        )
        await self._save(record, version, actor, now, "request.placed", open_=False, kind="placement", extra=[notice])
        if self.on_placed is not None:
            self.on_placed(
                {
                    "event": "placement",
                    "region": self.view.region.id,
                    "patient_ref": record["patient_ref"],
                    "request_id": record["id"],
                    "urgency": record["triage"]["urgency"],
                    "placement": record["placement"],
                    "regiebehandelaar": lead,
                    "at": iso(now),
                }
            )
        return record

    async def release(self, request_id: str, actor: Actor) -> dict[str, Any]:
        """Give the held place back; the request is open again. Repeating it answers the same."""
        record, version = await self.get(request_id)
        held = record.get("hold")
        if record["status"] == "open" and held is not None and held.get("status") in ("released", "expired"):
            return record
        if record["status"] != "reserved" or held is None:
            raise InvalidTransition(f"request {request_id} holds no place (it is {record['status']})")
        now = utcnow()
        self._seen(*await self.store.release_hold(held["hold_id"], now))
        record["status"] = "open"
        record["hold"] = held | {"status": "released"}
        record["history"].append(_history(now, actor, "released", f"{held['care_type']} at {held['provider_id']}"))
        await self._save(record, version, actor, now, "request.released", open_=True, kind="release")
        return record

    async def cancel(self, request_id: str, actor: Actor, reason: str = "") -> dict[str, Any]:
        """Close the request without a place, giving back any hold. Repeating it answers the same."""
        record, version = await self.get(request_id)
        if record["status"] == "cancelled":
            return record
        if record["status"] == "placed":
            raise InvalidTransition(f"request {request_id} is placed; a placement is undone with the provider")
        now = utcnow()
        held = record.get("hold")
        if record["status"] == "reserved" and held is not None:
            self._seen(*await self.store.release_hold(held["hold_id"], now))
            record["hold"] = held | {"status": "released"}
        record["status"] = "cancelled"
        record["history"].append(_history(now, actor, "cancelled", reason))
        await self._save(record, version, actor, now, "request.cancelled", open_=False, kind="cancel")
        return record

    async def hold_expired(self, hold: Hold) -> None:
        """Put the request of an expired hold back to open (called by the expiry task; idempotent)."""
        found = await self.store.get_request(hold.request_id)
        if found is None:
            return
        record, version = found
        held = record.get("hold")
        if record.get("status") != "reserved" or not held or held.get("hold_id") != hold.hold_id:
            return
        now = utcnow()
        record["status"] = "open"
        record["hold"] = held | {"status": "expired"}
        record["history"].append(_history(now, None, "hold_expired", f"{hold.care_type} at {hold.provider_id}"))
        try:
            await self._save(record, version, None, now, "request.hold_expired", open_=True, kind="expiry")
        except Conflict:
            _LOGGER.debug("request %s changed while its hold expired; the other change stands", hold.request_id)

    async def _save(
        self,
        record: dict[str, Any],
        version: int,
        actor: Actor | None,
        now: datetime,
        event: str,
        *,
        open_: bool,
        kind: str,
        extra: Sequence[dict[str, Any]] = (),
    ) -> None:
        detail = {"hold": record.get("hold"), "placement": record.get("placement"), "status": record["status"]}
        try:
            await self.store.put_request(
                record["id"],
                record,
                open_=open_,
                expected_version=version,
                op_id=secrets.token_hex(12),
                now=now,
                event=(event, _event(record, actor)),
                trajectory_event=[_trajectory_event(now, kind, record, actor, detail), *extra],
            )
        except Conflict:
            raise InvalidTransition(f"request {record['id']} was changed meanwhile; reload it") from None

    def _seen(self, hold: Hold, entry: CapacityEntry) -> None:
        """Show this instance's own hold change on its board at once (the log brings it to the others)."""
        self.view.apply_entry(entry)
        self.view.apply_hold(hold)

    def need_of(self, record: Mapping[str, Any]) -> Need:
        """The matching need of a stored request."""
        return _need(record)


# -- helpers ---------------------------------------------------------------------------


def _status_of(outcome: TriageOutcome) -> str:
    if outcome.escalate_112:
        return "escalated"
    if outcome.advice_only:
        return "advice"
    return "open"


def _trajectory_event(
    now: datetime, kind: str, record: Mapping[str, Any], actor: Actor | None, detail: Mapping[str, Any]
) -> dict[str, Any]:
    """One acute step as the patient's trajectory keeps it."""
    return {
        "id": "ev-" + secrets.token_hex(6),
        "at": iso(now),
        "type": kind,
        "request_id": record["id"],
        "by": actor.to_json() if actor else None,
        "detail": dict(detail),
    }


def _need(record: Mapping[str, Any]) -> Need:
    t, flags, plan = record["triage"], record.get("flags", {}), record.get("care_plan", {})
    return Need(
        request_id=record["id"],
        urgency=t["urgency"],
        window_minutes=float(t["target_minutes"] or 0),
        care_types=tuple(t["care_types"]),
        age=int(record["age"]),
        can_return_home=bool(flags.get("can_return_home", True)),
        wlz_indication=bool(flags.get("wlz_indication", False)),
        psychogeriatric=bool(flags.get("psychogeriatric", False)),
        frail_elderly=bool(flags.get("frail_elderly", False)),
        preferred_providers=tuple(plan.get("preferred_providers", ())),
        home_first=bool(plan.get("home_first", False)),
        no_hospital=bool(plan.get("no_hospital_admission", False)),
        hospital_override=record.get("hospital_override"),
    )


def _effective(record: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A reserved record whose hold has run out reads as open with the hold expired."""
    held = record.get("hold")
    if record.get("status") == "reserved" and held and held.get("held_until", "") <= iso(now):
        record = record | {"status": "open", "hold": held | {"status": "expired"}}
    return record


def _reservation(record: Mapping[str, Any]) -> dict[str, Any]:
    held = record["hold"]
    return {
        "reservation_id": held["hold_id"],
        "held_until": held["held_until"],
        "provider_id": held["provider_id"],
        "care_type": held["care_type"],
        "request": record,
    }


def _history(now: datetime, actor: Actor | None, action: str, detail: str) -> dict[str, Any]:
    return {"at": iso(now), "action": action, "detail": detail, "by": actor.to_json() if actor else None}


def _event(record: Mapping[str, Any], actor: Actor | None) -> dict[str, Any]:
    """What the event log keeps of a transition: enough for the trajectory record, no free text."""
    return {
        "request_id": record["id"],
        "patient_ref": record["patient_ref"],
        "status": record["status"],
        "urgency": record["triage"]["urgency"],
        "reservation": record.get("hold"),
        "placement": record.get("placement"),
        "by": actor.to_json() if actor else None,
    }


def body_fingerprint(request_id: str, body: Mapping[str, Any]) -> str:
    """Fingerprint of a reserve body for its Idempotency-Key."""
    canonical = json.dumps({"request": request_id, **body}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
