"""The request lifecycle: triage -> proposals -> reserve (a hold) -> confirm or release / cancel.

Domain code, no HTTP: handlers call :class:`RequestService` and map its errors. A request is one
record in the record store, changed only by compare-and-set on its version together with its event
and the patient's trajectory events, so two instances (or two nurses) can never both move it. A
place is taken by the capacity service's atomic hold; when two reservations of one request race,
the one whose record update loses gives its hold back. Holds that run out are expired by the
background task, which also puts their requests back to ``open``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from capacity.clock import iso, utcnow
from capacity.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from capacity.service import CapacityService
from capacity.state import Hold
from capacity.store import IdempotencyKey, RecordStore
from routing.dispatch import Place
from routing.lookup import Routing
from routing.matching import feasible

from ..records import ActorRef, HeldPlace, Placement, RequestRecord, TrajectoryEvent
from ..trajectories import TrajectoryService
from ..triage import TriageProtocol
from .create import BorderPlaces, Intake, create_request, refuse_across
from .intake import RequestInput, candidate_places, doc_write, history, need_of, trajectory_event
from .observer import LifecycleObserver, NoObserver
from .replay import hold_id_for, is_repeat, remember, take_hold

__all__ = ["RequestService", "Reservation"]

_LOGGER = logging.getLogger(__name__)

#: What a reservation answers: the hold and the request as it is now.
Reservation = tuple[HeldPlace, RequestRecord]


class RequestService:
    """Every transition of a request, against the record store and the capacity service of one region."""

    def __init__(
        self,
        records: RecordStore,
        capacity: CapacityService,
        trajectories: TrajectoryService,
        protocol: TriageProtocol,
        *,
        hold_ttl: timedelta,
        on_placed: Callable[[dict[str, Any]], None] | None = None,
        observer: LifecycleObserver | None = None,
    ) -> None:
        self._records = records
        self.capacity = capacity
        self.trajectories = trajectories
        self.protocol = protocol
        self.hold_ttl = hold_ttl
        # Called with each new placement (the regiebehandelaar's webhook); must not block.
        self.on_placed = on_placed
        # Told of each transition once it is stored (the metrics); never of a replay.
        self.observer: LifecycleObserver = observer or NoObserver()
        #: The neighbouring regions' places (RoutingState.border_places), proposed when none at home fits.
        self.border: BorderPlaces | None = None

    # -- reading ----------------------------------------------------------------

    async def find(self, request_id: str) -> tuple[RequestRecord, int] | None:
        """The record as read now and its version, or None."""
        found = await self.stored(request_id)
        return None if found is None else (found[0].effective(utcnow()), found[1])

    async def stored(self, request_id: str) -> tuple[RequestRecord, int] | None:
        """The record as stored (a hold past its time still reads reserved) and its version, or None."""
        doc = await self._records.get_request(request_id)
        return None if doc is None else (RequestRecord.from_store(doc.body), doc.version)

    async def get(self, request_id: str) -> tuple[RequestRecord, int]:
        """The record and version; a hold that ran out reads as expired and the request as open."""
        found = await self.find(request_id)
        if found is None:
            raise NotFound(f"no request {request_id}", field="id")
        return found

    async def list_open(self) -> list[RequestRecord]:
        """Every open or reserved request, oldest first."""
        now = utcnow()
        return [r.effective(now) for r, _ in await self.list_stored()]

    async def list_stored(self) -> list[tuple[RequestRecord, int]]:
        """Every open or reserved request as stored, with its version, oldest first."""
        return [(RequestRecord.from_store(d.body), d.version) for d in await self._records.list_requests()]

    async def list_of_patient(self, patient_ref: str) -> list[RequestRecord]:
        """Every request of one patient as stored, open or not, oldest first."""
        records = (RequestRecord.from_store(d.body) for d in await self._records.list_requests(open_only=False))
        return [r for r in records if r.patient_ref == patient_ref]

    def candidates(self, record: RequestRecord, routing: Routing) -> list[Place]:
        """A request's candidate places, for the batch optimisation."""
        snap = routing.snap(record.location.lat, record.location.lon)
        return list(candidate_places(self.capacity.view, routing, snap, record.triage.care_types, utcnow()))

    # -- create -------------------------------------------------------------------

    async def intake(
        self, data: RequestInput, routing: Routing, actor: ActorRef, idem: IdempotencyKey | None = None
    ) -> Intake:
        """Triage the request, propose places and store it; the answer says whether the store has it."""
        return await create_request(self, data, routing, actor, idem)

    async def create(self, data: RequestInput, routing: Routing, actor: ActorRef) -> RequestRecord:
        """As :meth:`intake`, for callers that need the record stored: the store's error when it is not."""
        result = await create_request(self, data, routing, actor)
        if result.failure is not None:
            raise result.failure
        return result.record

    # -- transitions ------------------------------------------------------------

    async def reserve(  # noqa: PLR0917 - the handler passes each part it validated
        self,
        request_id: str,
        provider_id: str,
        care_type: str,
        actor: ActorRef,
        routing: Routing,
        idem: IdempotencyKey | None = None,
    ) -> Reservation:
        """Hold one unit of ``provider_id``/``care_type`` for the request; 409 when the place is gone.

        A request that already holds this place answers that hold (a repeat takes nothing more).
        """
        record, version = await self.get(request_id)
        region = self.capacity.region
        if is_repeat(record, idem) and record.hold is not None:
            return record.hold, record
        if record.status == "escalated":
            raise InvalidTransition(
                f"request {request_id} is {record.triage.urgency}: escalated to 112, zcc does not place it"
            )
        if record.status == "advice":
            raise InvalidTransition(f"request {request_id} is U5: advice only, no place to reserve")
        held = record.hold
        if record.status == "reserved" and held is not None:
            if (held.provider_id, held.care_type) == (provider_id, care_type):
                return held, record  # the same reservation again: same answer
            raise InvalidTransition(
                f"request {request_id} already holds {held.care_type} at {held.provider_id}; release it first"
            )
        if not record.is_open:
            raise InvalidTransition(f"request {request_id} is {record.status}; only an open request can reserve")
        provider = region.providers.get(provider_id)
        if provider is None:
            refuse_across(record, provider_id)
            raise InvalidInput(f"unknown provider {provider_id!r}", field="provider_id")
        if care_type not in provider.offers:
            raise InvalidInput(f"{provider_id} does not offer {care_type}", field="care_type")
        need = need_of(record)
        if care_type not in need.care_types:
            raise InvalidInput(
                f"{care_type} does not fit this triage outcome; fitting: {', '.join(need.care_types)}",
                field="care_type",
            )
        now = utcnow()
        snap = routing.snap(record.location.lat, record.location.lon)
        minutes = routing.matrix.provider_minutes(snap.index, region.id, provider_id) + snap.access_minutes
        view = self.capacity.view
        place = Place(
            region.id,
            region.name,
            provider,
            care_type,
            view.entries.get((provider_id, care_type)),
            view.stop_of(provider_id, now, care_type),
            minutes,
        )
        why = feasible(need, place, now, region.tz, region.care_types)
        if why is not None and why.why not in ("full", "stale", "stop"):
            # full, stale and stop are decided by the store atomically below; the rest are the patient's.
            raise InvalidTransition(f"{provider_id} {care_type} does not suit this request: {why.reason}")
        hold_id = hold_id_for(request_id, version, provider_id, care_type)
        hold = Hold(hold_id, provider_id, care_type, request_id, now, now + self.hold_ttl)
        stored = await take_hold(self.capacity, hold, idem)
        if held is not None and held.hold_id == stored.hold_id:
            return held, record  # a replay of a reservation this record already has
        record.status = "reserved"
        record.hold = HeldPlace(
            hold_id=stored.hold_id,
            provider_id=provider_id,
            care_type=care_type,
            held_until=stored.held_until.replace(microsecond=0),
            status="held",
            travel_minutes=round(minutes, 1),
        )
        record.history.append(history(now, actor, "reserved", f"{care_type} at {provider_id}"))
        remember(record, idem)
        step = trajectory_event(now, "hold", record, actor, record.hold.model_dump(mode="json"))
        try:
            await self.write(record, version, now, "request.reserved", actor, [step], raw_conflict=True)
        except Conflict:
            # Another reservation of this request won the race: give our unit back.
            await self.capacity.release(stored.hold_id)
            raise InvalidTransition(f"request {request_id} was reserved meanwhile; reload it") from None
        # Counted once the request holds it: a repeat answers above, an orphan is given back uncounted.
        self.observer.hold("taken")
        return record.hold, record

    async def confirm(self, request_id: str, actor: ActorRef, idem: IdempotencyKey | None = None) -> RequestRecord:
        """The hold becomes a placement; repeating it answers the same.

        A confirmation the store made but whose answer was lost (the request still reads reserved, or its
        hold looks expired) is completed here, as the reconciliation would.
        """
        found = await self.stored(request_id)
        if found is None:
            raise NotFound(f"no request {request_id}", field="id")
        record, version = found
        if record.status == "placed" or is_repeat(record, idem):
            return record
        held = record.hold
        if record.status != "reserved" or held is None:
            detail = "its hold expired" if held is not None and held.status == "expired" else f"it is {record.status}"
            raise InvalidTransition(f"request {request_id} cannot be confirmed: {detail}")
        if record.effective(utcnow()).status != "reserved":
            ended = await self.capacity.get_hold(held.hold_id)
            if ended is None or ended.status != "confirmed":
                raise InvalidTransition(f"request {request_id} cannot be confirmed: its hold expired")
            hold = ended
        else:
            hold, _ = await self.capacity.confirm(held.hold_id)
        return await self.place(record, version, hold, actor, idem)

    async def place(
        self, record: RequestRecord, version: int, hold: Hold, actor: ActorRef | None, idem: IdempotencyKey | None
    ) -> RequestRecord:
        """Write the placement of a confirmed hold into its request (a confirmation, or its repair)."""
        now = utcnow()
        held = record.hold
        if held is None:
            raise InvalidTransition(f"request {record.id} holds no place")
        record.status = "placed"
        record.hold = held.model_copy(update={"status": "confirmed"})
        record.placement = Placement(
            provider_id=hold.provider_id,
            care_type=hold.care_type,
            confirmed_at=hold.ended_at or now,
            travel_minutes=held.travel_minutes,
        )
        record.history.append(history(now, actor, "placed", f"{hold.care_type} at {hold.provider_id}"))
        remember(record, idem)
        trajectory = await self.trajectories.record(record.patient_ref)
        lead = trajectory.regiebehandelaar() if trajectory is not None else None
        lead_json = lead.model_dump(mode="json") if lead is not None else None
        notice = trajectory_event(
            now, "notification", record, None, {"to": "regiebehandelaar", "member": lead_json, "about": "placement"}
        )
        await self._save(record, version, actor, now, "request.placed", "placement", extra=[notice])
        # After the compare-and-set: of two racing confirms only the one whose record write won counts.
        self.observer.hold("confirmed")
        self.observer.closed(record.triage.urgency, "placed")
        self.observer.placed(record.triage.urgency, max(0.0, (now - record.created_at).total_seconds()))
        if self.on_placed is not None:
            self.on_placed(
                {
                    "event": "placement",
                    "region": self.capacity.region.id,
                    "patient_ref": record.patient_ref,
                    "request_id": record.id,
                    "urgency": record.triage.urgency,
                    "placement": record.placement.model_dump(mode="json"),
                    "regiebehandelaar": lead_json,
                    "at": iso(now),
                }
            )
        return record

    async def release(self, request_id: str, actor: ActorRef, idem: IdempotencyKey | None = None) -> RequestRecord:
        """Give the held place back; the request is open again. Repeating it answers the same."""
        record, version = await self.get(request_id)
        if is_repeat(record, idem):
            return record
        held = record.hold
        if record.status == "open" and held is not None and held.status in ("released", "expired"):
            return record
        if record.status != "reserved" or held is None:
            raise InvalidTransition(f"request {request_id} holds no place (it is {record.status})")
        now = utcnow()
        await self.capacity.release(held.hold_id)
        record.status = "open"
        record.hold = held.model_copy(update={"status": "released"})
        record.history.append(history(now, actor, "released", f"{held.care_type} at {held.provider_id}"))
        remember(record, idem)
        await self._save(record, version, actor, now, "request.released", "release")
        self.observer.hold("released")
        return record

    async def cancel(
        self, request_id: str, actor: ActorRef, reason: str = "", idem: IdempotencyKey | None = None
    ) -> RequestRecord:
        """Close the request without a place, giving back any hold. Repeating it answers the same."""
        record, version = await self.get(request_id)
        if record.status == "cancelled" or is_repeat(record, idem):
            return record
        if record.status == "placed":
            raise InvalidTransition(f"request {request_id} is placed; a placement is undone with the provider")
        now = utcnow()
        held = record.hold
        gave_back = record.status == "reserved" and held is not None
        if gave_back and held is not None:
            await self.capacity.release(held.hold_id)
            record.hold = held.model_copy(update={"status": "released"})
        record.status = "cancelled"
        record.history.append(history(now, actor, "cancelled", reason))
        remember(record, idem)
        await self._save(record, version, actor, now, "request.cancelled", "cancel")
        if gave_back:
            self.observer.hold("released")
        self.observer.closed(record.triage.urgency, "cancelled")
        return record

    async def hold_expired(self, hold: Hold) -> bool:
        """Put the request of an ended hold (expired, or released) back to open; whether it changed. Idempotent."""
        found = await self.stored(hold.request_id)
        if found is None:
            return False
        record, version = found
        held = record.hold
        if record.status != "reserved" or held is None or held.hold_id != hold.hold_id:
            return False
        now = utcnow()
        ended = "released" if hold.status == "released" else "expired"
        record.status = "open"
        record.hold = held.model_copy(update={"status": ended})
        action = "released" if ended == "released" else "hold_expired"
        record.history.append(history(now, None, action, f"{hold.care_type} at {hold.provider_id}"))
        try:
            await self._save(record, version, None, now, f"request.{action}", "expiry")
        except InvalidTransition:
            _LOGGER.debug("request %s changed while its hold ended; the other change stands", hold.request_id)
            return False
        return True

    # -- writing ------------------------------------------------------------------

    async def _save(  # noqa: PLR0917 - one private call shape for every transition
        self,
        record: RequestRecord,
        version: int,
        actor: ActorRef | None,
        now: datetime,
        event: str,
        kind: str,
        *,
        extra: Sequence[TrajectoryEvent] = (),
    ) -> None:
        """Store a transition with its event and its trajectory step (and ``extra`` steps)."""
        detail = {
            "hold": record.hold.model_dump(mode="json") if record.hold else None,
            "placement": record.placement.model_dump(mode="json") if record.placement else None,
            "status": record.status,
        }
        steps = [trajectory_event(now, kind, record, actor, detail), *extra]
        await self.write(record, version, now, event, actor, steps)

    async def write(  # noqa: PLR0917 - one private call shape for every transition
        self,
        record: RequestRecord,
        version: int | None,
        now: datetime,
        event: str,
        actor: ActorRef | None,
        steps: Sequence[TrajectoryEvent],
        *,
        raw_conflict: bool = False,
    ) -> None:
        """Compare-and-set the record with its event and trajectory steps; a lost race is a 409 to reload."""
        write = doc_write(record, version, now, event, actor, steps)
        try:
            await self._records.put_request(write, open_=record.is_open)
        except Conflict:
            if raw_conflict or version is None:
                raise
            raise InvalidTransition(f"request {record.id} was changed meanwhile; reload it") from None
