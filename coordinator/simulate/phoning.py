"""The desk of the ``status-quo`` policy: a ZCC without zcc, phoning around without a board.

For each request a member of staff calls providers one by one, nearest first (the providers whose
care types the triage accepts, that are open at arrival and within the urgency's window: what a
phone list and a map tell). Nothing of the board is used: a place is known free only by calling.

- Staff call only providers open now (a GP post at night is not called at noon), and go through
  the list again when none is.
- A call takes ``call_minutes`` (default 3-8 minutes: waiting to be put through to the ward or the
  duty nurse, telling the patient's story, hearing the answer).
- It goes unanswered with ``no_answer_night`` (23:00-07:00 at nursing homes and GGZ, one night nurse
  for several wards; default 30%) or ``no_answer_day`` (otherwise, and always at hospitals and GP
  posts, which staff their lines 24/7; default 15%).
- An answered call says what the provider finds: a stopped provider says no; otherwise the first
  accepted care type with a unit nobody occupies or holds is a yes.
- A yes is a real place with ``really_free`` (default 0.8); otherwise the bed falls through (promised
  to the provider's own patient, no staff for it) and the provider calls back after
  ``call_back_minutes`` (10-30), and staff go on with the next provider.
- When every provider has been called without a place, staff try the list again after
  ``retry_minutes`` (30).

The providers keep running the same world as in the other policies (they admit their own patients
into units beyond what they would have reported), so only what the ZCC knows differs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from routing.dispatch import Place
from routing.matching import Need
from routing.matching.feasibility import Context, Offer, reject

from ..records import RequestRecord
from ..requests import need_of
from .streams import stream

if TYPE_CHECKING:
    from .engine import Run

__all__ = ["NIGHT_KINDS", "PhoneDesk"]

#: Provider kinds whose phones go unanswered more often at night.
NIGHT_KINDS = frozenset({"vvt", "ggz"})


@dataclass(slots=True)
class _Line:
    """One provider on the phone list: its accepted care types in the triage's order, with the places."""

    provider_id: str
    travel: float
    places: list[tuple[Offer, Place]]


@dataclass(slots=True)
class _Search:
    """One request's search: the list, where staff are on it, the record."""

    record: RequestRecord
    ctx: Context
    lines: list[_Line]
    at: int = 0
    calls: int = 0


class PhoneDesk:
    """Phone providers nearest first until one has a place (see the module docstring)."""

    rounds = False

    def __init__(self, run: Run) -> None:
        self.run = run
        self.searches: dict[str, _Search] = {}
        self.handlers: Mapping[str, Callable[[Any], Any]] = {"call": self.on_call, "dial": self.on_dial}

    async def arrive(self, record: RequestRecord) -> None:
        """Draw up the phone list and make the first call."""
        need: Need = need_of(record)
        search = _Search(record, Context.of(need), self._phone_list(record, need))
        self.searches[record.id] = search
        self.on_dial(record.id)

    def _phone_list(self, record: RequestRecord, need: Need) -> list[_Line]:
        """Providers that could take the patient as far as a phone list tells, nearest first."""
        run = self.run
        ctx = Context.of(need)
        lines: dict[str, _Line] = {}
        for place in run.service.candidates(record, run.sc.routing):
            # The offer without its live state: stops, staleness and free units are what calling finds out.
            # Opening hours are checked at each call (a place closed now may open while staff search).
            offer = replace(Offer.of(place, run.now, run.region.care_types), live=None)
            if reject(ctx, replace(offer, hours=None), place.travel_minutes, run.now, run.region.tz) is not None:
                continue
            line = lines.setdefault(place.provider.id, _Line(place.provider.id, place.travel_minutes, []))
            line.travel = min(line.travel, place.travel_minutes)
            line.places.append((offer, place))
        for line in lines.values():
            line.places.sort(key=lambda op: ctx.rank[op[1].care_type])
        return sorted(lines.values(), key=lambda ln: (ln.travel, ctx.rank[ln.places[0][1].care_type], ln.provider_id))

    def _open_now(self, search: _Search, line: _Line) -> list[tuple[Offer, Place]]:
        run = self.run
        return [
            (o, p) for o, p in line.places if reject(search.ctx, o, p.travel_minutes, run.now, run.region.tz) is None
        ]

    def on_dial(self, rid: str) -> None:
        """Call the next provider on the list that is open now; after the last one, try again later."""
        run, search = self.run, self.searches[rid]
        settings = run.settings
        while search.at < len(search.lines):
            line = search.lines[search.at]
            search.at += 1
            if self._open_now(search, line):
                out = run.by_request[rid]
                minutes = stream(settings.seed, "call-length", out.index, search.calls).uniform(*settings.call_minutes)
                run.push(run.now + timedelta(minutes=minutes), "call", (rid, line))
                return
        if search.lines:
            search.at = 0
            run.push(run.now + timedelta(minutes=settings.retry_minutes), "dial", rid)

    def _answered(self, rid: str, line: _Line) -> bool:
        run = self.run
        settings = run.settings
        out = run.by_request[rid]
        hour = run.now.astimezone(run.region.tz).hour
        night = hour >= 23 or hour < 7
        kind = run.region.providers[line.provider_id].kind
        share = settings.no_answer_night if night and kind in NIGHT_KINDS else settings.no_answer_day
        return stream(settings.seed, "answered", out.index, self.searches[rid].calls).random() >= share

    def on_call(self, data: tuple[str, _Line]) -> None:
        """The end of a call: no answer, no, a yes that falls through, or a place."""
        rid, line = data
        run, search = self.run, self.searches[rid]
        settings = run.settings
        out = run.by_request[rid]
        run.result.phone_calls += 1
        out.phone_calls += 1
        answered = self._answered(rid, line)
        search.calls += 1
        if not answered or run.view.stop_of(line.provider_id, run.now) is not None:
            self.on_dial(rid)
            return
        for _, place in self._open_now(search, line):
            key = (line.provider_id, place.care_type)
            if run.truly_free(key) <= 0:
                continue
            rng = stream(settings.seed, "really-free", out.index, search.calls)
            if rng.random() >= settings.really_free:
                run.result.fell_through += 1
                back = rng.uniform(*settings.call_back_minutes)
                run.push(run.now + timedelta(minutes=back), "dial", rid)
                return
            out.mismatch = run.level_mismatch(search.record, place.care_type)
            run.occupy(rid, key, round(place.travel_minutes, 1))
            del self.searches[rid]
            return
        self.on_dial(rid)
