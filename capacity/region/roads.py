"""One road of a region file: its travel time (minutes, or km at a speed), direction, tier and number.

A road is ``{from, to, minutes}``, or ``{from, to, km, tier}`` with the tier's default speed
(:data:`~capacity.model.ROAD_TIERS`), or ``{from, to, km, speed}``; ``oneway: true`` makes it
lead from ``from`` to ``to`` only, ``ref`` names it (``A2``, ``N280``). A region with one-way
roads must still let every location reach every other: :meth:`RoadChecker.one_way_reach`
checks that, which the undirected connectivity check cannot see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from capacity.config_check import FieldChecker, kind_of, suggest
from capacity.model import ROAD_TIERS, Road

__all__ = ["MAX_SPEED_KMH", "MIN_SPEED_KMH", "ROAD_KEYS", "RoadChecker"]

ROAD_KEYS = frozenset({"from", "to", "minutes", "km", "speed", "tier", "oneway", "ref"})
#: The speeds a road may give (km/h): walking pace up to the Dutch motorway limit.
MIN_SPEED_KMH = 5.0
MAX_SPEED_KMH = 130.0


class RoadChecker(FieldChecker):
    """The checks of one road's fields beyond its two ends, and of one-way reachability."""

    __slots__ = ()

    def road_time(self, item: Mapping[Any, Any], path: str) -> tuple[float, float | None] | None:
        """(minutes, km or None) of a road: its ``minutes``, or ``km`` at its ``speed`` or its tier's speed."""
        has_minutes, has_km = "minutes" in item, "km" in item
        if has_minutes and has_km:
            self.add(f"{path}.km", "give minutes or km (with a tier or speed), not both")
            return None
        if not has_km:
            if "speed" in item:
                self.add(f"{path}.speed", "speed needs km: minutes are given already")
                return None
            minutes = self.number(item, "minutes", path)
            if minutes is None:
                return None
            if minutes <= 0:
                self.add(f"{path}.minutes", f"travel time must be more than 0 minutes, not {minutes:g}")
                return None
            return minutes, None
        km = self.number(item, "km", path)
        if km is not None and km <= 0:
            self.add(f"{path}.km", f"a road must be longer than 0 km, not {km:g}")
            km = None
        speed = self._speed(item, path)
        if km is None or speed is None:
            return None
        return km / speed * 60, km

    def _speed(self, item: Mapping[Any, Any], path: str) -> float | None:
        """A road's own ``speed``, else its tier's default speed."""
        if "speed" in item:
            speed = self.number(item, "speed", path)
            if speed is not None and not MIN_SPEED_KMH <= speed <= MAX_SPEED_KMH:
                self.add(
                    f"{path}.speed",
                    f"speed must be {MIN_SPEED_KMH:g} to {MAX_SPEED_KMH:g} km/h, not {speed:g}",
                )
                return None
            return speed
        tier = item.get("tier")
        if tier is None:
            self.add(f"{path}.km", f"km needs a speed or a tier ({', '.join(ROAD_TIERS)}) to give a travel time")
            return None
        return ROAD_TIERS.get(tier) if isinstance(tier, str) else None  # a bad tier is reported by road_extras

    def road_extras(self, item: Mapping[Any, Any], path: str) -> tuple[bool, str, str] | None:
        """(oneway, tier, ref) of a road; each optional."""
        ok = True
        oneway = False
        if "oneway" in item:
            flag = self.flag(item["oneway"], f"{path}.oneway", "oneway")
            ok = flag is not None
            oneway = bool(flag)
        tier = item.get("tier", "")
        if not isinstance(tier, str) or (tier and tier not in ROAD_TIERS):
            hint = suggest(tier, ROAD_TIERS) if isinstance(tier, str) else ""
            shown = repr(tier) if isinstance(tier, str) else kind_of(tier)
            self.add(f"{path}.tier", f"unknown road tier {shown}{hint}; expected one of {', '.join(ROAD_TIERS)}")
            ok = False
        ref = self.optional_string(item, "ref", path)
        if ref is None or not ok or not isinstance(tier, str):
            return None
        return oneway, tier, ref

    def one_way_reach(self, location_index: Mapping[str, int], roads: Sequence[Road]) -> None:
        """With one-way roads, report the first location that cannot be reached from, or cannot reach, the others.

        Runs only when a road is one-way: without one, the undirected connectivity check is exact.
        """
        if not any(r.oneway for r in roads) or len(location_index) < 2:
            return
        forward: dict[str, list[str]] = {loc: [] for loc in location_index}
        backward: dict[str, list[str]] = {loc: [] for loc in location_index}
        for road in roads:
            forward[road.a].append(road.b)
            backward[road.b].append(road.a)
            if not road.oneway:
                forward[road.b].append(road.a)
                backward[road.a].append(road.b)
        anchor = next(iter(location_index))
        for adjacency, words in (
            (forward, "cannot be reached from {anchor!r}: the one-way roads lead only out of it"),
            (backward, "cannot reach {anchor!r}: the one-way roads lead only into it"),
        ):
            seen = {anchor}
            stack = [anchor]
            while stack:
                for nxt in adjacency[stack.pop()]:
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            cut = [loc for loc in location_index if loc not in seen]
            if cut:
                self.add(
                    f"locations[{location_index[cut[0]]}]",
                    f"location {cut[0]!r} " + words.format(anchor=anchor) + f" ({len(cut)} such locations)",
                )
                return
