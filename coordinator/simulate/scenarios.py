"""The days a simulation can run: a normal day, a winter day, a day with a large SEH on stop.

- ``normal``: the demand model's volume and the supply as :data:`.supply.NORMAL` describes it;
- ``winter``: twice the volume, and the region near 90% occupied: beds start 88-95% occupied
  (normal 85-95%), slots and teams 80-92% busy (normal 60-90%); over the day, with twice zcc's
  requests, the region runs at about 92% of all units and 94% of beds (measured: the report's
  "bezetting" rows; a normal day runs at about 88% and 92%);
- ``seh-stop``: a normal day on which the largest SEH of the region (most SEH places) goes on
  stop for six hours from 14:00 local (the afternoon into the evening peak). zcc's stop is per
  provider, so the hospital's admission beds are closed to zcc for those hours too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from capacity.model import Region

from .supply import NORMAL, Stop, SupplyProfile

__all__ = ["SCENARIOS", "ScenarioSpec", "largest_seh", "scenario_stops"]


@dataclass(frozen=True, slots=True)
class ScenarioSpec:
    """One kind of day: how much demand, how busy the providers, which stop it brings."""

    name: str
    title: str  # Dutch, for the report
    volume_factor: float = 1.0
    supply: SupplyProfile = NORMAL
    seh_stop_hours: float = 0.0
    seh_stop_from_hour: int = 14  # local time of the region

    def to_json(self) -> dict[str, object]:
        """The scenario as the report states it."""
        s = self.supply
        return {
            "name": self.name,
            "title": self.title,
            "volume_factor": self.volume_factor,
            "bed_occupancy_start": list(s.bed_occupancy),
            "slot_occupancy_start": list(s.slot_occupancy),
            "outside_share": s.outside_share,
            "random_stops_per_day": s.stops_per_day,
            "seh_stop_hours": self.seh_stop_hours,
        }


WINTER = SupplyProfile(bed_occupancy=(0.88, 0.95), slot_occupancy=(0.80, 0.92))

SCENARIOS: dict[str, ScenarioSpec] = {
    "normal": ScenarioSpec("normal", "gewone dag"),
    "winter": ScenarioSpec("winter", "winterdag: dubbele vraag, regio rond 90% bezet", 2.0, WINTER),
    "seh-stop": ScenarioSpec("seh-stop", "gewone dag, grootste SEH zes uur op stop", seh_stop_hours=6.0),
}


def largest_seh(region: Region) -> str | None:
    """The provider with the most SEH places (ties: the first id), or None when no provider offers ``seh``."""
    best: tuple[int, str] | None = None
    for provider, offer in region.offers():
        if offer.care_type == "seh" and (best is None or (-offer.total, provider.id) < (-best[0], best[1])):
            best = (offer.total, provider.id)
    return None if best is None else best[1]


def scenario_stops(spec: ScenarioSpec, region: Region, start: datetime, end: datetime) -> tuple[Stop, ...]:
    """The scenario's own stops within [start, end): the SEH stop from the first ``seh_stop_from_hour`` on."""
    if spec.seh_stop_hours <= 0:
        return ()
    pid = largest_seh(region)
    if pid is None:
        return ()
    local = start.astimezone(region.tz)
    at = local.replace(hour=spec.seh_stop_from_hour, minute=0, second=0, microsecond=0)
    if at < local:
        at += timedelta(days=1)
    if at >= end:
        at = local  # a run too short to reach the afternoon: the stop starts with it
    begin = at.astimezone(start.tzinfo)
    return (
        Stop(
            begin,
            pid,
            begin + timedelta(hours=spec.seh_stop_hours),
            "SEH-stop: zes uur geen patiënten (scenario seh-stop)",
        ),
    )
