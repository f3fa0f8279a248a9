"""Finds the events subscribers asked for, on every instance alike, each with a key all instances agree on.

From the event log (as the view follows it): a provider (or one care type) stops or reopens (key: the
log event's id), and a care type's free places in the region fall below a subscriber's threshold
(key: the id of the event that made it cross). From time passing, checked every few seconds: an
entry's report runs out (``capacity.stale``, key: the entry and its ``valid_until``), which may take a
care type below a threshold too (same key), and a neighbouring region's SEH stops (key: the
neighbour's provider and its status version). What stood when this instance started is not an event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime

from capacity.clock import iso, to_ms, utcnow
from capacity.model import Region
from capacity.service import CapacityService
from capacity.state import Event, ProviderStatus

from .delivery import Notice, Webhooks

__all__ = ["Detector"]

#: Neighbour boards: region id -> (statuses by provider id) as the neighbour follower last read them.
NeighbourStatuses = Callable[[], Mapping[str, tuple[Region, Mapping[str, ProviderStatus]]]]


class Detector:
    """An event listener of the capacity service plus a periodic check; publishes to ``webhooks``."""

    def __init__(
        self, capacity: CapacityService, webhooks: Webhooks, neighbours: NeighbourStatuses | None = None
    ) -> None:
        self._capacity = capacity
        self._webhooks = webhooks
        self._neighbours = neighbours or (lambda: {})
        self._stopped: dict[tuple[str, str | None], bool] = {}
        self._free: dict[str, int] = {}
        self._stale: set[tuple[str, str, int]] = set()
        self._neighbour_stops: dict[str, set[tuple[str, int]]] = {}
        self._started = False

    # -- from the event log ------------------------------------------------------------

    def apply_event(self, event: Event) -> None:
        """Look at one event the view has just applied."""
        if not self._started:
            return
        if event.type == "provider.status":
            self._status(event)
        elif event.hint is not None:
            self._threshold(event.hint.care_type, event.id, event.ts)
        elif "entry" in event.data:
            self._threshold(str(event.data["entry"]["care_type"]), event.id, event.ts)

    def resynced(self) -> None:
        """The view reloaded: take the state as it stands as the new baseline."""
        self.baseline()

    def baseline(self) -> None:
        """What stands now is not an event: remember it."""
        view, now = self._capacity.view, utcnow()
        self._stopped = {(pid, None): s.stopped(now) for pid, s in view.statuses.items()}
        self._free = {ct: self._region_free(ct, now) for ct in view.region.care_types}
        self._stale = {
            (e.provider_id, e.care_type, to_ms(e.valid_until))
            for e in view.entries.values()
            if e.valid_until is not None and e.stale(now)
        }
        for region_id, (_, statuses) in self._neighbours().items():
            self._neighbour_stops[region_id] = {(pid, s.version) for pid, s in statuses.items() if s.stopped(now)}
        self._started = True

    def _status(self, event: Event) -> None:
        raw = event.data["status"]
        status = ProviderStatus.from_dict(raw)
        care_type = raw.get("care_type") or None
        now = utcnow()
        stopped = status.stopped(now)
        before = self._stopped.get((status.provider_id, care_type), False)
        self._stopped[(status.provider_id, care_type)] = stopped
        if stopped == before:
            return
        subject = "care_type" if care_type else "provider"
        name = f"{subject}.{'stopped' if stopped else 'reopened'}"
        data: dict[str, object] = {
            "provider_id": status.provider_id,
            "reason": status.reason,
            "until": iso(status.until) if status.until else None,
        }
        if care_type:
            data["care_type"] = care_type
        self._webhooks.publish(Notice(name, f"{name}:{event.id}", event.ts, data))
        for ct in self._care_types_of(status.provider_id, care_type):
            self._threshold(ct, event.id, event.ts)

    def _care_types_of(self, provider_id: str, care_type: str | None) -> list[str]:
        provider = self._capacity.region.providers.get(provider_id)
        if provider is None:
            return []
        return [care_type] if care_type else list(provider.offers)

    def _region_free(self, care_type: str, now: datetime) -> int:
        """Free places of a care type in the region: fresh entries of open providers."""
        view = self._capacity.view
        total = 0
        for (pid, ct), entry in view.entries.items():
            if ct != care_type:
                continue
            status = view.statuses.get(pid)
            if status is not None and status.stopped(now):
                continue
            total += entry.free(now)
        return total

    def _threshold(self, care_type: str, cause: str, at: datetime) -> None:
        """Publish ``capacity.below_threshold`` to each subscriber whose threshold the free places just fell below."""
        if not any(care_type in s.thresholds for s in self._webhooks.subscriptions):
            self._free.pop(care_type, None)  # nobody watches it: no sum over the board per report
            return
        now = utcnow()
        free = self._region_free(care_type, now)
        before = self._free.get(care_type, free)
        self._free[care_type] = free
        if free >= before:
            return
        targets = [
            s
            for s in self._webhooks.subscriptions
            if (n := s.thresholds.get(care_type)) is not None and free < n <= before
        ]
        for sub in targets:
            threshold = sub.thresholds[care_type]
            notice = Notice(
                "capacity.below_threshold",
                f"below:{care_type}:{threshold}:{cause}",
                at,
                {"care_type": care_type, "free": free, "threshold": threshold},
            )
            self._webhooks.publish(notice, [sub])

    # -- from time passing -------------------------------------------------------------

    def check(self) -> None:
        """Entries whose report has just run out, and neighbours' SEH stops."""
        if not self._started:
            return
        view, now = self._capacity.view, utcnow()
        for entry in list(view.entries.values()):
            if entry.valid_until is None or not entry.stale(now):
                continue
            key = (entry.provider_id, entry.care_type, to_ms(entry.valid_until))
            if key in self._stale:
                continue
            self._stale.add(key)
            cause = f"stale:{key[0]}:{key[1]}:{key[2]}"
            data = {
                "provider_id": entry.provider_id,
                "care_type": entry.care_type,
                "reported_at": iso(entry.reported_at) if entry.reported_at else None,
                "valid_until": iso(entry.valid_until),
            }
            self._webhooks.publish(Notice("capacity.stale", cause, entry.valid_until, data))
            self._threshold(entry.care_type, cause, entry.valid_until)
        self._check_neighbours(now)

    def _check_neighbours(self, now: datetime) -> None:
        for region_id, (region, statuses) in self._neighbours().items():
            seen = self._neighbour_stops.get(region_id)
            current = {(pid, s.version) for pid, s in statuses.items() if s.stopped(now)}
            self._neighbour_stops[region_id] = current
            if seen is None:
                continue  # first sight of this neighbour: what stands is not an event
            for pid, version in sorted(current - seen):
                provider = region.providers.get(pid)
                if provider is None or "seh" not in provider.offers:
                    continue
                status = statuses[pid]
                data = {"region": region_id, "provider_id": pid, "name": provider.name, "reason": status.reason}
                key = f"neighbour:{region_id}:{pid}:{version}"
                self._webhooks.publish(Notice("neighbour.seh_stopped", key, status.set_at or now, data))

    async def run(self, every_seconds: float = 1.0) -> None:
        """Take the baseline, then check every ``every_seconds`` until cancelled."""
        self.baseline()
        while True:
            await asyncio.sleep(every_seconds)
            self.check()
