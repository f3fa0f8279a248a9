"""The region simulation (zcc simulate): deterministic, never above capacity, a known best answer, its report."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from capacity.clock import utcnow
from capacity.model import Region
from capacity.region import load_region
from coordinator.cli import main
from coordinator.simulate import (
    DEFAULT_START,
    POLICIES,
    RunSettings,
    Scenario,
    audit_log,
    build_scenario,
    simulate,
    simulate_seeds,
)
from coordinator.simulate.demand import Arrival, default_volume, generate_arrivals, templates
from coordinator.simulate.plots import PLOTS
from coordinator.simulate.progress import Progress
from coordinator.simulate.supply import OfferPlan, SupplyPlan
from coordinator.triage import TriageProtocol, load_protocol

from ..regions import tiny_region

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def protocol() -> TriageProtocol:
    return load_protocol()


@pytest.fixture(scope="module")
def limburg() -> Region:
    return load_region()


def small_run(limburg: Region, protocol: TriageProtocol, seed: int, **over: Any) -> dict[str, Any]:
    kw: dict[str, Any] = {"hours": 4.0, "per_day": 240.0, "seed": seed} | over
    return simulate(limburg, protocol, **kw)


def figures(doc: dict[str, Any]) -> dict[str, Any]:
    """Everything but the wall-clock time."""
    return {k: v for k, v in doc.items() if k != "wall_seconds"}


def test_the_same_seed_gives_identical_figures_and_another_seed_differs(
    limburg: Region, protocol: TriageProtocol
) -> None:
    first = small_run(limburg, protocol, seed=7)
    again = small_run(limburg, protocol, seed=7)
    other = small_run(limburg, protocol, seed=8)
    assert first["arrivals"] > 10
    assert json.dumps(figures(first), sort_keys=True) == json.dumps(figures(again), sort_keys=True)
    assert first["policies"] != other["policies"]
    assert first["outcomes"] != other["outcomes"]


def test_every_policy_sees_the_same_arrival_stream(limburg: Region, protocol: TriageProtocol) -> None:
    doc = small_run(limburg, protocol, seed=3)
    assert list(doc["outcomes"]) == list(POLICIES) == ["status-quo", "greedy", "optimized"]
    streams = [[(o["index"], o["urgency"]) for o in doc["outcomes"][p]] for p in POLICIES]
    assert streams[0] == streams[1] == streams[2]
    assert all(doc["policies"][p]["requests"] == doc["arrivals"] for p in POLICIES)


def test_optimized_never_places_above_capacity_under_pressure(limburg: Region, protocol: TriageProtocol) -> None:
    # Six times the default volume through the evening peak: places run out, conflicts and waits happen.
    doc = small_run(
        limburg,
        protocol,
        seed=2,
        hours=6.0,
        per_day=6 * default_volume(limburg),
        start=DEFAULT_START + timedelta(hours=16),
        policies=("optimized", "status-quo"),
    )
    fig = doc["policies"]["optimized"]
    assert fig["holds_taken"] > 50 and fig["placed"] > 40
    # Checked after every step against the view and the simulated world, and by replaying the store's event log.
    assert fig["capacity_violations"] == 0
    assert fig["store_events"] > fig["holds_taken"]
    # Phoning around places into the world directly: never beyond what nobody occupies or holds either.
    sq = doc["policies"]["status-quo"]
    assert sq["placed"] > 40 and sq["capacity_violations"] == 0 and sq["holds_taken"] == 0


def test_the_event_log_audit_catches_a_hold_beyond_what_was_free() -> None:
    def ev(type_: str, hold_id: str) -> tuple[str, dict[str, Any]]:
        return type_, {"hold": {"hold_id": hold_id, "provider_id": "p", "care_type": "c"}}

    report = ("capacity.updated", {"entry": {"provider_id": "p", "care_type": "c", "available": 1}})
    assert audit_log([report, ev("hold.created", "h1"), ev("hold.confirmed", "h1")]) == (0, 3)
    assert audit_log([report, ev("hold.created", "h1"), ev("hold.created", "h2")])[0] == 1
    # A confirmed placement uses the unit until the next report.
    assert audit_log([report, ev("hold.created", "h1"), ev("hold.confirmed", "h1"), ev("hold.created", "h2")])[0] == 1
    assert audit_log([report, ev("hold.created", "h1"), ev("hold.expired", "h1"), ev("hold.created", "h2")])[0] == 0


def tiny_scenario(protocol: TriageProtocol, *, reported: bool = True) -> Scenario:
    """Two requests and two free places on the tiny region (towns a-b-c-d-e, 10 minutes apart).

    hap-b (hap_consult, at b) and zh-e (seh, at e) are full until one unit of each frees up 5 minutes in;
    both report it at minute 10 (``reported=False``: no provider ever reports, the board stays empty).
    R1 (at c) arrives at minute 1, R2 (at a) at minute 2: both are val_trauma_oudere / val_pijn_zwelling,
    U3 with care types [hap_consult, seh], so both wait for the 15-minute round. Travel: R1 to hap-b 10,
    to zh-e 20; R2 to hap-b 10, to zh-e 40.

    Greedy (R1 first, nearest free): R1 -> hap-b (10), R2 -> zh-e (40): 50 minutes.
    Optimized (min cost; cost = travel + 5 per step down the care types + 10 for the last free unit):
    R1 -> hap-b 20 + R2 -> zh-e 55 = 75 against R1 -> zh-e 35 + R2 -> hap-b 20 = 55, so
    R1 -> zh-e (20), R2 -> hap-b (10): 30 minutes.
    """
    region = tiny_region()
    start = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
    end = start + timedelta(hours=1)
    later = end + timedelta(days=7)
    offers = {}
    for provider, offer in region.offers():
        key = (provider.id, offer.care_type)
        leaving = [later] * offer.total
        if key in (("hap-b", "hap_consult"), ("zh-e", "seh")):
            leaving[0] = start + timedelta(minutes=5)
        offers[key] = OfferPlan(key, offer.total, tuple(leaving), ())
    reports = tuple((start + timedelta(minutes=m), pid) for m in (0, 10) for pid in sorted(region.providers))
    supply = SupplyPlan(offers, reports if reported else (), (), ())
    loc = region.locations

    def arrival(i: int, minute: int, at: str) -> Arrival:
        return Arrival(
            i,
            start + timedelta(minutes=minute),
            f"p-tiny-{i}",
            80,
            loc[at].lat,
            loc[at].lon,
            at,
            "val_trauma_oudere",
            {"val_pijn_zwelling": True},
            "U3",
        )

    arrivals = [arrival(0, 1, "c"), arrival(1, 2, "a")]
    return build_scenario(region, protocol, seed=1, hours=1.0, start=start, arrivals=arrivals, supply=supply)


def where(doc: dict[str, Any], policy: str) -> list[tuple[Any, Any, Any]]:
    return [(o["provider_id"], o["travel_minutes"], o["wait_minutes"]) for o in doc["outcomes"][policy]]


def test_a_tiny_scenario_with_a_known_best_answer(protocol: TriageProtocol) -> None:
    scenario = tiny_scenario(protocol)
    settings = RunSettings(never_confirm_share=0.0)
    doc: dict[str, Any] = simulate(
        scenario.region, protocol, hours=1.0, scenario=scenario, settings=settings, policies=("greedy", "optimized")
    )
    opt, gre = doc["policies"]["optimized"], doc["policies"]["greedy"]
    assert opt["placed"] == gre["placed"] == 2
    assert gre["travel_minutes_total"] == 50.0
    assert opt["travel_minutes_total"] == 30.0
    assert [w[:2] for w in where(doc, "greedy")] == [("hap-b", 10.0), ("zh-e", 40.0)]
    assert [w[:2] for w in where(doc, "optimized")] == [("zh-e", 20.0), ("hap-b", 10.0)]
    assert opt["batch_assignments"] == 2 and opt["capacity_violations"] == 0
    # One call per reservation: announcing the patient to the place.
    assert opt["phone_calls"] == gre["phone_calls"] == 2


PHONES_ALWAYS_ANSWERED = RunSettings(
    never_confirm_share=0.0, call_minutes=(5.0, 5.0), no_answer_day=0.0, no_answer_night=0.0, really_free=1.0
)


def test_the_status_quo_phones_nearest_first_and_learns_a_place_only_by_calling(protocol: TriageProtocol) -> None:
    # R1 (minute 1, at c) calls hap-b (10 min away) until minute 6: a unit freed at minute 5, placed.
    # R2 (minute 2, at a) calls hap-b until minute 7: R1 took it, no; then zh-e until minute 12: placed.
    scenario = tiny_scenario(protocol)
    doc = simulate(scenario.region, protocol, hours=1.0, scenario=scenario, settings=PHONES_ALWAYS_ANSWERED)
    sq = doc["policies"]["status-quo"]
    assert where(doc, "status-quo") == [("hap-b", 10.0, 5.0), ("zh-e", 40.0, 10.0)]
    assert sq["phone_calls"] == 3 and sq["holds_taken"] == 0 and sq["capacity_violations"] == 0
    assert [o["phone_calls"] for o in doc["outcomes"]["status-quo"]] == [1, 2]


def test_without_reports_only_the_status_quo_finds_places(protocol: TriageProtocol) -> None:
    # Nobody reports: the board shows every place stale, the board's policies place nobody; the phone still works.
    scenario = tiny_scenario(protocol, reported=False)
    doc = simulate(scenario.region, protocol, hours=1.0, scenario=scenario, settings=PHONES_ALWAYS_ANSWERED)
    assert doc["policies"]["greedy"]["placed"] == doc["policies"]["optimized"]["placed"] == 0
    assert doc["policies"]["status-quo"]["placed"] == 2


def test_unanswered_calls_and_beds_that_fall_through_keep_staff_calling(protocol: TriageProtocol) -> None:
    scenario = tiny_scenario(protocol)
    never_answered = RunSettings(call_minutes=(5.0, 5.0), no_answer_day=1.0, no_answer_night=1.0)
    doc = simulate(scenario.region, protocol, hours=1.0, scenario=scenario, settings=never_answered)
    sq = doc["policies"]["status-quo"]
    # Both call hap-b and zh-e (5 minutes each), then the list again 30 minutes later: 4 calls each within the hour.
    assert sq["placed"] == 0 and sq["phone_calls"] == 8
    falls_through = RunSettings(
        call_minutes=(5.0, 5.0), no_answer_day=0.0, really_free=0.0, call_back_minutes=(10.0, 10.0)
    )
    doc = simulate(scenario.region, protocol, hours=1.0, scenario=scenario, settings=falls_through)
    sq = doc["policies"]["status-quo"]
    assert sq["placed"] == 0 and sq["fell_through"] >= 2


def seeds_doc(limburg: Region, protocol: TriageProtocol, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"seeds": [1, 2, 3], "hours": 3.0, "per_day": 200.0} | kw
    return simulate_seeds(limburg, protocol, **args)


def test_several_seeds_give_each_figure_a_mean_and_a_95_percent_interval(
    limburg: Region, protocol: TriageProtocol
) -> None:
    doc = seeds_doc(limburg, protocol)
    assert list(doc["policies"]) == list(POLICIES)
    for policy, figures in doc["policies"].items():
        for key in ("time_to_placement_mean", "within_window_pct", "travel_minutes_p90", "phone_calls"):
            cell = figures[key]
            lo, hi = cell["ci95"]
            assert lo <= cell["mean"] <= hi, (policy, key, cell)
            values = [s["policies"][policy][key] for s in doc["per_seed"]]
            assert cell["mean"] == pytest.approx(sum(values) / len(values), abs=0.01)
    # The phone is the status quo's work: far more calls than one announcement per reservation.
    assert doc["policies"]["status-quo"]["phone_calls"]["mean"] > doc["policies"]["optimized"]["phone_calls"]["mean"]
    comp = doc["comparisons"]["optimized_vs_status-quo"]["phone_calls"]
    assert comp["mean"] < 0 and comp["verdict"] in ("better", "no_difference")
    assert comp["ci95"][0] <= comp["mean"] <= comp["ci95"][1]
    assert set(doc["comparisons"]) == {"optimized_vs_status-quo", "optimized_vs_greedy", "greedy_vs_status-quo"}


def test_the_winter_day_doubles_the_volume_and_runs_near_90_percent(limburg: Region, protocol: TriageProtocol) -> None:
    from coordinator.simulate import SCENARIOS

    normal = seeds_doc(limburg, protocol, seeds=[4], policies=("greedy",))
    winter = seeds_doc(limburg, protocol, seeds=[4], policies=("greedy",), spec=SCENARIOS["winter"])
    n, w = normal["per_seed"][0]["arrivals"], winter["per_seed"][0]["arrivals"]
    assert 1.6 * n < w < 2.4 * n
    occupancy = winter["policies"]["greedy"]["occupancy_pct"]["mean"]
    assert 86 <= occupancy <= 94
    assert occupancy > normal["policies"]["greedy"]["occupancy_pct"]["mean"] + 1.5


def test_the_seh_stop_closes_the_largest_seh_for_six_hours(limburg: Region, protocol: TriageProtocol) -> None:
    from coordinator.simulate import SCENARIOS

    doc = simulate(
        limburg, protocol, seed=5, hours=24.0, per_day=150.0, spec=SCENARIOS["seh-stop"], policies=("optimized",)
    )
    stop = next(s for s in doc["stops"] if "scenario seh-stop" in s["reason"])
    assert stop["provider_id"] == "zh-maastricht"  # 12 SEH places, the most in Limburg
    began, until = datetime.fromisoformat(stop["at"]), datetime.fromisoformat(stop["until"])
    assert until - began == timedelta(hours=6) and began.astimezone(limburg.tz).hour == 14
    start = datetime.fromisoformat(doc["start"])
    placed_during = [
        o
        for o in doc["outcomes"]["optimized"]
        if o["provider_id"] == "zh-maastricht"
        and o["wait_minutes"] is not None
        and began <= start + timedelta(minutes=o["wait_minutes"]) < until
    ]
    assert placed_during == []


def test_the_t_interval() -> None:
    from coordinator.simulate.stats import t_interval

    mean, ci = t_interval([1.0, 2.0, 3.0])
    assert mean == 2.0 and ci is not None
    assert ci[0] == pytest.approx(2 - 2.4841, abs=1e-3) and ci[1] == pytest.approx(2 + 2.4841, abs=1e-3)
    assert t_interval([5.0]) == (5.0, None)
    assert t_interval([]) == (None, None)


def test_the_dutch_report_html_json_and_valid_pngs_are_written(
    limburg: Region, protocol: TriageProtocol, tmp_path: Path
) -> None:
    out = tmp_path / "sim"
    doc = seeds_doc(limburg, protocol, seeds=[1, 2], hours=2.0, out=out)
    written = json.loads((out / "simulation.json").read_text())
    assert written["policies"] == doc["policies"]
    html = " ".join((out / "report.html").read_text().split())
    assert '<html lang="nl">' in html and "Vergelijkingen" in html and "telefoontje duurt 3-8 minuten" in html
    for name in PLOTS:
        data = (out / name).read_bytes()
        assert len(data) > 0 and data[:8] == PNG_SIGNATURE, name
        assert f"src='{name}'" in html
    for policy in POLICIES:
        assert policy in html


def test_zcc_simulate_all_policies_on_several_seeds_with_json_and_the_clock_restored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, figures = tmp_path / "cli", tmp_path / "figures.json"
    argv = ["simulate", "--hours", "2", "--volume", "60", "--seed", "4", "--seeds", "2", "--no-progress"]
    code = main([*argv, "--policy", "all", "--scenario", "winter", "--out", str(out), "--json", str(figures)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "binnen het urgentievenster geplaatst" in printed and "optimized t.o.v. status-quo" in printed
    assert "scenario winter" in printed
    doc = json.loads(figures.read_text())
    assert set(doc["policies"]) == {"status-quo", "greedy", "optimized"}
    cell = doc["policies"]["optimized"]["travel_minutes_mean"]
    assert set(cell) >= {"mean", "ci95"} and len(cell["ci95"]) == 2
    assert abs((utcnow() - datetime.now(UTC)).total_seconds()) < 5  # the system clock is back
    # "both" still means greedy and optimized.
    assert main([*argv, "--policy", "both", "--out", str(out), "--json", str(figures)]) == 0
    assert set(json.loads(figures.read_text())["policies"]) == {"greedy", "optimized"}
    assert main(["simulate", "--hours", "0", "--out", str(out)]) == 2
    assert main(["simulate", "--seeds", "0", "--out", str(out)]) == 2


def test_arrivals_follow_the_urgency_mix_and_the_population(limburg: Region, protocol: TriageProtocol) -> None:
    start = datetime(2026, 11, 23, tzinfo=UTC)
    arrivals = generate_arrivals(limburg, protocol, seed=5, start=start, hours=24 * 7, per_day=300)
    n = len(arrivals)
    assert 1900 < n < 2300  # 2100 expected
    share = {u: sum(a.urgency == u for a in arrivals) / n for u in ("U1", "U2", "U3", "U4")}
    assert 0.11 < share["U2"] < 0.19 and 0.53 < share["U3"] < 0.63 and 0.21 < share["U4"] < 0.29
    assert share["U1"] < 0.05
    assert sum(a.age >= 75 for a in arrivals) / n > 0.55
    assert sum(a.location == "maastricht" for a in arrivals) > sum(a.location == "vaals" for a in arrivals)
    evening = sum(a.at.astimezone(limburg.tz).hour in (18, 19) for a in arrivals)
    night = sum(a.at.astimezone(limburg.tz).hour in (3, 4) for a in arrivals)
    assert evening > 3 * night
    assert round(default_volume(limburg)) == 72
    assert set(templates(protocol)) == {"U1", "U2", "U3", "U4"}


def test_progress_bar_writes_to_its_stream() -> None:
    buf = io.StringIO()
    bar = Progress(buf)
    for i in range(101):
        bar.update("optimized", i / 100)
    bar.done()
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("optimized") and "100.0%" in lines[-1] and len(lines) == 11
