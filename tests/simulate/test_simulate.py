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
from coordinator.simulate import DEFAULT_START, RunSettings, Scenario, audit_log, build_scenario, simulate
from coordinator.simulate.demand import Arrival, default_volume, generate_arrivals, templates
from coordinator.simulate.progress import Progress
from coordinator.simulate.report import PLOTS
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


def test_both_policies_see_the_same_arrival_stream(limburg: Region, protocol: TriageProtocol) -> None:
    doc = small_run(limburg, protocol, seed=3)
    opt, gre = doc["outcomes"]["optimized"], doc["outcomes"]["greedy"]
    assert [(o["index"], o["urgency"]) for o in opt] == [(o["index"], o["urgency"]) for o in gre]
    assert doc["policies"]["optimized"]["requests"] == doc["policies"]["greedy"]["requests"] == doc["arrivals"]


def test_optimized_never_places_above_capacity_under_pressure(limburg: Region, protocol: TriageProtocol) -> None:
    # Six times the default volume through the evening peak: places run out, conflicts and waits happen.
    doc = small_run(
        limburg,
        protocol,
        seed=2,
        hours=6.0,
        per_day=6 * default_volume(limburg),
        start=DEFAULT_START + timedelta(hours=16),
        policies=("optimized",),
    )
    fig = doc["policies"]["optimized"]
    assert fig["holds_taken"] > 50 and fig["placed"] > 40
    # Checked after every step against the view and the simulated world, and by replaying the store's event log.
    assert fig["capacity_violations"] == 0
    assert fig["store_events"] > fig["holds_taken"]


def test_the_event_log_audit_catches_a_hold_beyond_what_was_free() -> None:
    def ev(type_: str, hold_id: str) -> tuple[str, dict[str, Any]]:
        return type_, {"hold": {"hold_id": hold_id, "provider_id": "p", "care_type": "c"}}

    report = ("capacity.updated", {"entry": {"provider_id": "p", "care_type": "c", "available": 1}})
    assert audit_log([report, ev("hold.created", "h1"), ev("hold.confirmed", "h1")]) == (0, 3)
    assert audit_log([report, ev("hold.created", "h1"), ev("hold.created", "h2")])[0] == 1
    # A confirmed placement uses the unit until the next report.
    assert audit_log([report, ev("hold.created", "h1"), ev("hold.confirmed", "h1"), ev("hold.created", "h2")])[0] == 1
    assert audit_log([report, ev("hold.created", "h1"), ev("hold.expired", "h1"), ev("hold.created", "h2")])[0] == 0


def tiny_scenario(protocol: TriageProtocol) -> Scenario:
    """Two requests and two free places on the tiny region (towns a-b-c-d-e, 10 minutes apart).

    hap-b (hap_consult, at b) and zh-e (seh, at e) are full until one unit of each frees up 5 minutes in;
    both report it at minute 10. R1 (at c) arrives at minute 1, R2 (at a) at minute 2: both are
    val_trauma_oudere / val_pijn_zwelling, U3 with care types [hap_consult, seh], so both wait for the
    15-minute round. Travel: R1 to hap-b 10, to zh-e 20; R2 to hap-b 10, to zh-e 40.

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
    supply = SupplyPlan(offers, reports, (), ())
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


def test_a_tiny_scenario_with_a_known_best_answer(protocol: TriageProtocol) -> None:
    scenario = tiny_scenario(protocol)
    settings = RunSettings(never_confirm_share=0.0)
    doc: dict[str, Any] = simulate(scenario.region, protocol, hours=1.0, scenario=scenario, settings=settings)
    opt, gre = doc["policies"]["optimized"], doc["policies"]["greedy"]
    assert opt["placed"] == gre["placed"] == 2
    assert gre["travel_minutes_total"] == 50.0
    assert opt["travel_minutes_total"] == 30.0
    where = {p: [(o["provider_id"], o["travel_minutes"]) for o in doc["outcomes"][p]] for p in doc["outcomes"]}
    assert where["greedy"] == [("hap-b", 10.0), ("zh-e", 40.0)]
    assert where["optimized"] == [("zh-e", 20.0), ("hap-b", 10.0)]
    assert doc["comparison"]["travel_reduction_pct"] == 40.0
    assert opt["batch_assignments"] == 2 and opt["capacity_violations"] == 0


def test_the_report_html_and_valid_pngs_are_written(limburg: Region, protocol: TriageProtocol, tmp_path: Path) -> None:
    out = tmp_path / "sim"
    doc = small_run(limburg, protocol, seed=1, hours=2.0, out=out)
    written = json.loads((out / "simulation.json").read_text())
    assert written["policies"] == doc["policies"]
    html = (out / "report.html").read_text()
    for name in PLOTS:
        data = (out / name).read_bytes()
        assert len(data) > 0 and data[:8] == PNG_SIGNATURE, name
        assert f"src='{name}'" in html
    assert "optimized" in html and "greedy" in html


def test_zcc_simulate_prints_the_table_and_restores_the_clock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli"
    code = main(["simulate", "--hours", "2", "--volume", "60", "--seed", "4", "--out", str(out), "--no-progress"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "placed within urgency window %" in printed and "overflow across the border" in printed
    assert (out / "simulation.json").is_file()
    assert abs((utcnow() - datetime.now(UTC)).total_seconds()) < 5  # the system clock is back
    assert main(["simulate", "--hours", "0", "--out", str(out)]) == 2


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
