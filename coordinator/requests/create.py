"""Creating a request: the triage always answers; recording it needs the store, and the answer says whether it was.

Triage, the 112 advice, the care types and the proposals come from memory (the protocol, the road
graph, the board), so they never wait for the store. The care plan's hints are read from the store
when it answers; when it does not, the proposals are made without them and marked degraded. Then the
record is written; when that cannot be done (or its answer is lost) the caller gets the triaged record
with ``recorded`` saying so, never an answer that claims it was stored. A request created with an
Idempotency-Key gets the id the key names, so recording it later with the same key (or repeating a
creation whose answer was lost) finds the first one and never opens a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, TypeAlias

from capacity.clock import utcnow
from capacity.errors import Conflict, InvalidTransition, OutcomeUnknown, StoreUnavailable
from capacity.model import Region
from capacity.store import IdempotencyKey
from routing.dispatch import Place
from routing.graph import Snap
from routing.lookup import Routing
from routing.matching import Need, propose

from ..fields import check_patient_ref
from ..records import ActorRef, Hints, ProposalRef, RequestRecord
from ..records import Excluded as ExcludedRef
from ..triage import triage
from .intake import RequestInput, candidate_places, need_of, new_record, trajectory_event
from .replay import is_repeat, remember, request_id_for

if TYPE_CHECKING:
    from .service import RequestService

__all__ = [
    "DEGRADED_REASONS",
    "BorderPlaces",
    "Intake",
    "Recorded",
    "across_the_border",
    "create_request",
    "refuse_across",
]

#: Places of the neighbouring regions near a snap, for some care types: (routing, snap, care types, now) -> places.
BorderPlaces: TypeAlias = Callable[[Routing, Snap, Sequence[str], datetime], Iterable[Place]]

#: Whether the store has the request: written now, written before (a repeat), not written, or not known.
Recorded = Literal["created", "repeat", "not_recorded", "unknown"]

#: Why proposals are marked degraded (codes; the page words them in Dutch).
DEGRADED_REASONS = {
    "care_plan_unread": "the care plan could not be read: proposals ignore its hints (preferred providers, wishes)",
    "board_degraded": "the board is cut off from the store: capacity may be out of date",
}


@dataclass(frozen=True, slots=True)
class Intake:
    """What creating a request came to: the triaged record, whether the store has it, and why it is degraded."""

    record: RequestRecord
    recorded: Recorded
    degraded: tuple[str, ...] = ()
    failure: StoreUnavailable | None = None

    @property
    def stored(self) -> bool:
        """Whether the store has the request."""
        return self.recorded in ("created", "repeat")


def across_the_border(places: Iterable[Place], need: Need, now: datetime, region: Region) -> list[ProposalRef]:
    """Proposals among the neighbouring regions' places, each marked with its region (reserved through its ZCC)."""
    by_key = {(p.provider.id, p.care_type): p for p in places}
    proposals, _ = propose(need, by_key.values(), now, region.tz, region.care_types)
    out = []
    for p in proposals:
        place = by_key[p.provider_id, p.care_type]
        line = f"over de grens ({place.region_name}): reserveren via het ZCC van die regio"
        body = p.to_json() | {"cross_region": True, "region": place.region_id, "region_name": place.region_name}
        body["reasons"] = [*p.reasons, line]
        out.append(ProposalRef.model_validate(body))
    return out


def refuse_across(record: RequestRecord, provider_id: str) -> None:
    """Refuse (409) to hold a place the request was proposed across the border: its own ZCC reserves it."""
    across = next((p for p in record.proposals if p.provider_id == provider_id and p.cross_region), None)
    if across is not None:
        raise InvalidTransition(
            f"{provider_id} ligt over de grens ({across.region_name}): zcc houdt daar geen plek vast; "
            "reserveer via het ZCC van die regio"
        )


async def create_request(
    service: RequestService,
    data: RequestInput,
    routing: Routing,
    actor: ActorRef,
    idem: IdempotencyKey | None = None,
) -> Intake:
    """Triage the request, propose places and store it with its ``request.created`` event (if the store lets us)."""
    capacity = service.capacity
    region = capacity.region
    check_patient_ref(data.patient_ref)
    outcome = triage(service.protocol, data.complaint, data.answers, age=data.age, context=data.context)
    degraded: list[str] = []
    failure: StoreUnavailable | None = None
    try:
        hints = await service.trajectories.hints(data.patient_ref)
    except StoreUnavailable as exc:
        hints, failure = Hints(), exc
        degraded.append("care_plan_unread")
    if capacity.view.degraded:
        degraded.append("board_degraded")
    snap = routing.snap(data.lat, data.lon)
    now = utcnow()
    record = new_record(data, outcome, hints, snap, actor, now, request_id_for(idem) if idem else None)
    remember(record, idem)
    if record.status == "open":
        need = need_of(record)
        places = candidate_places(capacity.view, routing, snap, need.care_types, now)
        proposals, excluded = propose(need, places, now, region.tz, region.care_types)
        record.proposals = [ProposalRef.model_validate(p.to_json()) for p in proposals]
        record.excluded = [ExcludedRef.model_validate(e.to_json()) for e in excluded]
        if not record.proposals and service.border is not None:
            record.proposals = across_the_border(service.border(routing, snap, need.care_types, now), need, now, region)
    if failure is not None:  # the store did not answer a read: nothing is sent, the triage still answers
        return Intake(record, "not_recorded", tuple(degraded), failure)
    detail = {
        "complaint": data.complaint,
        "urgency": outcome.urgency,
        "care_types": list(outcome.care_types),
        "escalate_112": outcome.escalate_112,
        "proposals": [[p.provider_id, p.care_type] for p in record.proposals[:3]],
    }
    steps = [trajectory_event(now, "triage", record, actor, detail)]
    if data.hospital_override and record.care_plan.no_hospital_admission:
        steps.append(trajectory_event(now, "override", record, actor, {"hospital_override": data.hospital_override}))
    try:
        await service.write(record, None, now, "request.created", actor, steps)
    except Conflict:
        if idem is None:
            raise
        found = await service.find(record.id)
        if found is None or not is_repeat(found[0], idem):
            raise
        return Intake(found[0], "repeat")
    except OutcomeUnknown as exc:
        return Intake(record, "unknown", tuple(degraded), exc)
    except StoreUnavailable as exc:
        return Intake(record, "not_recorded", tuple(degraded), exc)
    service.observer.created(outcome.urgency)
    if record.status in ("escalated", "advice"):
        service.observer.closed(outcome.urgency, "escalated" if record.status == "escalated" else "advice")
    return Intake(record, "created", tuple(degraded))
