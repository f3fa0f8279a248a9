"""Builders for the matcher's tests: a region with eligibility rules, fresh entries, needs and the places they see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from capacity.model import CareType, Provider, ProviderOffer, Region
from capacity.state import CapacityEntry, ProviderStatus
from routing.dispatch import Place
from routing.lookup import Routing
from routing.matching import BatchResult, Need, Urgency

from ..regions import CARE_TYPES, tiny_region

__all__ = [
    "AT",
    "CT",
    "TZ",
    "WINTER",
    "all_fresh",
    "care_region",
    "fresh",
    "need",
    "offer",
    "place_of",
    "places",
    "where",
]

WINTER = datetime(2026, 1, 14, 10, 0, tzinfo=UTC)  # a Wednesday, 11:00 CET
TZ = ZoneInfo("Europe/Amsterdam")
CT: dict[str, CareType] = {
    **CARE_TYPES,
    "wijkverpleging_spoed": CareType("wijkverpleging_spoed", "Wijkverpleging spoed", frozenset({"vvt"}), "team", 0),
    "crisis_bed": CareType("crisis_bed", "Crisisbed", frozenset({"vvt"}), "bed", 2),
    "ggz_intensive_home": CareType("ggz_intensive_home", "IHT", frozenset({"ggz"}), "team", 0),
}
# Towns of tiny_region, 10 minutes apart on a line: A B C D E.
AT = {"a": (50.85, 5.70), "b": (50.90, 5.72), "c": (50.95, 5.74), "d": (51.00, 5.76), "e": (51.05, 5.78)}


def fresh(
    pid: str, ct: str, available: int, *, held: int = 0, total: int = 6, minutes: int = 60, at: datetime = WINTER
) -> CapacityEntry:
    """An entry reported 5 minutes before ``at``, valid for ``minutes`` after it."""
    return CapacityEntry(pid, ct, total, available, held, at - timedelta(minutes=5), at + timedelta(minutes=minutes), 1)


def need(
    rid: str = "r1",
    *care_types: str,
    urgency: Urgency = "U3",
    window_minutes: float | None = None,
    age: int = 80,
    **kw: Any,
) -> Need:
    """A need accepting ``care_types`` (elv_hoog by default), with its urgency's window unless given."""
    window = {"U2": 60, "U3": 180, "U4": 1440}[urgency] if window_minutes is None else window_minutes
    return Need(rid, urgency, window, care_types or ("elv_hoog",), age, **kw)


def offer(ct: str, total: int, **eligibility: Any) -> ProviderOffer:
    """An offer of ``total`` units of ``ct`` with the given eligibility rules."""
    return ProviderOffer(ct, total, eligibility=eligibility)


def care_region() -> Region:
    """tiny_region plus home nursing, crisis beds with eligibility rules and a GGZ team for adults 18-60."""
    base = tiny_region()
    extra = [
        Provider("wv-b", "Wijkverpleging B", "vvt", "b", {"wijkverpleging_spoed": offer("wijkverpleging_spoed", 3)}),
        Provider("vvt-pg-c", "VVT PG C", "vvt", "c", {"crisis_bed": offer("crisis_bed", 3, psychogeriatric=True)}),
        Provider("vvt-wlz-b", "VVT Wlz B", "vvt", "b", {"crisis_bed": offer("crisis_bed", 3, requires_wlz=True)}),
        Provider("vvt-home-b", "VVT thuis B", "vvt", "b", {"elv_laag": offer("elv_laag", 4, must_return_home=True)}),
        Provider(
            "ggz-b", "GGZ B", "ggz", "b", {"ggz_intensive_home": offer("ggz_intensive_home", 6, min_age=18, max_age=60)}
        ),
    ]
    providers = {**base.providers, **{p.id: p for p in extra}}
    return Region(base.id, base.name, base.timezone, base.locations, base.roads, providers, CT)


def all_fresh(region: Region, available: int = 4) -> dict[tuple[str, str], CapacityEntry]:
    """A fresh entry with ``available`` units for every offer of the region."""
    return {(p.id, ct): fresh(p.id, ct, available) for p in region.providers.values() for ct in p.offers}


def places(
    routing: Routing,
    town: str,
    care_types: tuple[str, ...],
    entries: dict[tuple[str, str], CapacityEntry],
    stops: dict[str, ProviderStatus] | None = None,
) -> list[Place]:
    """The places of ``care_types`` seen from ``town``, with known travel minutes from the road graph."""
    region = routing.home
    snap = routing.snap(*AT[town])
    return [
        Place(region.id, region.name, region.providers[pid], ct, entries.get((pid, ct)), (stops or {}).get(pid), m)
        for ct in care_types
        for pid, m in routing.nearest(snap, region.id, ct)
    ]


def place_of(ps: list[Place], pid: str, ct: str | None = None) -> Place:
    """The place of provider ``pid`` (and care type ``ct``, when given) among ``ps``."""
    return next(p for p in ps if p.provider.id == pid and (ct is None or p.care_type == ct))


def where(result: BatchResult) -> dict[str, str]:
    """Request id to the provider it was assigned to."""
    return {a.request_id: a.provider_id for a in result.assignments}
