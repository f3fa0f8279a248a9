"""The places of a batch as one request-independent table of numpy arrays, and their opening hours at arrival.

:class:`OfferTable` holds per place (one care type at one provider) what
:class:`~routing.matching.feasibility.Offer` holds, as arrays in table order:
key, care type, level, free/held/total, live state (:data:`LIVE_CODES`),
eligibility (ages with sentinels, flags), load and scarcity, and the opening
hours as a minute-of-week bitmap (one row per distinct :class:`Hours`).
:func:`open_at` reads the bitmap at (now + travel) in the region's time zone
for many arrivals at once, exactly as :meth:`Hours.is_open` would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from capacity.model import CareType, Hours

from ..dispatch import Place
from ..week import WEEK_MINUTES, open_at, week_bitmap
from .feasibility import Offer, PlaceKey
from .results import Why

__all__ = [
    "LIVE_CODES",
    "LIVE_OK",
    "NO_MAX_AGE",
    "NO_MIN_AGE",
    "WEEK_MINUTES",
    "OfferTable",
    "open_at",
    "week_bitmap",
]

#: The live state of a place: its index in this tuple (0 ok, 1 stop, 2 stale, 3 full), as ``Offer.live``.
LIVE_CODES: Final[tuple[Why | None, ...]] = (None, "stop", "stale", "full")
LIVE_OK: Final = 0
NO_MIN_AGE: Final = np.iinfo(np.int64).min  # no lower age bound: every age passes
NO_MAX_AGE: Final = np.iinfo(np.int64).max


@dataclass(frozen=True, slots=True, eq=False)
class OfferTable:
    """Per place (one care type at one provider) its request-independent facts at ``now``, as arrays in table order.

    Ages without a rule hold :data:`NO_MIN_AGE` / :data:`NO_MAX_AGE`; ``live`` indexes
    :data:`LIVE_CODES`; ``hours_row`` is the place's row of ``week`` (-1: always open).
    """

    keys: tuple[PlaceKey, ...]
    care_types: tuple[str, ...]  # the distinct care types, in first-met order
    care_type: NDArray[np.intp]  # index into care_types
    providers: tuple[str, ...]  # the distinct provider ids, in first-met order
    provider: NDArray[np.intp]  # index into providers
    level: NDArray[np.int64]
    free: NDArray[np.int64]
    held: NDArray[np.int64]
    total: NDArray[np.int64]
    live: NDArray[np.int8]
    min_age: NDArray[np.int64]
    max_age: NDArray[np.int64]
    must_return_home: NDArray[np.bool_]
    requires_wlz: NDArray[np.bool_]
    psychogeriatric: NDArray[np.bool_]
    load: NDArray[np.float64]
    scarcity: NDArray[np.float64]
    hours: tuple[Hours | None, ...]
    hours_row: NDArray[np.intp]
    week: NDArray[np.bool_]  # (distinct hours, WEEK_MINUTES)

    def __len__(self) -> int:
        """The number of places."""
        return len(self.keys)

    @classmethod
    def of_offers(cls, offers: Sequence[Offer]) -> OfferTable:
        """The table of ``offers``, in their order (one pass; the keys must be distinct)."""
        ct_index: dict[str, int] = {}
        pid_index: dict[str, int] = {}
        hours_index: dict[Hours, int] = {}
        ct_of: list[int] = []
        pid_of: list[int] = []
        rows: list[int] = []
        ints: list[tuple[int, int, int, int, int, int, int]] = []
        flags: list[tuple[bool, bool, bool]] = []
        floats: list[tuple[float, float]] = []
        for o in offers:
            pid, ct = o.key
            ct_of.append(ct_index.setdefault(ct, len(ct_index)))
            pid_of.append(pid_index.setdefault(pid, len(pid_index)))
            rows.append(-1 if o.hours is None else hours_index.setdefault(o.hours, len(hours_index)))
            ints.append(
                (
                    o.level,
                    o.free,
                    o.held,
                    o.total,
                    LIVE_CODES.index(o.live),
                    NO_MIN_AGE if o.min_age is None else o.min_age,
                    NO_MAX_AGE if o.max_age is None else o.max_age,
                )
            )
            flags.append((o.must_return_home, o.requires_wlz, o.psychogeriatric))
            floats.append((o.load, o.scarcity))
        keys = tuple(o.key for o in offers)
        if len(set(keys)) != len(keys):
            raise ValueError("a place appears twice in the offer table")
        i = np.array(ints, dtype=np.int64).reshape(-1, 7)
        b = np.array(flags, dtype=bool).reshape(-1, 3)
        f = np.array(floats, dtype=np.float64).reshape(-1, 2)
        week = np.stack([week_bitmap(h) for h in hours_index]) if hours_index else np.zeros((0, WEEK_MINUTES), bool)
        return cls(
            keys=keys,
            care_types=tuple(ct_index),
            care_type=np.array(ct_of, dtype=np.intp),
            providers=tuple(pid_index),
            provider=np.array(pid_of, dtype=np.intp),
            level=i[:, 0].copy(),
            free=i[:, 1].copy(),
            held=i[:, 2].copy(),
            total=i[:, 3].copy(),
            live=i[:, 4].astype(np.int8),
            min_age=i[:, 5].copy(),
            max_age=i[:, 6].copy(),
            must_return_home=b[:, 0].copy(),
            requires_wlz=b[:, 1].copy(),
            psychogeriatric=b[:, 2].copy(),
            load=f[:, 0].copy(),
            scarcity=f[:, 1].copy(),
            hours=tuple(o.hours for o in offers),
            hours_row=np.array(rows, dtype=np.intp),
            week=week,
        )

    @classmethod
    def of_places(cls, places: Iterable[Place], now: datetime, care_types: Mapping[str, CareType]) -> OfferTable:
        """The table of the distinct (provider, care type) of ``places`` in first-met order, live state at ``now``."""
        seen: dict[PlaceKey, Offer] = {}
        for place in places:
            key = (place.provider.id, place.care_type)
            if key not in seen:
                seen[key] = Offer.of(place, now, care_types)
        return cls.of_offers(list(seen.values()))

    def open_at(
        self, places: NDArray[np.intp], now: datetime, tz: ZoneInfo, minutes: NDArray[np.float64]
    ) -> NDArray[np.bool_]:
        """Whether place ``places[k]`` is open at now + ``minutes[k]`` (every place given must have hours)."""
        return open_at(self.week, self.hours_row[places], now, tz, minutes)
