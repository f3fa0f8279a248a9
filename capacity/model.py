"""The region's domain model: care types, locations, roads, opening hours and providers.

Plain, immutable dataclasses with no I/O; a region file is read into these by ``capacity.region``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeAlias
from zoneinfo import ZoneInfo

__all__ = [
    "FEED_FORMATS",
    "KINDS",
    "LOCATION_KINDS",
    "ROAD_TIERS",
    "CareType",
    "Contact",
    "Feed",
    "Hours",
    "Kind",
    "Location",
    "OpeningWindow",
    "Provider",
    "ProviderOffer",
    "Region",
    "Road",
]

Kind: TypeAlias = Literal["hap", "vvt", "hospital", "ggz"]
KINDS: tuple[str, ...] = ("hap", "vvt", "hospital", "ggz")

#: What a location is: a town (where people live), a provider's own site (its address), or a road
#: junction (a motorway junction or a node of the road network, where nobody lives or is snapped to).
LOCATION_KINDS: tuple[str, ...] = ("town", "site", "junction")

#: Road tiers and their default car speed in km/h without traffic, as a route planner drives them:
#: motorways at the 100 km/h day limit, main (N-) roads with their roundabouts and crossings, and
#: access roads through towns (50 and 30 km/h streets, traffic lights).
ROAD_TIERS: dict[str, float] = {"motorway": 100.0, "main": 55.0, "access": 30.0}


@dataclass(frozen=True, slots=True)
class CareType:
    """A kind of care a provider can offer, e.g. ``elv_hoog``."""

    id: str
    name: str
    kinds: frozenset[str]
    unit: str = "place"
    level: int = 0
    description: str = ""
    #: How long one patient uses a unit, (low, high) hours; None: the simulation's default by unit.
    length_of_stay_hours: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class Location:
    """A town, a provider's site or a road junction: a node of the road graph."""

    id: str
    name: str
    lat: float
    lon: float
    population: int = 0
    kind: str = "town"


@dataclass(frozen=True, slots=True)
class Road:
    """A road between two locations with its travel time; both ways unless ``oneway`` (then ``a`` to ``b`` only)."""

    a: str
    b: str
    minutes: float
    oneway: bool = False
    tier: str = ""
    km: float | None = None
    ref: str = ""  # the road's number, e.g. "A2" or "N280"


@dataclass(frozen=True, slots=True)
class OpeningWindow:
    """A weekly window: on ``days`` (0 = Monday) from ``start`` to ``end`` minutes after midnight.

    ``end <= start`` means the window runs past midnight into the next day.
    """

    days: frozenset[int]
    start: int
    end: int

    def contains(self, weekday: int, minute: int) -> bool:
        """Whether local ``weekday``/``minute`` falls inside the window."""
        if self.end > self.start:
            return weekday in self.days and self.start <= minute < self.end
        # Past midnight: the evening part on the listed day, the morning part on the next.
        if weekday in self.days and minute >= self.start:
            return True
        return (weekday - 1) % 7 in self.days and minute < self.end


@dataclass(frozen=True, slots=True)
class Hours:
    """Opening hours: always open, or a set of weekly windows in the region's time zone."""

    always: bool = True
    windows: tuple[OpeningWindow, ...] = ()
    text: str = "24/7"

    def is_open(self, at: datetime, tz: ZoneInfo) -> bool:
        """Whether the hours include the instant ``at`` (aware) in time zone ``tz``."""
        if self.always:
            return True
        local = at.astimezone(tz)
        minute = local.hour * 60 + local.minute
        return any(w.contains(local.weekday(), minute) for w in self.windows)


@dataclass(frozen=True, slots=True)
class ProviderOffer:
    """One care type a provider offers: its configured total and own hours, if any."""

    care_type: str
    total: int
    hours: Hours | None = None
    eligibility: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Contact:
    """How the coordination desk reaches a provider for the hand-over."""

    phone: str
    desk: str = ""  # who answers, e.g. "Coördinator SEH"
    fictitious: bool = False  # a placeholder number for a demo region, not the provider's real one


#: The formats a polled feed may have (``Feed.format``).
FEED_FORMATS: tuple[str, ...] = ("zcc-json", "fhir-measurereport", "edxl-have", "csv")


@dataclass(frozen=True, slots=True)
class Feed:
    """A provider's own system that zcc polls for its capacity: where, in which format, how often."""

    url: str
    format: str
    every_seconds: float = 300.0
    token_env: str | None = None  # the environment variable holding the feed's bearer token, if any


@dataclass(frozen=True, slots=True)
class Provider:
    """A care provider at one location offering one or more care types."""

    id: str
    name: str
    kind: str
    location: str
    offers: Mapping[str, ProviderOffer]
    hours: Hours = Hours()
    address: str = ""
    contact: Contact | None = None
    feed: Feed | None = None

    def hours_for(self, care_type: str) -> Hours:
        """The opening hours that apply to ``care_type`` at this provider."""
        offer = self.offers.get(care_type)
        if offer is not None and offer.hours is not None:
            return offer.hours
        return self.hours


@dataclass(frozen=True, slots=True)
class Region:
    """A ROAZ region: its locations, road graph and providers."""

    id: str
    name: str
    timezone: str
    locations: Mapping[str, Location]
    roads: tuple[Road, ...]
    providers: Mapping[str, Provider]
    care_types: Mapping[str, CareType]
    # Roads from one of our locations to a neighbouring region's (``b`` is "<region>:<location>").
    border_roads: tuple[Road, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        """The region's time zone."""
        return ZoneInfo(self.timezone)

    def offers(self) -> list[tuple[Provider, ProviderOffer]]:
        """Every (provider, offer) pair, in file order."""
        return [(p, o) for p in self.providers.values() for o in p.offers.values()]
