"""Where can a patient go now: ranked places of one care type near a coordinate (no patient data)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from aiohttp import web

from capacity.clock import utcnow
from capacity.errors import InvalidInput
from capacity.jsontypes import JSONObject
from capacity.messages import msg
from capacity.model import Region
from capacity.rules import stop_in_force
from capacity.state import status_key
from capacity.view import CapacityView
from routing.dispatch import Option, Place, exclusion, proposal, rank_places
from routing.graph import Snap
from routing.live import STOP, WHY, Decided, Ranked
from routing.lookup import Routing

from ..auth import require
from ..jsonio import json_response
from ..keys import CAPACITY, ROUTING
from ..places.resolve import Where, resolve_location
from ..routing_state import RoutingState
from ..schemas import DispatchQuery, validate
from ..texts.localise import coded

__all__ = ["dispatch_options"]

# The nearest places of a neighbouring region a lookup across the border considers (the home region's
# places are all decided at once, as arrays: routing/live.py).
MAX_PLACES = 200
MAX_EXCLUDED = 50
SEH = "seh"
LIFE_THREATENING = ("U0", "U1")


async def dispatch_options(request: web.Request) -> web.Response:
    """Ranked places of ``care_type`` from the in-memory view and travel matrix; no store round trip."""
    require(request, "dispatch", "triage", "admin")
    q = validate(DispatchQuery, dict(request.query))
    view, state = request.app[CAPACITY].view, request.app[ROUTING]
    region = view.region
    if q.care_type not in region.care_types:
        raise InvalidInput(msg("error.unknown_care_type", value=q.care_type), field="care_type")
    routing, live = state.get_live()
    where = Where(q.lat, q.lon, q.postcode, q.place, q.address)
    resolved = await resolve_location(where, state.postcodes, state.places, state.geocoder)
    lat, lon = resolved.lat, resolved.lon
    snap = routing.snap(lat, lon)
    now, tz = utcnow(), region.tz

    # LNAZ: an SEH stop never turns away a life-threatening patient; for U0/U1 the place is listed, marked.
    life_threatening = q.urgency in LIFE_THREATENING and q.care_type == SEH
    options: list[Option] = []
    excluded: list[Option] = []
    ranked = live.rank(
        snap,
        q.care_type,
        now,
        tz,
        limit=q.limit,
        ignore_stops=life_threatening,
        excluded=MAX_EXCLUDED if q.include_excluded else 0,
    )
    if ranked is not None:
        options, excluded = _home_options(ranked, view, region, now, life_threatening, q.include_excluded)
    cross = False
    if not options and state.neighbours:
        across, excluded_across = rank_places(
            _neighbour_places(routing, state, snap, q.care_type, now, life_threatening),
            now,
            tz,
            limit=q.limit,
            include_excluded=q.include_excluded,
            sorted_by_travel=False,
        )
        options, excluded, cross = across, excluded + excluded_across, bool(across)
    snapped_name = routing.snapper.name(snap)
    body: JSONObject = {
        "region": region.id,
        "degraded": view.degraded,
        "care_type": q.care_type,
        "location": {
            "lat": lat,
            "lon": lon,
            "postcode": resolved.pc4,
            "place": resolved.place,
            "resolution": resolved.to_json(),
            "snapped_to": {"id": snap.node[1], "name": snapped_name},
            "access_minutes": round(snap.access_minutes, 1),
        },
        "cross_region": cross,
        "options": [o.to_json(coded) for o in options],
    }
    if q.include_excluded:
        body["excluded"] = [o.to_json(coded) for o in excluded[:MAX_EXCLUDED]]
    return json_response(body, localised=True)


def _home_options(  # noqa: PLR0917 - one lookup's parts
    ranked: Ranked, view: CapacityView, region: Region, now: datetime, life_threatening: bool, with_excluded: bool
) -> tuple[list[Option], list[Option]]:
    """The ranked slots as options (and, if asked, the excluded as the dispatcher reads them)."""
    t = ranked.table

    def place(d: Decided) -> Place:
        pid = t.provider_ids[d.slot]
        # Only a stopped place (excluded, or listed for a U0/U1 over an SEH stop) has a stop to show.
        stop = view.stop_of(pid, now, t.care_type) if life_threatening or d.why == STOP else None
        return Place(
            region.id,
            region.name,
            region.providers[pid],
            t.care_type,
            view.entries.get((pid, t.care_type)),
            None if life_threatening else stop,
            d.travel,
            stop_overridden=stop if life_threatening else None,
        )

    options = [proposal(place(d), d.score, d.free, ranked.age(d) or 0.0) for d in ranked.options]
    excluded = [exclusion(place(d), WHY[d.why], now, ranked.age(d)) for d in ranked.excluded] if with_excluded else []
    return options, excluded


def _neighbour_places(  # noqa: PLR0917 - one lookup's parts
    routing: Routing, state: RoutingState, snap: Snap, care_type: str, now: datetime, life_threatening: bool
) -> Iterator[Place]:
    """Places of the neighbouring regions, with the capacity this service last read of them."""
    for region in state.neighbours:
        board = state.boards.get(region.id)
        for pid, minutes in routing.nearest(snap, region.id, care_type, at_most=MAX_PLACES):
            stop = None
            if board is not None:
                stop = stop_in_force(board.statuses.get(pid), board.statuses.get(status_key(pid, care_type)), now)
            yield Place(
                region.id,
                region.name,
                region.providers[pid],
                care_type,
                board.entries.get((pid, care_type)) if board else None,
                None if life_threatening else stop,
                minutes,
                cross_region=True,
                stop_overridden=stop if life_threatening else None,
            )
