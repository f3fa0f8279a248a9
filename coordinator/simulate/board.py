"""The desk of the policies with a board: ``optimized`` and ``greedy`` reserve what the board shows free.

``optimized`` reserves the top proposal that ``RequestService.create`` returns, and every 15
simulated minutes reserves the assignments of ``routing.matching.optimize`` over the open requests;
``greedy`` takes the nearest place that the board shows free (``routing.matching.greedy``: travel
first, blind to level of care and later requests), on arrival and in the same 15-minute rounds.
A reservation is a real hold in the store; staff confirm it after a few minutes (a few never do, and
the hold runs out); one phone call announces the patient to the place (counted per hold taken).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from capacity.errors import Conflict, ZccError
from routing.matching import Need, greedy, optimize

from ..records import RequestRecord
from ..requests import need_of
from .streams import stream

if TYPE_CHECKING:
    from .engine import Run

__all__ = ["BoardDesk"]

_GOLDEN = 0.6180339887498949
_SQRT2 = 0.41421356237309515  # sqrt(2) - 1: a second attempt of one request lands elsewhere in the sequence


class BoardDesk:
    """Reserve from the board: the matcher's proposal (optimized) or the nearest free place (greedy)."""

    rounds = True

    def __init__(self, run: Run, *, optimized: bool) -> None:
        self.run = run
        self.optimized = optimized
        self._phase = stream(run.settings.seed, "forgotten").random()
        self.handlers: Mapping[str, Callable[[Any], Any]] = {
            "confirm": self.on_confirm,
            "expire": self.on_expire,
            "batch": self.on_batch,
        }

    async def arrive(self, record: RequestRecord) -> None:
        """Try to place the request at once by the policy."""
        run = self.run
        if self.optimized:
            choices = [(p.provider_id, p.care_type) for p in record.proposals]
        else:
            cands = {record.id: run.service.candidates(record, run.sc.routing)}
            res = greedy([need_of(record)], cands, run.now, run.region.tz, run.region.care_types)
            choices = [(x.provider_id, x.care_type) for x in res.assignments]
        await self.reserve_first(record, choices)

    async def reserve_first(self, record: RequestRecord, choices: Sequence[tuple[str, str]]) -> bool:
        """Reserve the first of ``choices`` that is still free (a 409 moves on to the next)."""
        run, rid = self.run, record.id
        out = run.by_request[rid]
        settings = run.settings
        for pid, ct in choices:
            mismatch = run.level_mismatch(record, ct)
            try:
                await run.service.reserve(rid, pid, ct, run.actor, run.sc.routing)
            except Conflict:
                run.result.conflicts += 1
                continue
            run.result.holds_taken += 1
            run.result.phone_calls += 1  # the call that announces the patient to the place
            out.phone_calls += 1
            out.status, out.mismatch = "reserved", mismatch
            attempt = out.reservations
            out.reservations += 1
            delay = stream(settings.seed, "staff", out.index, attempt).uniform(*settings.confirm_minutes)
            if self._forgotten(out.index, attempt):
                ttl = timedelta(minutes=settings.hold_ttl_minutes)
                run.push(run.now + ttl + timedelta(seconds=settings.expiry_interval_seconds), "expire")
            else:
                run.push(run.now + timedelta(minutes=delay), "confirm", rid)
            return True
        return False

    def _forgotten(self, index: int, attempt: int) -> bool:
        """Whether staff never confirm this reservation: a golden-ratio sequence from a seeded phase, so the
        share is close to ``never_confirm_share`` even over a few dozen reservations (and the same per policy)."""
        u = (self._phase + index * _GOLDEN + attempt * _SQRT2) % 1.0
        return u < self.run.settings.never_confirm_share

    async def on_confirm(self, rid: str) -> None:
        """Triage staff confirm the hold: the patient takes the unit for their stay."""
        run = self.run
        try:
            record = await run.service.confirm(rid, run.actor)
        except Conflict:
            return  # the hold ran out meanwhile
        placement = record.placement
        if placement is None:
            return
        travel = placement.travel_minutes if placement.travel_minutes is not None else float("nan")
        run.occupy(rid, (placement.provider_id, placement.care_type), travel)

    async def on_expire(self, _: object) -> None:
        """The app's expiry task: give back holds past their time and reopen their requests."""
        run = self.run
        for hold in await run.capacity.expire():
            run.result.holds_expired += 1
            out = run.by_request.get(hold.request_id)
            if out is not None:
                out.holds_expired += 1
                out.status = "open"
            await run.service.hold_expired(hold)

    async def on_batch(self, _: object) -> None:
        """Every few minutes a round over the open requests: OR-Tools batch (optimized) or nearest-first (greedy)."""
        run = self.run
        records = [r for r in await run.service.list_open() if r.status == "open" and r.id in run.by_request]
        if not records:
            return
        records.sort(key=lambda r: run.by_request[r.id].index)
        needs: list[Need] = []
        candidates = {}
        for r in records:
            try:
                candidates[r.id] = run.service.candidates(r, run.sc.routing)
            except ZccError:
                continue
            needs.append(need_of(r))
        solve = optimize if self.optimized else greedy
        result = solve(needs, candidates, run.now, run.region.tz, run.region.care_types)
        run.result.batches += 1
        by_id = {r.id: r for r in records}
        for x in result.assignments:
            if await self.reserve_first(by_id[x.request_id], [(x.provider_id, x.care_type)]):
                run.result.batch_assignments += 1
