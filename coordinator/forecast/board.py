"""From the live board to a forecast's input: one care type's fresh places, their hours and stops, the demand."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from capacity.model import Region
from capacity.rules import stop_in_force
from capacity.state import CapacityEntry, ProviderStatus, status_key

from ..simulate.supply import is_bed, los_minutes
from .demand import Demand
from .model import ForecastInput, PlaceNow

__all__ = ["STEP_MINUTES", "BoardNow", "board_free", "forecast_input", "hour_points"]

#: The forecast's time step.
STEP_MINUTES = 10.0


@dataclass(frozen=True, slots=True)
class BoardNow:
    """What the forecast reads of the board: the entries and provider statuses at ``now``."""

    now: datetime
    entries: Mapping[tuple[str, str], CapacityEntry]
    statuses: Mapping[str, ProviderStatus]

    def stopped_until(self, provider_id: str, care_type: str = "") -> datetime | None:
        """When the stop of the provider (or of its ``care_type``) ends (``datetime.max`` when open-ended); None."""
        status = stop_in_force(
            self.statuses.get(provider_id), self.statuses.get(status_key(provider_id, care_type)), self.now
        )
        if status is None:
            return None
        return status.until or datetime.max.replace(tzinfo=self.now.tzinfo)


def board_free(board: BoardNow, region: Region, care_type: str) -> tuple[int, int]:
    """Free units of ``care_type`` in the region on the board now, and at how many places: fresh, open, not on stop.

    The forecast's measure of "free" (what it predicts, and what its check compares with).
    """
    free = places = 0
    for provider, offer in region.offers():
        if offer.care_type != care_type:
            continue
        entry = board.entries.get((provider.id, care_type))
        if entry is None or entry.stale(board.now) or board.stopped_until(provider.id, care_type) is not None:
            continue
        hours = provider.hours_for(care_type)
        if hours.always or hours.is_open(board.now, region.tz):
            free += entry.free(board.now)
            places += 1
    return free, places


def hour_points(now: datetime, hours: int, region: Region) -> list[datetime]:
    """The whole local hours after ``now`` up to ``now + hours``: where the forecast is read."""
    local = now.astimezone(region.tz)
    first = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return [(first + timedelta(hours=k)).astimezone(now.tzinfo) for k in range(hours)]


def forecast_input(
    board: BoardNow, region: Region, care_type: str, demand: Demand, *, points: list[datetime], hours: int
) -> tuple[ForecastInput, dict[str, int]]:
    """The forecast's input for one care type, and what it counted (places, stale left out, on stop, free now)."""
    now, tz = board.now, region.tz
    steps = math.ceil(hours * 60 / STEP_MINUTES)
    # Each step is judged at its end: a point at 17:00 sees a place that opens at 17:00.
    times = [now + timedelta(minutes=STEP_MINUTES * (s + 1)) for s in range(steps)]
    places: list[PlaceNow] = []
    stale = stopped = 0
    for provider, offer in region.offers():
        if offer.care_type != care_type:
            continue
        entry = board.entries.get((provider.id, care_type))
        if entry is None or entry.stale(now):
            stale += 1
            continue
        hours_of = provider.hours_for(care_type)
        until = board.stopped_until(provider.id, care_type)
        stopped += until is not None
        usable = np.array(
            [(hours_of.always or hours_of.is_open(t, tz)) and (until is None or t >= until) for t in times],
            dtype=np.bool_,
        )
        places.append(PlaceNow(provider.id, entry.total, max(0, entry.total - entry.free(now)), usable))
    ct = region.care_types[care_type]
    local = now.astimezone(tz)
    step_td = timedelta(minutes=STEP_MINUTES)
    inp = ForecastInput(
        care_type=care_type,
        places=places,
        steps=steps,
        step_minutes=STEP_MINUTES,
        stay_minutes=los_minutes(ct),
        bed=is_bed(ct),
        day_offset_minutes=local.hour * 60 + local.minute + local.second / 60,
        zcc_per_step=np.array([demand.per_minute(care_type, t, tz) * STEP_MINUTES for t in times]),
        points=[min(steps - 1, max(0, math.ceil((p - now) / step_td) - 1)) for p in points],
    )
    free_now, _ = board_free(board, region, care_type)
    return inp, {"places": len(places), "stale_excluded": stale, "on_stop": stopped, "free_now": free_now}
