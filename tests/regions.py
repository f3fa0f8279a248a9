"""Small hand-made regions with known answers, built directly from the model."""

from __future__ import annotations

import itertools

from capacity.model import CareType, Hours, Location, OpeningWindow, Provider, ProviderOffer, Region, Road

__all__ = ["CARE_TYPES", "line_region", "tiny_region"]

CARE_TYPES = {
    "hap_consult": CareType("hap_consult", "Consult HAP", frozenset({"hap"}), "slot", 1),
    "elv_hoog": CareType("elv_hoog", "ELV hoog", frozenset({"vvt"}), "bed", 2),
    "elv_laag": CareType("elv_laag", "ELV laag", frozenset({"vvt"}), "bed", 2),
    "seh": CareType("seh", "SEH", frozenset({"hospital"}), "place", 3),
}


def tiny_region(region_id: str = "tiny") -> Region:
    """Five towns on a line (A-B-C-D-E, 10 minutes apart) and four providers."""
    names = "abcde"
    locations = {n: Location(n, n.upper(), 50.85 + i * 0.05, 5.70 + i * 0.02, 10_000) for i, n in enumerate(names)}
    roads = tuple(Road(a, b, 10.0) for a, b in itertools.pairwise(names))

    def prov(pid: str, kind: str, loc: str, offers: dict[str, int]) -> Provider:
        return Provider(pid, pid.upper(), kind, loc, {ct: ProviderOffer(ct, n) for ct, n in offers.items()}, Hours())

    providers = {
        p.id: p
        for p in (
            prov("vvt-a", "vvt", "a", {"elv_hoog": 5, "elv_laag": 3}),
            prov("vvt-c", "vvt", "c", {"elv_hoog": 10}),
            prov("zh-e", "hospital", "e", {"seh": 4}),
            prov("hap-b", "hap", "b", {"hap_consult": 6}),
        )
    }
    return Region(region_id, "Tiny", "Europe/Amsterdam", locations, roads, providers, CARE_TYPES)


def line_region(region_id: str = "line") -> Region:
    """Five towns on a line, 10 minutes apart, each with a VVT offering elv_hoog; D opens evenings only."""
    base = tiny_region(region_id)
    evenings = Hours(
        always=False,
        windows=(
            OpeningWindow(frozenset(range(5)), 17 * 60, 8 * 60),
            OpeningWindow(frozenset({5, 6}), 0, 24 * 60),
            OpeningWindow(frozenset({0}), 0, 8 * 60),  # Sunday night runs on into Monday morning
        ),
        text="mon-fri 17:00-08:00; sat,sun 00:00-24:00; mon 00:00-08:00",
    )
    providers = {
        f"vvt-{n}": Provider(
            f"vvt-{n}",
            f"VVT {n.upper()}",
            "vvt",
            n,
            {"elv_hoog": ProviderOffer("elv_hoog", 6)},
            evenings if n == "d" else Hours(),
        )
        for n in "abcde"
    }
    return Region(region_id, "Line", "Europe/Amsterdam", base.locations, base.roads, providers, CARE_TYPES)
